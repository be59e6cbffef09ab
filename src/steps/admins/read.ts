/**
 * Reads for the admins step: the shared authorization details (all pages) and credential
 * report, the account password policy, and, only for the few users the report cannot
 * know about yet (created after it was generated, or left half-done by rootlock), direct
 * IAM reads. Everything else is derived by pure functions.
 */
import type { Tag, UserDetail } from '@aws-sdk/client-iam';
import type { CredentialReportRow } from '../../aws/credential-report.js';
import { describeAwsError, isNotFound } from '../../aws/errors.js';
import { readPasswordPolicy, type PasswordPolicyState } from '../../aws/password-policy.js';
import type { ClientPool } from '../../aws/pool.js';
import type { AuthorizationDetails as SharedDetails } from '../../aws/reads.js';
import type { StepContext } from '../../engine/step.js';
import {
  adminGroupsOf,
  analyzeAdmins,
  type AdminAnalysis,
  type AdminGroup,
  type AuthorizationDetails,
} from '../../iam/principals.js';
import { credentialsFromDirect, credentialsFromReport, type UserCredentials } from './credentials.js';
import { readIdentityCenter, type IdentityCenterState } from './identity-center.js';
import { CREATED_BY_TAG, SETUP_TAG } from './meta.js';

/** A user rootlock started creating and did not finish (it still carries the setup tag). */
export interface PendingUser {
  name: string;
  arn: string;
  /** Has a console password. */
  loginProfile: boolean;
  /** Is a full admin (through any path). */
  admin: boolean;
  groups: string[];
}

/** Everything the admins step knows about the account. */
export interface AdminsState {
  /** The authorization details in the shape src/iam/principals.ts reads. */
  details: AuthorizationDetails;
  analysis: AdminAnalysis;
  adminGroups: AdminGroup[];
  /** Credentials of every user the step reports on (admins, shadow admins, pending users), by user name. */
  credentials: Record<string, UserCredentials>;
  /** User name -> creation date (ISO), for the "unused for 45 days" rule. */
  createdAt: Record<string, string>;
  reportGeneratedAt?: string;
  /** Users read directly because the credential report is older than them (not in it, or created since). */
  newerThanReport?: string[];
  passwordPolicy: PasswordPolicyState;
  pending: PendingUser[];
  /** Users rootlock created (tag created-by=rootlock). */
  createdByRootlock: string[];
  /** IAM users with a console password (credential report, or read directly when newer than it). */
  consoleUsers?: string[];
  /** IAM Identity Center: the people it makes full admins of this account, or why it was not read. */
  identityCenter?: IdentityCenterState;
}

/** The shared reads' arrays under the names of the GetAccountAuthorizationDetails response. */
export function toAnalysisInput(d: SharedDetails): AuthorizationDetails {
  return { UserDetailList: d.users, GroupDetailList: d.groups, RoleDetailList: d.roles, Policies: d.policies };
}

export function hasTag(tags: Tag[] | undefined, tag: { Key: string; Value: string }): boolean {
  return (tags ?? []).some((t) => t.Key === tag.Key && t.Value === tag.Value);
}

/** Console password, MFA devices, last sign-in and access keys of one user, read directly. */
export async function readUserCredentials(pool: ClientPool, userName: string): Promise<UserCredentials> {
  const loginProfile = pool.call('iam', 'GetLoginProfile', { UserName: userName }).then(
    () => true,
    (err: unknown) => {
      if (isNotFound(describeAwsError(err))) return false;
      throw err;
    },
  );
  const [hasLogin, mfa, user, keys] = await Promise.all([
    loginProfile,
    pool.call<{ MFADevices?: unknown[] }>('iam', 'ListMFADevices', { UserName: userName }),
    pool.call<{ User?: { PasswordLastUsed?: Date } }>('iam', 'GetUser', { UserName: userName }),
    pool.call<{ AccessKeyMetadata?: Array<{ AccessKeyId?: string; Status?: string; CreateDate?: Date }> }>(
      'iam',
      'ListAccessKeys',
      {
        UserName: userName,
      },
    ),
  ]);
  const accessKeys = await Promise.all(
    (keys.AccessKeyMetadata ?? []).map(async (k) => {
      let lastUsed: Date | undefined;
      if (k.AccessKeyId) {
        const r = await pool.call<{ AccessKeyLastUsed?: { LastUsedDate?: Date } }>('iam', 'GetAccessKeyLastUsed', {
          AccessKeyId: k.AccessKeyId,
        });
        lastUsed = r.AccessKeyLastUsed?.LastUsedDate;
      }
      return { status: k.Status, createDate: k.CreateDate, lastUsed };
    }),
  );
  return credentialsFromDirect({
    loginProfile: hasLogin,
    mfaDevices: mfa.MFADevices?.length ?? 0,
    passwordLastUsed: user.User?.PasswordLastUsed,
    accessKeys,
  });
}

