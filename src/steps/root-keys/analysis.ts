/**
 * Pure analysis for the root-keys step: the credential report's root row, the removal path
 * that applies to the caller, prerequisite readiness, and the assessment (findings, status,
 * details). Nothing here talks to AWS or to the operator.
 */
import type { MfaKind } from '../../aws/mfa.js';
import {
  passwordLastUsed,
  reportAccessKeys,
  reportDate,
  reportFlag,
  reportTrue,
  rootRow,
  type CredentialReport,
  type CredentialReportRow,
} from '../../aws/credential-report.js';
import { statementFor } from '../../aws/errors.js';
import type { PrincipalType } from '../../aws/identity.js';
import { controls } from '../../engine/controls.js';
import type { Assessment, Finding, StepStatus } from '../../engine/types.js';
import { maskKeyId, sanitize } from '../../util/text.js';
import { daysSince, isoDay } from '../../util/time.js';
import {
  KEY_CONTROLS,
  MFA_CONTROLS,
  type PREREQUISITE_IDS,
  ROOT_ACCESS_MANAGEMENT_URL,
  SECURITY_CREDENTIALS_URL,
} from './meta.js';
import { type KeyUsage, usageDetails, usageFindings } from './usage.js';

/** AWS regenerates the credential report at most every 4 hours. */
export const REPORT_MAX_AGE_HOURS = 4;

/** An active key used more recently than this is probably still relied on by something. */
export const RECENT_USE_DAYS = 30;

/** Default wait between deactivating keys and deleting them. */
export const DEFAULT_WAIT_DAYS = 14;

/**
 * How the root user's keys can be removed, decided by who the caller is:
 * - `root-own`: the root user itself (IAM infers the user from the signing key);
 * - `organizations`: a management / delegated-admin account acting on a member account
 *   through sts:AssumeRoot (centralized root access);
 * - `console`: anyone else: no IAM principal can touch root keys by API.
 */
export type RemovalPath = 'root-own' | 'organizations' | 'console';

/** One root access key as rootlock knows it. */
export interface RootKey {
  /** The full key id, when an API listed the key; absent when only the credential report knows it. */
  id?: string;
  /** The credential report's column (access_key_1 / access_key_2), for report-only keys. */
  slot?: 1 | 2;
  active: boolean;
  /** Creation (ListAccessKeys) or last rotation (credential report). */
  createdAt?: Date;
  lastUsed?: Date;
  lastUsedService?: string;
  lastUsedRegion?: string;
  /** True for the key this session signs with. */
  sessionKey: boolean;
  /** Its recent use in CloudTrail, for a key with recorded use (./usage.ts). */
  usage?: KeyUsage;
}

/**
 * One root X.509 signing certificate as rootlock knows it. Certificates are API credentials too
 * (requests signed with them act as the root user), so the step finds, stages and verifies them
 * like keys. The id is no secret (the private key never reaches AWS), so it is shown in full.
 */
export interface RootCertificate {
  /** The certificate id, when ListSigningCertificates listed it; absent when only the credential report knows it. */
  id?: string;
  /** The credential report's column (cert_1 / cert_2), for report-only certificates. */
  slot?: 1 | 2;
  active: boolean;
  /** Upload (ListSigningCertificates) or last rotation (credential report). */
  uploadedAt?: Date;
}

/** The `<root_account>` row of the credential report, parsed. */
export interface ReportRoot {
  generatedAt?: Date;
  mfaActive?: boolean;
  /** Last console sign-in with the root password; `null` when AWS has no record of one. */
  passwordLastUsed?: Date | null;
  keys: RootKey[];
  /** The `cert_1_*` / `cert_2_*` columns (absent when the report has none of them). */
  certificates?: RootCertificate[];
}

/** The three steps the brief says to finish before removing root keys. */
export type PrerequisiteId = (typeof PREREQUISITE_IDS)[number];

/** Why each prerequisite matters before root keys go away. */
export const PREREQUISITE_RISK: Record<PrerequisiteId, string> = {
  admins:
    'Without two or three working IAM administrators, nobody may be ' +
    'able to administer the account by API once the root keys are gone.',
  'ec2-roles':
    'Instances without IAM roles may be calling AWS with long-term keys, ' +
    'possibly these root keys: deleting them can break those workloads.',
  'billing-recovery':
    'Without alternate contacts and IAM access to billing, billing and account recovery still depend on the root user.',
};

export interface Prerequisite {
  id: PrerequisiteId;
  title: string;
  status: StepStatus | 'not-checked';
  summary: string;
  /** `session`: assessed earlier in this run; `assessed-here`: root-keys read it itself. */
  source: 'session' | 'assessed-here' | 'not-checked';
}

/** Centralized root access, as iam:ListOrganizationsFeatures reports it for the caller's account. */
export type OrgStatus =
  | 'enabled'
  | 'feature-off'
  | 'trusted-access-off'
  | 'not-management'
  | 'no-organization'
  | 'not-all-features'
  | 'denied'
  | 'root-caller'
  | 'self-target'
  | 'error';

export interface OrgState {
  status: OrgStatus;
  organizationId?: string;
  features: string[];
  /** The AWS error behind a non-enabled status, already sanitized. */
  message?: string;
}

/** The member root user's credentials read in the audit session, by kind. */
export type MemberRead = 'accessKeys' | 'certificates' | 'password' | 'mfaDevices';

/**
 * Organizations path: what the IAMAuditRootUserCredentials session read of the member root user
 * besides its access keys (which are `RootKeysState.keys`). Each read stands on its own: a field is
 * undefined when its read failed, and `errors` says why.
 */
export interface MemberCredentials {
  /** X.509 signing certificates (iam:ListSigningCertificates). */
  certificates?: Array<{ id: string; active: boolean; uploadedAt?: Date }>;
  /**
   * The console password (iam:GetLoginProfile); null when there is none (NoSuchEntity). `lastUsed` is
   * iam:GetUser's PasswordLastUsed: null when AWS has no record of a sign-in with it, undefined when
   * GetUser was not answered.
   */
  password?: { createdAt?: Date; lastUsed?: Date | null } | null;
  /** MFA devices (iam:ListMFADevices). */
  mfaDevices?: Array<{ kind: MfaKind; serial: string; enabledAt?: Date }>;
  /** The reads that failed (`accessKeys`: iam:ListAccessKeys). */
  errors: Partial<Record<MemberRead, ReadFailure>>;
}

/** An AWS call that failed while reading, for the operator. */
export interface ReadFailure {
  action: string;
  code: string;
  message: string;
}

