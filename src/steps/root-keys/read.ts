/**
 * Reads for the root-keys step. Every call here is read-only (Get/List, GenerateCredentialReport,
 * AssumeRoot, and cloudtrail:LookupEvents for what each used key does: ./usage.ts), so check mode
 * and dry-run can run all of it.
 *
 * - GetAccountSummary (shared, memoized): the immediate truth for the session's account.
 * - The credential report (shared, memoized): ages, last use, root password use.
 * - Root caller: ListAccessKeys + GetAccessKeyLastUsed, then ListSigningCertificates, without UserName
 *   (IAM infers root). Other callers: AccountSigningCertificatesPresent and the report's cert_* columns.
 * - --target-account: iam:ListOrganizationsFeatures (memoized in the shared reads, so an org run's
 *   member contexts share one answer), then sts:AssumeRoot with IAMAuditRootUserCredentials and,
 *   concurrently in that session, every kind of member root credential: the same key listing,
 *   ListSigningCertificates, GetLoginProfile (then GetUser for the password's last use) and
 *   ListMFADevices (each without UserName), each allowed to fail on its own. `check --org`
 *   (options.orgMember) leaves out the session account's own GetAccountSummary: the management
 *   account has its own row in that run.
 * - Prerequisites: assessments of admins, ec2-roles and billing-recovery, which the runner
 *   makes before this step reads (meta.requires) when they did not run in this session.
 */
import { mfaKind } from '../../aws/mfa.js';
import { centrallyManagedMember } from '../../aws/account-type.js';
import type { AccessKeyMetadata, ListAccessKeysResponse } from '@aws-sdk/client-iam';
import { describeAwsError, explainFailure, isAccessDenied, isCredentialProblem, isNotFound } from '../../aws/errors.js';
import type { ClientPool } from '../../aws/pool.js';
import { allPages } from '../../aws/reads.js';
import type { StepContext } from '../../engine/step.js';
import { sanitize } from '../../util/text.js';
import {
  choosePath,
  classifyOrgFeatures,
  rootRowFromReport,
  type MemberCredentials,
  type OrgState,
  type Prerequisite,
  type ReadFailure,
  type ReportRoot,
  type RootKey,
  type RootKeysState,
} from './analysis.js';
import { PREREQUISITE_IDS } from './meta.js';
import { sessionNotes, type SessionNotes } from './session.js';
import { attachUsage } from './usage.js';

/** Task policy for reading a member account's root credentials. */
export const AUDIT_TASK_POLICY = 'IAMAuditRootUserCredentials';
/** Task policy for deleting them (no iam:UpdateAccessKey in it: keys cannot be deactivated on this path). */
export const DELETE_TASK_POLICY = 'IAMDeleteRootUserCredentials';
/** Task policy for giving a member's root user a password again (iam:CreateLoginProfile, no password sent). */
export const CREATE_PASSWORD_TASK_POLICY = 'IAMCreateRootUserPassword';

/** A read failure, with the IAM action named and AWS's words sanitized. */
export function failure(err: unknown, action: string): ReadFailure {
  const f = describeAwsError(err);
  return { action, code: sanitize(f.code, { maxLength: 80 }), message: sanitize(f.message, { maxLength: 300 }) };
}

/** Lists the root user's keys with `pool` (root credentials or an AssumeRoot session), with last use. */
export async function listRootKeys(pool: ClientPool, sessionKeyId?: string): Promise<RootKey[]> {
  const pages = await allPages((Marker) =>
    pool.call<ListAccessKeysResponse>('iam', 'ListAccessKeys', Marker ? { Marker } : {}),
  );
  const meta: AccessKeyMetadata[] = pages.flatMap((p) => p.AccessKeyMetadata ?? []);
  return Promise.all(
    meta
      .filter((m): m is AccessKeyMetadata & { AccessKeyId: string } => typeof m.AccessKeyId === 'string')
      .map(async (m) => {
        const key: RootKey = {
          id: m.AccessKeyId,
          active: m.Status === 'Active',
          createdAt: m.CreateDate,
          sessionKey: m.AccessKeyId === sessionKeyId,
        };
        try {
          const used = await pool.call<{
            AccessKeyLastUsed?: { LastUsedDate?: Date; ServiceName?: string; Region?: string };
          }>('iam', 'GetAccessKeyLastUsed', { AccessKeyId: m.AccessKeyId });
          const u = used.AccessKeyLastUsed;
          key.lastUsed = u?.LastUsedDate;
          // AWS answers N/A for a key never used.
          if (u?.ServiceName && u.ServiceName !== 'N/A') key.lastUsedService = u.ServiceName;
          if (u?.Region && u.Region !== 'N/A') key.lastUsedRegion = u.Region;
        } catch {
          // Last use is detail; the key itself is what counts.
        }
        return key;
      }),
  );
}

