/**
 * The progress of an organization run (src/ui/accounts-progress.ts): drawn by listr2 on a fake
 * terminal and read back through the e2e tests' virtual screen, so the assertions are about what
 * the operator sees while accounts are read and what stays on screen once the run is done.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AccountsProgress } from '../../src/engine/types.js';
import { TerminalAccountsProgress } from '../../src/ui/accounts-progress.js';
import { createOutput, type TerminalOutput } from '../../src/ui/output.js';
import { VirtualScreen } from '../support/pty.js';
import { RecordingStream, sleep, waitFor } from './helpers/streams.js';

const outputs: TerminalOutput[] = [];
afterEach(() => {
  // Never leave a listr2 interval running between tests.
  for (const output of outputs.splice(0)) output.close();
});

function make(options: { tty?: boolean; color?: boolean; interactive?: boolean; rows?: number } = {}) {
  const stream = new RecordingStream({ tty: options.tty ?? true });
  if (options.rows !== undefined) stream.rows = options.rows;
  const output = createOutput({
    stream,
    stdoutForData: new RecordingStream(),
    color: options.color ?? true,
    interactive: options.interactive ?? true,
  });
  outputs.push(output);
  return { stream, output };
}

/** What an 80-column terminal shows after everything written so far (scrollback included). */
function screen(stream: RecordingStream, rows = 30): string[] {
  const s = new VirtualScreen(80, rows);
  s.write(stream.text().replace(/\n/g, '\r\n'));
  return s.lines();
}

function open(output: TerminalOutput, total: number, concurrency: number): AccountsProgress {
  const progress = output.accounts(total, concurrency);
  if (!progress) throw new Error('expected a progress on an interactive colour terminal');
  return progress;
}

const account = (i: number) => ({ id: String(100000000000 + i), name: `account ${i}` });
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

/** Waits for the next frames (the spinner redraws ten times a second). */
const frames = () => sleep(250);