export interface RootKeysState {
  now: Date;
  path: RemovalPath;
  pathReason: string;
  /** The account whose root keys this step is about (the session's, or --target-account). */
  account: string;
  sessionAccount: string;
  callerType: PrincipalType;
  temporary: boolean;
  /**
   * GetAccountSummary of the subject account, when readable. `certificatesPresent` is
   * AccountSigningCertificatesPresent (undefined when the map lacks it).
   */
  summary?: { keysPresent: boolean; mfaEnabled: boolean; certificatesPresent?: boolean; passwordPresent?: boolean };
  /**
   * The session's account is a member of an organization whose centralized root access
   * (RootCredentialsManagement) is known to be on: the account type read when the session opened.
   */
  centrallyManagedMember?: boolean;
  summaryError?: ReadFailure;
  report?: ReportRoot;
  reportError?: ReadFailure;
  keys: RootKey[];
  /** Where `keys` came from: an API listing (ids known) or the credential report (slots only). */
  keysSource: 'api' | 'report' | 'none';
  /** Root (or AssumeRoot) key listing refused: the reason the console path applies. */
  listError?: ReadFailure;
  /**
   * The root user's X.509 signing certificates, as far as they are known: listed (root-own:
   * ListSigningCertificates with the session; organizations: in the audit session) or from the
   * credential report (console). Undefined (or source `none`) when nothing listed them.
   */
  certificates?: RootCertificate[];
  certificatesSource?: 'api' | 'report' | 'none';
  /** root-own: ListSigningCertificates refused (presence may still come from GetAccountSummary). */
  certificatesError?: ReadFailure;
  org?: OrgState;
  /** The AssumeRoot audit session failed (organizations path). */
  targetError?: ReadFailure;
  /** Organizations path: the member root user's other credentials (present once the audit session opened). */
  member?: MemberCredentials;
  /** Organizations path: does the management account itself still have root keys? */
  sessionAccountKeysPresent?: boolean;
  prerequisites: Prerequisite[];
  /** This session deleted or deactivated the key it signed with. */
  sessionEnded?: {
    action: 'delete' | 'deactivate';
    keyId: string;
    verified?: { keysPresent: boolean; mfaEnabled: boolean; profile: string; certificatesPresent?: boolean };
    verifyError?: string;
  };
  /** When the operator planned to come back and delete deactivated keys. */
  revisitAfter?: Date;
  /** Keys the operator reactivated in this session (not proposed for deactivation again). */
  reactivated: string[];
}

/* ---------------- the credential report ---------------- */

/** Parses the `<root_account>` row, or undefined when the report has none. */
export function rootRowFromReport(report: CredentialReport): ReportRoot | undefined {
  const row = rootRow(report.rows);
  if (!row) return undefined;
  // Only report columns are known here: no key id, so no key can be the session's.
  const keys: RootKey[] = reportAccessKeys(row).map((k) => ({
    slot: k.slot,
    active: k.active,
    createdAt: k.lastRotated,
    lastUsed: k.lastUsed,
    lastUsedService: k.lastUsedService,
    lastUsedRegion: k.lastUsedRegion,
    sessionKey: false,
  }));
  return {
    generatedAt: report.generatedAt,
    mfaActive: reportFlag(row.mfa_active),
    passwordLastUsed: passwordLastUsed(row),
    keys,
    ...(row.cert_1_active !== undefined || row.cert_2_active !== undefined
      ? { certificates: reportCertificates(row) }
      : {}),
  };
}

/**
 * The signing certificates of a report row, by slot: like the key slots, a slot counts when its
 * certificate is active, or inactive with a rotation date (a deleted one leaves `false` and N/A).
 */
export function reportCertificates(row: CredentialReportRow): RootCertificate[] {
  const out: RootCertificate[] = [];
  for (const slot of [1, 2] as const) {
    const active = reportTrue(row[`cert_${slot}_active`]);
    const uploadedAt = reportDate(row[`cert_${slot}_last_rotated`]);
    if (!active && !uploadedAt) continue;
    out.push({ slot, active, uploadedAt });
  }
  return out;
}

/* ---------------- small helpers ---------------- */

/** How a key is named on screen: its masked id, or its report column. */
export function keyLabel(k: RootKey): string {
  return k.id ? maskKeyId(k.id) : `access key ${k.slot ?? '?'}`;
}

/** One line per key for the operator. Values from AWS are sanitized. */
export function describeKey(k: RootKey, now: Date): string {
  const parts = [keyLabel(k), k.active ? 'active' : 'inactive'];
  const age = daysSince(k.createdAt, now);
  if (k.createdAt && age !== undefined) parts.push(`created ${isoDay(k.createdAt)} (${age} days ago)`);
  if (k.lastUsed) {
    const where = [k.lastUsedService, k.lastUsedRegion]
      .filter(Boolean)
      .map((s) => sanitize(String(s), { maxLength: 40 }));
    parts.push(`last used ${isoDay(k.lastUsed)}${where.length ? ` (${where.join(', ')})` : ''}`);
  } else {
    parts.push('never used');
  }
  if (k.sessionKey) parts.push('<- this session signs with it');
  return parts.join(', ');
}

/** How a signing certificate is named on screen: its id (no secret), or its report column. */
export function certificateLabel(c: RootCertificate): string {
  return `signing certificate ${c.id ? sanitize(c.id, { maxLength: 128 }) : (c.slot ?? '?')}`;
}

/** One line per signing certificate for the operator. */
export function describeCertificate(c: RootCertificate, now: Date): string {
  const parts = [certificateLabel(c), c.active ? 'active' : 'inactive'];
  const age = daysSince(c.uploadedAt, now);
  if (c.uploadedAt && age !== undefined)
    parts.push(`${c.id ? 'uploaded' : 'last rotated'} ${isoDay(c.uploadedAt)} (${age} days ago)`);
  return parts.join(', ');
}

/** Validates the override answer: the account id, or empty to stop. */
export function overrideValidator(expected: string): (value: string) => true | string {
  return (value) => {
    const v = value.trim();
    if (v === '' || v === expected) return true;
    if (/^\d{12}$/.test(v)) {
      return (
        `${v} is not the account whose root keys would be removed (${expected}). ` +
        `Type ${expected} to go ahead anyway, or leave it empty to stop.`
      );
    }
    return `Type the 12-digit account id ${expected} (digits only) to go ahead anyway, or leave it empty to stop.`;
  };
}

