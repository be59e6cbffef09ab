/**
 * Turns the operator's answers into the exact IAM calls, as data. Nothing here sends
 * anything: the runner shows the plan, and the mutation gate sends it in this order.
 */
import type { Change, SecretPlaceholder } from '../../engine/types.js';
import { ADMINISTRATOR_ACCESS_ARN, CREATED_BY_TAG, SETUP_TAG, STRONG_PASSWORD_POLICY } from './meta.js';
import {
  readBackAddUserToGroup,
  readBackAttachGroupPolicy,
  readBackCreateGroup,
  readBackCreateLoginProfile,
  readBackCreateUser,
  readBackDeleteLoginProfile,
  readBackDeleteUser,
  readBackRemoveUserFromGroup,
  readBackUntagUser,
  readBackCreateAccountAssignment,
  readBackUpdateAccountPasswordPolicy,
} from './read-back.js';

/** The admin group the new or completed users join. */
export interface GroupAnswer {
  /** The group's name as IAM spells it (an existing group keeps its own case). */
  name: string;
  /** The group does not exist: CreateGroup first. */
  create: boolean;
  /** Attach AdministratorAccess (new group, or an existing one the operator agreed to promote). */
  attachPolicy: boolean;
}

/** A half-done user to finish. */
export interface CompleteAnswer {
  name: string;
  loginProfile: boolean;
  /**
   * The user has a console password nobody can be known to have seen (set by an earlier
   * session, or AWS's answer to setting it was lost): replace it with a new one-time password.
   */
  resetPassword?: boolean;
  addToGroup: boolean;
  /** Remove the setup tag at the end: only when the user will then be a complete admin. */
  finish: boolean;
}

/** A half-done user created in this session, to undo: only what this session applied. */
export interface RollbackAnswer {
  name: string;
  deleteLoginProfile: boolean;
  removeFromGroups: string[];
}

/** An admin to demote by removing it from its admin group(s). */
export interface RemoveAnswer {
  name: string;
  groups: string[];
}

/** Identity Center users or groups to assign an admin permission set on this account. */
export interface IdentityCenterAssignAnswer {
  instanceArn: string;
  /** The instance's region: every sso-admin call goes there. */
  region: string;
  /** This account (the assignment's target). */
  accountId: string;
  permissionSet: { name: string; arn: string };
  principals: Array<{ type: 'USER' | 'GROUP'; id: string; name: string }>;
}

/** Everything the admins step may be asked to do in one round. */
export interface AdminsAnswers {
  passwordPolicy?: boolean;
  identityCenter?: IdentityCenterAssignAnswer;
  group?: GroupAnswer;
  create?: { names: string[] };
  complete?: CompleteAnswer[];
  rollback?: RollbackAnswer[];
  remove?: RemoveAnswer[];
}

/** Change ids, shared with ask.ts (which reads what this session applied). */
export const changeIds = {
  passwordPolicy: 'admins/password-policy',
  createGroup: (g: string) => `admins/create-group/${g}`,
  attachPolicy: (g: string) => `admins/attach-admin-policy/${g}`,
  createUser: (u: string) => `admins/create-user/${u}`,
  loginProfile: (u: string) => `admins/login-profile/${u}`,
  resetPassword: (u: string) => `admins/reset-password/${u}`,
  addToGroup: (g: string, u: string) => `admins/add-to-group/${g}/${u}`,
  finishSetup: (u: string) => `admins/finish-setup/${u}`,
  removeFromGroup: (g: string, u: string) => `admins/remove-from-group/${g}/${u}`,
  rollbackLoginProfile: (u: string) => `admins/rollback/login-profile/${u}`,
  rollbackMembership: (g: string, u: string) => `admins/rollback/membership/${g}/${u}`,
  rollbackUser: (u: string) => `admins/rollback/user/${u}`,
  identityCenterAssign: (permissionSet: string, type: 'USER' | 'GROUP', name: string) =>
    `admins/identity-center-assign/${permissionSet}/${type.toLowerCase()}/${name}`,
};

