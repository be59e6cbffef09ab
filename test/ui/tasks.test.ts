/**
 * The task list (src/ui/tasks.ts) as the apply phase uses it: drawn by listr2 on a fake terminal,
 * read back through the e2e tests' virtual screen, so the assertions are about what stays on
 * screen once the list is done, and about lines printed meanwhile (a one-time secret among them).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/engine/runner.js';
import type { MutationGate } from '../../src/engine/gate.js';
import type { Change, ChangeResult, TaskList } from '../../src/engine/types.js';
import { createOutput, type TerminalOutput } from '../../src/ui/output.js';
import { TerminalTaskList } from '../../src/ui/tasks.js';
import { VirtualScreen } from '../support/pty.js';
import { RecordingStream, sleep, waitFor } from './helpers/streams.js';

const outputs: TerminalOutput[] = [];
afterEach(() => {
  // Never leave a listr2 or ora interval running between tests.
  for (const output of outputs.splice(0)) output.close();
});

function make(options: { tty?: boolean; color?: boolean; interactive?: boolean } = {}) {
  const stream = new RecordingStream({ tty: options.tty ?? true });
  const data = new RecordingStream();
  const output = createOutput({
    stream,
    stdoutForData: data,
    color: options.color ?? true,
    interactive: options.interactive ?? true,
  });
  outputs.push(output);
  return { stream, output };
}

/** What an 80x30 terminal shows after everything written so far (scrollback included). */
function screen(stream: RecordingStream): string[] {
  const s = new VirtualScreen(80, 30);
  s.write(stream.text().replace(/\n/g, '\r\n'));
  return s.lines();
}

function openList(output: TerminalOutput, titles: string[]): TaskList {
  const list = output.tasks(titles);
  if (!list) throw new Error('expected a task list on an interactive colour terminal');
  return list;
}

const SECRET = 'Xq7-one-time-Pw!';
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