/**
 * The root user's X.509 signing certificates (ListSigningCertificates without UserName: IAM infers
 * the root user from root credentials or an AssumeRoot session).
 */
export async function listSigningCertificates(
  pool: ClientPool,
): Promise<NonNullable<MemberCredentials['certificates']>> {
  const pages = await allPages((Marker) =>
    pool.call<{
      Certificates?: Array<{ CertificateId?: string; Status?: string; UploadDate?: Date }>;
      IsTruncated?: boolean;
      Marker?: string;
    }>('iam', 'ListSigningCertificates', Marker ? { Marker } : {}),
  );
  return pages
    .flatMap((p) => p.Certificates ?? [])
    .map((c) => ({
      id: sanitize(String(c.CertificateId ?? '?'), { maxLength: 128 }),
      active: c.Status === 'Active',
      uploadedAt: c.UploadDate,
    }));
}

/**
 * The root user's console password (GetLoginProfile without UserName): null when it has none. When
 * there is one, when it was last used: GetUser without UserName answers for the root user in an
 * AssumeRoot session (both audit and delete task policies allow it), and its PasswordLastUsed is
 * absent when AWS has no record of a sign-in with it. A GetUser failure leaves `lastUsed` unknown.
 */
async function readLoginProfile(pool: ClientPool): Promise<MemberCredentials['password']> {
  let createdAt: Date | undefined;
  try {
    const res = await pool.call<{ LoginProfile?: { CreateDate?: Date } }>('iam', 'GetLoginProfile');
    createdAt = res?.LoginProfile?.CreateDate;
  } catch (err) {
    if (isNotFound(describeAwsError(err))) return null;
    throw err;
  }
  try {
    const user = await pool.call<{ User?: { PasswordLastUsed?: Date } }>('iam', 'GetUser');
    return { createdAt, lastUsed: user?.User?.PasswordLastUsed ?? null };
  } catch {
    // Last use is detail: the password itself is what counts (recentUse says it is unknown).
    return { createdAt };
  }
}

/** The root user's MFA devices (ListMFADevices without UserName), each with its kind. */
async function listMfaDevices(pool: ClientPool): Promise<NonNullable<MemberCredentials['mfaDevices']>> {
  const pages = await allPages((Marker) =>
    pool.call<{
      MFADevices?: Array<{ SerialNumber?: string; EnableDate?: Date }>;
      IsTruncated?: boolean;
      Marker?: string;
    }>('iam', 'ListMFADevices', Marker ? { Marker } : {}),
  );
  return pages
    .flatMap((p) => p.MFADevices ?? [])
    .filter((d): d is { SerialNumber: string; EnableDate?: Date } => typeof d.SerialNumber === 'string')
    .map((d) => ({
      kind: mfaKind(d.SerialNumber),
      serial: sanitize(d.SerialNumber, { maxLength: 256 }),
      enabledAt: d.EnableDate,
    }));
}

/**
 * Every kind of root credential of a member account, read concurrently in its audit session
 * (IAMAuditRootUserCredentials allows all four reads). Each read stands on its own: a failure is
 * that read's error, and the others still count.
 */
