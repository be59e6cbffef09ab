/**
 * Drives the real `rootlock` binary the way an operator does: in a pseudo-terminal
 * (@lydell/node-pty), keys typed, screen read back. Also runs it without a terminal
 * (pipes), for the non-TTY rules.
 *
 *   const pty = startRootlock(['--regions', 'us-east-1'], { env: rootlockEnv({ endpoint, home, credentials }) });
 *   await pty.waitFor('Apply these 11 changes?');
 *   pty.press('enter');
 *   expect(await pty.waitForExit()).toBe(0);
 *
 * What it offers:
 * - `transcript`: every byte the program wrote (ANSI included), `text()`: the same with
 *   escape sequences removed, `screen`: a small virtual terminal (VirtualScreen) that
 *   applies cursor movement and erasing, so tests can read what the operator sees now
 *   (and what stayed on screen at the end), and can tell where the terminal had to wrap a
 *   line by itself.
 * - `waitFor(text | RegExp)`: expect-style, searches the plain text after the previous
 *   match, with a bounded timeout; failures show the screen.
 * - `type(text)`, `press('enter' | 'down' | 'up' | 'space' | 'ctrl-c' | ...)`.
 * - `waitForExit()`: the exit code (bounded). Every session is killed by `killAllPtys()`
 *   (call it in afterEach) and, whatever happens, after a hard timeout.
 *
 * The binary runs dist/ (built by `npm run build`; `npm test` builds first). `assertFreshBuild()`
 * refuses to test a dist/ older than src/.
 */
import { spawn as spawnChild } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawn as spawnPty, type IPty } from '@lydell/node-pty';
import { REPO_ROOT } from './emulator.js';

/** The CLI entry point the tests run. */
export const ROOTLOCK_BIN = path.join(REPO_ROOT, 'bin', 'rootlock');

/** Glyphs of ora's `dots` spinner (drawn with colour on an interactive terminal). */
export const SPINNER_DOTS = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/* ------------------------------------------------------------------------------------------ */
/* Text                                                                                        */
/* ------------------------------------------------------------------------------------------ */

/** Escape sequences: CSI (colours, cursor), OSC (titles, links), charset selection, other two-byte ESC. */
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_78=>]/g;