describe('the task list on an interactive colour terminal', () => {
  it('ends with ✔ applied, ✖ failed, ↓ never started; lines printed meanwhile follow it, once', async () => {
    const { stream, output } = make();
    const list = openList(output, [
      'Create IAM user carol',
      'Create the admin group',
      'Give carol a password',
      'Add carol to the group',
    ]);
    list.task(0).succeed();
    list.task(1).succeed('Create the admin group (already in place)');
    await sleep(150);
    // Printed while the list is drawn: held back, not drawn between its frames.
    output.secret('one-time console password for carol', SECRET);
    output.info("AWS's answer was lost; read it back");
    list.task(2).fail('Give carol a password: failed');
    output.error('Access denied for iam:CreateLoginProfile.');
    output.warn('Stopped here. Not sent: Add carol to the group.');
    output.detail(['Run again to continue.']);
    expect(stream.plain()).not.toContain(SECRET);
    expect(stream.plain()).not.toContain('Access denied');

    await list.close();

    const lines = screen(stream);
    expect(lines.slice(0, 4)).toEqual([
      '✔ Create IAM user carol',
      '✔ Create the admin group (already in place)',
      '✖ Give carol a password: failed',
      '↓ Add carol to the group (skipped)',
    ]);
    const rest = lines.slice(4);
    expect(rest[0]).toMatch(/^┌─+┐$/);
    expect(rest[1]).toContain('one-time console password for carol');
    expect(rest[3]).toContain(SECRET);
    expect(rest.slice(7)).toEqual([
      "ℹ AWS's answer was lost; read it back",
      '✖ Access denied for iam:CreateLoginProfile.',
      '⚠ Stopped here. Not sent: Add carol to the group.',
      '  Run again to continue.',
    ]);
    // The secret went to the terminal once, after the list's last frame.
    const text = stream.plain();
    expect(text.split(SECRET).length - 1).toBe(1);
    expect(text.indexOf(SECRET)).toBeGreaterThan(text.lastIndexOf('Add carol to the group (skipped)'));
    // Nothing is held any more: a message now is written at once.
    output.info('after');
    expect(stream.plain().endsWith('ℹ after\n')).toBe(true);
  });

  it('shows a wait ("title: status") under the task while it runs, and only the final text at the end', async () => {
    const { stream, output } = make();
    const list = openList(output, ['Attach instance profile app to i-0abc in us-east-1', 'Next']);
    const first = list.task(0);
    const wait = 'AWS is not ready yet (InvalidParameterValue); attempt 2 of 6 in 2 s';
    first.update(`Attach instance profile app to i-0abc in us-east-1: ${wait}`);
    await waitFor(() => stream.plain().includes('AWS is not ready yet'), 'the status under the task');
    const live = screen(stream);
    const at = live.findLastIndex((l) => l.includes('Attach instance profile app to i-0abc in us-east-1'));
    expect(live[at]).toMatch(SPINNER);
    expect(live[at + 1]).toBe(`  › ${wait}`);
    first.succeed('Attach instance profile app to i-0abc in us-east-1');
    list.task(1).succeed();
    await list.close();
    expect(screen(stream)).toEqual(['✔ Attach instance profile app to i-0abc in us-east-1', '✔ Next']);
  });

  it('a task left running when the list closes is marked failed (the engine threw)', async () => {
    const { stream, output } = make();
    const list = openList(output, ['One', 'Two']);
    list.task(0);
    await list.close();
    expect(screen(stream)).toEqual(['✖ One', '↓ Two (skipped)']);
  });

  it('registers no signal listener and leaves no exit listener behind', async () => {
    const { output } = make();
    const before = { sigint: process.listenerCount('SIGINT'), exit: process.listenerCount('exit') };
    const list = openList(output, ['One']);
    await sleep(120);
    expect(process.listenerCount('SIGINT')).toBe(before.sigint);
    list.task(0).succeed();
    await list.close();
    expect(process.listenerCount('SIGINT')).toBe(before.sigint);
    expect(process.listenerCount('exit')).toBe(before.exit);
  });

  it('closing the session mid-list (Ctrl-C) stops it at once, shows the cursor, then writes what it held', async () => {
    const { stream, output } = make();
    const list = openList(output, ['One', 'Two', 'Three']);
    list.task(0).succeed();
    const second = list.task(1);
    await waitFor(() => SPINNER.test(stream.plain()), 'the spinner of task Two');
    output.warn('Interrupted. 1 change(s) had been applied: one.');

    output.close();

    const text = stream.text();
    expect(text.lastIndexOf('\x1b[?25h')).toBeGreaterThan(text.lastIndexOf('\x1b[?25l'));
    expect(screen(stream)).toEqual([
      '✔ One',
      '✖ Two',
      '↓ Three (skipped)',
      '⚠ Interrupted. 1 change(s) had been applied: one.',
    ]);
    // The engine may still settle its task and close the list: nothing more is drawn.
    const length = stream.chunks.length;
    second.succeed();
    await list.close();
    await sleep(150);
    expect(stream.chunks.length).toBe(length);
  });

  it('a prompt never opens under the list: the list is frozen where it stands first', async () => {
    const { stream, output } = make();
    const list = openList(output, ['One', 'Two']);
    list.task(0);
    await waitFor(() => SPINNER.test(stream.plain()), 'the spinner of task One');
    await output.session.whilePrompting(async () => {
      const frozen = stream.chunks.length;
      await sleep(150);
      expect(stream.chunks.length).toBe(frozen);
    });
    await list.close();
    expect(screen(stream)).toEqual(['✖ One', '↓ Two (skipped)']);
  });
});

describe('where there is no task list', () => {
  it.each([
    ['a pipe', { tty: false, color: false, interactive: false }],
    ['NO_COLOR on a terminal', { tty: true, color: false, interactive: true }],
    ['a terminal nobody answers at', { tty: true, color: true, interactive: false }],
    ['FORCE_COLOR on a pipe', { tty: false, color: true, interactive: false }],
  ])('%s: tasks() gives none, and applyPlan prints the plain progress lines as before', async (_what, options) => {
    const { stream, output } = make(options);
    expect(output.tasks(['One'])).toBeUndefined();
    const results = await applyPlan(plan('One', 'Two', 'Three'), { gate: fakeGate({ Two: 'failed' }), output });
    expect(results.map((r) => r.outcome)).toEqual(['applied', 'failed']);
    if (options.interactive && options.tty) return; // an ora spinner, as before: ora draws its frames
    // On a terminal, long messages are wrapped under their text: joined again here.
    expect(stream.plain().replace(/\n {7}/g, ' ')).toBe(
      '[start] One\n[ok] One\n[start] Two\n[fail] Two: failed\n[fail] denied\n' +
        "[warn] Stopped here. Not sent: Three. Run again to continue from AWS's current state.\n",
    );
  });
});

