/**
 * Pure analysis of the next steps: AWS answers (account summary, credential report, assigned
 * virtual MFA devices, password policy, S3 Block Public Access) in, one short verdict per next step out.
 */
import type { MfaKind } from '../../aws/mfa.js';
import { centrallyManagedMember } from '../../aws/account-type.js';
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

/** The account's kind as the session knows it (`ctx.account`): see src/aws/account-type.ts. */
export interface AccountKind {
  /** standalone, management, member, delegated-admin, unknown; undefined when not classified. */
  type?: string;
  /** The organization's centralized root access (RootCredentialsManagement); undefined when unknown. */
  rootCredentialsManagement?: boolean;
}

/** A root MFA device's kind (src/aws/mfa.ts). */
export type RootMfaKind = MfaKind;

/** One of the root user's MFA devices (iam:ListMFADevices without UserName, signed as root). */
export interface RootMfaDevice {
  serialNumber: string;
  kind: RootMfaKind;
}

/** Whether the account is in an AWS Organization (from the session, or organizations:DescribeOrganization). */
export type OrganizationMembership =
  | { member: true; id: string; managementAccountId: string }
  | { member: false; code?: string };

/** Who a contact is, as far as telling people apart goes. */
export interface ContactPerson {
  name?: string;
  email?: string;
  phone?: string;
}

/** The three alternate contacts and the primary contact; null: not set. */
export interface AccountContacts {
  billing: ContactPerson | null;
  operations: ContactPerson | null;
  security: ContactPerson | null;
  primary: ContactPerson | null;
}

