/**
 * Drives the real @inquirer/prompts through a fake keyboard and a fake terminal:
 * inquirer accepts input and output streams, so no pseudo-terminal is needed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/ui/errors.js';
import { createOutput, type TerminalOutput } from '../../src/ui/output.js';
import { createTerminalPrompter, isPromptCancellation, toCancelledError } from '../../src/ui/prompter.js';
import { TerminalSession } from '../../src/ui/session.js';
import { KEY, Keyboard, RecordingStream, waitFor } from './helpers/streams.js';

const outputs: TerminalOutput[] = [];
afterEach(() => {
  for (const output of outputs.splice(0)) output.close();
});

function setup({ color = false }: { color?: boolean } = {}) {
  const keyboard = new Keyboard();
  const screen = new RecordingStream({ tty: true });
  const session = new TerminalSession({ stream: screen, input: keyboard, color, interactive: true });
  const output = createOutput({ session, stdoutForData: new RecordingStream() });
  outputs.push(output);
  const prompter = createTerminalPrompter(session);
  /** Waits until `text` is on screen, then types. */
  const answerWhenShown = async (text: string, ...keys: string[]) => {
    await waitFor(() => screen.plain().includes(text), `"${text}" on screen`);
    // Let inquirer attach its keypress handler (it does so after the first render).
    await new Promise((resolve) => setImmediate(resolve));
    keyboard.type(...keys);
  };
  return { keyboard, screen, session, output, prompter, answerWhenShown };
}

