/**
 * Pure analysis of the next steps: AWS answers (account summary, credential report, assigned
 * virtual MFA devices, password policy, S3 Block Public Access) in, one short verdict per next step out.
 */
import {
  reportAccessKeys,
  reportDate,
  reportTrue,
  rootRow,
  userRows,
  type CredentialReportRow,
} from '../../aws/credential-report.js';
import type { PasswordPolicyState } from '../../aws/password-policy.js';
import type { AdvisoryResult } from '../../engine/types.js';
import { sanitize } from '../../util/text.js';
import { daysSince } from '../../util/time.js';
import {
  KEY_MAX_AGE_DAYS,
  MIN_PASSWORD_LENGTH,
  NEXT_STEP_IDS,
  NEXT_STEPS,
  PASSWORD_REUSE_PREVENTION,
  UNUSED_DAYS,
  type NextStepId,
} from './meta.js';

/** `not-checked`: rootlock could not read what the check needs (the message says why). */
export type NextStepStatus = AdvisoryResult['status'];

/**
 * One next step's verdict, as reports and `check --json` show it: an advisory result whose id is
 * one of the next steps'. `resources`: ARNs of what fails (users), or the account id for
 * account-wide items; empty when it passes.
 */
export interface NextStep extends AdvisoryResult {
  id: NextStepId;
}

/** A read that either gave a value or failed for a reason the operator can act on. */
export type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

/** An assigned virtual MFA device, from ListVirtualMFADevices. */
export interface VirtualMfaDevice {
  serialNumber: string;
  userArn?: string;
}

/** A user's console password and MFA as IAM gives them now (GetLoginProfile, ListMFADevices). */
export interface ConsoleUserNow {
  name: string;
  arn: string;
  console: boolean;
  mfa: boolean;
}

/**
 * What IAM says now about the users the credential report may show as they were (AWS regenerates
 * it at most every 4 hours): see readConsoleUsersNow in read.ts.
 */
export interface ConsoleUsersNow {
  /** Users read directly: created after the report, or shown by it with a console password and no MFA. */
  users: ConsoleUserNow[];
  /** Users the report lists that no longer exist. */
  gone: string[];
  /** Users the report may show out of date that were not read (too many to read one by one). */
  notRead: number;
}

export interface NextStepsInput {
  accountId: string;
  now: Date;
  summary: Read<Record<string, number>>;
  report: Read<{ generatedAt?: Date; rows: CredentialReportRow[] }>;
  /** The report's users as they are now, where it may lag; undefined or failed: the report alone. */
  consoleUsersNow?: Read<ConsoleUsersNow>;
  /** Assigned virtual MFA devices; undefined when not needed (root has no MFA to classify). */
  virtualMfa?: Read<VirtualMfaDevice[]>;
  passwordPolicy: PasswordPolicyState;
  publicAccessBlock: Read<AccountPublicAccessBlock>;
}

/** How many names a message lists before "and N more". */
const LIST_MAX = 5;

function item(id: NextStepId, status: NextStepStatus, message: string, resources: string[] = []): NextStep {
  return { id, status, message, controls: [...NEXT_STEPS[id].controls], resources };
}

function notChecked(id: NextStepId, reason: string): NextStep {
  return item(id, 'not-checked', `Not checked: ${reason}`);
}