describe('the accounts progress on an interactive colour terminal', () => {
  it('draws the counter and a line per account in flight; a finished account only moves the counter', async () => {
    const { stream, output } = make();
    const progress = open(output, 5, 3);
    for (const i of [1, 2, 3]) progress.started(account(i));
    await frames();
    expect(screen(stream)).toEqual([
      '❯ Accounts: 0 of 5 read (0 fail, 0 error)',
      expect.stringMatching(/^ {2}[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] reading 100000000001 \(account 1\)$/),
      expect.stringMatching(/^ {2}. reading 100000000002 \(account 2\)$/),
      expect.stringMatching(/^ {2}. reading 100000000003 \(account 3\)$/),
    ]);
    // The freed line goes to the next account: the lines of the others stay put.
    progress.finished(account(2), 'fail');
    progress.started(account(4));
    await frames();
    expect(screen(stream).map((l) => l.replace(SPINNER, '*'))).toEqual([
      '❯ Accounts: 1 of 5 read (1 fail, 0 error)',
      '  * reading 100000000001 (account 1)',
      '  * reading 100000000004 (account 4)',
      '  * reading 100000000003 (account 3)',
    ]);
    progress.finished(account(1), 'pass');
    progress.finished(account(3), 'error');
    await frames();
    expect(screen(stream).map((l) => l.replace(SPINNER, '*'))).toEqual([
      '❯ Accounts: 3 of 5 read (1 fail, 1 error)',
      '  * reading 100000000004 (account 4)',
    ]);
    progress.finished(account(4), 'pass');
    progress.started(account(5));
    progress.finished(account(5), 'pass');
    progress.close();
    // close() is synchronous: the final frame is on screen at once.
    expect(screen(stream)).toEqual(['✔ Accounts: 5 of 5 read (1 fail, 1 error)']);
    const text = stream.text();
    expect(text.lastIndexOf('\x1b[?25h')).toBeGreaterThan(text.lastIndexOf('\x1b[?25l'));
  });

  it('thousands of accounts never scroll: at most `concurrency` lines, and one line once done', async () => {
    const { stream, output } = make();
    const total = 2000;
    const concurrency = 4;
    const progress = open(output, total, concurrency);
    let most = 0;
    const inFlight: number[] = [];
    for (let i = 0; i < total; i += 1) {
      progress.started(account(i));
      inFlight.push(i);
      if (inFlight.length === concurrency) progress.finished(account(inFlight.shift() as number), 'pass');
      if (i % 500 === 0) {
        await sleep(120);
        most = Math.max(most, screen(stream).length);
      }
    }
    // The last ones in flight: 1997 and 1999 in error, 1998 failing.
    expect(inFlight).toEqual([1997, 1998, 1999]);
    for (const i of inFlight) progress.finished(account(i), i % 2 === 0 ? 'fail' : 'error');
    progress.close();
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(concurrency + 1);
    expect(screen(stream)).toEqual(['✔ Accounts: 2000 of 2000 read (1 fail, 2 error)']);
    // Redrawn on the spinner's frames, not once per account.
    expect(stream.chunks.length).toBeLessThan(500);
  });

  it('on a short terminal, the accounts that do not fit are counted on the counter line', async () => {
    const { stream, output } = make({ rows: 8 });
    const progress = open(output, 50, 20);
    for (let i = 1; i <= 12; i += 1) progress.started(account(i));
    await frames();
    const lines = screen(stream, 8);
    expect(lines[0]).toBe('❯ Accounts: 0 of 50 read (0 fail, 0 error), 7 more in flight');
    expect(lines).toHaveLength(6);
    expect(lines.slice(1).every((l) => / reading 1000000000\d\d \(account \d+\)$/.test(l))).toBe(true);
    progress.close();
  });

  it('shows account names safely: control characters escaped, long names cut', async () => {
    const { stream, output } = make();
    const progress = open(output, 2, 2);
    progress.started({ id: '111111111111', name: 'evil\x1b[31mred\x07' });
    progress.started({ id: '222222222222', name: 'n'.repeat(100) });
    await frames();
    expect(stream.text()).not.toContain('\x1b[31mred');
    expect(stream.text()).not.toContain('\x07');
    const lines = screen(stream);
    expect(lines[1]).toContain('reading 111111111111 (evil\\x1b[31mred\\x07)');
    expect(lines[2]).toContain(`reading 222222222222 (${'n'.repeat(39)}…)`);
    progress.close();
  });

  it('messages printed meanwhile are held back and written after the final frame, in order', async () => {
    const { stream, output } = make();
    const progress = open(output, 1, 8);
    progress.started(account(1));
    output.warn('Not checked in member accounts: trusted access is off.');
    await frames();
    expect(stream.plain()).not.toContain('trusted access');
    progress.finished(account(1), 'pass');
    progress.close();
    output.heading('Organization summary');
    expect(screen(stream)).toEqual([
      '✔ Accounts: 1 of 1 read (0 fail, 0 error)',
      '⚠ Not checked in member accounts: trusted access is off.',
      'Organization summary',
    ]);
  });

  it('closed with accounts still in flight (the run failed): ✖ on the counter, the accounts under it', async () => {
    const { stream, output } = make();
    const progress = open(output, 10, 3);
    for (const i of [1, 2, 3]) progress.started(account(i));
    progress.finished(account(2), 'pass');
    await frames();
    progress.close();
    expect(screen(stream)).toEqual([
      '✖ Accounts: 1 of 10 read (0 fail, 0 error)',
      '  ✖ reading 100000000001 (account 1)',
      '  ✖ reading 100000000003 (account 3)',
    ]);
  });

  it('closed before its first frame, it still draws the final frame once', async () => {
    const { stream, output } = make();
    const progress = open(output, 1, 1);
    progress.started(account(1));
    progress.finished(account(1), 'fail');
    progress.close();
    output.info('after');
    await waitFor(() => stream.plain().includes('after'), 'the message held back');
    expect(screen(stream)).toEqual(['✔ Accounts: 1 of 1 read (1 fail, 0 error)', 'ℹ after']);
    const length = stream.chunks.length;
    await sleep(150);
    expect(stream.chunks.length).toBe(length);
  });

  it('registers no signal listener and leaves no exit listener behind', async () => {
    const { output } = make();
    const before = { sigint: process.listenerCount('SIGINT'), exit: process.listenerCount('exit') };
    const progress = open(output, 1, 1);
    await sleep(120);
    expect(process.listenerCount('SIGINT')).toBe(before.sigint);
    progress.started(account(1));
    progress.finished(account(1), 'pass');
    progress.close();
    expect(process.listenerCount('SIGINT')).toBe(before.sigint);
    expect(process.listenerCount('exit')).toBe(before.exit);
  });

  it('closing the session mid-run (Ctrl-C) stops it at once, shows the cursor, then writes what it held', async () => {
    const { stream, output } = make();
    const progress = open(output, 100, 2);
    progress.started(account(1));
    progress.finished(account(1), 'pass');
    progress.started(account(2));
    progress.started(account(3));
    await waitFor(() => SPINNER.test(stream.plain()), 'a spinner');
    output.warn('Interrupted.');

    output.close();

    const text = stream.text();
    expect(text.lastIndexOf('\x1b[?25h')).toBeGreaterThan(text.lastIndexOf('\x1b[?25l'));
    expect(screen(stream)).toEqual([
      '✖ Accounts: 1 of 100 read (0 fail, 0 error)',
      '  ✖ reading 100000000002 (account 2)',
      '  ✖ reading 100000000003 (account 3)',
      '⚠ Interrupted.',
    ]);
    // The engine may go on for a moment and close the progress: nothing more is drawn.
    const length = stream.chunks.length;
    progress.finished(account(2), 'pass');
    progress.started(account(4));
    progress.close();
    await sleep(150);
    expect(stream.chunks.length).toBe(length);
  });

  it('a prompt never opens under it: it is frozen where it stands first', async () => {
    const { stream, output } = make();
    const progress = open(output, 3, 3);
    progress.started(account(1));
    await waitFor(() => SPINNER.test(stream.plain()), 'a spinner');
    await output.session.whilePrompting(async () => {
      const frozen = stream.chunks.length;
      progress.finished(account(1), 'pass');
      await sleep(150);
      expect(stream.chunks.length).toBe(frozen);
    });
    progress.close();
    expect(screen(stream)).toEqual([
      '✖ Accounts: 0 of 3 read (0 fail, 0 error)',
      '  ✖ reading 100000000001 (account 1)',
    ]);
  });

  it('is not drawn while a task list is: the session refuses a second list', async () => {
    const { output } = make();
    const list = output.tasks(['One']);
    expect(list).toBeDefined();
    expect(output.accounts(3, 2)).toBeUndefined();
    list?.task(0).succeed();
    await list?.close();
    const progress = output.accounts(3, 2);
    expect(progress).toBeDefined();
    progress?.close();
  });
});

