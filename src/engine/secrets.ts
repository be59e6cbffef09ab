/**
 * Secrets generated at apply time. Plans, journals and reports only ever hold the
 * `{ $secret }` placeholder; the value lives in memory until it is shown once.
 */
import { randomInt } from 'node:crypto';
import type { SecretPlaceholder } from './types.js';
import { isSecretPlaceholder } from '../util/text.js';

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
// IAM's allowed symbols, minus the ones that are easy to mistype or break shells.
const SYMBOLS = '!@#$%^&*()_+-=[]{}|';

/**
 * A password that satisfies any IAM password policy (IAM allows up to 128 characters;
 * policies can require up to 128 and every character class): 24 characters by default,
 * with at least one of each class, from a CSPRNG.
 */
export function generatePassword(length = 24): string {
  const all = UPPER + LOWER + DIGITS + SYMBOLS;
  const chars = [pick(UPPER), pick(LOWER), pick(DIGITS), pick(SYMBOLS)];
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}

function pick(set: string): string {
  return set[randomInt(set.length)] as string;
}

/** A resolved secret: what to show the operator once the call succeeded. */
export interface RevealedSecret {
  label: string;
  value: string;
}

/** The labels of the secrets a change's parameters would generate (placeholders, in order). */
export function secretLabels(v: unknown): string[] {
  if (isSecretPlaceholder(v)) return [(v as SecretPlaceholder).label];
  if (Array.isArray(v)) return v.flatMap(secretLabels);
  if (v && typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array)) {
    return Object.values(v).flatMap(secretLabels);
  }
  return [];
}

/** Replaces placeholders with fresh values; returns the filled params and the secrets to reveal. */
export function fillSecrets(
  params: Record<string, unknown>,
  generate: () => string = generatePassword,
): { params: Record<string, unknown>; secrets: RevealedSecret[] } {
  const secrets: RevealedSecret[] = [];
  const walk = (v: unknown): unknown => {
    if (isSecretPlaceholder(v)) {
      const value = generate();
      secrets.push({ label: (v as SecretPlaceholder).label, value });
      return value;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return { params: walk(params) as Record<string, unknown>, secrets };
}
