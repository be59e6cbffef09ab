/**
 * The terminal implementation of the engine's `Output`.
 *
 * The output does not sanitize: callers pass account data through `sanitize` from
 * src/util/text.ts before it gets here. It also strips nothing: text is written as
 * given, only decorated with a marker and indented.
 *
 * Two looks:
 * - interactive terminal with colour: coloured ✔ ⚠ ✖ ℹ symbols, `progress()` is an
 *   ora spinner, `tasks()` a listr2 task list (./tasks.ts) and `accounts()` an organization
 *   run's progress (./accounts-progress.ts);
 * - otherwise (a pipe, CI, NO_COLOR): one plain line per message with ASCII markers
 *   (`[ok]`, `[warn]`, `[fail]`, `[info]`); a progress prints `[start] text` and its
 *   final line only, with no frames and no carriage returns. Colour (FORCE_COLOR) may
 *   still tint the markers. `tasks()` and `accounts()` return undefined there, so the
 *   engine shows each task as a progress (each account as a plain line) and those lines
 *   stay exactly as they are.
 */
import ora from 'ora';
import type { AccountsProgress, Output, Progress, TaskList } from '../engine/types.js';
import { startAccountsProgress } from './accounts-progress.js';
import { TerminalSession, type SessionSpinner, type TerminalSessionOptions } from './session.js';
import { marker, markerText, painter, type Tone } from './style.js';
import { startTaskList } from './tasks.js';
import { wrapLine } from './wrap.js';

/** The terminal output: the engine's `Output` plus what only the CLI needs. */
export interface TerminalOutput extends Output {
  /** The session shared with the prompter. */
  readonly session: TerminalSession;
  /** Whether {@link TerminalOutput.secret} will show a secret (the stream is a terminal). */
  readonly canShowSecrets: boolean;
  /**
   * Shows a secret in a framed box saying it is shown once, and returns true, only
   * when the stream is a terminal. Otherwise writes a warning line naming `label`
   * (never the value) and returns false: the caller must then deliver the secret
   * some other way, or not create it. Check `canShowSecrets` before generating one. While a
   * task list is drawn the box is held back (in memory only) and shown right after the list.
   */
  secret(label: string, value: string): boolean;
  /** A task list on an interactive colour terminal, otherwise undefined; see `Output.tasks`. */
  tasks(titles: string[]): TaskList | undefined;
  /**
   * An organization run's progress (./accounts-progress.ts) where `tasks` would draw a list,
   * otherwise undefined; see `Output.accounts`.
   */
  accounts(total: number, concurrency: number): AccountsProgress | undefined;
  /**
   * Writes machine-readable data (e.g. `--json`) exactly as given to the data stream
   * (stdout by default), never decorated; add the trailing newline yourself.
   */
  data(text: string): void;
  /** Stops any spinner and writes anything held back; see {@link TerminalSession.close}. */
  close(): void;
}

/** Options for {@link createOutput}: an existing session, or what to build one from. */
export type CreateOutputOptions = {
  /** Where {@link TerminalOutput.data} writes. Defaults to `process.stdout`. */
  stdoutForData?: NodeJS.WritableStream;
} & ({ session: TerminalSession } | TerminalSessionOptions);

