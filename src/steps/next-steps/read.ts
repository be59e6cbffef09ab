/**
 * Reads for the next steps. The credential report, the account summary, the password policy and
 * the authorization details are the shared memoized reads the four steps already made, so a
 * session pays few more calls: S3 Control GetPublicAccessBlock, ListVirtualMFADevices only when
 * the root user has MFA to classify, and GetLoginProfile + ListMFADevices for the users the
 * credential report may show as they were (created after it, or, in a report AWS reused, shown
 * without MFA: AWS regenerates it at most every 4 hours).
 *
 * The organization-member next step takes the account's organization from the session
 * (`ctx.account`, classified when the session opened) and asks organizations:DescribeOrganization
 * (the shared, memoized read) only when the session could not tell; contacts-distinct reads the
 * three alternate contacts and the primary contact through the shared reads billing-recovery uses
 * (AccountReads.alternateContact / contactInformation), so a session that ran that step asks again
 * for nothing. Signed as the root user, root's MFA devices are listed (iam:ListMFADevices without
 * UserName) to name each one's kind.
 *
 * IAM permissions: iam:GetAccountSummary, iam:GenerateCredentialReport, iam:GetCredentialReport,
 * iam:GetAccountPasswordPolicy, iam:ListVirtualMFADevices, iam:GetAccountAuthorizationDetails,
 * iam:GetLoginProfile, iam:ListMFADevices, s3:GetAccountPublicAccessBlock,
 * organizations:DescribeOrganization, account:GetAlternateContact, account:GetContactInformation.
 */
import { mfaKind } from '../../aws/mfa.js';
import { reportTrue, userRows, type CredentialReport } from '../../aws/credential-report.js';
import { describeAwsError, explainFailure, isNotFound } from '../../aws/errors.js';
import { readPasswordPolicy } from '../../aws/password-policy.js';
import { allPages } from '../../aws/reads.js';
import type { StepContext } from '../../engine/step.js';
import { mapLimit } from '../../util/concurrency.js';
import {
  PUBLIC_ACCESS_BLOCK_SETTINGS,
  rootMfa,
  type AccountContacts,
  type AccountPublicAccessBlock,
  type ContactPerson,
  type OrganizationMembership,
  type RootMfaDevice,
  type ConsoleUserNow,
  type ConsoleUsersNow,
  type NextStepsInput,
  type Read,
  type VirtualMfaDevice,
} from './analysis.js';

function failed(err: unknown, service: string, operation: string): { ok: false; reason: string } {
  return { ok: false, reason: explainFailure(describeAwsError(err, service, operation)) };
}

async function settle<T>(p: Promise<T>, service: string, operation: string): Promise<Read<T>> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    return failed(err, service, operation);
  }
}

/** Assigned virtual MFA devices (all pages), memoized for the session. */
export function readAssignedVirtualMfa(ctx: Pick<StepContext, 'reads' | 'pool'>): Promise<VirtualMfaDevice[]> {
  return ctx.reads.once('iam:virtual-mfa-assigned', async () => {
    const pages = await allPages((Marker) =>
      ctx.pool.call<{
        VirtualMFADevices?: Array<{ SerialNumber?: string; User?: { Arn?: string } }>;
        IsTruncated?: boolean;
        Marker?: string;
      }>('iam', 'ListVirtualMFADevices', { AssignmentStatus: 'Assigned', Marker }),
    );
    return pages
      .flatMap((p) => p.VirtualMFADevices ?? [])
      .map((d) => ({ serialNumber: d.SerialNumber ?? '', userArn: d.User?.Arn }));
  });
}

/**
 * The account-level S3 Block Public Access settings. S3 answers 404
 * NoSuchPublicAccessBlockConfiguration when none was ever set: a finding, not a failure.
 */
export async function readAccountPublicAccessBlock(
  ctx: Pick<StepContext, 'pool' | 'account'>,
): Promise<AccountPublicAccessBlock> {
  try {
    const res = await ctx.pool.call<{ PublicAccessBlockConfiguration?: Record<string, unknown> }>(
      's3control',
      'GetPublicAccessBlock',
      { AccountId: ctx.account.id },
    );
    const got = res.PublicAccessBlockConfiguration ?? {};
    return {
      configured: true,
      settings: Object.fromEntries(PUBLIC_ACCESS_BLOCK_SETTINGS.map((k) => [k, got[k] === true])),
    };
  } catch (err) {
    if (describeAwsError(err).code === 'NoSuchPublicAccessBlockConfiguration') return { configured: false };
    throw err;
  }
}

