/**
 * JSON that is safe to print on a terminal or `cat` from a file. Account data (user and
 * instance names, contact details, aliases) reaches journals, reports and `check --json`;
 * JSON.stringify escapes C0 controls and lone surrogates, but leaves DEL, C1 controls (U+009B
 * is a one-byte CSI), bidi controls, line separators and invisible characters (zero-width ones,
 * tag characters...: ./invisible.ts) raw, and a terminal may act on those or show two different
 * names alike. Written as `\uNNNN` escapes they are inert, visible text, and the parsed value is
 * unchanged.
 */
import { INVISIBLE } from './invisible.js';

/** The characters JSON.stringify leaves raw that a terminal may act on, or that print nothing. */
const TERMINAL_UNSAFE_IN_JSON = new RegExp(`[\\u007f-\\u009f\\u2028\\u2029]|${INVISIBLE.source}`, 'gu');

/** `\uNNNN` for each UTF-16 unit (lower-case hex): a surrogate pair beyond U+FFFF, as JSON writes it. */
function jsonEscape(c: string): string {
  let out = '';
  for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/**
 * Escapes, in JSON text, every character a terminal could act on, and every invisible one, as
 * `\uNNNN` (lower-case hex). Only valid on JSON text: the escapes are JSON's, so the text still
 * parses to the same value. Unlike the terminal escaping of `sanitize`, emoji lose their joiners
 * here too: the escapes cost nothing once parsed.
 */
export function escapeJsonForTerminal(json: string): string {
  return json.replace(TERMINAL_UNSAFE_IN_JSON, jsonEscape);
}

/** Indented JSON, safe to print on a terminal, ending with a newline: the form of the JSON report files. */
export function safeJson(value: unknown): string {
  return `${escapeJsonForTerminal(JSON.stringify(value, null, 2))}\n`;
}
