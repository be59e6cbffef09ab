/**
 * How the admins step's changes are read back when AWS's answer to one was lost (see
 * src/aws/read-back.ts): plan.ts attaches each of these to the change it builds, so the gate
 * can tell an applied call from one to send again.
 */
import { describeAwsError, isNotFound } from '../../aws/errors.js';
import {
  allMarkerPages,
  CLOCK_SKEW_MS,
  orMissing,
  tagsInclude,
  type ReadBack,
  type ReadCall,
} from '../../aws/read-back.js';

/** The user's group names; undefined when the user does not exist. */
async function groupsOf(read: ReadCall, userName: string): Promise<string[] | undefined> {
  try {
    const groups = await allMarkerPages(read, 'ListGroupsForUser', { UserName: userName }, (p) => p?.Groups);
    return groups.map((g: any) => String(g.GroupName));
  } catch (err) {
    if (isNotFound(describeAwsError(err))) return undefined;
    throw err;
  }
}

/** iam:CreateUser: the user exists with the tags rootlock sent. */
export const readBackCreateUser: ReadBack = async (read, p) => {
  const r = await orMissing(read('iam', 'GetUser', { UserName: p.UserName }));
  if (!r?.User) return 'absent';
  // rootlock tags what it creates: a same-named user without those tags is someone else's.
  return tagsInclude(r.User.Tags, p.Tags) ? 'in-place' : 'conflict';
};

/** iam:CreateGroup: the group exists. */
export const readBackCreateGroup: ReadBack = async (read, p) =>
  (await orMissing(read('iam', 'GetGroup', { GroupName: p.GroupName, MaxItems: 1 })))?.Group ? 'in-place' : 'absent';

/** iam:CreateLoginProfile: a login profile created since the call began. */
export const readBackCreateLoginProfile: ReadBack = async (read, p, { since }) => {
  const r = await orMissing(read('iam', 'GetLoginProfile', { UserName: p.UserName }));
  if (!r?.LoginProfile) return 'absent';
  // Only a login profile created since this call started can hold the password it sent.
  const created = r.LoginProfile.CreateDate ? new Date(r.LoginProfile.CreateDate).getTime() : NaN;
  return created >= since.getTime() - CLOCK_SKEW_MS ? 'in-place' : 'conflict';
};

/** iam:AttachGroupPolicy: the policy is among the group's attached policies. */
export const readBackAttachGroupPolicy: ReadBack = async (read, p) => {
  const attached = await allMarkerPages(
    read,
    'ListAttachedGroupPolicies',
    { GroupName: p.GroupName },
    (x) => x?.AttachedPolicies,
  );
  return attached.some((a: any) => a.PolicyArn === p.PolicyArn) ? 'in-place' : 'absent';
};

/** iam:AddUserToGroup: the user is in the group. */
export const readBackAddUserToGroup: ReadBack = async (read, p) =>
  (await groupsOf(read, p.UserName))?.includes(p.GroupName) ? 'in-place' : 'absent';

/** iam:RemoveUserFromGroup: the user is no longer in the group (or no longer exists). */
export const readBackRemoveUserFromGroup: ReadBack = async (read, p) =>
  (await groupsOf(read, p.UserName))?.includes(p.GroupName) ? 'absent' : 'in-place';

/** iam:UntagUser: none of the removed keys is still on the user. */
export const readBackUntagUser: ReadBack = async (read, p) => {
  const tags = await allMarkerPages(read, 'ListUserTags', { UserName: p.UserName }, (x) => x?.Tags);
  return tags.some((t: any) => (p.TagKeys ?? []).includes(t.Key)) ? 'absent' : 'in-place';
};

/** iam:DeleteUser: the user is gone. */
export const readBackDeleteUser: ReadBack = async (read, p) =>
  (await orMissing(read('iam', 'GetUser', { UserName: p.UserName })))?.User ? 'absent' : 'in-place';

/** iam:DeleteLoginProfile: the user has no login profile. */
export const readBackDeleteLoginProfile: ReadBack = async (read, p) =>
  (await orMissing(read('iam', 'GetLoginProfile', { UserName: p.UserName })))?.LoginProfile ? 'absent' : 'in-place';

/** iam:UpdateAccountPasswordPolicy: the account's policy has every value sent. */
export const readBackUpdateAccountPasswordPolicy: ReadBack = async (read, p) => {
  const r = await orMissing(read('iam', 'GetAccountPasswordPolicy', {}));
  const have = (r?.PasswordPolicy ?? {}) as Record<string, unknown>;
  if (!r?.PasswordPolicy) return 'absent';
  return Object.entries(p).every(([k, v]) => have[k] === v) ? 'in-place' : 'absent';
};

/** Pages of ListAccountAssignments read at most (100 a page). */
const MAX_ASSIGNMENT_PAGES = 50;

/** sso-admin:CreateAccountAssignment: the principal is assigned the permission set on the account. */
export const readBackCreateAccountAssignment: ReadBack = async (read, p, { region }) => {
  let token: string | undefined;
  for (let page = 0; page < MAX_ASSIGNMENT_PAGES; page++) {
    const r = await read(
      'sso-admin',
      'ListAccountAssignments',
      {
        InstanceArn: p.InstanceArn,
        AccountId: p.TargetId,
        PermissionSetArn: p.PermissionSetArn,
        ...(token ? { NextToken: token } : {}),
      },
      region,
    );
    const found = (r?.AccountAssignments ?? []).some(
      (a: { PrincipalType?: string; PrincipalId?: string }) =>
        a.PrincipalType === p.PrincipalType && a.PrincipalId === p.PrincipalId,
    );
    if (found) return 'in-place';
    token = typeof r?.NextToken === 'string' && r.NextToken ? r.NextToken : undefined;
    if (!token) return 'absent';
  }
  throw new Error('ListAccountAssignments did not stop paging');
};