/** Validates the number of days to wait between deactivation and deletion. */
export function validateWaitDays(value: string): true | string {
  const v = value.trim();
  if (!/^\d+$/.test(v)) return 'Type a whole number of days, from 1 to 365.';
  const n = Number(v);
  if (n < 1 || n > 365) return 'Type a whole number of days, from 1 to 365.';
  return true;
}

/** True when every prerequisite passes or only needs a manual action. */
export function prerequisitesReady(list: readonly Prerequisite[]): boolean {
  return list.every((p) => p.status === 'pass' || p.status === 'manual');
}

/* ---------------- path and organization ---------------- */

/** Maps iam:ListOrganizationsFeatures' answer (or error code) to a status. */
export function classifyOrgFeatures(result: { features: string[] } | { code: string; denied: boolean }): OrgStatus {
  if ('features' in result) return result.features.includes('RootCredentialsManagement') ? 'enabled' : 'feature-off';
  const code = result.code.replace(/Exception$/, '');
  if (code === 'AccountNotManagementOrDelegatedAdministrator' || code === 'CallerIsNotManagementAccount')
    return 'not-management';
  if (code === 'OrganizationNotFound' || code === 'AWSOrganizationsNotInUse') return 'no-organization';
  if (code === 'OrganizationNotInAllFeaturesMode') return 'not-all-features';
  if (code === 'ServiceAccessNotEnabled') return 'trusted-access-off';
  if (result.denied) return 'denied';
  return 'error';
}

/** What an organization status means for --target-account, in words. */
export function orgStatusText(status: OrgStatus): string {
  switch (status) {
    case 'enabled':
      return 'centralized root credentials management is on';
    case 'feature-off':
      return 'centralized root credentials management (RootCredentialsManagement) is off';
    case 'trusted-access-off':
      return (
        'trusted access for IAM (iam.amazonaws.com) is not enabled ' +
        'in AWS Organizations, so centralized root access is off'
      );
    case 'not-management':
      return (
        "this account is not the organization's management account " +
        'or the delegated administrator for centralized root access'
      );
    case 'no-organization':
      return 'this account is not in an AWS organization';
    case 'not-all-features':
      return 'the organization does not have all features enabled, which centralized root access needs';
    case 'denied':
      return 'the caller may not call iam:ListOrganizationsFeatures';
    case 'root-caller':
      return (
        'sts:AssumeRoot cannot be called with root user credentials; run as an ' +
        'IAM user or role of the management (or delegated administrator) account'
      );
    case 'self-target':
      return (
        '--target-account names this account itself; sts:AssumeRoot only ' +
        'targets member accounts (run without --target-account for this account)'
      );
    case 'error':
      return 'iam:ListOrganizationsFeatures failed';
  }
}

/** True when the organization can be switched to centralized root credentials management by rootlock. */
export function orgCanEnable(status: OrgStatus): boolean {
  return status === 'feature-off' || status === 'trusted-access-off';
}

/** Picks the removal path from who the caller is. Pure; `listError` is the refused root key listing. */
export function choosePath(input: {
  callerType: PrincipalType;
  temporary: boolean;
  targetAccount?: string;
  listError?: ReadFailure;
  org?: OrgStatus;
  /** The session's account is a member of an organization (the account type): its id and the management account's. */
  member?: { account: string; managementAccount: string };
}): { path: RemovalPath; reason: string } {
  if (input.targetAccount) {
    return {
      path: 'organizations',
      reason:
        `--target-account ${input.targetAccount}: the member account's root keys are ` +
        `listed and deleted in short sts:AssumeRoot sessions (centralized root access).`,
    };
  }
  if (input.callerType === 'root') {
    if (input.listError) {
      const how = input.temporary
        ? 'Temporary root credentials from sts:GetSessionToken cannot call IAM unless the ' +
          'request carries MFA, and those from sts:GetFederationToken cannot call IAM at all.'
        : 'A service control policy may deny it.';
      return {
        path: 'console',
        reason:
          `Signed in as the root user, but AWS refused ${input.listError.action} ` +
          `(${input.listError.code}). ${how} Remove the keys in the console instead.`,
      };
    }
    if (input.temporary) {
      return {
        path: 'root-own',
        reason:
          'Signed in as the root user with temporary credentials (for example CloudShell as ' +
          'root, or an sts:AssumeRoot session) and AWS lets them list the root keys: rootlock ' +
          'deactivates and deletes the keys itself, and falls back to the console where AWS refuses ' +
          'a call. No root access key carries this session, so deleting them does not end it.',
      };
    }
    return {
      path: 'root-own',
      reason:
        'Signed in as the root user with an access key: IAM infers the root user from the signing key, ' +
        'so rootlock can deactivate and delete the keys itself (the key this session uses goes last).',
    };
  }
  const orgNote =
    input.org === 'enabled' || input.org === 'feature-off' || input.org === 'trusted-access-off'
      ? " This account can manage member accounts' root credentials " +
        'centrally: run with --target-account ID for a member account.'
      : input.org === 'denied'
        ? ` Whether this account can manage member accounts' root credentials centrally ` +
          `(--target-account) is unknown: AWS refused iam:ListOrganizationsFeatures. ` +
          `To find out, allow it: ${statementFor('iam:ListOrganizationsFeatures')}`
        : input.member
          ? ` As a member of an organization, account ${input.member.account} can also have its root ` +
            `credentials removed without a root sign-in: from the management account ` +
            `${input.member.managementAccount} (or its delegated administrator for centralized root access), ` +
            `run rootlock --target-account ${input.member.account}.`
          : '';
  return {
    path: 'console',
    reason:
      `Signed in as ` +
      (input.callerType === 'unknown' ? 'an unrecognised principal' : `a non-root principal (${input.callerType})`) +
      `: no IAM user or role can deactivate or delete the root user's keys by API; ` +
      `only the root user can, in the console.${orgNote}`,
  };
}

/* ---------------- the assessment ---------------- */

/**
 * What removal means for each path, for the remediation text: the command to run for `check` and
 * reports; in the wizard, where this step is the one running, the step itself.
 */