/**
 * Whether the account belongs to an organization: from the session's classification when it has one
 * (no call), else organizations:DescribeOrganization (AWSOrganizationsNotInUseException: not in one).
 */
export async function readOrganizationMembership(
  ctx: Pick<StepContext, 'reads' | 'account'>,
): Promise<OrganizationMembership> {
  const org = ctx.account.organization;
  if (org) return { member: true, id: org.id, managementAccountId: org.managementAccountId };
  if (ctx.account.type === 'standalone') return { member: false, code: 'AWSOrganizationsNotInUseException' };
  try {
    const described = await ctx.reads.describeOrganization();
    return { member: true, id: described.Id ?? '', managementAccountId: described.MasterAccountId ?? '' };
  } catch (err) {
    const f = describeAwsError(err, 'organizations', 'DescribeOrganization');
    if (f.code === 'AWSOrganizationsNotInUseException') return { member: false, code: f.code };
    throw err;
  }
}

/** The three alternate contacts and the primary contact of the session's account, as people (shared reads). */
export async function readContacts(ctx: Pick<StepContext, 'reads'>): Promise<AccountContacts> {
  const alternate = (type: 'BILLING' | 'OPERATIONS' | 'SECURITY') =>
    ctx.reads
      .alternateContact(type)
      .then((c): ContactPerson | null => (c ? { name: c.Name, email: c.EmailAddress, phone: c.PhoneNumber } : null));
  const [billing, operations, security, primary] = await Promise.all([
    alternate('BILLING'),
    alternate('OPERATIONS'),
    alternate('SECURITY'),
    ctx.reads
      .contactInformation()
      .then((c): ContactPerson | null => (c ? { name: c.FullName, phone: c.PhoneNumber } : null)),
  ]);
  return { billing, operations, security, primary };
}

/** The root user's MFA devices and their kinds (iam:ListMFADevices without UserName: only when signed as root). */
export async function readRootMfaDevices(ctx: Pick<StepContext, 'pool'>): Promise<RootMfaDevice[]> {
  const res = await ctx.pool.call<{ MFADevices?: Array<{ SerialNumber?: string }> }>('iam', 'ListMFADevices', {});
  return (res.MFADevices ?? []).map((d) => ({
    serialNumber: d.SerialNumber ?? '',
    kind: mfaKind(d.SerialNumber ?? ''),
  }));
}

/** Users read directly at once, at most (AWS throttles bursts). */
const DIRECT_READS = 5;

/**
 * At most this many users are read directly (two calls each). Beyond it the report is taken as it
 * is and the message says how many users it may show out of date: a large account with many
 * console users without MFA would otherwise cost hundreds of calls.
 */
export const MAX_DIRECT_USERS = 25;

/**
 * A credential report younger than this shows the account about as this run found it (generated
 * for the run, or just before): the users it shows without MFA are taken as shown. An older one
 * may be a report AWS reused (it regenerates at most every 4 hours): they are read again in IAM.
 * Users missing from the report are read in any case.
 */
export const REPORT_RECENT_MS = 5 * 60_000;

/** Whether a user has a console password (GetLoginProfile: NoSuchEntity means none) and an MFA device, now. */
async function consoleUserNow(ctx: Pick<StepContext, 'pool'>, name: string, arn: string): Promise<ConsoleUserNow> {
  const [console, devices] = await Promise.all([
    ctx.pool.call('iam', 'GetLoginProfile', { UserName: name }).then(
      () => true,
      (err: unknown) => {
        if (isNotFound(describeAwsError(err))) return false;
        throw err;
      },
    ),
    ctx.pool.call<{ MFADevices?: unknown[] }>('iam', 'ListMFADevices', { UserName: name }),
  ]);
  return { name, arn, console, mfa: (devices.MFADevices?.length ?? 0) > 0 };
}

