/**
 * JSON that is safe to print on a terminal or `cat` from a file. Account data (user and
 * instance names, contact details, aliases) reaches journals, reports and `check --json`;
 * JSON.stringify escapes C0 controls and lone surrogates, but leaves DEL, C1 controls (U+009B
 * is a one-byte CSI), bidi controls and line separators raw, and a terminal may act on those.
 * Written as `\uNNNN` escapes they are inert text, and the parsed value is unchanged.
 */

/** The characters JSON.stringify leaves raw that a terminal may act on. */
const TERMINAL_UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Escapes, in JSON text, every character a terminal could act on as `\uNNNN` (lower-case hex).
 * Only valid on JSON text: the escapes are JSON's, so the text still parses to the same value.
 */
export function escapeJsonForTerminal(json: string): string {
  return json.replace(TERMINAL_UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Indented JSON, safe to print on a terminal, ending with a newline: the form of the JSON report files. */
export function safeJson(value: unknown): string {
  return `${escapeJsonForTerminal(JSON.stringify(value, null, 2))}\n`;
}
