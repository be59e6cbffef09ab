/**
 * root-keys in an organization fix (`fix --org`, `plan --org`; the contract is `OrgFix` in
 * src/engine/step.ts). The engine reads each member with this step's own read from the management
 * side (`options.targetAccount`: the IAMAuditRootUserCredentials session lists every kind of root
 * credential), and this hook turns that state and the operator's `rootCredentials` decision into
 * deletions in IAMDeleteRootUserCredentials sessions. Pure.
 *
 * Order within an account, each kind only when the operator chose it:
 * 1. signing certificates and 2. access keys: API credentials, usable from anywhere without MFA;
 * 3. the console password;
 * 4. MFA devices, last, and only when no password stays (one the operator keeps keeps its MFA too):
 *    a root user with a password keeps its MFA until the password is gone, so a
 *    failure midway (the engine sends nothing more for the account after one) never leaves a
 *    password without MFA. The reverse leaves, at worst, MFA devices with no password, with which
 *    nobody can sign in.
 *
 * The management account's own root user is out of reach of sts:AssumeRoot: no changes, and
 * `unreachable` says how to do it instead.
 */
import type { OrgAccountRef, OrgDecisions, OrgFix } from '../../engine/step.js';
import type { Change } from '../../engine/types.js';
import { maskKeyId } from '../../util/text.js';
import { daysSince, isoDay } from '../../util/time.js';
import { certificatesSource, knownCertificates, orgStatusText, type RootKeysState } from './analysis.js';
import {
  orgDeactivateMfaChange,
  orgDeleteCertificateChange,
  orgDeleteChange,
  orgDeleteLoginProfileChange,
} from './plan.js';

/** What `unreachable` says for the management account (its own root user). */
export const MANAGEMENT_UNREACHABLE =
  "sts:AssumeRoot cannot reach the management account's own root user; run `rootlock --only root-keys` " +
  'signed in to the management account for it';

/** The state was read from the management side through an audit session that opened. */
function memberRead(state: RootKeysState): state is RootKeysState & { member: NonNullable<RootKeysState['member']> } {
  return (
    state.path === 'organizations' && state.org?.status === 'enabled' && !state.targetError && Boolean(state.member)
  );
}

/** The member's changes, in the order the file header explains; [] for the management account or an unread member. */
export function planOrgRootCredentials(
  state: RootKeysState,
  decisions: OrgDecisions,
  account: OrgAccountRef,
): Change[] {
  if (account.management || !memberRead(state)) return [];
  if (state.account !== account.id)
    throw new Error(`root-keys: state of account ${state.account} planned for account ${account.id}`);
  const kinds = decisions.rootCredentials;
  const m = state.member;
  const out: Change[] = [];
  if (kinds.signingCertificates)
    for (const c of m.certificates ?? []) out.push(orgDeleteCertificateChange(account.id, c.id));
  if (kinds.accessKeys && !m.errors.accessKeys && state.keysSource === 'api')
    for (const k of state.keys) if (k.id) out.push(orgDeleteChange(account.id, k.id));
  if (kinds.password && m.password) out.push(orgDeleteLoginProfileChange(account.id));
  // MFA stays while a password stays: a root password without MFA is weaker than either alone.
  const passwordStays = m.password && !kinds.password;
  if (kinds.mfaDevices && !passwordStays)
    for (const d of m.mfaDevices ?? []) out.push(orgDeactivateMfaChange(account.id, d.serial));
  return out;
}

/**
 * Counts for the before/after table: -1 (or 'unknown' for the password) where the part could not be
 * read. A member's come from the audit session; the management account's from its own session.
 */
export function orgRootCredentialFacts(state: RootKeysState): Record<string, string | number | boolean> {
  const m = state.path === 'organizations' ? state.member : undefined;
  const keysKnown = m ? !m.errors.accessKeys && state.keysSource === 'api' : state.keysSource !== 'none';
  const accessKeys = keysKnown ? state.keys.length : !m && state.summary?.keysPresent === false ? 0 : -1;
  const certs = certificatesSource(state) !== 'none' ? knownCertificates(state).length : -1;
  const signingCertificates = certs === -1 && !m && state.summary?.certificatesPresent === false ? 0 : certs;
  let password: boolean | 'unknown' = 'unknown';
  let mfaDevices = -1;
  if (m) {
    if (m.password !== undefined) password = m.password !== null;
    if (m.mfaDevices) mfaDevices = m.mfaDevices.length;
  } else if (state.summary) {
    if (state.summary.passwordPresent !== undefined) password = state.summary.passwordPresent;
    if (!state.summary.mfaEnabled) mfaDevices = 0;
  }
  return { accessKeys, signingCertificates, password, mfaDevices };
}

/** "used 2026-12-01 (5 days ago)". */
function usedText(used: Date, now: Date): string {
  const age = daysSince(used, now);
  const ago = age === 0 ? 'today' : `${age} day${age === 1 ? '' : 's'} ago`;
  return `used ${isoDay(used)} (${ago})`;
}

/**
 * Root credentials used within the last `days` days (a use exactly `days` whole days ago counts), one
 * sentence each: access keys (GetAccessKeyLastUsed) and the password (GetUser's PasswordLastUsed; the
 * credential report's for an account read with its own session). A password whose last use could
 * not be read is named too: nothing says it is unused. Signing certificates have no recorded use.
 */
export function orgRootRecentUse(state: RootKeysState, now: Date, days: number, decisions?: OrgDecisions): string[] {
  const kinds = decisions?.rootCredentials ?? { accessKeys: true, password: true };
  const out: string[] = [];
  const recent = (d: Date | undefined | null): d is Date => d instanceof Date && daysSince(d, now) <= days;
  for (const k of kinds.accessKeys ? state.keys : []) {
    // The key this session signs with was just used by rootlock itself: its last use says nothing.
    if (k.sessionKey || !recent(k.lastUsed)) continue;
    const label = k.id ? maskKeyId(k.id) : `in slot ${k.slot ?? '?'}`;
    out.push(`root access key ${label} ${usedText(k.lastUsed, now)}`);
  }
  const m = state.path === 'organizations' ? state.member : undefined;
  if (!kinds.password) return out;
  if (m) {
    if (m.password && m.password.lastUsed === undefined)
      out.push('root password: when it was last used is unknown (iam:GetUser was not answered)');
    else if (recent(m.password?.lastUsed)) out.push(`root password ${usedText(m.password.lastUsed, now)}`);
  } else if (recent(state.report?.passwordLastUsed)) {
    out.push(`root password ${usedText(state.report.passwordLastUsed, now)}`);
  }
  return out;
}

/** Why nothing can be changed in this account from here, if so. */
export function orgRootUnreachable(state: RootKeysState, account: OrgAccountRef): string | undefined {
  if (account.management) return MANAGEMENT_UNREACHABLE;
  const org = state.org;
  if (!org) return 'centralized root access was not read for this account';
  if (org.status !== 'enabled')
    return `${orgStatusText(org.status)}${org.message ? ` (AWS said: ${org.message})` : ''}`;
  if (state.targetError) {
    const t = state.targetError;
    return `${t.action} was refused for member account ${account.id} (${t.code}): ${t.message}`;
  }
  return undefined;
}

export const rootKeysOrg: OrgFix<RootKeysState> = {
  plan: planOrgRootCredentials,
  facts: orgRootCredentialFacts,
  recentUse: orgRootRecentUse,
  unreachable: orgRootUnreachable,
};
