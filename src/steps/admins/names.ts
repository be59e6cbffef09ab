/**
 * IAM user-name rules, checked before anything is sent so that a bad name is re-asked
 * with the reason instead of failing half-way through a plan.
 */
import { sanitize } from '../../util/text.js';

/** IAM's user-name characters: letters, digits and `+=,.@_-` (CreateUser `UserName`). */
const USER_NAME_CHARS = /^[\w+=,.@-]+$/;
export const USER_NAME_MAX = 64;

/** Names a new user name must not collide with. */
export interface TakenNames {
  /** Users that exist in the account. */
  existing: Iterable<string>;
  /** Names already given for other new users in the same answers. */
  given?: Iterable<string>;
}

/**
 * Checks a new user name against IAM's rules (1-64 characters of `[\w+=,.@-]`) and
 * against names already taken, case-insensitively: IAM user names are unique regardless
 * of case ("Alice" and "alice" cannot both exist).
 * @returns true, or the reason the name cannot be used.
 */
export function validateUserName(name: string, taken: TakenNames): true | string {
  if (name.length === 0) return 'A user name is required.';
  const length = [...name].length;
  if (length > USER_NAME_MAX) return `IAM user names are at most ${USER_NAME_MAX} characters; this one has ${length}.`;
  if (!USER_NAME_CHARS.test(name)) {
    return 'IAM user names may only contain letters, digits and the characters + = , . @ _ - (no spaces).';
  }
  const lower = name.toLowerCase();
  const clash = (list: Iterable<string> | undefined): string | undefined => {
    for (const t of list ?? []) if (t.toLowerCase() === lower) return t;
    return undefined;
  };
  const existing = clash(taken.existing);
  if (existing !== undefined) {
    // `existing` comes from the account: shown escaped.
    return existing === name
      ? `A user named ${existing} already exists in this account; choose another name.`
      : `User ${sanitize(existing, { maxLength: 64 })} already exists, and IAM user names ignore case; choose ` +
          `another name.`;
  }
  const given = clash(taken.given);
  if (given !== undefined) return `${given} was already given for another new admin; choose another name.`;
  return true;
}

/** Parses the "how many admins to create" answer: a whole number from `min` to `max`. */
export function validateCount(value: string, min: number, max: number): true | string {
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
    return min === max ? `Enter ${min}.` : `Enter a whole number from ${min} to ${max}.`;
  }
  return true;
}
