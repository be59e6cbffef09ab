/**
 * Date arithmetic in whole UTC days, the one copy every step and report uses: ages of keys and
 * credentials, "come back after N days", and the YYYY-MM-DD day shown next to them. Pure.
 */

/** Milliseconds in a day: ages are counted in 24-hour days, not calendar days, so time zones never matter. */
export const DAY_MS = 86_400_000;

/**
 * A time as a Date, or undefined when there is none or it cannot be read (an invalid Date, an
 * unparsable string). A Date is copied, so the caller may keep it.
 */
export function parseTime(value: Date | string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value instanceof Date ? value.getTime() : value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * Whole days from `from` to `now`, rounded down; 0 when `from` is in the future or unreadable
 * (an age is never negative). A string is read as `Date.parse` reads it (ISO 8601 in practice).
 */
export function daysSince(from: Date | string, now: Date): number;
/** As above; undefined when there is no `from` at all, so "unknown age" stays distinct from 0. */
export function daysSince(from: Date | string | undefined, now: Date): number | undefined;
export function daysSince(from: Date | string | undefined, now: Date): number | undefined {
  if (from === undefined) return undefined;
  const ms = now.getTime() - (typeof from === 'string' ? Date.parse(from) : from.getTime());
  // NaN compares false too: an unreadable date counts as no time passed.
  return ms > 0 ? Math.floor(ms / DAY_MS) : 0;
}

/** `days` days after `from`, at the same time of day. */
export function daysAfter(from: Date, days: number): Date {
  return new Date(from.getTime() + days * DAY_MS);
}

/**
 * The UTC day of a time as YYYY-MM-DD. An ISO 8601 string is cut rather than parsed, so the day
 * shown is the one written (an offset in the string is not converted).
 */
export function isoDay(value: Date | string): string {
  return (typeof value === 'string' ? value : value.toISOString()).slice(0, 10);
}
