/**
 * Text helpers for showing account data safely: everything here is pure and depends on
 * nothing outside src/util, so the report writers and the terminal UI can share it.
 *
 * Account data (user names, tags, descriptions, error messages echoed from AWS) is
 * attacker-controllable: anyone who can create a user or tag a resource can plant
 * escape sequences that rewrite the operator's screen, or bidi overrides that make
 * `evil` read as `live`. Callers pass such data through {@link sanitize} before it
 * reaches a terminal, a log or a report.
 */
import { INVISIBLE, partOfEmoji } from './invisible.js';
import { escapeJsonForTerminal } from './json.js';

/** Options for {@link sanitize}. */
export interface SanitizeOptions {
  /**
   * How many characters (code points) of the escaped text to keep before truncating.
   * The ellipsis and the length note come on top of this. `Infinity` disables truncation.
   * Defaults to 200.
   */
  maxLength?: number;
  /**
   * Whether to show a backslash as `\\` (default true, so escapes are unambiguous).
   * False for a safety net over text that was already sanitized where it was built
   * (finding messages): control characters are still escaped, backslashes are not
   * doubled a second time.
   */
  escapeBackslash?: boolean;
}

/** Field names whose values {@link redact} replaces, compared case-insensitively. */
export const SECRET_KEYS: readonly string[] = Object.freeze([
  'Password',
  'SecretAccessKey',
  'SessionToken',
  'NewPassword',
  'OldPassword',
]);

/** What {@link redact} puts in place of a secret. */
export const REDACTED = '<redacted>';

const SHORT_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
  // The backslash itself is escaped so that a literal "\x1b" in the data can never be
  // mistaken for an escaped ESC character.
  [0x5c, '\\\\'],
]);

/** C0 controls, DEL and C1 controls: a terminal may act on any of them. */
function isControl(cp: number): boolean {
  return cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f);
}

/**
 * Characters that print nothing (see ./invisible.ts): zero-width characters and joiners, bidi
 * controls and marks, the byte order mark, the soft hyphen, tag characters, variation selectors,
 * and more. Inside an emoji a joiner or presentation selector changes what is drawn, so it is kept.
 * Also the Unicode line and paragraph separators, which some renderers treat as line breaks.
 */
function isInvisible(chars: readonly string[], i: number): boolean {
  const char = chars[i] ?? '';
  if (char === '\u2028' || char === '\u2029') return true;
  return INVISIBLE.test(char) && !partOfEmoji(chars, i);
}

/** A lone UTF-16 surrogate: iterating a string by code points yields these only when unpaired. */
function isLoneSurrogate(cp: number): boolean {
  return cp >= 0xd800 && cp <= 0xdfff;
}

function hex(cp: number, width: number): string {
  return cp.toString(16).padStart(width, '0');
}

/** Escapes the code point `chars[i]`, or returns it unchanged when it is safe to print. */
function escapeCodePoint(chars: readonly string[], i: number, escapeBackslash: boolean): string {
  const char = chars[i] ?? '';
  const cp = char.codePointAt(0) ?? 0;
  if (cp === 0x5c && !escapeBackslash) return char;
  const short = SHORT_ESCAPES.get(cp);
  if (short !== undefined) return short;
  if (isControl(cp)) return `\\x${hex(cp, 2)}`;
  if (isInvisible(chars, i) || isLoneSurrogate(cp)) return cp > 0xffff ? `\\u{${hex(cp, 5)}}` : `\\u${hex(cp, 4)}`;
  return char;
}

function truncationNote(originalLength: number): string {
  return `… (truncated from ${originalLength} characters)`;
}

/**
 * Makes untrusted text safe to print on a terminal or in a report, keeping it readable.
 *
 * - C0 and C1 control characters and DEL are shown as `\xNN` (so an ESC sequence
 *   `\x1b[2J` is printed as harmless text instead of clearing the screen);
 * - newline, carriage return and tab are shown as `\n`, `\r`, `\t`;
 * - invisible characters (zero-width characters, bidi overrides, embeddings, isolates and marks,
 *   the byte order mark, the soft hyphen, variation selectors outside emoji...: see
 *   ./invisible.ts), U+2028/U+2029 and lone surrogates are shown as `\uNNNN`, and the invisible
 *   ones beyond U+FFFF (tag characters, supplementary variation selectors) as `\u{NNNNN}`, so a
 *   name that only looks like another never reads the same;
 * - a backslash is shown as `\\`, so every escape above is unambiguous;
 * - when the escaped text is longer than `maxLength` characters, it is cut there (never
 *   inside an escape) and followed by `… (truncated from N characters)`, where N is the
 *   length of the original text in code points.
 *
 * Everything else, including non-Latin scripts and emoji, is kept as it is.
 */