function removalHint(state: RootKeysState): Pick<Finding, 'remediation' | 'wizardRemediation'> {
  switch (state.path) {
    case 'root-own':
      return {
        remediation:
          'Run `rootlock --only root-keys`: it deactivates the keys, ' +
          'then deletes them (the key this session signs with goes last).',
        wizardRemediation:
          'Remove the root access keys with this step: it deactivates each key, then deletes it (the key this ' +
          'session signs with goes last).',
      };
    case 'organizations':
      return {
        remediation:
          `Run \`rootlock --only root-keys --target-account ${state.account}\` from the management ` +
          `account: it deletes them in an sts:AssumeRoot session (IAMDeleteRootUserCredentials).`,
        wizardRemediation:
          'Remove the root access keys with this step: it deletes them in an sts:AssumeRoot session ' +
          '(IAMDeleteRootUserCredentials).',
      };
    case 'console':
      return {
        remediation:
          `Sign in as the root user, open Security credentials ` +
          `(${SECURITY_CREDENTIALS_URL}), deactivate each access key, then delete it.`,
      };
  }
}

/** What removing the root user's signing certificates means on each path (see {@link removalHint}). */
function certificateRemovalHint(state: RootKeysState): Pick<Finding, 'remediation' | 'wizardRemediation'> {
  const cli = '`aws iam delete-signing-certificate --certificate-id ID` (no --user-name: IAM infers the root user)';
  if (state.path === 'root-own' && certificatesSource(state) === 'api') {
    return {
      remediation:
        'Run `rootlock --only root-keys`: it deactivates each certificate (iam:UpdateSigningCertificate), then ' +
        'deletes it (iam:DeleteSigningCertificate).',
      wizardRemediation:
        'Remove them with this step: it deactivates each certificate, then deletes it, before the key this session ' +
        'signs with.',
    };
  }
  if (state.path === 'organizations') {
    return {
      remediation:
        `Run \`rootlock --only root-keys --target-account ${state.account}\` from the management account: it deletes ` +
        'them in an sts:AssumeRoot session (IAMDeleteRootUserCredentials, which allows iam:DeleteSigningCertificate ' +
        'but not iam:UpdateSigningCertificate).',
      wizardRemediation:
        'Remove them with this step: it deletes them in an sts:AssumeRoot session (IAMDeleteRootUserCredentials).',
    };
  }
  return {
    remediation:
      `Sign in as the root user, open Security credentials (${SECURITY_CREDENTIALS_URL}), X.509 certificates: ` +
      `deactivate each certificate, then delete it. Or, signed as the root user, ${cli} for each.`,
  };
}

/** The signing certificates finding (kind fail): the controls of root keys apply to them too. */
function certificateFinding(state: RootKeysState, resource: string): Finding {
  const certs = knownCertificates(state);
  const list = certs
    .map(
      (c) =>
        `${c.id ? sanitize(c.id, { maxLength: 128 }) : `cert_${c.slot ?? '?'}`} (${c.active ? 'active' : 'inactive'}` +
        `${c.uploadedAt ? `, ${c.id ? 'uploaded' : 'last rotated'} ${isoDay(c.uploadedAt)}` : ''})`,
    )
    .join(', ');
  const where = state.path === 'organizations' ? `member account ${state.account}` : `account ${state.account}`;
  return {
    id: 'root-keys.certificates',
    kind: 'fail',
    severity: 'high',
    resource,
    message:
      `The root user of ${where} has ${certs.length ? certificateCountText(certs) : 'X.509 signing certificates'}` +
      `${list ? `: ${list}` : ''}. X.509 signing certificates are API credentials too: requests signed with them ` +
      'act as the root user, so the controls against root access keys cover them, and inactive ones still count ' +
      'until deleted.',
    controls: KEY_CONTROLS,
    ...certificateRemovalHint(state),
  };
}

function rootArn(account: string): string {
  return `arn:aws:iam::${account}:root`;
}

/** Key counts as words: "2 access keys (1 active, 1 inactive)". */
export function keyCountText(keys: readonly RootKey[]): string {
  const active = keys.filter((k) => k.active).length;
  const inactive = keys.length - active;
  const parts = [active ? `${active} active` : '', inactive ? `${inactive} inactive` : ''].filter(Boolean);
  return `${keys.length} access key${keys.length === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/* ---------------- the member account's other root credentials ---------------- */

const MFA_KIND_TEXT: Record<MfaKind, string> = {
  virtual: 'virtual',
  fido: 'FIDO security key or passkey',
  hardware: 'hardware TOTP',
};

/** "2 MFA devices (1 virtual, 1 FIDO security key or passkey)". */
export function mfaDevicesText(devices: ReadonlyArray<{ kind: MfaKind }>): string {
  const counts = (['virtual', 'fido', 'hardware'] as const)
    .map((kind) => [kind, devices.filter((d) => d.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${MFA_KIND_TEXT[kind]}`);
  const kinds = counts.length ? ` (${counts.join(', ')})` : '';
  return `${devices.length} MFA device${devices.length === 1 ? '' : 's'}${kinds}`;
}

/** "2 signing certificates (1 active, 1 inactive)". */
export function certificateCountText(certs: ReadonlyArray<{ active: boolean }>): string {
  const active = certs.filter((c) => c.active).length;
  const inactive = certs.length - active;
  const parts = [active ? `${active} active` : '', inactive ? `${inactive} inactive` : ''].filter(Boolean);
  const states = parts.length ? ` (${parts.join(', ')})` : '';
  return `${certs.length} signing certificate${certs.length === 1 ? '' : 's'}${states}`;
}

/** The known certificates in words, or "X.509 signing certificates" when only their presence is known. */
export function certificatesText(state: RootKeysState): string {
  const certs = knownCertificates(state);
  return certs.length ? certificateCountText(certs) : 'X.509 signing certificates';
}

const MEMBER_READ_TEXT: Record<MemberRead, string> = {
  accessKeys: 'access keys',
  certificates: 'signing certificates',
  password: 'console password',
  mfaDevices: 'MFA devices',
};

/** The member reads that failed, other than the access keys (whose failure is the step's error). */
function memberReadFailures(m: MemberCredentials): Array<[MemberRead, ReadFailure]> {
  const out: Array<[MemberRead, ReadFailure]> = [];
  for (const r of ['certificates', 'password', 'mfaDevices'] as const) {
    const f = m.errors[r];
    if (f) out.push([r, f]);
  }
  return out;
}

/** True when all four reads succeeded and the member root user has no credential of any kind. */
export function memberHasNoCredentials(state: RootKeysState): boolean {
  const m = state.member;
  if (!m || state.keysSource !== 'api' || Object.keys(m.errors).length) return false;
  return state.keys.length === 0 && m.certificates?.length === 0 && m.password === null && m.mfaDevices?.length === 0;
}