/** Creates the terminal output; pass `output.session` to `createTerminalPrompter`. */
export function createOutput(options: CreateOutputOptions): TerminalOutput {
  const session = 'session' in options ? options.session : new TerminalSession(options);
  const dataStream = options.stdoutForData ?? process.stdout;
  const look = session.look;
  const bold = painter(look.color, 'bold');
  const dim = painter(look.color, 'dim');
  let wroteHeading = false;

  /**
   * The width to wrap at: the terminal's, read at each write (it may be resized); none when
   * the output is not a terminal, so logs keep one message per line.
   */
  const columns = (): number | undefined => {
    const cols = session.isTerminal ? session.stream.columns : undefined;
    return cols !== undefined && cols >= 20 ? cols : undefined;
  };
  /** Breaks one line of text at spaces to fit `width` columns (see ./wrap.ts). */
  const fit = (text: string, indent: number): string[] => {
    const cols = columns();
    return cols === undefined ? [text] : wrapLine(text, cols - indent);
  };

  /** One message: marker, text, and continuation lines indented under the text. */
  const line = (tone: Tone, text: string): string => {
    const indent = ' '.repeat(markerText(look, tone).length + 1);
    const rows = text.split('\n').flatMap((part) => fit(part, indent.length));
    return `${marker(look, tone)} ${rows.join(`\n${indent}`)}\n`;
  };
  const say = (tone: Tone, text: string): void => session.write(line(tone, text));

  const progress = (text: string): Progress => {
    let current = text;
    let ended = false;

    if (!session.animates) {
      session.write(line('start', text));
      const end = (tone: Tone | undefined, final: string | undefined): void => {
        if (ended) return;
        ended = true;
        if (tone !== undefined) say(tone, final ?? current);
      };
      return {
        update: (next) => {
          if (!ended) current = next;
        },
        succeed: (final) => end('ok', final),
        fail: (final) => end('fail', final),
        stop: () => end(undefined, undefined),
      };
    }

    const spinner = ora({
      text,
      stream: session.stream,
      // We decided interactivity already; ora's own check would also look at CI.
      isEnabled: true,
      color: look.color ? 'cyan' : false,
      spinner: look.unicode ? 'dots' : 'line',
      // ora's default puts stdin in raw mode to swallow keystrokes and re-raises Ctrl-C
      // itself, but on a fresh process.stdin it never reads the key (ora#253), so Ctrl-C
      // did nothing during a spinner. In cooked mode the terminal raises SIGINT itself.
      discardStdin: false,
    });
    const handle: SessionSpinner = {
      show: () => void spinner.start(),
      hide: () => void spinner.stop(),
      clear: () => void spinner.clear(),
      render: () => void spinner.render(),
    };
    session.addSpinner(handle);
    const end = (tone: Tone | undefined, final: string | undefined): void => {
      if (ended) return;
      ended = true;
      session.removeSpinner(handle, tone === undefined ? undefined : line(tone, final ?? current));
    };
    return {
      update: (next) => {
        if (ended) return;
        current = next;
        spinner.text = next;
      },
      succeed: (final) => end('ok', final),
      fail: (final) => end('fail', final),
      stop: () => end(undefined, undefined),
    };
  };

  /**
   * A listr2 task list where ora spins with Unicode symbols (an operator at a terminal, colour
   * on); none in the plain looks (pipes, CI, NO_COLOR, --no-color), whose lines logs and tests read.
   * While it is drawn, other messages and secrets are held back by the session and written after it.
   */
  const tasks = (titles: string[]): TaskList | undefined => {
    if (!session.animates || !look.unicode || titles.length === 0) return undefined;
    return startTaskList(session, titles);
  };

  /** The same looks as `tasks`: elsewhere the run prints a plain line per finished account. */
  const accounts = (total: number, concurrency: number): AccountsProgress | undefined => {
    if (!session.animates || !look.unicode || total <= 0) return undefined;
    return startAccountsProgress(session, total, concurrency);
  };

  const secret = (label: string, value: string): boolean => {
    if (!session.isTerminal) {
      say('warn', `Not shown: ${label}. Secrets are shown only on a terminal, and this output is not one.`);
      return false;
    }
    session.write(secretBox(label, value, look.unicode, bold));
    return true;
  };

  return {
    session,
    get canShowSecrets() {
      return session.isTerminal;
    },
    heading: (text) => {
      const title = look.color ? bold(text) : `== ${text} ==`;
      session.write(`${wroteHeading ? '\n' : ''}${title}\n`);
      wroteHeading = true;
    },
    info: (text) => say('info', text),
    success: (text) => say('ok', text),
    warn: (text) => say('warn', text),
    error: (text) => say('fail', text),
    detail: (lines) => {
      const text = lines
        .flatMap((entry) => entry.split('\n'))
        .flatMap((part) => fit(part, 2))
        .map((part) => `  ${dim(part)}\n`)
        .join('');
      if (text !== '') session.write(text);
    },
    progress,
    tasks,
    accounts,
    secret,
    data: (text) => session.write(text, dataStream),
    close: () => session.close(),
  };
}

/** Code points, a fair stand-in for display width for the text we box. */
function width(text: string): number {
  return [...text].length;
}

function secretBox(label: string, value: string, unicode: boolean, emphasize: (text: string) => string): string {
  const notice = 'Shown once: copy it now. rootlock does not store it.';
  const rows: Array<{ plain: string; shown: string }> = [
    // A label with line breaks gets one row per line, so the frame stays closed.
    ...label.split('\n').map((part) => ({ plain: part, shown: part })),
    { plain: '', shown: '' },
    { plain: `  ${value}`, shown: `  ${emphasize(value)}` },
    { plain: '', shown: '' },
    { plain: notice, shown: notice },
  ];
  const inner = Math.max(...rows.map((row) => width(row.plain)));
  const [tl, tr, bl, br, h, v] = unicode ? ['┌', '┐', '└', '┘', '─', '│'] : ['+', '+', '+', '+', '-', '|'];
  const rule = h.repeat(inner + 2);
  const body = rows.map((row) => `${v} ${row.shown}${' '.repeat(inner - width(row.plain))} ${v}\n`);
  return `${tl}${rule}${tr}\n${body.join('')}${bl}${rule}${br}\n`;
}