export async function readMemberCredentials(
  audit: ClientPool,
): Promise<{ keys?: RootKey[]; member: MemberCredentials }> {
  const [keys, certificates, password, mfaDevices] = await Promise.allSettled([
    listRootKeys(audit),
    listSigningCertificates(audit),
    readLoginProfile(audit),
    listMfaDevices(audit),
  ]);
  const member: MemberCredentials = { errors: {} };
  if (keys.status === 'rejected') member.errors.accessKeys = failure(keys.reason, 'iam:ListAccessKeys');
  if (certificates.status === 'fulfilled') member.certificates = certificates.value;
  else member.errors.certificates = failure(certificates.reason, 'iam:ListSigningCertificates');
  if (password.status === 'fulfilled') member.password = password.value;
  else member.errors.password = failure(password.reason, 'iam:GetLoginProfile');
  if (mfaDevices.status === 'fulfilled') member.mfaDevices = mfaDevices.value;
  else member.errors.mfaDevices = failure(mfaDevices.reason, 'iam:ListMFADevices');
  return { keys: keys.status === 'fulfilled' ? keys.value : undefined, member };
}

/**
 * Prerequisite assessments. The runner assesses every step in `meta.requires` before this step
 * reads: from this run when those steps ran, else assessed for this step (once per session).
 */
export function readPrerequisites(ctx: StepContext): Prerequisite[] {
  const out: Prerequisite[] = PREREQUISITE_IDS.map((id) => {
    const title = ctx.metaOf(id)?.title ?? id;
    const a = ctx.assessments.get(id);
    if (!a)
      return {
        id,
        title,
        status: 'not-checked',
        summary: 'Not checked: the step is not available.',
        source: 'not-checked',
      };
    const source = ctx.assessedAsRequirement.has(id) ? 'assessed-here' : 'session';
    return { id, title, status: a.status, summary: a.summary, source };
  });
  sessionNotes(ctx).prerequisites = out;
  return out;
}

/**
 * iam:ListOrganizationsFeatures, classified: the shared, memoized read (AccountReads.organizationsFeatures),
 * so the account type's read and the member contexts of an org run that share a parent's reads ask AWS
 * once; a failure is not memoized.
 */
async function readOrg(ctx: StepContext): Promise<OrgState> {
  // The session's classification already knows what the call would answer (and its refusal was not memoized).
  if (ctx.account.type === 'standalone') return { status: 'no-organization', features: [] };
  if (ctx.account.type === 'member') return { status: 'not-management', features: [] };
  try {
    const res = await ctx.reads.organizationsFeatures();
    const features = res.EnabledFeatures ?? [];
    return { status: classifyOrgFeatures({ features }), organizationId: res.OrganizationId, features };
  } catch (err) {
    const f = describeAwsError(err, 'iam', 'ListOrganizationsFeatures');
    return {
      status: classifyOrgFeatures({ code: f.code, denied: isAccessDenied(f) }),
      features: [],
      message: sanitize(f.message, { maxLength: 300 }),
    };
  }
}

/** GetAccountSummary (memoized) and the credential report's root row, each allowed to fail. */
async function readSummaryAndReport(ctx: StepContext, state: RootKeysState): Promise<void> {
  const [summary, report] = await Promise.allSettled([ctx.reads.accountSummary(), ctx.reads.credentialReport()]);
  if (summary.status === 'fulfilled') {
    const certs = summary.value.AccountSigningCertificatesPresent;
    const password = summary.value.AccountPasswordPresent;
    state.summary = {
      keysPresent: (summary.value.AccountAccessKeysPresent ?? 0) > 0,
      mfaEnabled: (summary.value.AccountMFAEnabled ?? 0) > 0,
      ...(certs === undefined ? {} : { certificatesPresent: certs > 0 }),
      ...(password === undefined ? {} : { passwordPresent: password > 0 }),
    };
  } else {
    // Long-term credentials refused outright: the session is broken, not just this read.
    if (isCredentialProblem(describeAwsError(summary.reason)) && !ctx.caller.temporary) throw summary.reason;
    state.summaryError = failure(summary.reason, 'iam:GetAccountSummary');
  }
  if (report.status === 'fulfilled') state.report = rootRowFromReport(report.value);
  else state.reportError = failure(report.reason, 'iam:GetCredentialReport');
  // Certificates not listed by API: the report's stand for them while GetAccountSummary does not say none are left.
  const reported = state.report?.certificates;
  if (state.certificatesSource !== 'api' && reported && state.summary?.certificatesPresent !== false) {
    state.certificates = reported;
    state.certificatesSource = 'report';
  }
}