/** SGR sequences only (colour and style): what NO_COLOR forbids. */
export const SGR = /\x1b\[[0-9;:]*m/;

/** Removes every escape sequence; CR LF becomes LF (lone CRs, e.g. spinner redraws, stay). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '').replace(/\r\n/g, '\n');
}

/* ------------------------------------------------------------------------------------------ */
/* Virtual screen                                                                              */
/* ------------------------------------------------------------------------------------------ */

/** Where the terminal wrapped a line by itself (the text reached the last column). */
export interface AutoWrap {
  /** Buffer row that continues the line above it. */
  row: number;
  /** The whole logical line (the rows joined), as it stands at the end. */
  line: string;
  /** Offset in `line` where the terminal broke it. */
  at: number;
}

/**
 * A minimal terminal: enough of VT100/xterm for what inquirer, ora and rootlock write
 * (printable text with auto-wrap, CR, LF, BS, TAB, cursor up/down/left/right/column/position,
 * erase in line and in display, save/restore cursor). Colours and modes are ignored. The buffer
 * keeps everything that scrolled off the top, like a terminal's scrollback.
 */
export class VirtualScreen {
  private readonly buf: string[][] = [[]];
  /** buf row -> true when it continues the row above because the terminal wrapped it. */
  private readonly wrappedRows: boolean[] = [false];
  private row = 0;
  private col = 0;
  private pendingWrap = false;
  private saved: { row: number; col: number } = { row: 0, col: 0 };
  private mode: 'text' | 'esc' | 'csi' | 'osc' | 'osc-esc' | 'charset' = 'text';
  private seq = '';

  constructor(
    readonly cols: number,
    readonly rows: number,
  ) {}

  /** First buffer row of the visible screen. */
  get top(): number {
    return Math.max(0, this.buf.length - this.rows);
  }

  /** The cursor's buffer row (use it to mark where a part of the session starts). */
  get cursorRow(): number {
    return this.row;
  }

  write(data: string): void {
    for (const ch of data) this.feed(ch);
  }

  /** Every buffer row (scrollback included), trailing spaces and trailing empty rows removed. */
  lines(from = 0, to = this.buf.length): string[] {
    const out = this.buf.slice(from, to).map((cells) => cells.join('').replace(/\s+$/, ''));
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  }

  /** The visible screen now. */
  visible(): string[] {
    return this.lines(this.top, this.top + this.rows);
  }

  text(): string {
    return this.lines().join('\n');
  }

  /** Places where the terminal had to wrap a line (see {@link AutoWrap}). */
  autoWraps(): AutoWrap[] {
    const out: AutoWrap[] = [];
    const lines = this.buf.map((cells) => cells.join(''));
    for (let r = 1; r < this.buf.length; r++) {
      if (!this.wrappedRows[r]) continue;
      let start = r - 1;
      while (start > 0 && this.wrappedRows[start]) start--;
      let end = r;
      while (end + 1 < this.buf.length && this.wrappedRows[end + 1]) end++;
      const parts = lines
        .slice(start, end + 1)
        .map((l, i, all) => (i < all.length - 1 ? l.padEnd(this.cols, ' ') : l.replace(/\s+$/, '')));
      const at = parts.slice(0, r - start).reduce((n, p) => n + p.length, 0);
      out.push({ row: r, line: parts.join(''), at });
    }
    return out;
  }

  private line(r: number): string[] {
    while (this.buf.length <= r) {
      this.buf.push([]);
      this.wrappedRows.push(false);
    }
    return this.buf[r]!;
  }

  private moveTo(r: number, c: number): void {
    this.row = Math.max(this.top, Math.min(r, this.top + this.rows - 1));
    this.line(this.row);
    this.col = Math.max(0, Math.min(c, this.cols - 1));
    this.pendingWrap = false;
  }

  private lineFeed(): void {
    this.row += 1;
    this.line(this.row);
    this.pendingWrap = false;
  }

  private eraseLine(r: number, from: number, to: number): void {
    const cells = this.line(r);
    for (let c = from; c < Math.min(to, cells.length); c++) cells[c] = ' ';
    if (from === 0 && to >= cells.length) {
      cells.length = 0;
      this.wrappedRows[r] = false;
    }
  }

  private put(ch: string): void {
    if (this.pendingWrap) {
      this.lineFeed();
      this.col = 0;
      this.wrappedRows[this.row] = true;
    }
    const cells = this.line(this.row);
    while (cells.length < this.col) cells.push(' ');
    cells[this.col] = ch;
    if (this.col === this.cols - 1) this.pendingWrap = true;
    else this.col += 1;
  }

  private feed(ch: string): void {
    switch (this.mode) {
      case 'esc':
        if (ch === '[') {
          this.mode = 'csi';
          this.seq = '';
        } else if (ch === ']') {
          this.mode = 'osc';
        } else if (ch === '(' || ch === ')') {
          this.mode = 'charset';
        } else {
          if (ch === '7') this.saved = { row: this.row, col: this.col };
          if (ch === '8') this.moveTo(this.saved.row, this.saved.col);
          this.mode = 'text';
        }
        return;
      case 'charset':
        this.mode = 'text';
        return;
      case 'osc':
        if (ch === '\x07') this.mode = 'text';
        else if (ch === '\x1b') this.mode = 'osc-esc';
        return;
      case 'osc-esc':
        this.mode = 'text';
        return;
      case 'csi': {
        const code = ch.codePointAt(0) ?? 0;
        if (code >= 0x40 && code <= 0x7e) {
          this.mode = 'text';
          this.csi(this.seq, ch);
        } else {
          this.seq += ch;
        }
        return;
      }
      case 'text':
        break;
    }
    switch (ch) {
      case '\x1b':
        this.mode = 'esc';
        return;
      case '\r':
        this.col = 0;
        this.pendingWrap = false;
        return;
      case '\n':
      case '\x0b':
      case '\x0c':
        this.lineFeed();
        return;
      case '\b':
        this.col = Math.max(0, this.col - 1);
        this.pendingWrap = false;
        return;
      case '\t':
        this.col = Math.min(this.cols - 1, (Math.floor(this.col / 8) + 1) * 8);
        return;
      default:
        if ((ch.codePointAt(0) ?? 0) < 0x20 || ch === '\x7f') return; // BEL and other controls
        this.put(ch);
    }
  }

  private csi(params: string, final: string): void {
    if (params.startsWith('?') || params.startsWith('>')) return; // private modes: cursor visibility etc.
    const nums = params.split(';').map((p) => (p === '' ? undefined : Number.parseInt(p, 10)));
    const n = (i: number, dflt: number): number => nums[i] ?? dflt;
    switch (final) {
      case 'A':
        this.moveTo(this.row - Math.max(1, n(0, 1)), this.col);
        break;
      case 'B':
        this.moveTo(this.row + Math.max(1, n(0, 1)), this.col);
        break;
      case 'C':
        this.moveTo(this.row, this.col + Math.max(1, n(0, 1)));
        break;
      case 'D':
        this.moveTo(this.row, this.col - Math.max(1, n(0, 1)));
        break;
      case 'E':
        this.moveTo(this.row + Math.max(1, n(0, 1)), 0);
        break;
      case 'F':
        this.moveTo(this.row - Math.max(1, n(0, 1)), 0);
        break;
      case 'G':
        this.moveTo(this.row, n(0, 1) - 1);
        break;
      case 'H':
      case 'f':
        this.moveTo(this.top + n(0, 1) - 1, n(1, 1) - 1);
        break;
      case 'J': {
        const mode = n(0, 0);
        if (mode === 0) {
          this.eraseLine(this.row, this.col, Infinity);
          for (let r = this.row + 1; r < this.buf.length; r++) this.eraseLine(r, 0, Infinity);
        } else if (mode === 1) {
          for (let r = this.top; r < this.row; r++) this.eraseLine(r, 0, Infinity);
          this.eraseLine(this.row, 0, this.col + 1);
        } else {
          for (let r = this.top; r < this.buf.length; r++) this.eraseLine(r, 0, Infinity);
        }
        break;
      }
      case 'K': {
        const mode = n(0, 0);
        if (mode === 0) this.eraseLine(this.row, this.col, Infinity);
        else if (mode === 1) this.eraseLine(this.row, 0, this.col + 1);
        else this.eraseLine(this.row, 0, Infinity);
        break;
      }
      case 's':
        this.saved = { row: this.row, col: this.col };
        break;
      case 'u':
        this.moveTo(this.saved.row, this.saved.col);
        break;
      default:
        // m (colours) and anything else: no effect on the text.
        break;
    }
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Environment                                                                                 */
/* ------------------------------------------------------------------------------------------ */

export interface TestCredentialsLike {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RootlockEnvOptions {
  /** The emulator (root layer) URL. */
  endpoint: string;
  /** ROOTLOCK_HOME and HOME: a fresh temporary directory per test. */
  home: string;
  /** Static credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; omit to use profiles only. */
  credentials?: TestCredentialsLike;
  region?: string;
  /** Extra variables (NO_COLOR, ...), applied last. */
  extra?: Record<string, string>;
}

/**
 * A clean environment for the CLI: nothing inherited but PATH, so neither the developer's
 * ~/.aws nor their NO_COLOR / FORCE_COLOR / CI settings leak into a test. Shared AWS files
 * live under `home/aws/` (see {@link writeAwsProfile}).
 */
export function rootlockEnv(o: RootlockEnvOptions): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: o.home,
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    ROOTLOCK_HOME: o.home,
    AWS_ENDPOINT_URL: o.endpoint,
    AWS_REGION: o.region ?? 'us-east-1',
    AWS_SHARED_CREDENTIALS_FILE: path.join(o.home, 'aws', 'credentials'),
    AWS_CONFIG_FILE: path.join(o.home, 'aws', 'config'),
    // No instance-metadata lookups when a credential source is missing: fail at once.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  if (o.credentials) {
    env.AWS_ACCESS_KEY_ID = o.credentials.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = o.credentials.secretAccessKey;
    if (o.credentials.sessionToken) env.AWS_SESSION_TOKEN = o.credentials.sessionToken;
  }
  return { ...env, ...o.extra };
}

/** Adds a profile to `home/aws/credentials` (the file rootlockEnv points the SDK at). */
export function writeAwsProfile(home: string, name: string, credentials: TestCredentialsLike): void {
  const dir = path.join(home, 'aws');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lines = [
    `[${name}]`,
    `aws_access_key_id = ${credentials.accessKeyId}`,
    `aws_secret_access_key = ${credentials.secretAccessKey}`,
  ];
  if (credentials.sessionToken) lines.push(`aws_session_token = ${credentials.sessionToken}`);
  appendFileSync(path.join(dir, 'credentials'), `${lines.join('\n')}\n`, { mode: 0o600 });
}

/* ------------------------------------------------------------------------------------------ */
/* Build freshness                                                                             */
/* ------------------------------------------------------------------------------------------ */

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Throws unless dist/ was built after the last change to src/: the binary runs dist/, and a
 * stale build would test old code. `npm test` builds first; otherwise run `npm run build`.
 */
export function assertFreshBuild(): void {
  const main = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error('dist/ is missing: run `npm run build` (npm test builds first).');
  const built = statSync(main).mtimeMs;
  const changed = newestMtime(path.join(REPO_ROOT, 'src'), '.ts');
  if (changed > built) {
    throw new Error(
      `dist/ is older than src/ (a source file changed ${Math.round((changed - built) / 1000)} s after the last build): run \`npm run build\` (npm test builds first).`,
    );
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Pseudo-terminal sessions                                                                    */
/* ------------------------------------------------------------------------------------------ */

export type Key =
  | 'enter'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'space'
  | 'tab'
  | 'backspace'
  | 'escape'
  | 'ctrl-c'
  | 'ctrl-d';

const KEYS: Record<Key, string> = {
  enter: '\r',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  space: ' ',
  tab: '\t',
  backspace: '\x7f',
  escape: '\x1b',
  'ctrl-c': '\x03',
  'ctrl-d': '\x04',
};

export interface PtyOptions {
  env: Record<string, string>;
  cols?: number;
  rows?: number;
  /** Killed (SIGKILL) after this long whatever the test does; default 180 s. */
  hardTimeoutMs?: number;
  /** Default timeout of waitFor; default 30 s. */
  waitTimeoutMs?: number;
}

export interface PtyExit {
  code: number;
  signal: number | undefined;
}

/** One data chunk as it arrived, with its time (ms since start). */
export interface Chunk {
  at: number;
  data: string;
}

const live = new Set<PtySession>();

/** Kills every session still running (call in afterEach / afterAll). */
export function killAllPtys(): void {
  for (const s of live) s.kill();
}

/**
 * A string pattern matches its text with any run of spaces standing for any whitespace:
 * prompts and messages are wrapped to the terminal's width, so a phrase may span a line break.
 */
function toRegExp(pattern: string | RegExp): RegExp {
  if (typeof pattern !== 'string') return new RegExp(pattern.source, pattern.flags.replace('g', ''));
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(escaped.replace(/ +/g, '\\s+'));
}

export class PtySession {
  readonly screen: VirtualScreen;
  readonly chunks: Chunk[] = [];
  readonly exited: Promise<PtyExit>;
  exit: PtyExit | undefined;
  private raw = '';
  private plainCache = { length: -1, text: '' };
  /** Offset in text() after the previous waitFor match. */
  private mark = 0;
  private readonly started = Date.now();
  private readonly proc: IPty;
  private readonly waitTimeoutMs: number;
  private readonly hardTimer: NodeJS.Timeout;

  constructor(
    readonly args: string[],
    opts: PtyOptions,
  ) {
    const cols = opts.cols ?? 100;
    const rows = opts.rows ?? 50;
    this.screen = new VirtualScreen(cols, rows);
    this.waitTimeoutMs = opts.waitTimeoutMs ?? 30_000;
    this.proc = spawnPty(process.execPath, [ROOTLOCK_BIN, ...args], {
      name: opts.env.TERM ?? 'xterm-256color',
      cols,
      rows,
      cwd: REPO_ROOT,
      env: opts.env,
    });
    live.add(this);
    this.proc.onData((data) => {
      this.raw += data;
      this.chunks.push({ at: Date.now() - this.started, data });
      this.screen.write(data);
    });
    this.exited = new Promise((resolve) => {
      this.proc.onExit(({ exitCode, signal }) => {
        this.exit = { code: exitCode, signal: signal || undefined };
        this.dump();
        live.delete(this);
        clearTimeout(this.hardTimer);
        resolve(this.exit);
      });
    });
    this.hardTimer = setTimeout(() => this.kill('SIGKILL'), opts.hardTimeoutMs ?? 180_000);
    this.hardTimer.unref();
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** Everything written, escape sequences included. */
  get transcript(): string {
    return this.raw;
  }

  /** Everything written, as plain text (see {@link stripAnsi}). */
  text(): string {
    if (this.plainCache.length !== this.raw.length)
      this.plainCache = { length: this.raw.length, text: stripAnsi(this.raw) };
    return this.plainCache.text;
  }

  /** The position waitFor searches from; pass it to textSince / rawSince. */
  get position(): number {
    return this.mark;
  }

  /** Plain text written since a position returned by `position`. */
  textSince(position: number): string {
    return this.text().slice(position);
  }

  /**
   * Waits until `pattern` appears in the plain text after the previous match, then moves the
   * search position past it. In a string pattern, a space matches any run of whitespace (a
   * phrase may be wrapped across lines). Fails (with the screen in the message) on timeout or when the
   * program exits without printing it.
   */
  async waitFor(pattern: string | RegExp, timeoutMs = this.waitTimeoutMs): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.text();
      const rest = text.slice(this.mark);
      let found: { index: number; match: string } | undefined;
      const m = toRegExp(pattern).exec(rest);
      if (m) found = { index: m.index, match: m[0] };
      if (found) {
        this.mark += found.index + found.match.length;
        return found.match;
      }
      if (this.exit)
        throw new Error(
          `rootlock exited (code ${this.exit.code}) without printing ${String(pattern)}.\n${this.describe()}`,
        );
      if (Date.now() > deadline)
        throw new Error(`Timed out after ${timeoutMs} ms waiting for ${String(pattern)}.\n${this.describe()}`);
      await sleep(20);
    }
  }

  /** Waits until the visible screen matches (for redrawn prompts, where the text stream repeats itself). */
  async waitForScreen(pattern: string | RegExp, timeoutMs = this.waitTimeoutMs): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen.visible();
      if (toRegExp(pattern).test(screen.join('\n'))) return screen;
      if (this.exit)
        throw new Error(
          `rootlock exited (code ${this.exit.code}) before the screen showed ${String(pattern)}.\n${this.describe()}`,
        );
      if (Date.now() > deadline)
        throw new Error(
          `Timed out after ${timeoutMs} ms waiting for the screen to show ${String(pattern)}.\n${this.describe()}`,
        );
      await sleep(20);
    }
  }

  /** Waits until nothing has been written for `quietMs` (a prompt has finished drawing). */
  async settle(quietMs = 150, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = this.raw.length;
    let since = Date.now();
    while (Date.now() < deadline) {
      await sleep(25);
      if (this.raw.length !== seen) {
        seen = this.raw.length;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) {
        return;
      }
    }
  }

  type(text: string): void {
    this.proc.write(text);
  }

  press(key: Key, times = 1): void {
    for (let i = 0; i < times; i++) this.proc.write(KEYS[key]);
  }

  /** Waits for the process to end and returns its exit code. */
  async waitForExit(timeoutMs = this.waitTimeoutMs): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`rootlock did not exit within ${timeoutMs} ms.\n${this.describe()}`)),
        timeoutMs,
      );
    });
    try {
      const e = await Promise.race([this.exited, timeout]);
      return e.code;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * With env ROOTLOCK_E2E_DUMP=DIR, writes the final screen (scrollback included) and the raw
   * transcript to DIR/rootlock-PID.{screen,raw}.txt, to see what a failing test saw.
   */
  private dump(): void {
    const dir = process.env.ROOTLOCK_E2E_DUMP;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    const base = path.join(dir, `rootlock-${this.proc.pid}`);
    writeFileSync(
      `${base}.screen.txt`,
      `$ rootlock ${this.args.join(' ')}\n${this.screen.text()}\n[exit ${this.exit?.code}]\n`,
    );
    writeFileSync(`${base}.raw.txt`, this.raw);
  }

  kill(signal = 'SIGKILL'): void {
    if (this.exit) return;
    try {
      this.proc.kill(signal);
    } catch {
      // already gone
    }
  }

  /** The visible screen, for failure messages. */
  describe(): string {
    return `--- screen (${this.screen.cols}x${this.screen.rows}) ---\n${this.screen.visible().join('\n')}\n--- end of screen ---`;
  }
}