/** Findings about the member root user's signing certificates, password and MFA devices. */
function memberFindings(state: RootKeysState, m: MemberCredentials, resource: string): Finding[] {
  const findings: Finding[] = [];
  const account = state.account;
  if (m.password) {
    const noMfa = m.mfaDevices?.length === 0;
    findings.push({
      id: 'root-keys.member-password',
      kind: 'info',
      severity: 'info',
      resource,
      message:
        `The root user of member account ${account} has a console password` +
        `${m.password.createdAt ? ` (created ${isoDay(m.password.createdAt)})` : ''}` +
        `${noMfa ? ' and no MFA device' : ''}. With centralized root access, member accounts are best left ` +
        'without root credentials: the management account performs root tasks through sts:AssumeRoot.',
      controls: [],
      remediation:
        `Delete it in the IAM console (${ROOT_ACCESS_MANAGEMENT_URL}: the member account, Take privileged action, ` +
        'Delete root user credentials), or with iam:DeleteLoginProfile in an sts:AssumeRoot session with ' +
        'IAMDeleteRootUserCredentials. Afterwards nobody can sign in as that root user, and its password ' +
        'can be recovered only once the management account allows it (sts:AssumeRoot with IAMCreateRootUserPassword, ' +
        '"Allow password recovery" in the console).',
    });
  }
  if (m.mfaDevices?.length) {
    const noPassword = m.password === null;
    findings.push({
      id: 'root-keys.member-mfa',
      kind: 'info',
      severity: 'info',
      resource,
      message:
        `The root user of member account ${account} has ${mfaDevicesText(m.mfaDevices)}` +
        `${noPassword ? ' and no console password: nobody signs in with them until a password is recovered' : ''}. ` +
        'Deleting the root user credentials in the IAM console deactivates them too.',
      controls: [],
    });
  }
  if (memberHasNoCredentials(state)) {
    findings.push({
      id: 'root-keys.member-mfa-not-applicable',
      kind: 'info',
      severity: 'info',
      resource,
      message:
        `The root user of member account ${account} has no credentials at all (no console password, access keys, ` +
        'signing certificates or MFA devices): nobody can sign in as it, so root MFA does not apply. ' +
        'Root tasks go through sts:AssumeRoot from the management account.',
      controls: [],
    });
  }
  const failed = memberReadFailures(m);
  if (failed.length) {
    findings.push({
      id: 'root-keys.member-unreadable',
      kind: 'warn',
      severity: 'medium',
      resource,
      message:
        `Not everything about the root user of member account ${account} could be read in the audit session: ` +
        failed.map(([r, f]) => `${MEMBER_READ_TEXT[r]} (${f.action} failed, ${f.code}: ${f.message})`).join('; ') +
        '.',
      controls: [],
      remediation:
        'The IAMAuditRootUserCredentials task policy allows these reads, so a service control policy may deny them ' +
        `to the member's root user. Run again, or look in the IAM console (${ROOT_ACCESS_MANAGEMENT_URL}).`,
    });
  }
  return findings;
}

/** What the summary adds about the member root user's other credentials (after its first sentence). */
function memberSummaryNote(state: RootKeysState, m: MemberCredentials): string {
  const notes: string[] = [];
  if (memberHasNoCredentials(state)) {
    notes.push(
      'No other root credentials either (signing certificates, console password, MFA devices): ' +
        'root MFA is not applicable.',
    );
  }
  const extras = [
    m.password ? 'a console password' : '',
    m.mfaDevices?.length ? mfaDevicesText(m.mfaDevices) : '',
  ].filter(Boolean);
  if (extras.length) notes.push(`The root user has ${extras.join(' and ')}.`);
  const failed = memberReadFailures(m);
  if (failed.length)
    notes.push(`Not read: ${failed.map(([r, f]) => `${MEMBER_READ_TEXT[r]} (${f.code})`).join(', ')}.`);
  return notes.length ? ` ${notes.join(' ')}` : '';
}

/** The report's view of the keys (and root MFA), compared with the immediate truth; a message when they disagree. */
export function reportDisagreement(state: RootKeysState): string | undefined {
  const report = state.report;
  if (!report) return undefined;
  const reportPresent = report.keys.length > 0;
  const reportActive = report.keys.filter((k) => k.active).length;
  const shows: string[] = [];
  const listed: string[] = [];
  const summary: string[] = [];
  if (state.keysSource === 'api') {
    const apiActive = state.keys.filter((k) => k.active).length;
    if (state.keys.length !== report.keys.length || apiActive !== reportActive) {
      listed.push(`IAM lists ${keyCountText(state.keys)}`);
    }
  } else if (state.summary && state.summary.keysPresent !== reportPresent) {
    summary.push(`AccountAccessKeysPresent = ${state.summary.keysPresent ? 1 : 0}`);
  }
  if (listed.length || summary.length) shows.push(reportPresent ? keyCountText(report.keys) : 'no root access keys');
  // Root MFA enrolled (or removed) after the report: the summary is the immediate answer.
  if (state.summary && report.mfaActive !== undefined && state.summary.mfaEnabled !== report.mfaActive) {
    shows.push(`root MFA ${report.mfaActive ? 'on' : 'off'}`);
    summary.push(`AccountMFAEnabled = ${state.summary.mfaEnabled ? 1 : 0}`);
  }
  if (shows.length === 0) return undefined;
  const truth = [...listed, ...(summary.length ? [`GetAccountSummary says ${summary.join(' and ')}`] : [])];
  const when = report.generatedAt ? `generated ${report.generatedAt.toISOString()}` : 'of unknown age';
  return (
    `The credential report (${when}) shows ${shows.join(' and ')}, ` +
    `but ${truth.join(', and ')}. AWS regenerates the report at most every ${REPORT_MAX_AGE_HOURS} hours, ` +
    `so it can be up to ${REPORT_MAX_AGE_HOURS} hours old: the immediate answer is the one that counts.`
  );
}

/** Are root keys present, as far as this state can tell? undefined when nothing says. */
export function keysPresent(state: RootKeysState): boolean | undefined {
  if (state.sessionEnded) return state.sessionEnded.verified?.keysPresent;
  if (state.path !== 'organizations' && state.summary) return state.summary.keysPresent;
  if (state.keysSource === 'api') return state.keys.length > 0;
  if (state.keysSource === 'report') return state.keys.length > 0;
  return undefined;
}

/**
 * The root user's signing certificates as listed (root-own, organizations: ids known) or as the
 * credential report shows them (console: slots only); empty when nothing listed them.
 */
export function knownCertificates(state: RootKeysState): RootCertificate[] {
  if (state.sessionEnded) return [];
  return state.certificates ?? (state.path === 'organizations' ? state.member?.certificates : undefined) ?? [];
}