describe('createTerminalPrompter', () => {
  it('asks a confirmation on the session stream and returns the answer', async () => {
    const { prompter, answerWhenShown, screen } = setup();
    const answer = prompter.confirm({ id: 'c', message: 'Create an admin?' });
    await answerWhenShown('Create an admin?', 'y', KEY.enter);
    await expect(answer).resolves.toBe(true);
    expect(screen.plain()).toContain('Create an admin?');
  });

  it('leaves the session stream open after a prompt (inquirer ends the stream it is given)', async () => {
    const { prompter, answerWhenShown, screen, output } = setup();
    const first = prompter.confirm({ id: 'a', message: 'First?' });
    await answerWhenShown('First?', 'y', KEY.enter);
    await first;
    const second = prompter.confirm({ id: 'b', message: 'Second?' });
    await answerWhenShown('Second?', 'n', KEY.enter);
    await expect(second).resolves.toBe(false);
    expect(screen.writableEnded).toBe(false);
    output.info('still here');
    expect(screen.plain()).toContain('[info] still here');
  });

  it('takes the default on Enter', async () => {
    const { prompter, answerWhenShown } = setup();
    const answer = prompter.confirm({ id: 'c', message: 'Proceed?', default: false });
    await answerWhenShown('Proceed?', KEY.enter);
    await expect(answer).resolves.toBe(false);
  });

  it('re-asks an invalid input, showing the reason', async () => {
    const { prompter, answerWhenShown, keyboard, screen } = setup();
    const answer = prompter.input({
      id: 'n',
      message: 'How many admins?',
      validate: (value) => (/^\d+$/.test(value) ? true : 'enter a whole number'),
    });
    await answerWhenShown('How many admins?', 'two', KEY.enter);
    await waitFor(() => screen.plain().includes('enter a whole number'), 'the validation reason');
    keyboard.type(KEY.backspace, KEY.backspace, KEY.backspace, '2', KEY.enter);
    await expect(answer).resolves.toBe('2');
  });

  it('selects a choice by moving down, keeping the value type', async () => {
    const { prompter, answerWhenShown } = setup();
    const answer = prompter.select({
      id: 's',
      message: 'How many?',
      choices: [
        { value: 1, name: 'one' },
        { value: 2, name: 'two', description: 'a pair' },
      ],
    });
    await answerWhenShown('How many?', KEY.down, KEY.enter);
    await expect(answer).resolves.toBe(2);
  });

  it('starts a select at its default', async () => {
    const { prompter, answerWhenShown } = setup();
    const answer = prompter.select({
      id: 's',
      message: 'Region?',
      choices: [
        { value: 'eu-west-1', name: 'Ireland' },
        { value: 'us-east-1', name: 'Virginia' },
      ],
      default: 'us-east-1',
    });
    await answerWhenShown('Region?', KEY.enter);
    await expect(answer).resolves.toBe('us-east-1');
  });

  it('checks boxes and passes the values to validate', async () => {
    const { prompter, answerWhenShown, keyboard, screen } = setup();
    const seen: string[][] = [];
    const answer = prompter.checkbox({
      id: 'b',
      message: 'Which users?',
      choices: [
        { value: 'alice', name: 'alice' },
        { value: 'bob', name: 'bob', checked: true },
        { value: 'carol', name: 'carol' },
      ],
      validate: (values) => {
        seen.push(values);
        return values.length >= 2 ? true : 'pick two or more';
      },
    });
    // Uncheck bob (leaving none), submit, and be told why.
    await answerWhenShown('Which users?', KEY.down, KEY.space, KEY.enter);
    await waitFor(() => screen.plain().includes('pick two or more'), 'the validation reason');
    keyboard.type(KEY.up, KEY.space, KEY.down, KEY.down, KEY.space, KEY.enter);
    await expect(answer).resolves.toEqual(['alice', 'carol']);
    expect(seen).toEqual([[], ['alice', 'carol']]);
  });

  it.each([
    ['confirm', (p: ReturnType<typeof setup>['prompter']) => p.confirm({ id: 'x', message: 'Ask?' })],
    ['input', (p: ReturnType<typeof setup>['prompter']) => p.input({ id: 'x', message: 'Ask?' })],
    [
      'select',
      (p: ReturnType<typeof setup>['prompter']) =>
        p.select({ id: 'x', message: 'Ask?', choices: [{ value: 1, name: 'one' }] }),
    ],
    [
      'checkbox',
      (p: ReturnType<typeof setup>['prompter']) =>
        p.checkbox({ id: 'x', message: 'Ask?', choices: [{ value: 1, name: 'one' }] }),
    ],
  ])('turns Ctrl-C at a %s prompt into CancelledError', async (_kind, ask) => {
    const { prompter, answerWhenShown } = setup();
    const answer = ask(prompter);
    await answerWhenShown('Ask?', KEY.ctrlC);
    const error = await answer.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).code).toBe('CANCELLED');
    expect(((error as CancelledError).cause as Error).name).toBe('ExitPromptError');
  });

  it('stops the spinner before asking and restarts it after', async () => {
    const { prompter, answerWhenShown, output, session } = setup();
    const progress = output.progress('Reading IAM');
    expect(session.visibleSpinner).toBeDefined();
    const answer = prompter.confirm({ id: 'c', message: 'Continue?' });
    expect(session.visibleSpinner).toBeUndefined();
    expect(session.promptActive).toBe(true);
    await answerWhenShown('Continue?', 'y', KEY.enter);
    await answer;
    expect(session.promptActive).toBe(false);
    expect(session.visibleSpinner).toBeDefined();
    progress.succeed();
  });

  it('holds output written during the prompt until it closes', async () => {
    const { prompter, answerWhenShown, output, screen } = setup();
    const answer = prompter.confirm({ id: 'c', message: 'Continue?' });
    output.info('late news');
    expect(screen.plain()).not.toContain('late news');
    await answerWhenShown('Continue?', 'n', KEY.enter);
    await answer;
    expect(screen.plain()).toContain('[info] late news');
  });

  it('draws without colour when colour is off', async () => {
    const { prompter, answerWhenShown, screen } = setup({ color: false });
    const answer = prompter.confirm({ id: 'c', message: 'Plain?' });
    await answerWhenShown('Plain?', 'y', KEY.enter);
    await answer;
    expect(screen.text()).not.toMatch(/\x1b\[3\dm/);
  });

  it('draws with colour when colour is on', async () => {
    const { prompter, answerWhenShown, screen } = setup({ color: true });
    const answer = prompter.confirm({ id: 'c', message: 'Colourful?' });
    await answerWhenShown('Colourful?', 'y', KEY.enter);
    await answer;
    expect(screen.text()).toContain('\x1b[34m?\x1b[39m');
  });

  it('refuses a select with no choices before drawing anything', async () => {
    const { prompter, screen } = setup();
    await expect(prompter.select({ id: 'empty', message: 'Pick', choices: [] })).rejects.toThrow(
      'Question "empty" has no choices to offer.',
    );
    expect(screen.text()).toBe('');
  });
});

describe('toCancelledError', () => {
  it.each(['ExitPromptError', 'AbortPromptError', 'CancelPromptError'])('converts %s', (name) => {
    const original = Object.assign(new Error('closed'), { name });
    expect(isPromptCancellation(original)).toBe(true);
    const converted = toCancelledError(original);
    expect(converted).toBeInstanceOf(CancelledError);
    expect((converted as CancelledError).cause).toBe(original);
  });

  it('passes other errors through untouched', () => {
    const original = new TypeError('bug');
    expect(isPromptCancellation(original)).toBe(false);
    expect(toCancelledError(original)).toBe(original);
    expect(toCancelledError('text')).toBe('text');
  });
});
