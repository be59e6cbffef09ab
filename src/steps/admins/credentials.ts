/**
 * What an admin's credentials look like (console password, MFA, access keys, last
 * activity), from the IAM credential report or, when the report cannot know yet, from
 * direct IAM reads. Pure: the callers fetch; these functions only interpret.
 */
import { reportAccessKeys, reportIsoDate, reportTrue, type CredentialReportRow } from '../../aws/credential-report.js';
import { parseTime } from '../../util/time.js';

/** One access key of a user. */
export interface AccessKeyFacts {
  /** 1 or 2 in the credential report; the position in ListAccessKeys otherwise. */
  slot: number;
  active: boolean;
  /** When the key was created or last rotated (ISO 8601), when known. */
  createdAt?: string;
  /** When the key was last used (ISO 8601), when it ever was. */
  lastUsed?: string;
}

/** A user's credentials as the admins step reports them. */
export interface UserCredentials {
  /** Has a console password (login profile). */
  consoleAccess: boolean;
  /** Has at least one active MFA device. */
  mfa: boolean;
  passwordLastUsed?: string;
  accessKeys: AccessKeyFacts[];
  /** The latest of the console sign-in and the access keys' last use (ISO 8601), if any. */
  lastActivity?: string;
  /** Where the facts come from: the credential report, or direct IAM reads (user newer than the report). */
  source: 'credential-report' | 'iam';
}

/** The latest of some ISO dates, or undefined when there is none. */
export function latest(dates: Array<string | undefined>): string | undefined {
  let best: string | undefined;
  let bestT = -Infinity;
  for (const d of dates) {
    if (!d) continue;
    const t = Date.parse(d);
    if (!Number.isNaN(t) && t > bestT) {
      best = new Date(t).toISOString();
      bestT = t;
    }
  }
  return best;
}

/** A user's credentials from their credential-report row. */
export function credentialsFromReport(row: CredentialReportRow): UserCredentials {
  const accessKeys: AccessKeyFacts[] = reportAccessKeys(row).map((k) => ({
    slot: k.slot,
    active: k.active,
    createdAt: k.lastRotated?.toISOString(),
    lastUsed: k.lastUsed?.toISOString(),
  }));
  const passwordLastUsed = reportIsoDate(row.password_last_used);
  return {
    consoleAccess: reportTrue(row.password_enabled),
    mfa: reportTrue(row.mfa_active),
    passwordLastUsed,
    accessKeys,
    lastActivity: latest([passwordLastUsed, ...accessKeys.map((k) => k.lastUsed)]),
    source: 'credential-report',
  };
}

/** What direct IAM reads returned for one user (see read.ts). */
export interface DirectCredentialReads {
  loginProfile: boolean;
  mfaDevices: number;
  passwordLastUsed?: Date | string;
  accessKeys: Array<{ status?: string; createDate?: Date | string; lastUsed?: Date | string }>;
}

function iso(d: Date | string | undefined): string | undefined {
  return parseTime(d)?.toISOString();
}

/** A user's credentials from GetLoginProfile, ListMFADevices, GetUser and ListAccessKeys/GetAccessKeyLastUsed. */
export function credentialsFromDirect(r: DirectCredentialReads): UserCredentials {
  const accessKeys = r.accessKeys.map((k, i) => ({
    slot: i + 1,
    active: k.status === 'Active',
    createdAt: iso(k.createDate),
    lastUsed: iso(k.lastUsed),
  }));
  const passwordLastUsed = iso(r.passwordLastUsed);
  return {
    consoleAccess: r.loginProfile,
    mfa: r.mfaDevices > 0,
    passwordLastUsed,
    accessKeys,
    lastActivity: latest([passwordLastUsed, ...accessKeys.map((k) => k.lastUsed)]),
    source: 'iam',
  };
}