export interface NextStepsInput {
  accountId: string;
  now: Date;
  /** The account's kind; absent: treated as unknown (root MFA is never "not applicable" then). */
  account?: AccountKind;
  summary: Read<Record<string, number>>;
  report: Read<{ generatedAt?: Date; rows: CredentialReportRow[] }>;
  /** The report's users as they are now, where it may lag; undefined or failed: the report alone. */
  consoleUsersNow?: Read<ConsoleUsersNow>;
  /** Assigned virtual MFA devices; undefined when not needed (root has no MFA to classify). */
  virtualMfa?: Read<VirtualMfaDevice[]>;
  /** The root user's MFA devices with their kinds; only when the caller is the root user and root has MFA. */
  rootMfaDevices?: Read<RootMfaDevice[]>;
  /** Whether the account is in an organization; undefined when not read. */
  organization?: Read<OrganizationMembership>;
  /** The contacts; undefined when not read. */
  contacts?: Read<AccountContacts>;
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

const KIND_WORDS: Record<RootMfaKind, [string, string]> = {
  virtual: ['virtual device', 'virtual devices'],
  hardware: ['hardware TOTP token', 'hardware TOTP tokens'],
  fido: ['FIDO security key or passkey', 'FIDO security keys or passkeys'],
};

/** "2 MFA devices: 1 FIDO security key or passkey, 1 virtual device". */
export function rootDevicesText(devices: readonly RootMfaDevice[]): string {
  const counts = (['fido', 'hardware', 'virtual'] as const)
    .map((k) => [k, devices.filter((d) => d.kind === k).length] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${KIND_WORDS[k][n === 1 ? 0 : 1]}`);
  return `${plural(devices.length, 'MFA device')}: ${counts.join(', ')}`;
}

/**
 * True when the root user has no credential at all: no console password, access key, signing
 * certificate or MFA device (GetAccountSummary).
 */
export function rootHasNoCredentials(s: Record<string, number>): boolean {
  return (
    s.AccountPasswordPresent === 0 &&
    s.AccountAccessKeysPresent === 0 &&
    (s.AccountSigningCertificatesPresent ?? 0) === 0 &&
    s.AccountMFAEnabled === 0
  );
}

/**
 * A member account (a delegated administrator is one too) of an organization whose centralized root
 * access is known to be on: the management account can remove its root credentials and perform root
 * tasks through sts:AssumeRoot.
 */
export function underCentralizedRootAccess(account: AccountKind | undefined): boolean {
  return centrallyManagedMember(account?.type, account?.rootCredentialsManagement);
}

/**
 * CIS v5.0.0 1.4 / v7.0.0 2.5, Security Hub IAM.9: root MFA, from GetAccountSummary (the credential
 * report's root row as a fallback). A member account under centralized root access whose root user
 * has no credentials is `not-applicable`: CIS says root MFA is "neither possible nor necessary" there,
 * and AWS Config's root-account-mfa-enabled answers NOT_APPLICABLE without root credentials.
 */
export function rootMfa(
  input: Pick<NextStepsInput, 'summary' | 'report' | 'account' | 'rootMfaDevices'>,
): NextStep & { noCredentials?: boolean } {
  const devices =
    input.rootMfaDevices?.ok && input.rootMfaDevices.value.length ? input.rootMfaDevices.value : undefined;
  if (input.summary.ok) {
    const s = input.summary.value;
    if (s.AccountMFAEnabled === 1)
      return item('root-mfa', 'pass', `The root user has MFA${devices ? ` (${rootDevicesText(devices)})` : ''}.`);
    if (underCentralizedRootAccess(input.account) && rootHasNoCredentials(s)) {
      return {
        ...item(
          'root-mfa',
          'not-applicable',
          'Not applicable: this member account is under centralized root access and its root user has no ' +
            'credentials (no password, access keys, signing certificates or MFA devices), so nobody can sign in as ' +
            'root; the management account performs root tasks through sts:AssumeRoot.',
        ),
        noCredentials: true,
      };
    }
    // No password and no keys: nobody signs in as root until a password is recovered through the root e-mail.
    // (MFA guards sign-in only: a signing certificate left behind is root-keys' failure, not this one's.)
    if (s.AccountPasswordPresent === 0 && s.AccountAccessKeysPresent === 0) {
      return {
        ...item(
          'root-mfa',
          'pass',
          'The root user has no password and no access keys, so nobody can sign in as root. Whoever recovers the ' +
            'password through the root e-mail address must add MFA at once (AWS requires it on every account type).',
        ),
        noCredentials: true,
      };
    }
    const member = input.account?.type === 'member' || input.account?.type === 'delegated-admin';
    return item(
      'root-mfa',
      'fail',
      'The root user has no MFA: its password (and email) alone can take the account.' +
        (member
          ? ' In a member account, deleting the root credentials from the management account (centralized root ' +
            'access) also ends the need for root MFA.'
          : ''),
    );
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

/**
 * True for a virtual MFA device assigned to the root user (any partition): its `User` is the root
 * user, as Security Hub IAM.6 judges; a device listed without a user counts by its classic root
 * serial (`mfa/root-account-mfa-device`). An IAM user's device is never root's, whatever its name.
 */
export function isRootVirtualDevice(d: VirtualMfaDevice, accountId: string): boolean {
  if (d.userArn !== undefined) return new RegExp(`^arn:[\\w-]+:iam::${accountId}:root$`).test(d.userArn);
  return new RegExp(`^arn:[\\w-]+:iam::${accountId}:mfa/root-account-mfa-device$`).test(d.serialNumber);
}

/** The IAM.6 judgement, said the same way in every verdict. */
const IAM6 = 'the Security Hub IAM.6 judgement: no virtual MFA device assigned to the root user';

/**
 * CIS v5.0.0 1.5 / v7.0.0 2.6, Security Hub IAM.6: the root user's MFA is hardware, judged as IAM.6
 * does: no virtual MFA device is assigned to the root user (ListVirtualMFADevices, Assigned). A
 * hardware TOTP token or a FIDO security key / passkey passes; a virtual device fails even beside
 * them. The device kinds are named where the caller could list them (root-signed).
 */
export function rootHardwareMfa(
  root: ReturnType<typeof rootMfa>,
  virtualMfa: NextStepsInput['virtualMfa'],
  accountId: string,
  rootDevices?: NextStepsInput['rootMfaDevices'],
): NextStep {
  if (root.status === 'not-checked') return notChecked('root-hardware-mfa', root.message.replace(/^Not checked: /, ''));
  if (root.status === 'not-applicable') {
    return item(
      'root-hardware-mfa',
      'not-applicable',
      'Not applicable: the root user of this member account has no credentials ' +
        '(centralized root access; see root-mfa).',
    );
  }
  if (root.status === 'fail')
    return item('root-hardware-mfa', 'fail', 'The root user has no MFA device at all (see root-mfa).', [accountId]);
  if (root.noCredentials)
    return item(
      'root-hardware-mfa',
      'pass',
      'The root user has no password and no access keys: nobody signs in as root, so there is no MFA to judge yet.',
    );
  if (!virtualMfa) return notChecked('root-hardware-mfa', 'the assigned virtual MFA devices were not read.');
  if (!virtualMfa.ok) return notChecked('root-hardware-mfa', virtualMfa.reason);
  const devices =
    rootDevices?.ok && rootDevices.value.length ? ` The root user has ${rootDevicesText(rootDevices.value)}.` : '';
  const virtual = virtualMfa.value.filter((d) => isRootVirtualDevice(d, accountId));
  if (virtual.length > 0) {
    const serials = virtual.map((d) => sanitize(d.serialNumber, { maxLength: 120 })).join(', ');
    return item(
      'root-hardware-mfa',
      'fail',
      `A virtual MFA device is assigned to the root user (${serials}), so this fails ${IAM6}, whatever other ` +
        `devices it has; CIS asks for a hardware device (a FIDO security key or a hardware TOTP token).${devices}`,
      [accountId],
    );
  }
  return item(
    'root-hardware-mfa',
    'pass',
    `The root user's MFA is a hardware TOTP token or a FIDO security key / passkey: it passes ${IAM6}.${devices}`,
  );
}

/** How two contacts compare: the same e-mail address (case-insensitive), or the same name and phone number. */
export function samePerson(a: ContactPerson, b: ContactPerson): boolean {
  const email = (c: ContactPerson) => c.email?.trim().toLowerCase() || undefined;
  const name = (c: ContactPerson) => c.name?.trim().replace(/\s+/g, ' ').toLowerCase() || undefined;
  const phone = (c: ContactPerson) => c.phone?.replace(/[^0-9]/g, '') || undefined;
  if (email(a) !== undefined && email(a) === email(b)) return true;
  return name(a) !== undefined && name(a) === name(b) && phone(a) !== undefined && phone(a) === phone(b);
}

const CONTACT_ROLES = [
  ['billing', 'billing'],
  ['operations', 'operations'],
  ['security', 'security'],
  ['primary', 'primary'],
] as const;

/**
 * The people behind the set contacts: contacts linked by {@link samePerson}, directly or through
 * another contact, are one person. Each group lists its roles.
 */
export function contactPeople(contacts: AccountContacts): Array<{ roles: string[]; person: ContactPerson }> {
  const set = CONTACT_ROLES.filter(([k]) => contacts[k] !== null).map(([k, role]) => ({
    role,
    person: contacts[k] as ContactPerson,
  }));
  const group = set.map((_, i) => i);
  const find = (i: number): number => (group[i] === i ? i : find(group[i] as number));
  for (let i = 0; i < set.length; i++)
    for (let j = i + 1; j < set.length; j++)
      if (samePerson((set[i] as (typeof set)[number]).person, (set[j] as (typeof set)[number]).person))
        group[find(j)] = find(i);
  const out = new Map<number, { roles: string[]; person: ContactPerson }>();
  set.forEach((c, i) => {
    const g = out.get(find(i)) ?? { roles: [], person: c.person };
    g.roles.push(c.role);
    out.set(find(i), g);
  });
  return [...out.values()];
}

/**
 * The billing, operations and security alternate contacts and the primary contact are not one and
 * the same person for every role. Advisory: one person's absence would leave AWS nobody to reach.
 */
export function contactsDistinct(read: NextStepsInput['contacts'], accountId: string): NextStep {
  if (!read) return notChecked('contacts-distinct', 'the contacts were not read.');
  if (!read.ok) return notChecked('contacts-distinct', read.reason);
  const setCount = CONTACT_ROLES.filter(([k]) => read.value[k] !== null).length;
  if (setCount < 2) {
    return notChecked(
      'contacts-distinct',
      `only ${setCount} of the four contacts (billing, operations, security, primary) ` +
        `${setCount === 1 ? 'is' : 'are'} ` +
        'set, so there is nobody to compare (billing-recovery reports the missing ones).',
    );
  }
  const people = contactPeople(read.value);
  if (people.length === 1) {
    const who = (people[0] as (typeof people)[number]).person;
    const named = who.name ? ` (${sanitize(who.name, { maxLength: 64 })})` : '';
    const all = setCount === 4 ? 'all four contacts' : `the ${setCount} contacts set`;
    return item(
      'contacts-distinct',
      'fail',
      `One person${named} is ${all}: billing, operations, security and primary. If that person is away or leaves, ` +
        'AWS has nobody else to reach about invoices, outages or a security incident. A small company may accept this.',
      [accountId],
    );
  }
  return item(
    'contacts-distinct',
    'pass',
    `The ${setCount} contacts set reach ${people.length} different people: ` +
      `${people.map((p) => p.roles.join(' and ')).join('; ')}.`,
  );
}

/** Security Hub Account.2: the account belongs to an AWS Organization. */
export function organizationMember(read: NextStepsInput['organization'], accountId: string): NextStep {
  if (!read) return notChecked('organization-member', 'organizations:DescribeOrganization was not read.');
  if (!read.ok) return notChecked('organization-member', read.reason);
  const o = read.value;
  if (!o.member) {
    return item(
      'organization-member',
      'fail',
      'This account is not in an AWS Organization' +
        `${o.code ? ` (organizations:DescribeOrganization: ${o.code})` : ''}. ` +
        'Security Hub Account.2 expects every account in one: centralized root access, which removes member ' +
        "accounts' root credentials and lets the management account perform root tasks through sts:AssumeRoot, " +
        'exists only in an organization.',
      [accountId],
    );
  }
  const role =
    o.managementAccountId === accountId
      ? `the management account of organization ${o.id}`
      : `a member of organization ${o.id} (management account ${o.managementAccountId})`;
  return item('organization-member', 'pass', `This account is ${role}.`);
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
  'root-hardware-mfa': (input) =>
    rootHardwareMfa(rootMfa(input), input.virtualMfa, input.accountId, input.rootMfaDevices),
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
  'organization-member': (input) => organizationMember(input.organization, input.accountId),
  'contacts-distinct': (input) => contactsDistinct(input.contacts, input.accountId),
};

/** Every next step, in a fixed order. */
export function analyzeNextSteps(input: NextStepsInput): NextStep[] {
  return NEXT_STEP_IDS.map((id) => NEXT_STEP_ANALYSES[id](input));
}
