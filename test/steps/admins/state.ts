/**
 * Builders for the admins step's pure tests: authorization details shaped as IAM returns
 * them (documents URL-encoded, managed policies keyed by Arn) and the step state made
 * from them by the real analysis.
 */
import type { GroupDetail, ManagedPolicyDetail, RoleDetail, UserDetail } from '@aws-sdk/client-iam';
import type { PasswordPolicyState } from '../../../src/aws/password-policy.js';
import { adminGroupsOf, analyzeAdmins, type AuthorizationDetails } from '../../../src/iam/principals.js';
import type { UserCredentials } from '../../../src/steps/admins/credentials.js';
import type { AdminsState, PendingUser } from '../../../src/steps/admins/read.js';

export const ACCOUNT = '123456789012';
export const ADMIN_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';

type Statement = Record<string, unknown>;
export const document = (...Statement: Statement[]): string =>
  encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement }));
export const allow = (Action: string | string[], Resource: string | string[] = '*'): Statement => ({
  Effect: 'Allow',
  Action,
  Resource,
});
export const deny = (Action: string | string[], Resource: string | string[] = '*'): Statement => ({
  Effect: 'Deny',
  Action,
  Resource,
});

export function managedPolicy(arn: string, doc: string): ManagedPolicyDetail {
  return {
    Arn: arn,
    DefaultVersionId: 'v1',
    PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: doc }],
  };
}
export const ADMINISTRATOR_ACCESS = managedPolicy(ADMIN_ARN, document(allow('*')));
export const customerArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:policy/${name}`;

export function user(name: string, opts: Partial<UserDetail> = {}): UserDetail {
  return {
    UserName: name,
    Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    Path: '/',
    CreateDate: new Date('2025-01-01T00:00:00Z'),
    GroupList: [],
    UserPolicyList: [],
    AttachedManagedPolicies: [],
    ...opts,
  };
}
export function group(name: string, opts: Partial<GroupDetail> = {}): GroupDetail {
  return {
    GroupName: name,
    Arn: `arn:aws:iam::${ACCOUNT}:group/${name}`,
    Path: '/',
    GroupPolicyList: [],
    AttachedManagedPolicies: [],
    ...opts,
  };
}
export function role(name: string, opts: Partial<RoleDetail> = {}): RoleDetail {
  const path = opts.Path ?? '/';
  return {
    RoleName: name,
    Arn: `arn:aws:iam::${ACCOUNT}:role${path}${name}`,
    Path: path,
    AssumeRolePolicyDocument: document({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'sts:AssumeRole',
    }),
    RolePolicyList: [],
    AttachedManagedPolicies: [],
    ...opts,
  };
}
export const attach = (...arns: string[]) =>
  arns.map((a) => ({ PolicyArn: a, PolicyName: a.slice(a.lastIndexOf('/') + 1) }));
export const inline = (name: string, doc: string) => ({ PolicyName: name, PolicyDocument: doc });

/** An admin group with AdministratorAccess. */
export const ADMINS_GROUP = group('Administrators', { AttachedManagedPolicies: attach(ADMIN_ARN) });

/** A user that is an admin through the Administrators group. */
export const groupAdmin = (name: string, opts: Partial<UserDetail> = {}): UserDetail =>
  user(name, { GroupList: ['Administrators'], ...opts });

/** Console, MFA and activity of a user, with defaults for a well-kept admin. */
export function creds(opts: Partial<UserCredentials> = {}): UserCredentials {
  return {
    consoleAccess: true,
    mfa: true,
    accessKeys: [],
    source: 'credential-report',
    lastActivity: '2026-11-20T00:00:00.000Z',
    ...opts,
  };
}

export interface StateOptions {
  credentials?: Record<string, UserCredentials>;
  passwordPolicy?: PasswordPolicyState;
  pending?: PendingUser[];
  createdByRootlock?: string[];
}

/** The step state for some users, groups, roles and policies, analysed by the real analysis. */
export function stateOf(
  parts: { users?: UserDetail[]; groups?: GroupDetail[]; roles?: RoleDetail[]; policies?: ManagedPolicyDetail[] },
  opts: StateOptions = {},
): AdminsState {
  const details: AuthorizationDetails = {
    UserDetailList: parts.users ?? [],
    GroupDetailList: parts.groups ?? [ADMINS_GROUP],
    RoleDetailList: parts.roles ?? [],
    Policies: parts.policies ?? [ADMINISTRATOR_ACCESS],
  };
  const analysis = analyzeAdmins(details);
  const credentials: Record<string, UserCredentials> = {};
  for (const a of [...analysis.admins, ...analysis.shadowAdmins.filter((s) => s.kind === 'user')])
    credentials[a.name] = creds();
  const createdAt = Object.fromEntries(
    (parts.users ?? []).map((u) => [u.UserName!, new Date(u.CreateDate!).toISOString()]),
  );
  return {
    details,
    analysis,
    adminGroups: adminGroupsOf(details),
    credentials: { ...credentials, ...opts.credentials },
    createdAt,
    reportGeneratedAt: '2026-11-27T00:00:00.000Z',
    passwordPolicy: opts.passwordPolicy ?? {
      state: 'present',
      policy: {
        MinimumPasswordLength: 14,
        PasswordReusePrevention: 24,
        RequireLowercaseCharacters: true,
        RequireUppercaseCharacters: true,
        RequireNumbers: true,
        RequireSymbols: true,
      },
    },
    pending: opts.pending ?? [],
    createdByRootlock: opts.createdByRootlock ?? [],
  };
}