/** Prefix of the Identity Center assignment changes' ids. */
export const IDC_ASSIGN_PREFIX = 'admins/identity-center-assign/';

function passwordPlaceholder(user: string): SecretPlaceholder {
  return { $secret: 'password', label: `one-time console password for ${user}` };
}

function iam(
  id: string,
  description: string,
  operation: string,
  params: Record<string, unknown>,
  extra: Partial<Change> = {},
): Change {
  return { id, step: 'admins', description, service: 'iam', operation, params, ...extra };
}

function groupChanges(g: GroupAnswer): Change[] {
  const out: Change[] = [];
  if (g.create) {
    out.push(
      iam(
        changeIds.createGroup(g.name),
        `Create IAM group ${g.name}`,
        'CreateGroup',
        { GroupName: g.name },
        {
          alreadyDoneCodes: ['EntityAlreadyExists'],
          readBack: readBackCreateGroup,
        },
      ),
    );
  }
  if (g.attachPolicy) {
    out.push(
      iam(
        changeIds.attachPolicy(g.name),
        `Attach AdministratorAccess to group ${g.name}`,
        'AttachGroupPolicy',
        { GroupName: g.name, PolicyArn: ADMINISTRATOR_ACCESS_ARN },
        // Attaching an attached policy succeeds and changes nothing.
        { readBack: readBackAttachGroupPolicy, idempotent: true },
      ),
    );
  }
  return out;
}

function loginProfile(user: string): Change {
  return iam(
    changeIds.loginProfile(user),
    `Give ${user} a one-time console password (shown once, must be changed at first sign-in)`,
    'CreateLoginProfile',
    { UserName: user, Password: passwordPlaceholder(user), PasswordResetRequired: true },
    { readBack: readBackCreateLoginProfile },
  );
}

function resetPassword(user: string): Change {
  return iam(
    changeIds.resetPassword(user),
    `Replace ${user}'s console password with a new one-time password (shown once, must be changed at first sign-in)`,
    'UpdateLoginProfile',
    { UserName: user, Password: passwordPlaceholder(user), PasswordResetRequired: true },
  );
}

function addToGroup(group: string, user: string): Change {
  return iam(
    changeIds.addToGroup(group, user),
    `Add ${user} to group ${group}`,
    'AddUserToGroup',
    { GroupName: group, UserName: user },
    // Adding a member again succeeds and changes nothing.
    { readBack: readBackAddUserToGroup, idempotent: true },
  );
}

function finishSetup(user: string): Change {
  return iam(
    changeIds.finishSetup(user),
    `Mark ${user} as set up (remove the ${SETUP_TAG.Key} tag)`,
    'UntagUser',
    { UserName: user, TagKeys: [SETUP_TAG.Key] },
    // Removing a tag that is not there succeeds.
    { readBack: readBackUntagUser, idempotent: true },
  );
}

/**
 * The plan for one round, in the order it must run: password policy first (so the new
 * passwords are set under it), then the group, then each user from start to finish, then
 * removals, then rollbacks.
 */