/** "a, b, c and 2 more", each name escaped. */
export function listNames(names: string[]): string {
  const shown = names.slice(0, LIST_MAX).map((n) => sanitize(n, { maxLength: 80 }));
  const rest = names.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** CIS v5.0.0 1.4: root MFA, from GetAccountSummary (the credential report's root row as a fallback). */
export function rootMfa(input: Pick<NextStepsInput, 'summary' | 'report'>): NextStep & { noCredentials?: boolean } {
  if (input.summary.ok) {
    const s = input.summary.value;
    if (s.AccountMFAEnabled === 1) return item('root-mfa', 'pass', 'The root user has MFA.');
    // A member account whose root credentials were removed (centralized root access) has no root sign-in to protect.
    if (s.AccountPasswordPresent === 0 && s.AccountAccessKeysPresent === 0) {
      return {
        ...item('root-mfa', 'pass', 'The root user has no password and no access keys, so nobody can sign in as root.'),
        noCredentials: true,
      };
    }
    return item('root-mfa', 'fail', 'The root user has no MFA: its password (and email) alone can take the account.');
  }
  if (input.report.ok) {
    const root = rootRow(input.report.value.rows);
    if (root) {
      return reportTrue(root.mfa_active)
        ? item('root-mfa', 'pass', 'The root user has MFA (credential report).')
        : item(
            'root-mfa',
            'fail',
            'The root user has no MFA (credential report): its password alone can take the account.',
          );
    }
  }
  return notChecked('root-mfa', input.summary.reason);
}

/** True for the root user's virtual MFA device (any partition). */
export function isRootVirtualDevice(d: VirtualMfaDevice, accountId: string): boolean {
  const serial = new RegExp(`^arn:[\\w-]+:iam::${accountId}:mfa/root-account-mfa-device$`);
  const rootUser = new RegExp(`^arn:[\\w-]+:iam::${accountId}:root$`);
  return serial.test(d.serialNumber) || (d.userArn !== undefined && rootUser.test(d.userArn));
}

/** CIS v5.0.0 1.5: the root user's MFA is a hardware device (not one of the assigned virtual devices). */
export function rootHardwareMfa(
  root: ReturnType<typeof rootMfa>,
  virtualMfa: NextStepsInput['virtualMfa'],
  accountId: string,
): NextStep {
  if (root.status === 'not-checked') return notChecked('root-hardware-mfa', root.message.replace(/^Not checked: /, ''));
  if (root.status === 'fail')
    return item('root-hardware-mfa', 'fail', 'The root user has no MFA device at all (see root-mfa).', [accountId]);
  if (root.noCredentials) return item('root-hardware-mfa', 'pass', 'The root user has no credentials to protect.');
  if (!virtualMfa) return notChecked('root-hardware-mfa', 'the assigned virtual MFA devices were not read.');
  if (!virtualMfa.ok) return notChecked('root-hardware-mfa', virtualMfa.reason);
  const device = virtualMfa.value.find((d) => isRootVirtualDevice(d, accountId));
  if (device) {
    return item(
      'root-hardware-mfa',
      'fail',
      `The root user's MFA is a virtual device ` +
        `(${sanitize(device.serialNumber, { maxLength: 120 })}); CIS asks for a hardware device.`,
      [accountId],
    );
  }
  return item('root-hardware-mfa', 'pass', "The root user's MFA is not a virtual device (a hardware key or token).");
}

/** Says that the credential report shows these users as they were, and that IAM was read for them instead. */
export function reportOlderNote(names: string[], generatedAt: Date | undefined): string {
  const when = generatedAt ? `generated ${generatedAt.toISOString()}` : 'of unknown age';
  const them = names.length === 1 ? 'this user' : 'these users';
  return (
    `The credential report (${when}) is older than changes to ${listNames(names)}: AWS regenerates it at most ` +
    `every 4 hours, so it can be up to 4 hours old, and rootlock read ${them} directly in IAM.`
  );
}

/** Says that the report was taken as it is for users it may show out of date, too many to read one by one. */
export function notReadNote(count: number, generatedAt: Date | undefined): string {
  const when = generatedAt ? `generated ${generatedAt.toISOString()}` : 'of unknown age';
  return (
    `The credential report (${when}) can be up to 4 hours old (AWS regenerates it at most every 4 hours), and ` +
    `${plural(count, 'user')} it may show out of date ${count === 1 ? 'was' : 'were'} not read again in IAM ` +
    `(too many to read one by one): MFA enrolled since shows when AWS generates a new report.`
  );
}

/**
 * CIS v5.0.0 1.9: every user with a console password has MFA. From the credential report's rows,
 * except the users IAM was asked about directly (`now`): created since the report, shown by it
 * without MFA, or gone since.
 */
export function consoleMfa(rows: CredentialReportRow[], now?: ConsoleUsersNow, generatedAt?: Date): NextStep {
  const users = new Map<string, ConsoleUserNow>();
  for (const r of userRows(rows)) {
    const name = r.user ?? '';
    users.set(name, { name, arn: r.arn ?? '', console: reportTrue(r.password_enabled), mfa: reportTrue(r.mfa_active) });
  }
  // The users whose console-and-MFA answer the report has wrong: the note names them.
  const changed: string[] = [];
  const flagged = (u: ConsoleUserNow | undefined) => u?.console === true && !u.mfa;
  for (const name of now?.gone ?? []) {
    if (flagged(users.get(name))) changed.push(name);
    users.delete(name);
  }
  for (const u of now?.users ?? []) {
    const before = users.get(u.name);
    if (flagged(before) !== flagged(u) || (u.console && !before?.console)) changed.push(u.name);
    users.set(u.name, u);
  }
  const note =
    (changed.length > 0 ? ` ${reportOlderNote(changed.sort(), generatedAt)}` : '') +
    (now?.notRead ? ` ${notReadNote(now.notRead, generatedAt)}` : '');
  const consoleUsers = [...users.values()].filter((u) => u.console);
  const missing = consoleUsers.filter((u) => !u.mfa);
  if (missing.length === 0) {
    const message =
      consoleUsers.length === 0
        ? 'No IAM user has a console password.'
        : consoleUsers.length === 1
          ? 'The only console user has MFA.'
          : `All ${consoleUsers.length} console users have MFA.`;
    return item('console-mfa', 'pass', `${message}${note}`);
  }
  return item(
    'console-mfa',
    'fail',
    `${plural(missing.length, 'console user')} without MFA: ${listNames(missing.map((u) => u.name))}.${note}`,
    missing.map((u) => u.arn),
  );
}

/** One credential of a user that has not been used for UNUSED_DAYS or more. */
export interface UnusedCredential {
  user: string;
  arn: string;
  credential: 'console password' | 'access key 1' | 'access key 2';
  days: number;
  neverUsed: boolean;
}

/** CIS v5.0.0 1.11: passwords and active keys unused for 45 days or more (never used: counted from creation). */
export function unusedCredentials(rows: CredentialReportRow[], now: Date): UnusedCredential[] {
  const out: UnusedCredential[] = [];
  for (const r of userRows(rows)) {
    const created = reportDate(r.user_creation_time);
    if (reportTrue(r.password_enabled)) {
      const used = reportDate(r.password_last_used);
      const since = used ?? reportDate(r.password_last_changed) ?? created;
      if (since && daysSince(since, now) >= UNUSED_DAYS) {
        out.push({
          user: r.user ?? '',
          arn: r.arn ?? '',
          credential: 'console password',
          days: daysSince(since, now),
          neverUsed: !used,
        });
      }
    }
    for (const key of reportAccessKeys(r)) {
      if (!key.active) continue;
      const used = key.lastUsed;
      const since = used ?? key.lastRotated ?? created;
      if (since && daysSince(since, now) >= UNUSED_DAYS) {
        const credential = `access key ${key.slot}` as const;
        out.push({ user: r.user ?? '', arn: r.arn ?? '', credential, days: daysSince(since, now), neverUsed: !used });
      }
    }
  }
  return out;
}

function unusedItem(rows: CredentialReportRow[], now: Date): NextStep {
  const unused = unusedCredentials(rows, now);
  if (unused.length === 0)
    return item(
      'unused-credentials',
      'pass',
      `No console password or active access key has gone unused for ${UNUSED_DAYS} days or more.`,
    );
  const parts = unused.map(
    (u) => `${u.user} (${u.credential}, ${u.neverUsed ? `never used, ${u.days} days old` : `${u.days} days`})`,
  );
  return item(
    'unused-credentials',
    'fail',
    `${plural(unused.length, 'credential')} unused for ${UNUSED_DAYS}+ days: ${listNames(parts)}.`,
    [...new Set(unused.map((u) => u.arn))],
  );
}

/** CIS v5.0.0 1.12: at most one active access key per user. */
export function twoActiveKeys(rows: CredentialReportRow[]): NextStep {
  const both = userRows(rows).filter((r) => reportTrue(r.access_key_1_active) && reportTrue(r.access_key_2_active));
  if (both.length === 0) return item('two-active-keys', 'pass', 'No IAM user has two active access keys.');
  return item(
    'two-active-keys',
    'fail',
    `${plural(both.length, 'user')} with two active access keys: ${listNames(both.map((r) => r.user ?? ''))}.`,
    both.map((r) => r.arn ?? ''),
  );
}

/** CIS v5.0.0 1.13: active access keys older than 90 days. */
export function oldAccessKeys(rows: CredentialReportRow[], now: Date): NextStep {
  const old: Array<{ user: string; arn: string; key: number; days: number }> = [];
  for (const r of userRows(rows)) {
    for (const key of reportAccessKeys(r)) {
      if (!key.active) continue;
      const rotated = key.lastRotated;
      if (rotated && daysSince(rotated, now) > KEY_MAX_AGE_DAYS) {
        old.push({ user: r.user ?? '', arn: r.arn ?? '', key: key.slot, days: daysSince(rotated, now) });
      }
    }
  }
  if (old.length === 0)
    return item('old-access-keys', 'pass', `No active access key is older than ${KEY_MAX_AGE_DAYS} days.`);
  return item(
    'old-access-keys',
    'fail',
    `${plural(old.length, 'active access key')} older than ${KEY_MAX_AGE_DAYS} ` +
      `days: ${listNames(old.map((o) => `${o.user} (key ${o.key}, ${o.days} days)`))}.`,
    [...new Set(old.map((o) => o.arn))],
  );
}

/** CIS v5.0.0 1.7 (minimum length 14) and 1.8 (24 passwords remembered). */
export function passwordPolicy(state: PasswordPolicyState, accountId: string): NextStep {
  if (state.state === 'unknown') return notChecked('password-policy', state.reason);
  if (state.state === 'none') {
    return item(
      'password-policy',
      'fail',
      'No account password policy is set: IAM accepts any password of 8 characters or more, and reuse.',
      [accountId],
    );
  }
  const p = state.policy;
  const problems: string[] = [];
  if ((p.MinimumPasswordLength ?? 0) < MIN_PASSWORD_LENGTH)
    problems.push(`minimum length ${p.MinimumPasswordLength ?? 'unset'} (needs ${MIN_PASSWORD_LENGTH})`);
  if ((p.PasswordReusePrevention ?? 0) < PASSWORD_REUSE_PREVENTION) {
    problems.push(
      `${p.PasswordReusePrevention ? `${p.PasswordReusePrevention} passwords remembered` : 'no reuse prevention'} ` +
        `(needs ${PASSWORD_REUSE_PREVENTION})`,
    );
  }
  if (problems.length > 0)
    return item('password-policy', 'fail', `The password policy is too weak: ${problems.join('; ')}.`, [accountId]);
  return item(
    'password-policy',
    'pass',
    `Minimum length ${p.MinimumPasswordLength}, ${p.PasswordReusePrevention} passwords remembered.`,
  );
}

/** The account's S3 Block Public Access settings (GetPublicAccessBlock), or none set. */
export type AccountPublicAccessBlock =
  | { configured: false }
  | { configured: true; settings: Partial<Record<PublicAccessBlockSetting, boolean>> };

/** The four account-level settings, each of which CIS 2.1.4 and Security Hub S3.1 want on. */
export const PUBLIC_ACCESS_BLOCK_SETTINGS = [
  'BlockPublicAcls',
  'IgnorePublicAcls',
  'BlockPublicPolicy',
  'RestrictPublicBuckets',
] as const;
export type PublicAccessBlockSetting = (typeof PUBLIC_ACCESS_BLOCK_SETTINGS)[number];

/** CIS v5.0.0 2.1.4 / Security Hub S3.1: all four account-level Block Public Access settings on. */
export function s3PublicAccessBlock(read: Read<AccountPublicAccessBlock>, accountId: string): NextStep {
  if (!read.ok) return notChecked('s3-public-access-block', read.reason);
  if (!read.value.configured) {
    return item(
      's3-public-access-block',
      'fail',
      'No account-level Block Public Access is set: each bucket decides for itself whether it can be public.',
      [accountId],
    );
  }
  const settings = read.value.settings;
  const off = PUBLIC_ACCESS_BLOCK_SETTINGS.filter((k) => settings[k] !== true);
  if (off.length === 0)
    return item('s3-public-access-block', 'pass', 'All four account-level Block Public Access settings are on.');
  return item(
    's3-public-access-block',
    'fail',
    `Account-level Block Public Access is only partly on; off: ${off.join(', ')}.`,
    [accountId],
  );
}

/** The root-mfa verdict as reported: without the analysis-only flag, naming the account when it fails. */
function rootMfaItem(input: NextStepsInput): NextStep {
  const { noCredentials: _n, ...rootItem } = rootMfa(input);
  return rootItem.status === 'fail' ? { ...rootItem, resources: [input.accountId] } : rootItem;
}

/** A verdict from the credential report's rows, or not-checked with the reason the report could not be read. */
function fromReport(input: NextStepsInput, id: NextStepId, build: (rows: CredentialReportRow[]) => NextStep): NextStep {
  return input.report.ok ? build(input.report.value.rows) : notChecked(id, input.report.reason);
}

/**
 * Each next step's analysis, by id: each is one advisory of the registry, assessed on its own
 * from the input all of them share.
 */
export const NEXT_STEP_ANALYSES: Record<NextStepId, (input: NextStepsInput) => NextStep> = {
  'root-mfa': rootMfaItem,
  'root-hardware-mfa': (input) => rootHardwareMfa(rootMfa(input), input.virtualMfa, input.accountId),
  'console-mfa': (input) =>
    fromReport(input, 'console-mfa', (rows) =>
      consoleMfa(
        rows,
        input.consoleUsersNow?.ok ? input.consoleUsersNow.value : undefined,
        input.report.ok ? input.report.value.generatedAt : undefined,
      ),
    ),
  'unused-credentials': (input) => fromReport(input, 'unused-credentials', (rows) => unusedItem(rows, input.now)),
  'two-active-keys': (input) => fromReport(input, 'two-active-keys', twoActiveKeys),
  'old-access-keys': (input) => fromReport(input, 'old-access-keys', (rows) => oldAccessKeys(rows, input.now)),
  'password-policy': (input) => passwordPolicy(input.passwordPolicy, input.accountId),
  's3-public-access-block': (input) => s3PublicAccessBlock(input.publicAccessBlock, input.accountId),
};

/** Every next step, in a fixed order. */
export function analyzeNextSteps(input: NextStepsInput): NextStep[] {
  return NEXT_STEP_IDS.map((id) => NEXT_STEP_ANALYSES[id](input));
}
