/**
 * How the ec2-roles step's changes are read back when AWS's answer to one was lost (see
 * src/aws/read-back.ts): plan.ts attaches each of these to the change it builds, so the gate
 * can tell an applied call from one to send again.
 */
import { allMarkerPages, orMissing, sameJson, tagsInclude, type ReadBack } from '../../aws/read-back.js';

/** The profile named by `{ Name }` or `{ Arn }` in an EC2 IamInstanceProfile parameter. */
function profileMatches(arn: string | undefined, wanted: { Name?: string; Arn?: string } | undefined): boolean {
  if (!arn || !wanted) return false;
  if (wanted.Arn) return arn === wanted.Arn;
  return wanted.Name !== undefined && arn.endsWith(`/${wanted.Name}`);
}

/** Association states in which the instance has (or is getting) the profile. */
const LIVE_ASSOCIATION = new Set(['associating', 'associated']);

/** iam:CreateRole: the role exists with the trust policy and tags rootlock sent. */
export const readBackCreateRole: ReadBack = async (read, p) => {
  const r = await orMissing(read('iam', 'GetRole', { RoleName: p.RoleName }));
  if (!r?.Role) return 'absent';
  const trustOk =
    p.AssumeRolePolicyDocument === undefined || sameJson(r.Role.AssumeRolePolicyDocument, p.AssumeRolePolicyDocument);
  return trustOk && tagsInclude(r.Role.Tags, p.Tags) ? 'in-place' : 'conflict';
};

/** iam:CreateInstanceProfile: the instance profile exists. */
export const readBackCreateInstanceProfile: ReadBack = async (read, p) =>
  (await orMissing(read('iam', 'GetInstanceProfile', { InstanceProfileName: p.InstanceProfileName })))?.InstanceProfile
    ? 'in-place'
    : 'absent';

/** iam:AddRoleToInstanceProfile: the profile holds the role (it holds one at most). */
export const readBackAddRoleToInstanceProfile: ReadBack = async (read, p) => {
  const r = await orMissing(read('iam', 'GetInstanceProfile', { InstanceProfileName: p.InstanceProfileName }));
  const roles: Array<{ RoleName?: string }> = r?.InstanceProfile?.Roles ?? [];
  if (roles.some((x) => x.RoleName === p.RoleName)) return 'in-place';
  return roles.length > 0 ? 'conflict' : 'absent';
};

/** iam:AttachRolePolicy: the policy is among the role's attached policies. */
export const readBackAttachRolePolicy: ReadBack = async (read, p) => {
  const attached = await allMarkerPages(
    read,
    'ListAttachedRolePolicies',
    { RoleName: p.RoleName },
    (x) => x?.AttachedPolicies,
  );
  return attached.some((a: any) => a.PolicyArn === p.PolicyArn) ? 'in-place' : 'absent';
};

/** ec2:AssociateIamInstanceProfile: the instance's live association is with the profile sent. */
export const readBackAssociateIamInstanceProfile: ReadBack = async (read, p, { region }) => {
  const r = await read(
    'ec2',
    'DescribeIamInstanceProfileAssociations',
    { Filters: [{ Name: 'instance-id', Values: [p.InstanceId] }] },
    region,
  );
  const associations = (r?.IamInstanceProfileAssociations ?? []) as Array<{
    State?: string;
    IamInstanceProfile?: { Arn?: string };
  }>;
  const live = associations.filter((a) => LIVE_ASSOCIATION.has(a.State ?? ''));
  if (live.some((a) => profileMatches(a.IamInstanceProfile?.Arn, p.IamInstanceProfile))) return 'in-place';
  return live.length > 0 ? 'conflict' : 'absent';
};

/** ec2:ReplaceIamInstanceProfileAssociation: the association now names the profile sent. */
export const readBackReplaceIamInstanceProfileAssociation: ReadBack = async (read, p, { region }) => {
  const r = await read('ec2', 'DescribeIamInstanceProfileAssociations', { AssociationIds: [p.AssociationId] }, region);
  const a = (r?.IamInstanceProfileAssociations ?? [])[0] as { IamInstanceProfile?: { Arn?: string } } | undefined;
  // AWS gives a replaced association a new id: the old one gone proves nothing either way.
  if (!a) {
    throw new Error(
      `association ${String(p.AssociationId)} is no longer listed; whether it was replaced cannot be read back`,
    );
  }
  return profileMatches(a.IamInstanceProfile?.Arn, p.IamInstanceProfile) ? 'in-place' : 'absent';
};
