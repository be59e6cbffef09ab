/**
 * The interactive `Prompter`, over @inquirer/prompts. This is the only module that
 * imports the prompt library, so cancellation is handled here, once: Ctrl-C at a
 * prompt rejects with {@link CancelledError}.
 *
 * Every question runs inside `session.whilePrompting`, which stops any spinner
 * first. Prompts draw on the session's stream (stderr), not stdout, so `--json`
 * output on stdout stays clean.
 */
import { Writable } from 'node:stream';
import { checkbox, confirm, input, select } from '@inquirer/prompts';
import type { CheckboxQuestion, ConfirmQuestion, InputQuestion, Prompter, SelectQuestion } from '../engine/types.js';
import { CancelledError } from './errors.js';
import type { SessionStream, TerminalSession } from './session.js';
import { painter } from './style.js';

/** Error names @inquirer/core uses when a prompt ends without an answer. */
const CANCEL_ERROR_NAMES = new Set(['ExitPromptError', 'AbortPromptError', 'CancelPromptError']);

/**
 * True for the errors inquirer rejects with when the operator leaves a prompt:
 * `ExitPromptError` (Ctrl-C, or the process exiting), `AbortPromptError` and
 * `CancelPromptError`. Matched by name: the classes live in @inquirer/core, which is
 * not a direct dependency.
 */
export function isPromptCancellation(error: unknown): boolean {
  return error instanceof Error && CANCEL_ERROR_NAMES.has(error.name);
}

/** Rethrows inquirer's cancellations as {@link CancelledError}, anything else as is. */
export function toCancelledError(error: unknown): unknown {
  return isPromptCancellation(error) ? new CancelledError('Cancelled at a prompt.', { cause: error }) : error;
}

/**
 * A stream for one prompt to draw on, forwarding to the session's stream.
 *
 * inquirer pipes its output into the stream it is given and ends it when the prompt
 * closes. Node never ends process.stderr that way, but any other stream (a test's,
 * or one the CLI wraps) would be closed after the first question. This proxy takes
 * the end instead. It writes straight to the terminal, not through the session,
 * which is holding other output back while the prompt is open.
 */
function promptOutput(target: SessionStream): Writable {
  const proxy = new Writable({
    decodeStrings: false,
    write(chunk: unknown, _encoding, callback) {
      target.write(chunk as string | Uint8Array);
      callback();
    },
  });
  // inquirer and readline read the terminal's size and kind from the stream they draw on.
  for (const key of ['isTTY', 'columns', 'rows'] as const) {
    Object.defineProperty(proxy, key, { get: () => target[key] });
  }
  return proxy;
}

/**
 * Builds inquirer's theme from our colour decision. inquirer's default theme colours
 * by itself (reading the environment, not our stream or `--no-color`), so every
 * coloured part is replaced with ours.
 */
function themeFor(color: boolean) {
  const blue = painter(color, 'blue');
  const green = painter(color, 'green');
  const cyan = painter(color, 'cyan');
  const red = painter(color, 'red');
  const bold = painter(color, 'bold');
  const dim = painter(color, 'dim');
  const keysHelpTip = (keys: [key: string, action: string][]): string =>
    keys.map(([key, action]) => `${bold(key)} ${dim(action)}`).join(dim(' • '));
  const base = {
    prefix: { idle: blue('?'), done: green('✔') },
    spinner: { interval: 80, frames: ['-', '\\', '|', '/'] },
    style: {
      answer: cyan,
      message: (text: string) => bold(text),
      error: (text: string) => red(`> ${text}`),
      defaultAnswer: (text: string) => dim(`(${text})`),
      help: dim,
      highlight: cyan,
      key: (text: string) => cyan(bold(`<${text}>`)),
    },
  };
  return {
    base,
    select: {
      ...base,
      style: { ...base.style, disabled: (text: string) => dim(`- ${text}`), description: cyan, keysHelpTip },
    },
    checkbox: {
      ...base,
      icon: { checked: green('◉'), unchecked: '◯', cursor: '❯' },
      style: {
        ...base.style,
        disabledChoice: (text: string) => dim(`- ${text}`),
        description: cyan,
        keysHelpTip,
      },
    },
  };
}

/**
 * Creates the interactive prompter. Questions are read from `session.input` and
 * drawn on `session.stream`, with any spinner stopped while they are open.
 * Ctrl-C rejects with {@link CancelledError} (exit 130); other errors pass through.
 */
export function createTerminalPrompter(session: TerminalSession): Prompter {
  const theme = themeFor(session.color);

  const ask = async <T>(prompt: (context: PromptContext) => Promise<T>): Promise<T> => {
    try {
      return await session.whilePrompting(() => prompt({ input: session.input, output: promptOutput(session.stream) }));
    } catch (error) {
      throw toCancelledError(error);
    }
  };

  return {
    confirm: (q: ConfirmQuestion) =>
      ask((context) =>
        confirm(
          {
            message: q.message,
            ...(q.default === undefined ? {} : { default: q.default }),
            theme: theme.base,
          },
          context,
        ),
      ),

    input: (q: InputQuestion) =>
      ask((context) => {
        const { validate } = q;
        return input(
          {
            message: q.message,
            ...(q.default === undefined ? {} : { default: q.default }),
            // inquirer shows the returned reason under the prompt and asks again.
            ...(validate === undefined ? {} : { validate: (value: string) => validate(value) }),
            theme: theme.base,
          },
          context,
        );
      }),

    select: <T>(q: SelectQuestion<T>) =>
      ask((context) => {
        assertChoices(q.id, q.choices.length);
        return select<T>(
          {
            message: q.message,
            choices: q.choices.map((choice) => ({
              value: choice.value,
              name: choice.name,
              ...(choice.description === undefined ? {} : { description: choice.description }),
            })),
            ...('default' in q ? { default: q.default } : {}),
            theme: theme.select,
          },
          context,
        );
      }),

    checkbox: <T>(q: CheckboxQuestion<T>) =>
      ask((context) => {
        assertChoices(q.id, q.choices.length);
        const { validate } = q;
        return checkbox<T>(
          {
            message: q.message,
            choices: q.choices.map((choice) => ({
              value: choice.value,
              name: choice.name,
              checked: choice.checked ?? false,
              ...(choice.description === undefined ? {} : { description: choice.description }),
            })),
            ...(validate === undefined
              ? {}
              : { validate: (picked: ReadonlyArray<{ value: T }>) => validate(picked.map((c) => c.value)) }),
            theme: theme.checkbox,
          },
          context,
        );
      }),
  };
}

/** The streams one prompt uses. */
interface PromptContext {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

function assertChoices(id: string, count: number): void {
  // inquirer would fail with a less helpful message, after drawing the prompt.
  if (count === 0) throw new Error(`Question "${id}" has no choices to offer.`);
}