/**
 * Whether the credential report can speak for a user: it must have the user's row, and
 * the user must be older than the report (AWS regenerates it at most every 4 hours, so a
 * user created since is missing or shown as it was).
 */
export function reportCovers(
  user: UserDetail,
  row: CredentialReportRow | undefined,
  generatedAt: Date | undefined,
): boolean {
  if (!row) return false;
  if (!generatedAt || !user.CreateDate) return true;
  // Both times in whole seconds, as AWS gives GeneratedTime: a row means the user existed then.
  return Math.floor(new Date(user.CreateDate).getTime() / 1000) <= Math.floor(generatedAt.getTime() / 1000);
}

/** Reads the state the admins step assesses. */
export async function readAdminsState(ctx: StepContext): Promise<AdminsState> {
  const progress = ctx.output.progress('Reading IAM users, groups, roles and policies');
  let shared: SharedDetails;
  let report: Awaited<ReturnType<StepContext['reads']['credentialReport']>>;
  let passwordPolicy: PasswordPolicyState;
  try {
    [shared, report, passwordPolicy] = await Promise.all([
      ctx.reads.authorizationDetails(),
      ctx.reads.credentialReport(progress),
      readPasswordPolicy(ctx),
    ]);
  } finally {
    progress.stop();
  }
  const details = toAnalysisInput(shared);
  const analysis = analyzeAdmins(details);
  const adminGroups = adminGroupsOf(details);
  const adminNames = new Set(analysis.admins.map((a) => a.name));

  const usersByName = new Map((details.UserDetailList ?? []).map((u) => [u.UserName ?? '', u]));
  const pendingUsers = (details.UserDetailList ?? []).filter(
    (u) => hasTag(u.Tags, CREATED_BY_TAG) && hasTag(u.Tags, SETUP_TAG),
  );
  const createdByRootlock = (details.UserDetailList ?? [])
    .filter((u) => hasTag(u.Tags, CREATED_BY_TAG))
    .map((u) => u.UserName ?? '');

  // Users the step reports credentials for: admins, user shadow admins and half-done users.
  const wanted = new Set<string>([
    ...analysis.admins.map((a) => a.name),
    ...analysis.shadowAdmins.filter((s) => s.kind === 'user').map((s) => s.name),
    ...pendingUsers.map((u) => u.UserName ?? ''),
  ]);
  const rows = new Map(report.rows.map((r) => [r['user'] ?? '', r]));
  const pendingNames = new Set(pendingUsers.map((u) => u.UserName ?? ''));
  const credentials: Record<string, UserCredentials> = {};
  const createdAt: Record<string, string> = {};
  const direct: string[] = [];
  const newerThanReport: string[] = [];
  for (const name of wanted) {
    const user = usersByName.get(name);
    if (!user) continue;
    if (user.CreateDate) createdAt[name] = new Date(user.CreateDate).toISOString();
    const row = rows.get(name);
    const covered = reportCovers(user, row, report.generatedAt);
    // A half-done user is always read directly: the point is to see what is missing now.
    if (!pendingNames.has(name) && covered) credentials[name] = credentialsFromReport(row!);
    else direct.push(name);
    if (!covered) newerThanReport.push(name);
  }
  const [fresh, identityCenter] = await Promise.all([
    Promise.all(direct.map((n) => readUserCredentials(ctx.pool, n))),
    readIdentityCenter(ctx, shared.policies),
  ]);
  direct.forEach((n, i) => (credentials[n] = fresh[i]!));
  const consoleUsers = new Set(
    report.rows
      .filter((r) => r['user'] && r['user'] !== '<root_account>' && r['password_enabled'] === 'true')
      .map((r) => r['user']!),
  );
  for (const [name, c] of Object.entries(credentials)) if (c.consoleAccess) consoleUsers.add(name);

  const pending: PendingUser[] = pendingUsers.map((u) => {
    const name = u.UserName ?? '';
    return {
      name,
      arn: u.Arn ?? '',
      loginProfile: credentials[name]?.consoleAccess ?? false,
      admin: adminNames.has(name),
      groups: [...(u.GroupList ?? [])],
    };
  });

  return {
    details,
    analysis,
    adminGroups,
    credentials,
    createdAt,
    reportGeneratedAt: report.generatedAt ? new Date(report.generatedAt).toISOString() : undefined,
    newerThanReport: newerThanReport.sort(),
    passwordPolicy,
    pending,
    createdByRootlock,
    consoleUsers: [...consoleUsers].filter((n) => usersByName.has(n)).sort(),
    identityCenter,
  };
}