describe('applyPlan with the task list', () => {
  it('a task per change; a failure stops the plan, the rest skipped, error and warning after the list', async () => {
    const { stream, output } = make();
    const results = await applyPlan(plan('Create role r', 'Attach policy p to r', 'Create profile r', 'Put r in r'), {
      gate: fakeGate({ 'Attach policy p to r': 'already-done', 'Create profile r': 'failed' }),
      output,
    });
    expect(results.map((r) => r.outcome)).toEqual(['applied', 'already-done', 'failed']);
    expect(screen(stream)).toEqual([
      '✔ Create role r',
      '✔ Attach policy p to r (already in place)',
      '✖ Create profile r: failed',
      '↓ Put r in r (skipped)',
      '✖ denied',
      // Wrapped at the terminal's 80 columns, as every message is.
      "⚠ Stopped here. Not sent: Put r in r. Run again to continue from AWS's current",
      '  state.',
    ]);
  });

  it('the gate waiting for AWS shows under the change it waits for', async () => {
    const { stream, output } = make();
    let release: () => void = () => {};
    type Retry = { attempt: number; attempts: number; code: string; delayMs: number };
    const gate = {
      execute: async (change: Change, hooks?: { onRetry?: (r: Retry) => void }) => {
        hooks?.onRetry?.({ attempt: 1, attempts: 6, code: 'InvalidParameterValue', delayMs: 2000 });
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { changeId: change.id, outcome: 'applied' } satisfies ChangeResult;
      },
    } as unknown as MutationGate;
    const applying = applyPlan(plan('Attach instance profile app'), { gate, output });
    const wait = '› AWS is not ready yet (InvalidParameterValue); attempt 2 of 6 in 2 s';
    await waitFor(() => stream.plain().includes(wait), 'the wait');
    release();
    await applying;
    expect(screen(stream)).toEqual(['✔ Attach instance profile app']);
  });
});

describe('TerminalTaskList on its own', () => {
  it('close() before anything was drawn still ends the list', async () => {
    const stream = new RecordingStream({ tty: true });
    let ended = 0;
    const list = new TerminalTaskList(['One'], { stream, color: false, onEnd: () => (ended += 1) });
    list.start();
    list.abort();
    await list.close();
    await sleep(50);
    expect(ended).toBe(1);
    // It never drew a frame; the cursor it hid while loading is shown again.
    // On a terminal, long messages are wrapped under their text: joined again here.
    expect(stream.plain().replace(/\n {7}/g, ' ')).toBe('');
    expect(stream.text().lastIndexOf('\x1b[?25h')).toBeGreaterThanOrEqual(stream.text().lastIndexOf('\x1b[?25l'));
  });
});

function plan(...descriptions: string[]): Change[] {
  return descriptions.map((description, i) => ({
    id: `test/${i}`,
    step: 'admins',
    description,
    service: 'iam',
    operation: 'CreateUser',
    params: {},
  }));
}

/** A gate that answers each change by its description: applied unless told otherwise. */
function fakeGate(outcomes: Record<string, ChangeResult['outcome']>): MutationGate {
  return {
    execute: async (change: Change): Promise<ChangeResult> => {
      await sleep(5);
      const outcome = outcomes[change.description] ?? 'applied';
      return outcome === 'failed'
        ? { changeId: change.id, outcome, error: { code: 'AccessDenied', message: 'denied' } }
        : { changeId: change.id, outcome };
    },
  } as unknown as MutationGate;
}