/** Where {@link knownCertificates} came from. */
export function certificatesSource(state: RootKeysState): 'api' | 'report' | 'none' {
  if (state.certificatesSource) return state.certificatesSource;
  return state.path === 'organizations' && state.member?.certificates ? 'api' : 'none';
}

/**
 * Does the root user have X.509 signing certificates (active or inactive)? GetAccountSummary's
 * AccountSigningCertificatesPresent is the immediate answer where it was read (not on the
 * organizations path: that is the session's own account); otherwise a listing or the report.
 * undefined when nothing says.
 */
export function certificatesPresent(state: RootKeysState): boolean | undefined {
  if (state.sessionEnded) return state.sessionEnded.verified?.certificatesPresent;
  if (state.path !== 'organizations' && state.summary?.certificatesPresent !== undefined)
    return state.summary.certificatesPresent;
  if (certificatesSource(state) !== 'none') return knownCertificates(state).length > 0;
  return undefined;
}

/** Is root MFA on? undefined when unknown or not applicable (member accounts on the organizations path). */
export function mfaEnabled(state: RootKeysState): boolean | undefined {
  if (state.path === 'organizations') return undefined;
  if (state.sessionEnded?.verified) return state.sessionEnded.verified.mfaEnabled;
  if (state.summary) return state.summary.mfaEnabled;
  return state.report?.mfaActive;
}

/** The commands that verify from another session, after this session's key is gone. */
export function verifyCommands(account: string): string[] {
  return [
    `aws iam get-account-summary --query SummaryMap.AccountAccessKeysPresent   ` +
      `(expect 0; run with credentials of account ${account} other than the deleted key)`,
    'rootlock check --only root-keys',
  ];
}

