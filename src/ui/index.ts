/**
 * The terminal UI in one call: decides interactivity and colour, and wires the
 * output and the prompters to one {@link TerminalSession}.
 */
import { createAnswersPrompter, type AnswersPrompter } from './answers.js';
import { createOutput, type TerminalOutput } from './output.js';
import { createTerminalPrompter } from './prompter.js';
import { TerminalSession, type SessionStream } from './session.js';

export { CancelledError, InvalidAnswerError, NeedsInputError } from './errors.js';
export {
  createAnswersPrompter,
  mergeAnswers,
  parseAnswerFlags,
  parseAnswersJson,
  type AnswersPrompter,
  type AnswersPrompterOptions,
} from './answers.js';
export { createOutput, type CreateOutputOptions, type TerminalOutput } from './output.js';
export { createTerminalPrompter, isPromptCancellation } from './prompter.js';
export { TerminalSession, type SessionStream, type TerminalSessionOptions } from './session.js';

/** Inputs to the colour decision; see {@link resolveColor}. */
export interface ColorInputs {
  /** `--color` (true), `--no-color` (false), or neither (undefined). */
  flag?: boolean | undefined;
  env: Readonly<Record<string, string | undefined>>;
  /** Whether the stream we draw on (stderr) is a terminal. */
  isTTY: boolean;
}

/**
 * Decides whether to use colour, first rule that applies:
 * 1. `--color` / `--no-color`;
 * 2. `NO_COLOR` set to any non-empty value: off (https://no-color.org; an empty
 *    value does not count, as that page specifies);
 * 3. `FORCE_COLOR`: `0` or `false` turns colour off, any other value (even empty) on;
 * 4. otherwise on exactly when the stream is a terminal (and `TERM` is not `dumb`).
 *
 * NO_COLOR wins over FORCE_COLOR because it is the operator's own preference, while
 * FORCE_COLOR is often set for every tool by a CI system.
 */
export function resolveColor({ flag, env, isTTY }: ColorInputs): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.trim().toLowerCase());
  return isTTY && env.TERM !== 'dumb';
}

/** Inputs to the interactivity decision; see {@link resolveInteractive}. */
export interface InteractiveInputs {
  /** An explicit choice (e.g. `--non-interactive` gives false); undefined to detect. */
  flag?: boolean | undefined;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
}

/**
 * Interactive (prompts, spinners) when told so, otherwise exactly when both stdin
 * (where answers come from) and stderr (where prompts are drawn) are terminals.
 */
export function resolveInteractive({ flag, stdinIsTTY, stderrIsTTY }: InteractiveInputs): boolean {
  return flag ?? (stdinIsTTY && stderrIsTTY);
}

/** Options for {@link createTerminalUi}. */
export interface TerminalUiOptions {
  /** `--color` (true) / `--no-color` (false); undefined to decide from the environment. */
  color?: boolean | undefined;
  /** Force interactivity on or off; undefined to detect from stdin and stderr. */
  interactive?: boolean | undefined;
  /** Supplied answers by question id (answers file merged with `--answer` flags). */
  answers?: Readonly<Record<string, unknown>> | undefined;
  /** `--yes`. */
  yes?: boolean | undefined;
  /** For tests: the streams and environment to use instead of the process's. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  stderr?: SessionStream;
  stdout?: NodeJS.WritableStream;
  env?: Readonly<Record<string, string | undefined>>;
}

/** What {@link createTerminalUi} returns. */
export interface TerminalUi {
  output: TerminalOutput;
  /** Supplied answers first, then (interactive only) the terminal; see ./answers.ts. */
  prompter: AnswersPrompter;
  session: TerminalSession;
  /** Stops any spinner and writes anything held back; call before exiting, also on errors. */
  close(): void;
}

/**
 * Creates the terminal UI. Messages, spinners and prompts go to stderr; only
 * `output.data()` writes to stdout. Without interactivity there is no terminal
 * prompter: an unanswered question throws `NeedsInputError` instead of hanging.
 */
export function createTerminalUi(options: TerminalUiOptions = {}): TerminalUi {
  const stdin = options.stdin ?? process.stdin;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  const stderrIsTTY = stderr.isTTY === true;
  const interactive = resolveInteractive({
    flag: options.interactive,
    stdinIsTTY: stdin.isTTY === true,
    stderrIsTTY,
  });
  const color = resolveColor({ flag: options.color, env, isTTY: stderrIsTTY });
  const session = new TerminalSession({ stream: stderr, input: stdin, color, interactive });
  const output = createOutput({ session, stdoutForData: options.stdout ?? process.stdout });
  const prompter = createAnswersPrompter({
    answers: options.answers ?? {},
    yes: options.yes ?? false,
    ...(interactive ? { fallback: createTerminalPrompter(session) } : {}),
  });
  return { output, prompter, session, close: () => session.close() };
}
