/**
 * Fake streams for UI tests: a writable that records what was written, optionally
 * pretending to be a terminal (with the cursor methods ora and inquirer call), and
 * a keyboard to type into prompts.
 */
import { PassThrough, Writable } from 'node:stream';

// CSI sequences (colours, cursor moves, erase) and the two-character ESC forms.
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[78]/g;

/** Removes ANSI escape sequences, for asserting on what the operator reads. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** A writable stream that records every chunk. */
export class RecordingStream extends Writable {
  readonly chunks: string[] = [];
  isTTY: boolean;
  columns = 80;
  rows = 24;

  constructor({ tty = false }: { tty?: boolean } = {}) {
    super({ decodeStrings: false });
    this.isTTY = tty;
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(typeof chunk === 'string' ? chunk : String(chunk));
    callback();
  }

  /** Everything written, escapes included. */
  text(): string {
    return this.chunks.join('');
  }

  /** Everything written, without ANSI escapes. */
  plain(): string {
    return stripAnsi(this.text());
  }

  // The tty.WriteStream cursor methods ora and readline use on a terminal.
  cursorTo(x: number, y?: number | (() => void), callback?: () => void): boolean {
    this.write(typeof y === 'number' ? `\x1b[${y + 1};${x + 1}H` : `\x1b[${x + 1}G`);
    (typeof y === 'function' ? y : callback)?.();
    return true;
  }

  moveCursor(dx: number, dy: number, callback?: () => void): boolean {
    if (dx !== 0) this.write(dx > 0 ? `\x1b[${dx}C` : `\x1b[${-dx}D`);
    if (dy !== 0) this.write(dy > 0 ? `\x1b[${dy}B` : `\x1b[${-dy}A`);
    callback?.();
    return true;
  }

  clearLine(dir: number, callback?: () => void): boolean {
    this.write(dir < 0 ? '\x1b[1K' : dir > 0 ? '\x1b[0K' : '\x1b[2K');
    callback?.();
    return true;
  }

  getWindowSize(): [number, number] {
    return [this.columns, this.rows];
  }
}

/** Keys as a terminal sends them. */
export const KEY = {
  enter: '\r',
  up: '\x1b[A',
  down: '\x1b[B',
  space: ' ',
  backspace: '\x7f',
  ctrlC: '\x03',
} as const;

/** A keyboard: the input stream given to prompts. */
export class Keyboard extends PassThrough {
  isTTY: boolean;

  constructor({ tty = false }: { tty?: boolean } = {}) {
    super();
    this.isTTY = tty;
  }

  type(...keys: string[]): void {
    for (const key of keys) this.write(key);
  }
}

/** Polls until `predicate` holds, failing with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