/** Findings, status and details for a state. Pure. */
export function assessRootKeys(state: RootKeysState): Assessment {
  const findings: Finding[] = [];
  const resource = rootArn(state.account);
  const present = keysPresent(state);
  const mfa = mfaEnabled(state);
  let error: string | undefined;

  findings.push({
    id: 'root-keys.path',
    kind: 'info',
    severity: 'info',
    resource,
    message: state.pathReason,
    controls: [],
  });

  if (state.path === 'organizations') {
    const org = state.org;
    if (org && org.status !== 'enabled' && !orgCanEnable(org.status)) {
      error =
        `Cannot act on member account ${state.account}: ` +
        `${orgStatusText(org.status)}.${org.message ? ` AWS said: ${org.message}` : ''}`;
    } else if (org && orgCanEnable(org.status)) {
      findings.push({
        id: 'root-keys.org-feature-off',
        kind: 'fail',
        severity: 'high',
        resource: rootArn(state.sessionAccount),
        message:
          `Centralized root access is not ready: ${orgStatusText(org.status)}. The ` +
          `member account's root keys cannot be listed or deleted until it is on.`,
        controls: controls('centralized-root-access'),
        remediation:
          `rootlock offers to enable it (organizations:EnableAWSServiceAccess for iam.amazonaws.com if needed, ` +
          `then iam:EnableOrganizationsRootCredentialsManagement), or use ${ROOT_ACCESS_MANAGEMENT_URL}.`,
      });
    } else if (state.targetError) {
      const t = state.targetError;
      error =
        `${t.action} was refused for member account ${state.account} (${t.code}): ` +
        `${t.message}. The caller needs sts:AssumeRoot on arn:aws:iam::${state.account}:root ` +
        `with the IAMAuditRootUserCredentials and IAMDeleteRootUserCredentials task policies, ` +
        `and the account must be a member of this organization. Nothing was changed.`;
    } else if (state.member?.errors.accessKeys) {
      const f = state.member.errors.accessKeys;
      error =
        `Could not tell whether the root user of member account ${state.account} has access keys: ` +
        `${f.action} failed in the audit session (${f.code}): ${f.message}`;
    }
    if (state.sessionAccountKeysPresent) {
      findings.push({
        id: 'root-keys.session-account-keys',
        kind: 'warn',
        severity: 'critical',
        resource: rootArn(state.sessionAccount),
        message:
          `This account (${state.sessionAccount}) also has root access keys. ` +
          `Centralized root access cannot remove the management account's own keys.`,
        controls: KEY_CONTROLS,
        remediation:
          `Run rootlock as this account's root user, ` +
          `or delete them in the console ` +
          `(${SECURITY_CREDENTIALS_URL}).`,
      });
    }
    // Once the audit session read the member's MFA devices, root-keys.member-mfa or
    // root-keys.member-mfa-not-applicable says what there is to say.
    if (state.member?.mfaDevices === undefined) {
      findings.push({
        id: 'root-keys.member-mfa-not-checked',
        kind: 'info',
        severity: 'info',
        resource,
        message:
          'Root MFA of the member account is not checked on this path. With centralized ' +
          'root access, member accounts are best left with no root credentials at all.',
        controls: [],
      });
    }
  }

  if (state.listError && state.path === 'console' && state.callerType === 'root') {
    findings.push({
      id: 'root-keys.api-refused',
      kind: 'info',
      severity: 'info',
      resource,
      message:
        `AWS refused ${state.listError.action} for these root ` +
        `credentials (${state.listError.code}): ${state.listError.message}`,
      controls: [],
    });
  }

  if (state.sessionEnded) {
    const s = state.sessionEnded;
    if (!s.verified) {
      findings.push({
        id: 'root-keys.verify-elsewhere',
        kind: 'manual',
        severity: 'high',
        resource,
        message:
          `This session ${s.action === 'delete' ? 'deleted' : 'deactivated'} the root key it signed ` +
          `with (${maskKeyId(s.keyId)}), so it can no longer ask AWS whether any root key ` +
          `remains.${s.verifyError ? ` Verification with --verify-profile failed: ${s.verifyError}` : ''}`,
        controls: KEY_CONTROLS,
        remediation: `Verify from another session: ${verifyCommands(state.account).join('  then  ')}`,
      });
    } else {
      findings.push({
        id: 'root-keys.verified-by-profile',
        kind: 'info',
        severity: 'info',
        resource,
        message:
          `Verified with profile ${s.verified.profile} after this session's ` +
          `own key was ${s.action === 'delete' ? 'deleted' : 'deactivated'}: ` +
          `AccountAccessKeysPresent = ${s.verified.keysPresent ? 1 : 0}.`,
        controls: [],
      });
    }
  }

  if (present === true) {
    const known = state.keysSource !== 'none' && state.keys.length > 0 && !state.sessionEnded;
    const allInactive = known && state.keys.every((k) => !k.active);
    const counts = known ? keyCountText(state.keys) : 'access keys';
    const them = state.keys.length === 1 ? 'it' : 'them';
    const pending = state.revisitAfter
      ? ` Deactivated; you planned to come back after ${isoDay(state.revisitAfter)} to delete ${them}.`
      : '';
    findings.push({
      id: 'root-keys.present',
      kind: 'fail',
      severity: 'critical',
      resource,
      message:
        `The root user of account ${state.account} has ` +
        `${counts}.${allInactive ? ' Inactive keys are refused by AWS but still count until deleted.' : ''}` +
        `${pending}`,
      controls: KEY_CONTROLS,
      ...removalHint(state),
    });
  }

  const certsPresent = certificatesPresent(state);
  if (certsPresent === true) findings.push(certificateFinding(state, resource));
  const certsUnknown = certsPresent === undefined && present !== undefined && Boolean(state.summaryError);
  if (state.path !== 'organizations' && !state.sessionEnded && (state.certificatesError || certsUnknown)) {
    const f = state.certificatesError;
    findings.push({
      id: 'root-keys.certificates-unreadable',
      kind: 'warn',
      severity: 'medium',
      resource,
      message:
        (f ? `AWS refused ${f.action} (${f.code}): ${f.message}. ` : '') +
        (certsPresent === undefined
          ? 'Whether the root user has X.509 signing certificates is unknown: neither GetAccountSummary ' +
            '(AccountSigningCertificatesPresent) nor the credential report (cert_1_active, cert_2_active) said.'
          : `GetAccountSummary says the root user has ${certsPresent ? '' : 'no '}X.509 signing certificates` +
            `${certsPresent ? ', but rootlock cannot list them to remove them.' : '.'}`),
      controls: [],
      remediation:
        'Allow iam:GetAccountSummary (and the credential report) for the caller, or look under X.509 certificates ' +
        `on the root user's Security credentials page (${SECURITY_CREDENTIALS_URL}).`,
    });
  }

  if (present === true && !state.sessionEnded) {
    for (const k of state.keys) {
      const age = daysSince(k.lastUsed, state.now);
      // The session's own key was just used by rootlock itself: its last use says nothing.
      if (k.active && !k.sessionKey && age !== undefined && age <= RECENT_USE_DAYS) {
        const where = [k.lastUsedService, k.lastUsedRegion]
          .filter(Boolean)
          .map((s) => sanitize(String(s), { maxLength: 40 }));
        findings.push({
          id: 'root-keys.recently-used',
          kind: 'warn',
          severity: 'medium',
          resource,
          message:
            `Root key ${keyLabel(k)} was used ${age === 0 ? 'today' : `${age} day${age === 1 ? '' : 's'} ago`}` +
            `${where.length ? ` (${where.join(', ')})` : ''}: something may still rely on it.`,
          controls: [],
          remediation:
            'Find what uses it (CloudTrail, the last-used service and region) and move ' +
            'it to an IAM role before deleting the key; deactivating first lets you undo.',
        });
      }
    }
    if (!prerequisitesReady(state.prerequisites)) {
      const notReady = state.prerequisites.filter((p) => p.status !== 'pass' && p.status !== 'manual');
      findings.push({
        id: 'root-keys.prerequisites',
        kind: 'warn',
        severity: 'high',
        resource: rootArn(state.sessionAccount),
        message:
          `Prepare first: ` +
          notReady
            .map((p) => `${p.id} ${p.status === 'not-checked' ? 'not checked' : p.status.toUpperCase()}`)
            .join(', ') +
          `.`,
        controls: [],
        remediation:
          `Run \`rootlock --only ${notReady.map((p) => p.id).join(',')}\`, ` +
          `or override explicitly when removing the keys.`,
      });
    }
  }

  const member = state.path === 'organizations' && !error ? state.member : undefined;
  if (member) findings.push(...memberFindings(state, member, resource));

  const disagreement = reportDisagreement(state);
  if (disagreement) {
    findings.push({
      id: 'root-keys.report-stale',
      kind: 'info',
      severity: 'info',
      resource,
      message: disagreement,
      controls: [],
    });
  }
  if (state.reportError && state.path !== 'organizations') {
    findings.push({
      id: 'root-keys.report-unavailable',
      kind: 'warn',
      severity: 'low',
      resource,
      message:
        `The credential report could not be read (${state.reportError.code}): ` +
        `key ages, last use and root password use are missing.`,
      controls: [],
      remediation:
        'Allow iam:GenerateCredentialReport and iam:GetCredentialReport ' +
        'for details; the pass/fail answer does not depend on it.',
    });
  }

  // Root MFA is not this step's subject: a warning (with its controls) and the root-mfa next step, never a fail.
  if (mfa === false && rootHasNoCredentials(state)) {
    findings.push({
      id: 'root-keys.mfa-not-applicable',
      kind: 'info',
      severity: 'info',
      resource,
      message:
        "This member account's root user has no credentials at all (GetAccountSummary: no console password, access " +
        'keys, signing certificates or MFA device) and the organization manages root access centrally: nobody can ' +
        'sign in as it, so root MFA does not apply. Root tasks go through sts:AssumeRoot from the management account.',
      controls: [],
    });
  } else if (mfa === false && rootCannotSignIn(state)) {
    findings.push({
      id: 'root-keys.no-mfa-no-password',
      kind: 'info',
      severity: 'info',
      resource,
      message:
        'The root user has no MFA device, and no console password or access key either: ' +
        'nobody signs in as root until a password is recovered through the root e-mail address. Whoever does ' +
        'must add MFA at once (AWS requires root MFA on every account type).',
      controls: MFA_CONTROLS,
    });
  } else if (mfa === false) {
    findings.push({
      id: 'root-keys.no-mfa',
      kind: 'warn',
      severity: 'critical',
      resource,
      message:
        'The root user has no MFA device. This is separate from the access keys and does not block removing them.',
      controls: MFA_CONTROLS,
      remediation:
        `Sign in as the root user, open Security credentials (${SECURITY_CREDENTIALS_URL}), ` +
        `Multi-factor authentication (MFA), Assign MFA device; a ` +
        `hardware key or passkey is best (CIS v5.0.0 1.5, Security Hub IAM.6).`,
    });
  }

  if (state.summaryError && present !== undefined) {
    const a = state.summaryError.action;
    findings.push({
      id: 'root-keys.summary-unreadable',
      kind: 'warn',
      severity: 'medium',
      resource,
      message:
        `${a} was refused (${state.summaryError.code}), so the answer about root ` +
        `keys comes from the credential report alone, which can be up to 4 hours old.`,
      controls: [],
      remediation: `Allow ${a} for the caller: {"Effect":"Allow","Action":"${a}","Resource":"*"}`,
    });
  }

  const enabling = state.path === 'organizations' && state.org !== undefined && orgCanEnable(state.org.status);
  if (present === undefined && !state.sessionEnded && !error && !enabling) {
    const why = state.summaryError ?? state.listError ?? state.reportError;
    error =
      `Could not tell whether the root user has access ` +
      `keys${why ? `: ${why.action} failed (${why.code}): ${why.message}` : '.'}`;
  }

  if (!state.sessionEnded) findings.push(...usageFindings(state.keys, resource));

  const status: StepStatus = error
    ? 'error'
    : findings.some((f) => f.kind === 'fail')
      ? 'fail'
      : findings.some((f) => f.kind === 'manual')
        ? 'manual'
        : 'pass';

  let summary: string;
  if (error) summary = error;
  else if (state.sessionEnded && !state.sessionEnded.verified)
    summary = 'This session removed its own root key; verify from another session.';
  else if (present === true) {
    const base =
      state.keysSource !== 'none' && state.keys.length && !state.sessionEnded
        ? `The root user has ${keyCountText(state.keys)}`
        : 'The root user has access keys';
    const certs = certsPresent ? ` and ${certificatesText(state)}` : '';
    const where = state.path === 'organizations' ? ` in member account ${state.account}` : '';
    const revisit = state.revisitAfter ? ` Come back after ${isoDay(state.revisitAfter)} to delete.` : '';
    summary = `${base}${certs}${where}.${revisit}`;
  } else if (state.path === 'organizations' && state.org && orgCanEnable(state.org.status)) {
    summary = 'Centralized root access is not enabled yet.';
  } else if (certsPresent && present === false) {
    summary =
      `The root user has ${certificatesText(state)}` +
      `${state.path === 'organizations' ? ` in member account ${state.account}` : ''}, and no access keys.`;
  } else summary = `No root access keys${state.path === 'organizations' ? ` in member account ${state.account}` : ''}.`;
  if (member && !error && !(state.org && orgCanEnable(state.org.status))) summary += memberSummaryNote(state, member);
  if (!error && mfa === false) {
    summary += rootHasNoCredentials(state)
      ? ' The root user has no credentials at all: root MFA is not applicable.'
      : rootCannotSignIn(state)
        ? ' Root MFA is off, and nobody signs in as root until its password is recovered.'
        : ' Root MFA is off.';
  }

  return { status, summary, findings, details: buildDetails(state, present, mfa, error) };
}