/** Starts `node bin/rootlock ...args` in a pseudo-terminal. */
export function startRootlock(args: string[], opts: PtyOptions): PtySession {
  return new PtySession(args, opts);
}

/* ------------------------------------------------------------------------------------------ */
/* Without a terminal                                                                          */
/* ------------------------------------------------------------------------------------------ */

export interface PipedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** True when the run had to be killed at the timeout (it hung). */
  timedOut: boolean;
}

export interface PipedOptions {
  env: Record<string, string>;
  /** `null`: stdin is /dev/null; `closed`: a pipe closed at once (EOF); a string: fed then closed. */
  stdin?: 'null' | 'closed' | { text: string };
  /** Killed (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
}

/** Runs `node bin/rootlock ...args` with pipes for stdin, stdout and stderr (no terminal anywhere). */
export function runPiped(args: string[], opts: PipedOptions): Promise<PipedResult> {
  const stdinMode = opts.stdin ?? 'null';
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawnChild(process.execPath, [ROOTLOCK_BIN, ...args], {
      cwd: REPO_ROOT,
      env: opts.env,
      stdio: [stdinMode === 'null' ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (child.stdin) {
      if (typeof stdinMode === 'object') child.stdin.end(stdinMode.text);
      else child.stdin.end();
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started, timedOut });
    });
  });
}

/* ------------------------------------------------------------------------------------------ */
/* Journal                                                                                     */
/* ------------------------------------------------------------------------------------------ */

export interface JournalFile {
  path: string;
  /** Every line, parsed (a line that is not JSON fails the read). */
  entries: Array<Record<string, unknown> & { type: string }>;
  text: string;
}

/**
 * Reads every journal under `home/journal`, oldest first, parsing every line: a line that is
 * not valid JSON throws, naming the file and line.
 */
export function readJournals(home: string): JournalFile[] {
  const dir = path.join(home, 'journal');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => {
      const p = path.join(dir, f);
      const text = readFileSync(p, 'utf8');
      const entries = text
        .split('\n')
        .filter((line) => line !== '')
        .map((line, i) => {
          try {
            return JSON.parse(line) as Record<string, unknown> & { type: string };
          } catch (err) {
            throw new Error(`${p}:${i + 1} is not JSON (${(err as Error).message}): ${line.slice(0, 200)}`);
          }
        });
      if (text !== '' && !text.endsWith('\n')) throw new Error(`${p} ends in the middle of a line`);
      return { path: p, entries, text };
    });
}
