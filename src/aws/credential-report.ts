/**
 * The IAM credential report as data: its CSV parsed into typed rows, and the readings every
 * step needs from a row (the root user's row, IAM users' rows, flags, times, the two access-key
 * slots). The report writes every cell as text: `true`/`false`, an ISO 8601 time, or one of the
 * words it uses for "nothing" (`N/A`, `no_information`, `not_supported`); the helpers here are
 * the one place that reads those words. Generating and fetching the report is in ./reads.ts.
 */
import { parseTime } from '../util/time.js';

/**
 * One row of the credential report, by the columns AWS documents. Every column is optional:
 * a report from an emulator may lack some, and a row only holds what the CSV had.
 */
export interface CredentialReportRow {
  /** The user name; the root user's row says `<root_account>` ({@link ROOT_USER}). */
  user?: string;
  arn?: string;
  user_creation_time?: string;
  /** `true`, `false`, or `not_supported` (the root user's row). */
  password_enabled?: string;
  /** A time, `N/A` (no password), or `no_information` (never used, as far as AWS knows). */
  password_last_used?: string;
  password_last_changed?: string;
  password_next_rotation?: string;
  mfa_active?: string;
  access_key_1_active?: string;
  /** When the key was created or last rotated. */
  access_key_1_last_rotated?: string;
  access_key_1_last_used_date?: string;
  access_key_1_last_used_region?: string;
  access_key_1_last_used_service?: string;
  access_key_2_active?: string;
  access_key_2_last_rotated?: string;
  access_key_2_last_used_date?: string;
  access_key_2_last_used_region?: string;
  access_key_2_last_used_service?: string;
  cert_1_active?: string;
  cert_1_last_rotated?: string;
  cert_2_active?: string;
  cert_2_last_rotated?: string;
}

/** A credential report: its rows, and when AWS generated it (it can be up to 4 hours old). */
export interface CredentialReport {
  generatedAt?: Date;
  rows: CredentialReportRow[];
}

/** The `user` of the root user's row. */
export const ROOT_USER = '<root_account>';

/** Parses the report's CSV (the SDK hands us bytes; some endpoints return base64 text). */
export async function parseCredentialReport(content: Uint8Array | string | undefined): Promise<CredentialReportRow[]> {
  if (content === undefined) return [];
  let text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
  if (!text.includes(',') && /^[A-Za-z0-9+/=\s]+$/.test(text)) text = Buffer.from(text, 'base64').toString('utf8');
  const { parse } = await import('csv-parse/sync');
  return parse(text, { columns: true, skip_empty_lines: true }) as CredentialReportRow[];
}

/** The root user's row, or undefined when the report has none. */
export function rootRow(rows: readonly CredentialReportRow[]): CredentialReportRow | undefined {
  return rows.find((r) => r.user === ROOT_USER);
}

/** The rows of IAM users: every row but the root user's (and any without a user name). */
export function userRows(rows: readonly CredentialReportRow[]): CredentialReportRow[] {
  return rows.filter((r) => r.user !== ROOT_USER && r.user !== undefined);
}

/** A cell's text, trimmed; undefined for an empty cell and for the report's words for "nothing". */
export function reportValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '' || text === 'N/A' || text === 'no_information' || text === 'not_supported') return undefined;
  return text;
}

/** A flag column: true or false, or undefined when the report has no answer (`not_supported`, `N/A`). */
export function reportFlag(value: string | undefined): boolean | undefined {
  const text = reportValue(value)?.toLowerCase();
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

/** Whether a flag column says true (no answer counts as false). */
export function reportTrue(value: string | undefined): boolean {
  return reportFlag(value) === true;
}

// The report writes times as ISO 8601 date-times; anything else is not one of its times.
const REPORT_TIME = /^\d{4}-\d{2}-\d{2}T/;

/** A time column as a Date; undefined for N/A, no_information, not_supported, empty or anything unreadable. */
export function reportDate(value: string | undefined): Date | undefined {
  const text = reportValue(value);
  return text !== undefined && REPORT_TIME.test(text) ? parseTime(text) : undefined;
}

/** {@link reportDate} as ISO 8601 text (UTC, milliseconds), for callers that keep times as text. */
export function reportIsoDate(value: string | undefined): string | undefined {
  return reportDate(value)?.toISOString();
}

/**
 * `password_last_used` of a row: the time; `null` for `no_information` (never used, as far as
 * AWS knows); undefined when the column is absent or says N/A (no password).
 */
export function passwordLastUsed(row: CredentialReportRow): Date | null | undefined {
  const value = row.password_last_used;
  if (value === undefined) return undefined;
  const used = reportDate(value);
  if (used) return used;
  return value.trim() === 'no_information' ? null : undefined;
}

/** One access key slot of a row that holds a key. */
export interface ReportAccessKey {
  slot: 1 | 2;
  active: boolean;
  /** When the key was created or last rotated. */
  lastRotated?: Date;
  lastUsed?: Date;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

const KEY_SLOTS = [1, 2] as const;

/**
 * The access keys of a row, by slot. The report always has two key slots: a slot counts when
 * its key is active, or inactive with a rotation date; a deleted key leaves `false` and N/A behind.
 */
export function reportAccessKeys(row: CredentialReportRow): ReportAccessKey[] {
  const keys: ReportAccessKey[] = [];
  for (const slot of KEY_SLOTS) {
    const active = reportTrue(row[`access_key_${slot}_active`]);
    const lastRotated = reportDate(row[`access_key_${slot}_last_rotated`]);
    if (!active && !lastRotated) continue;
    keys.push({
      slot,
      active,
      lastRotated,
      lastUsed: reportDate(row[`access_key_${slot}_last_used_date`]),
      lastUsedService: reportValue(row[`access_key_${slot}_last_used_service`]),
      lastUsedRegion: reportValue(row[`access_key_${slot}_last_used_region`]),
    });
  }
  return keys;
}