export function sanitize(text: string, { maxLength = 200, escapeBackslash = true }: SanitizeOptions = {}): string {
  if (!(maxLength >= 0)) throw new RangeError(`maxLength must be zero or more, got ${maxLength}`);
  // Defensive: account data typed as string is sometimes undefined or a number at run time.
  const chars = [...String(text)];
  let result = '';
  let kept = 0;
  let truncated = false;
  for (const [i, char] of chars.entries()) {
    const piece = escapeCodePoint(chars, i, escapeBackslash);
    // An escape counts as the characters it prints, and is never split.
    const pieceLength = piece === char ? 1 : piece.length;
    if (kept + pieceLength > maxLength) {
      truncated = true;
      break;
    }
    result += piece;
    kept += pieceLength;
  }
  return truncated ? result + truncationNote(chars.length) : result;
}

/**
 * Masks an access key id for display, keeping the first four characters (the key
 * type, e.g. `AKIA`, `ASIA`) and the last four (enough to tell keys apart):
 * `AKIAIOSFODNN7EXAMPLE` becomes `AKIA************MPLE`. Ids of eight characters or
 * fewer are masked entirely, since showing eight would show them whole.
 */
export function maskKeyId(keyId: string): string {
  const chars = [...String(keyId)];
  if (chars.length <= 8) return '*'.repeat(chars.length);
  return chars.slice(0, 4).join('') + '*'.repeat(chars.length - 8) + chars.slice(-4).join('');
}

/** True for a `{ $secret: ... }` placeholder (see `SecretPlaceholder` in the engine types). */
export function isSecretPlaceholder(value: unknown): value is { $secret: unknown } {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, '$secret');
}

/**
 * Deep-copies `value`, replacing the value of every field named in `keys` (compared
 * case-insensitively, so `secretAccessKey` in SDK credentials is caught too) with
 * `'<redacted>'`, at any depth, inside objects and arrays.
 *
 * Kept as they are: `{ $secret: ... }` placeholders (they describe a secret, they are
 * not one), and `null` or `undefined` secret fields (nothing to hide, and showing
 * `<redacted>` would suggest a value existed). Dates and binary views are copied;
 * other objects are copied as plain objects of their own enumerable fields; a
 * circular reference becomes `'[Circular]'`. The input is never modified.
 *
 * The return type is the input's for convenience; redacted fields hold strings.
 */
export function redact<T>(value: T, keys: readonly string[] = SECRET_KEYS): T {
  const secretKeys = new Set(keys.map((key) => key.toLowerCase()));
  const ancestors = new Set<object>();

  const copy = (input: unknown): unknown => {
    if (typeof input !== 'object' || input === null) return input;
    if (input instanceof Date) return new Date(input.getTime());
    if (ArrayBuffer.isView(input)) return structuredClone(input);
    // Only objects on the current path are circular; a shared object seen twice is not.
    if (ancestors.has(input)) return '[Circular]';
    ancestors.add(input);
    try {
      if (Array.isArray(input)) return input.map(copy);
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(input)) {
        const hide =
          secretKeys.has(key.toLowerCase()) && field !== null && field !== undefined && !isSecretPlaceholder(field);
        out[key] = hide ? REDACTED : copy(field);
      }
      return out;
    } finally {
      ancestors.delete(input);
    }
  };

  return copy(value) as T;
}

/** Options for {@link formatParams}. */
export interface FormatParamsOptions {
  /** Truncate the line after this many characters, as {@link sanitize} does. Default: no limit. */
  maxLength?: number;
  /** Field names to redact; defaults to {@link SECRET_KEYS}. */
  secretKeys?: readonly string[];
}

/**
 * Formats a change's parameters as compact one-line JSON for a plan: secrets
 * redacted (see {@link redact}), bigints as strings, and every character a terminal
 * could act on escaped as `\uNNNN` so the line is both safe to print and still valid
 * JSON (it can be copied into an AWS CLI `--cli-input-json`).
 */
export function formatParams(params: unknown, options: FormatParamsOptions = {}): string {
  const { maxLength = Infinity, secretKeys = SECRET_KEYS } = options;
  if (!(maxLength >= 0)) throw new RangeError(`maxLength must be zero or more, got ${maxLength}`);
  const json: string | undefined = JSON.stringify(redact(params, secretKeys), (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
  const line = escapeJsonForTerminal(json ?? 'undefined');
  const chars = [...line];
  if (chars.length <= maxLength) return line;
  return chars.slice(0, maxLength).join('') + truncationNote(chars.length);
}