export function buildPlan(a: AdminsAnswers): Change[] {
  const plan: Change[] = [];
  if (a.passwordPolicy) {
    plan.push(
      iam(
        changeIds.passwordPolicy,
        'Set the account password policy: at least 14 characters, upper and lower case, numbers and symbols, no ' +
          'reuse of the last 24',
        'UpdateAccountPasswordPolicy',
        { ...STRONG_PASSWORD_POLICY },
        // It replaces the whole policy with the same values.
        { readBack: readBackUpdateAccountPasswordPolicy, idempotent: true },
      ),
    );
  }
  if (a.identityCenter) plan.push(...identityCenterChanges(a.identityCenter));
  const needsGroup = (a.create?.names.length ?? 0) > 0 || (a.complete ?? []).some((c) => c.addToGroup);
  if (a.group && needsGroup) plan.push(...groupChanges(a.group));

  for (const c of a.complete ?? []) {
    if (c.loginProfile) plan.push(loginProfile(c.name));
    else if (c.resetPassword) plan.push(resetPassword(c.name));
    if (c.addToGroup && a.group) plan.push(addToGroup(a.group.name, c.name));
    if (c.finish) plan.push(finishSetup(c.name));
  }

  if (a.group) {
    for (const name of a.create?.names ?? []) {
      plan.push(
        iam(
          changeIds.createUser(name),
          `Create IAM user ${name}`,
          'CreateUser',
          { UserName: name, Tags: [{ ...CREATED_BY_TAG }, { ...SETUP_TAG }] },
          { readBack: readBackCreateUser },
        ),
        loginProfile(name),
        addToGroup(a.group.name, name),
        finishSetup(name),
      );
    }
  }

  for (const r of a.remove ?? []) {
    for (const g of r.groups) {
      plan.push(
        iam(
          changeIds.removeFromGroup(g, r.name),
          `Remove ${r.name} from group ${g} (the user is kept)`,
          'RemoveUserFromGroup',
          { GroupName: g, UserName: r.name },
          {
            destructive: true,
            alreadyDoneCodes: ['NoSuchEntity'],
            warning: `${r.name} loses the admin rights group ${g} gives.`,
            readBack: readBackRemoveUserFromGroup,
            idempotent: true,
          },
        ),
      );
    }
  }

  for (const r of a.rollback ?? []) {
    if (r.deleteLoginProfile) {
      plan.push(
        iam(
          changeIds.rollbackLoginProfile(r.name),
          `Delete the console password rootlock gave ${r.name} in this session`,
          'DeleteLoginProfile',
          { UserName: r.name },
          {
            destructive: true,
            alreadyDoneCodes: ['NoSuchEntity'],
            readBack: readBackDeleteLoginProfile,
            idempotent: true,
          },
        ),
      );
    }
    for (const g of r.removeFromGroups) {
      plan.push(
        iam(
          changeIds.rollbackMembership(g, r.name),
          `Remove ${r.name} from group ${g} (added in this session)`,
          'RemoveUserFromGroup',
          { GroupName: g, UserName: r.name },
          {
            destructive: true,
            alreadyDoneCodes: ['NoSuchEntity'],
            readBack: readBackRemoveUserFromGroup,
            idempotent: true,
          },
        ),
      );
    }
    plan.push(
      iam(
        changeIds.rollbackUser(r.name),
        `Delete user ${r.name}, created by rootlock in this session`,
        'DeleteUser',
        { UserName: r.name },
        {
          destructive: true,
          alreadyDoneCodes: ['NoSuchEntity'],
          warning:
            'AWS refuses (DeleteConflict) if anything else was added to the user meanwhile; nothing else is deleted.',
          readBack: readBackDeleteUser,
          idempotent: true,
        },
      ),
    );
  }
  return plan;
}

/** sso-admin CreateAccountAssignment for each chosen principal, sent to the instance's region. */
function identityCenterChanges(a: IdentityCenterAssignAnswer): Change[] {
  return a.principals.map(
    (p): Change => ({
      id: changeIds.identityCenterAssign(a.permissionSet.name, p.type, p.name),
      step: 'admins',
      description:
        `Assign Identity Center ${p.type === 'GROUP' ? 'group' : 'user'} ${p.name} the permission set ` +
        `${a.permissionSet.name} on account ${a.accountId}`,
      service: 'sso-admin',
      operation: 'CreateAccountAssignment',
      params: {
        InstanceArn: a.instanceArn,
        TargetId: a.accountId,
        TargetType: 'AWS_ACCOUNT',
        PermissionSetArn: a.permissionSet.arn,
        PrincipalType: p.type,
        PrincipalId: p.id,
      },
      region: a.region,
      readBack: readBackCreateAccountAssignment,
    }),
  );
}