function baseState(ctx: StepContext, prerequisites: Prerequisite[]): RootKeysState {
  const notes = sessionNotes(ctx);
  return {
    now: ctx.clock.now(),
    path: 'console',
    pathReason: '',
    account: ctx.account.id,
    sessionAccount: ctx.account.id,
    callerType: ctx.caller.type,
    temporary: ctx.caller.temporary,
    keys: [],
    keysSource: 'none',
    prerequisites,
    reactivated: [...notes.reactivated],
    ...(notes.revisit ? { revisitAfter: notes.revisit.after } : {}),
    ...(centrallyManaged(ctx) ? { centrallyManagedMember: true } : {}),
  };
}

/** The session's account is a member (or delegated administrator) with centralized root access known to be on. */
function centrallyManaged(ctx: StepContext): boolean {
  return centrallyManagedMember(ctx.account.type, ctx.account.organization?.rootCredentialsManagement);
}

/** The whole state for the current caller. */
export async function readState(ctx: StepContext): Promise<RootKeysState> {
  const notes = sessionNotes(ctx);
  if (notes.sessionKeyRemoval) return sessionEndedState(ctx, notes.sessionKeyRemoval);
  const prerequisites = readPrerequisites(ctx);
  const state = baseState(ctx, prerequisites);
  const target = ctx.options.targetAccount;

  if (target) {
    state.account = target;
    const chosen = choosePath({ callerType: ctx.caller.type, temporary: ctx.caller.temporary, targetAccount: target });
    state.path = chosen.path;
    state.pathReason = chosen.reason;
    if (ctx.caller.type === 'root') {
      state.org = { status: 'root-caller', features: [] };
      return state;
    }
    if (target === ctx.account.id) {
      state.org = { status: 'self-target', features: [] };
      return state;
    }
    state.org = await readOrg(ctx);
    // In `check --org` the management account has its own row: its keys are not news for every member.
    if (!ctx.options.orgMember) {
      try {
        state.sessionAccountKeysPresent = ((await ctx.reads.accountSummary()).AccountAccessKeysPresent ?? 0) > 0;
      } catch {
        // informational only
      }
    }
    if (state.org.status !== 'enabled') return state;
    let audit: ClientPool;
    try {
      audit = await ctx.sessions.rootSession(target, AUDIT_TASK_POLICY);
    } catch (err) {
      // The AssumeRoot call itself: the pool names the call that failed.
      const call = (err as { $rootlockCall?: { service: string; operation: string } } | undefined)?.$rootlockCall;
      state.targetError = failure(err, call ? `${call.service}:${call.operation}` : 'sts:AssumeRoot');
      return state;
    }
    const { keys, member } = await readMemberCredentials(audit);
    state.member = member;
    if (keys) {
      state.keys = keys;
      state.keysSource = 'api';
    }
    await attachUsage(ctx, state, sessionNotes(ctx));
    return state;
  }

  if (ctx.caller.type === 'root') {
    let listError: ReadFailure | undefined;
    try {
      state.keys = await listRootKeys(ctx.pool, ctx.caller.accessKeyId);
      state.keysSource = 'api';
    } catch (err) {
      // Long-term root keys that IAM refuses are a problem of the session, not of the path. Temporary
      // root credentials that STS accepted (identity was read) but IAM refuses mean "use the console".
      if (isCredentialProblem(describeAwsError(err)) && !ctx.caller.temporary) throw err;
      listError = failure(err, 'iam:ListAccessKeys');
    }
    if (!listError) {
      // The root user's signing certificates, with the same credentials (root-own path).
      try {
        state.certificates = await listSigningCertificates(ctx.pool);
        state.certificatesSource = 'api';
      } catch (err) {
        state.certificatesError = failure(err, 'iam:ListSigningCertificates');
      }
    }
    const chosen = choosePath({ callerType: 'root', temporary: ctx.caller.temporary, listError });
    state.path = chosen.path;
    state.pathReason = chosen.reason;
    state.listError = listError;
    await readSummaryAndReport(ctx, state);
    if (listError && reportKeysStand(state)) {
      state.keys = state.report.keys;
      state.keysSource = 'report';
    }
    await attachUsage(ctx, state, sessionNotes(ctx));
    return state;
  }

  // Any other principal: the console path. The organization status only adds a hint.
  state.org = await readOrg(ctx);
  const org = ctx.account.organization;
  const chosen = choosePath({
    callerType: ctx.caller.type,
    temporary: ctx.caller.temporary,
    org: state.org.status,
    ...(org && (ctx.account.type === 'member' || ctx.account.type === 'delegated-admin')
      ? { member: { account: ctx.account.id, managementAccount: org.managementAccountId } }
      : {}),
  });
  state.path = chosen.path;
  state.pathReason = chosen.reason;
  if (state.org.status !== 'enabled' && state.org.status !== 'feature-off' && state.org.status !== 'trusted-access-off')
    delete state.org;
  await readSummaryAndReport(ctx, state);
  if (reportKeysStand(state)) {
    state.keys = state.report.keys;
    state.keysSource = 'report';
  }
  await attachUsage(ctx, state, sessionNotes(ctx));
  return state;
}

