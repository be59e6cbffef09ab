import { afterEach, describe, expect, it } from 'vitest';
import {
  createTerminalUi,
  NeedsInputError,
  resolveColor,
  resolveInteractive,
  type TerminalUi,
} from '../../src/ui/index.js';
import { KEY, Keyboard, RecordingStream, waitFor } from './helpers/streams.js';

const uis: TerminalUi[] = [];
afterEach(() => {
  for (const ui of uis.splice(0)) ui.close();
});

describe('resolveColor', () => {
  it.each([
    ['a terminal', undefined, {}, true, true],
    ['a pipe', undefined, {}, false, false],
    ['--no-color on a terminal', false, {}, true, false],
    ['--color on a pipe', true, {}, false, true],
    ['--color beats NO_COLOR', true, { NO_COLOR: '1' }, true, true],
    ['NO_COLOR=1', undefined, { NO_COLOR: '1' }, true, false],
    ['NO_COLOR with any value', undefined, { NO_COLOR: 'false' }, true, false],
    ['NO_COLOR empty does not count (no-color.org)', undefined, { NO_COLOR: '' }, true, true],
    ['NO_COLOR beats FORCE_COLOR', undefined, { NO_COLOR: '1', FORCE_COLOR: '1' }, true, false],
    ['FORCE_COLOR=1 on a pipe', undefined, { FORCE_COLOR: '1' }, false, true],
    ['FORCE_COLOR empty on a pipe', undefined, { FORCE_COLOR: '' }, false, true],
    ['FORCE_COLOR=0 on a terminal', undefined, { FORCE_COLOR: '0' }, true, false],
    ['FORCE_COLOR=false on a terminal', undefined, { FORCE_COLOR: 'false' }, true, false],
    ['TERM=dumb', undefined, { TERM: 'dumb' }, true, false],
  ])('%s', (_name, flag, env, isTTY, expected) => {
    expect(resolveColor({ flag, env, isTTY })).toBe(expected);
  });
});

describe('resolveInteractive', () => {
  it.each([
    [undefined, true, true, true],
    [undefined, false, true, false],
    [undefined, true, false, false],
    [true, false, false, true],
    [false, true, true, false],
  ])('flag %s, stdin TTY %s, stderr TTY %s -> %s', (flag, stdinIsTTY, stderrIsTTY, expected) => {
    expect(resolveInteractive({ flag, stdinIsTTY, stderrIsTTY })).toBe(expected);
  });
});

describe('createTerminalUi', () => {
  function make(options: {
    tty: boolean;
    env?: Record<string, string>;
    answers?: Record<string, unknown>;
    yes?: boolean;
    color?: boolean;
  }) {
    const stdin = new Keyboard({ tty: options.tty });
    const stderr = new RecordingStream({ tty: options.tty });
    const stdout = new RecordingStream();
    const ui = createTerminalUi({
      stdin,
      stderr,
      stdout,
      env: options.env ?? {},
      answers: options.answers,
      yes: options.yes,
      color: options.color,
    });
    uis.push(ui);
    return { ui, stdin, stderr, stdout };
  }

  it('without a terminal: plain output, and an unanswered question throws instead of hanging', async () => {
    const { ui, stderr } = make({ tty: false });
    expect(ui.session.interactive).toBe(false);
    expect(ui.session.color).toBe(false);
    ui.output.success('done');
    expect(stderr.text()).toBe('[ok] done\n');
    await expect(ui.prompter.confirm({ id: 'q', message: 'Sure?' })).rejects.toBeInstanceOf(NeedsInputError);
  });

  it('without a terminal, answers from the map and --yes still work', async () => {
    const { ui } = make({ tty: false, answers: { q: 'yes' }, yes: true });
    await expect(ui.prompter.confirm({ id: 'q', message: 'Sure?' })).resolves.toBe(true);
    await expect(ui.prompter.confirm({ id: 'safe', message: 'Go?', safeDefault: true })).resolves.toBe(true);
  });

  it('on a terminal: colour, and unanswered questions are asked on stderr', async () => {
    const { ui, stdin, stderr, stdout } = make({ tty: true });
    expect(ui.session.interactive).toBe(true);
    expect(ui.session.color).toBe(true);
    const answer = ui.prompter.confirm({ id: 'q', message: 'Asked on the terminal?' });
    await waitFor(() => stderr.plain().includes('Asked on the terminal?'), 'the prompt');
    await new Promise((resolve) => setImmediate(resolve));
    stdin.type('y', KEY.enter);
    await expect(answer).resolves.toBe(true);
    expect(stdout.text()).toBe('');
  });

  it('honours NO_COLOR and --no-color on a terminal', () => {
    expect(make({ tty: true, env: { NO_COLOR: '1' } }).ui.session.color).toBe(false);
    expect(make({ tty: true, color: false }).ui.session.color).toBe(false);
  });

  it('sends data to stdout and everything else to stderr', () => {
    const { ui, stderr, stdout } = make({ tty: false });
    ui.output.info('for people');
    ui.output.data('{"for":"machines"}\n');
    expect(stdout.text()).toBe('{"for":"machines"}\n');
    expect(stderr.text()).toBe('[info] for people\n');
  });

  it('close() stops a running spinner', () => {
    const { ui } = make({ tty: true });
    ui.output.progress('Working');
    expect(ui.session.visibleSpinner).toBeDefined();
    ui.close();
    expect(ui.session.visibleSpinner).toBeUndefined();
  });
});