/**
 * True when GetAccountSummary says the root user of a member account under centralized root access
 * holds no credential of any kind (its own session's reads; the organizations path has its own test).
 */
export function rootHasNoCredentials(state: RootKeysState): boolean {
  const s = state.summary;
  return (
    state.centrallyManagedMember === true &&
    s !== undefined &&
    !s.keysPresent &&
    !s.mfaEnabled &&
    s.certificatesPresent === false &&
    s.passwordPresent === false
  );
}

/**
 * True when GetAccountSummary says the root user has no password and no access key (MFA aside), as
 * the root-mfa next step judges: MFA guards sign-in, and a signing certificate left behind is this
 * step's own failure, not an MFA one.
 */
function rootCannotSignIn(state: RootKeysState): boolean {
  const s = state.summary;
  return s !== undefined && !s.keysPresent && s.passwordPresent === false;
}

/** The structured details documented in docs/steps/root-keys.md. */
function buildDetails(
  state: RootKeysState,
  present: boolean | undefined,
  mfa: boolean | undefined,
  error?: string,
): Record<string, unknown> {
  const details: Record<string, unknown> = {
    path: state.path,
    account: state.account,
    keysPresent: present ?? null,
    keysSource: state.keysSource,
    keys: state.sessionEnded
      ? []
      : state.keys.map((k) => ({
          id: k.id ? maskKeyId(k.id) : null,
          ...(k.slot ? { slot: k.slot } : {}),
          active: k.active,
          lastUsed: k.lastUsed?.toISOString() ?? null,
          lastUsedService: k.lastUsedService ?? null,
          lastUsedRegion: k.lastUsedRegion ?? null,
          ageDays: daysSince(k.createdAt, state.now) ?? null,
          sessionKey: k.sessionKey,
          ...(k.usage ? { usage: usageDetails(k.usage) } : {}),
        })),
    certificatesPresent: certificatesPresent(state) ?? null,
    certificatesSource: certificatesSource(state),
    certificates: knownCertificates(state).map((c) => ({
      id: c.id ?? null,
      ...(c.slot ? { slot: c.slot } : {}),
      active: c.active,
      uploadedAt: c.uploadedAt?.toISOString() ?? null,
      ageDays: daysSince(c.uploadedAt, state.now) ?? null,
    })),
    mfaEnabled: mfa ?? null,
    passwordLastUsed:
      state.report?.passwordLastUsed === undefined ? null : (state.report.passwordLastUsed?.toISOString() ?? 'never'),
    reportGeneratedAt: state.report?.generatedAt?.toISOString() ?? null,
    prerequisites: state.prerequisites.map((p) => ({ id: p.id, status: p.status, source: p.source })),
  };
  if (state.org)
    details.organization = {
      status: state.org.status,
      organizationId: state.org.organizationId ?? null,
      features: state.org.features,
    };
  if (state.member) {
    const m = state.member;
    details.memberCredentials = {
      accessKeys: m.errors.accessKeys ? null : state.keys.length,
      certificates: m.certificates?.length ?? null,
      password: m.password === undefined ? null : m.password !== null,
      mfaDevices: m.mfaDevices?.map((d) => ({ kind: d.kind, serial: d.serial })) ?? null,
      ...(Object.keys(m.errors).length ? { errors: { ...m.errors } } : {}),
    };
  }
  if (state.revisitAfter) details.revisitAfter = state.revisitAfter.toISOString();
  if (state.sessionEnded) {
    details.sessionEnded = {
      action: state.sessionEnded.action,
      key: maskKeyId(state.sessionEnded.keyId),
      verifiedBy: state.sessionEnded.verified ? state.sessionEnded.verified.profile : null,
    };
  }
  if (error) details.error = error;
  return details;
}