/**
 * Whether the credential report's keys stand for the account's (when no key listing can): the report
 * can be up to 4 hours old, so not when GetAccountSummary says no key is left. The assessment then
 * says the report is older (root-keys.report-stale).
 */
function reportKeysStand(state: RootKeysState): state is RootKeysState & { report: ReportRoot } {
  return state.report !== undefined && state.summary?.keysPresent !== false;
}

/** GetAccountSummary for the console path's re-check loop: straight from AWS, never memoized. */
export async function recheckSummary(
  ctx: StepContext,
): Promise<{ keysPresent: boolean; mfaEnabled: boolean; certificatesPresent: boolean }> {
  const res = await ctx.pool.call<{ SummaryMap?: Record<string, number> }>('iam', 'GetAccountSummary');
  const m = res.SummaryMap ?? {};
  return {
    keysPresent: (m.AccountAccessKeysPresent ?? 0) > 0,
    mfaEnabled: (m.AccountMFAEnabled ?? 0) > 0,
    certificatesPresent: (m.AccountSigningCertificatesPresent ?? 0) > 0,
  };
}

/**
 * After AWS answered this session's request to delete (or deactivate) the key it signs with. IAM
 * is eventually consistent: the key may still authenticate for a few seconds, so an answer signed
 * with it would prove nothing, and a read could stop halfway. Nothing is signed with it again:
 * the state comes from the --verify-profile session, or says to verify elsewhere.
 */
async function sessionEndedState(
  ctx: StepContext,
  removal: NonNullable<SessionNotes['sessionKeyRemoval']>,
): Promise<RootKeysState> {
  const notes = sessionNotes(ctx);
  const state = baseState(ctx, notes.prerequisites ?? []);
  const chosen = choosePath({ callerType: 'root', temporary: false });
  state.path = chosen.path;
  state.pathReason = chosen.reason;
  state.sessionEnded = { action: removal.action, keyId: removal.keyId };
  const profile = ctx.options.verifyProfile;
  if (profile) {
    const pool = ctx.sessions.profilePool(profile);
    try {
      const who = await pool.call<{ Account?: string; Arn?: string }>('sts', 'GetCallerIdentity');
      if (who.Account !== ctx.account.id) {
        state.sessionEnded.verifyError =
          `profile ${sanitize(profile)} signs in to account ` +
          `${sanitize(String(who.Account))}, not ${ctx.account.id}.`;
      } else {
        const res = await pool.call<{ SummaryMap?: Record<string, number> }>('iam', 'GetAccountSummary');
        const m = res.SummaryMap ?? {};
        state.sessionEnded.verified = {
          keysPresent: (m.AccountAccessKeysPresent ?? 0) > 0,
          mfaEnabled: (m.AccountMFAEnabled ?? 0) > 0,
          ...(m.AccountSigningCertificatesPresent === undefined
            ? {}
            : { certificatesPresent: m.AccountSigningCertificatesPresent > 0 }),
          profile: sanitize(profile, { maxLength: 64 }),
        };
      }
    } catch (err) {
      state.sessionEnded.verifyError = explainFailure(describeAwsError(err));
    }
  }
  return state;
}