/**
 * The users the credential report may show as they were, read directly in IAM. AWS regenerates
 * the report at most every 4 hours, so users created after it are missing from it (the shared
 * authorization details list them), and, when the report is older than {@link REPORT_RECENT_MS},
 * a user it shows with a console password and no MFA may have enrolled since: those are asked
 * about, up to {@link MAX_DIRECT_USERS} (the missing users first). Users the report lists that no
 * longer exist are named as gone.
 */
export async function readConsoleUsersNow(
  ctx: Pick<StepContext, 'pool' | 'reads' | 'clock'>,
  report: CredentialReport,
): Promise<ConsoleUsersNow> {
  const details = await ctx.reads.authorizationDetails();
  const age = report.generatedAt ? ctx.clock.now().getTime() - report.generatedAt.getTime() : Infinity;
  const rows = new Map(userRows(report.rows).map((r) => [r.user ?? '', r]));
  const missing = details.users.filter((u) => !rows.has(u.UserName ?? ''));
  const flagged =
    age > REPORT_RECENT_MS
      ? details.users.filter((u) => {
          const row = rows.get(u.UserName ?? '');
          return row !== undefined && reportTrue(row.password_enabled) && !reportTrue(row.mfa_active);
        })
      : [];
  const wanted = [...missing, ...flagged];
  const ask = wanted.length <= MAX_DIRECT_USERS ? wanted : missing.length <= MAX_DIRECT_USERS ? missing : [];
  const users = await mapLimit(ask, DIRECT_READS, (u) => consoleUserNow(ctx, u.UserName ?? '', u.Arn ?? ''));
  const existing = new Set(details.users.map((u) => u.UserName ?? ''));
  return {
    users,
    gone: [...rows.keys()].filter((name) => !existing.has(name)),
    notRead: wanted.length - ask.length,
  };
}

/** Everything the analysis needs; a failed read becomes a `not-checked` reason, never an exception. */
export async function readNextStepsInput(ctx: StepContext): Promise<NextStepsInput> {
  const [summary, report, policy, publicAccessBlock, organization, contacts] = await Promise.all([
    settle(ctx.reads.accountSummary(), 'iam', 'GetAccountSummary'),
    settle(ctx.reads.credentialReport(), 'iam', 'GetCredentialReport'),
    readPasswordPolicy(ctx).catch((err: unknown) => {
      const f = failed(err, 'iam', 'GetAccountPasswordPolicy');
      return { state: 'unknown' as const, reason: f.reason };
    }),
    settle(readAccountPublicAccessBlock(ctx), 's3control', 'GetPublicAccessBlock'),
    settle(readOrganizationMembership(ctx), 'organizations', 'DescribeOrganization'),
    settleContacts(ctx),
  ]);
  const input: NextStepsInput = {
    accountId: ctx.account.id,
    now: ctx.clock.now(),
    account: {
      ...(ctx.account.type ? { type: ctx.account.type } : {}),
      ...(ctx.account.organization?.rootCredentialsManagement !== undefined
        ? { rootCredentialsManagement: ctx.account.organization.rootCredentialsManagement }
        : {}),
    },
    organization,
    contacts,
    summary,
    report,
    passwordPolicy: policy,
    publicAccessBlock,
  };
  if (report.ok) {
    // Where the read fails, console-mfa goes by the report alone.
    input.consoleUsersNow = await settle(
      readConsoleUsersNow(ctx, report.value),
      'iam',
      'GetAccountAuthorizationDetails',
    );
  }
  const root = rootMfa(input);
  if (root.status === 'pass' && !root.noCredentials) {
    const [virtualMfa, devices] = await Promise.all([
      settle(readAssignedVirtualMfa(ctx), 'iam', 'ListVirtualMFADevices'),
      // Only the root user itself lists its own devices; where the read fails, the kinds are just not named.
      ctx.caller.type === 'root' ? settle(readRootMfaDevices(ctx), 'iam', 'ListMFADevices') : undefined,
    ]);
    input.virtualMfa = virtualMfa;
    if (devices) input.rootMfaDevices = devices;
  }
  return input;
}

/** The contacts, or the reason they could not be read (naming the refused action). */
async function settleContacts(ctx: StepContext): Promise<Read<AccountContacts>> {
  try {
    return { ok: true, value: await readContacts(ctx) };
  } catch (err) {
    // The pool names the call that failed (GetAlternateContact or GetContactInformation).
    return { ok: false, reason: explainFailure(describeAwsError(err)) };
  }
}
