/**
 * Colours and markers for the terminal UI. The colour decision is made once (see
 * `resolveColor` in ./index.ts) and passed in; nothing here reads the environment.
 */
import { styleText } from 'node:util';

/** A format accepted by `util.styleText`. */
export type TextFormat = Parameters<typeof styleText>[0];

/** Styles text: `(text) => styled`. */
export type Painter = (text: string) => string;

/**
 * Returns a painter for `format`, or the identity when colour is off.
 *
 * `validateStream: false` because the decision is already made: left to itself,
 * styleText checks process.stdout, which is the wrong stream (we draw on stderr, and
 * stdout is often a pipe for `--json`) and would also re-read NO_COLOR/FORCE_COLOR.
 */
export function painter(color: boolean, format: TextFormat): Painter {
  if (!color) return (text) => text;
  return (text) => styleText(format, text, { validateStream: false });
}

/** The tones a message line can have. */
export type Tone = 'ok' | 'warn' | 'fail' | 'info' | 'start';

const UNICODE_MARKERS: Readonly<Record<Tone, string>> = {
  ok: '✔',
  warn: '⚠',
  fail: '✖',
  info: 'ℹ',
  start: '…',
};

/** ASCII markers for logs, CI and terminals where NO_COLOR asks for plain output. */
const ASCII_MARKERS: Readonly<Record<Tone, string>> = {
  ok: '[ok]',
  warn: '[warn]',
  fail: '[fail]',
  info: '[info]',
  start: '[start]',
};

const TONE_COLORS: Readonly<Record<Tone, TextFormat>> = {
  ok: 'green',
  warn: 'yellow',
  fail: 'red',
  info: 'blue',
  start: 'cyan',
};

/** The visual choices derived from the colour and interactivity decisions. */
export interface Look {
  color: boolean;
  /** Unicode symbols and box drawing; only on an interactive terminal with colour on. */
  unicode: boolean;
}

/** The uncoloured marker for a tone; its length is used to indent continuation lines. */
export function markerText(look: Look, tone: Tone): string {
  return (look.unicode ? UNICODE_MARKERS : ASCII_MARKERS)[tone];
}

/** The marker for a tone, coloured when colour is on. */
export function marker(look: Look, tone: Tone): string {
  return painter(look.color, TONE_COLORS[tone])(markerText(look, tone));
}