describe('where there is no accounts progress', () => {
  it.each([
    ['a pipe', { tty: false, color: false, interactive: false }],
    ['NO_COLOR on a terminal', { tty: true, color: false, interactive: true }],
    ['a terminal nobody answers at', { tty: true, color: true, interactive: false }],
    ['FORCE_COLOR on a pipe', { tty: false, color: true, interactive: false }],
  ])('%s: accounts() gives none and writes nothing', (_what, options) => {
    const { stream, output } = make(options);
    expect(output.accounts(200, 8)).toBeUndefined();
    expect(stream.text()).toBe('');
  });

  it('a run with no account to read gives none', () => {
    const { stream, output } = make();
    expect(output.accounts(0, 8)).toBeUndefined();
    expect(stream.text()).toBe('');
    expect(output.session.taskListActive).toBe(false);
  });
});

describe('TerminalAccountsProgress on its own', () => {
  it('aborted before anything was drawn, it draws nothing, ends once and shows the cursor', async () => {
    const stream = new RecordingStream({ tty: true });
    let ended = 0;
    const progress = new TerminalAccountsProgress({
      stream,
      color: false,
      total: 3,
      concurrency: 2,
      onEnd: () => (ended += 1),
    });
    progress.start();
    progress.started(account(1));
    progress.abort();
    progress.close();
    await sleep(100);
    expect(ended).toBe(1);
    expect(stream.plain()).toBe('');
    expect(stream.text().lastIndexOf('\x1b[?25h')).toBeGreaterThanOrEqual(stream.text().lastIndexOf('\x1b[?25l'));
  });

  it('closed, then aborted before its first frame: it ends once, draws nothing and shows the cursor', async () => {
    const stream = new RecordingStream({ tty: true });
    let ended = 0;
    const progress = new TerminalAccountsProgress({
      stream,
      color: false,
      total: 1,
      concurrency: 1,
      onEnd: () => (ended += 1),
    });
    progress.start();
    progress.close();
    expect(ended).toBe(0);
    progress.abort();
    expect(ended).toBe(1);
    await sleep(100);
    expect(ended).toBe(1);
    expect(stream.plain()).toBe('');
    expect(stream.text().lastIndexOf('\x1b[?25h')).toBeGreaterThanOrEqual(stream.text().lastIndexOf('\x1b[?25l'));
  });

  it('more accounts at once than `concurrency` said: the extra ones are counted, then take freed lines', async () => {
    const stream = new RecordingStream({ tty: true });
    const progress = new TerminalAccountsProgress({ stream, color: false, total: 4, concurrency: 1 });
    progress.start();
    progress.started(account(1));
    progress.started(account(2));
    await frames();
    expect(screen(stream)[0]).toBe('❯ Accounts: 0 of 4 read (0 fail, 0 error), 1 more in flight');
    progress.finished(account(1), 'pass');
    await frames();
    expect(screen(stream).map((l) => l.replace(SPINNER, '*'))).toEqual([
      '❯ Accounts: 1 of 4 read (0 fail, 0 error)',
      '  * reading 100000000002 (account 2)',
    ]);
    progress.abort();
  });
});
