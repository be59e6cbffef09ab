import { afterEach, describe, expect, it } from 'vitest';
import { createOutput, type TerminalOutput } from '../../src/ui/output.js';
import { RecordingStream, sleep } from './helpers/streams.js';

const outputs: TerminalOutput[] = [];
afterEach(() => {
  // Never leave an ora interval running between tests.
  for (const output of outputs.splice(0)) output.close();
});

function make(options: { tty: boolean; color: boolean; interactive: boolean }) {
  const stream = new RecordingStream({ tty: options.tty });
  const data = new RecordingStream();
  const output = createOutput({ stream, stdoutForData: data, color: options.color, interactive: options.interactive });
  outputs.push(output);
  return { stream, data, output };
}

const plain = () => make({ tty: false, color: false, interactive: false });
const fancy = () => make({ tty: true, color: true, interactive: true });

describe('createOutput on a pipe (no colour, not interactive)', () => {
  it('writes one line per message with ASCII markers and no escape sequences', () => {
    const { stream, output } = plain();
    output.info('Reading the account');
    output.success('Two admins found');
    output.warn('One admin has no MFA');
    output.error('Root has access keys');
    expect(stream.text()).toBe(
      '[info] Reading the account\n[ok] Two admins found\n[warn] One admin has no MFA\n[fail] Root has access keys\n',
    );
  });

  it('indents continuation lines of a message under its text', () => {
    const { stream, output } = plain();
    output.warn('first\nsecond');
    expect(stream.text()).toBe('[warn] first\n       second\n');
  });

  it('indents detail lines', () => {
    const { stream, output } = plain();
    output.detail(['alice', 'bob\ncarol']);
    output.detail([]);
    expect(stream.text()).toBe('  alice\n  bob\n  carol\n');
  });

  it('marks headings with == and separates later ones with a blank line', () => {
    const { stream, output } = plain();
    output.heading('Admins');
    output.heading('Root keys');
    expect(stream.text()).toBe('== Admins ==\n\n== Root keys ==\n');
  });

  it('prints a progress as its start line and its final line only', async () => {
    const { stream, output } = plain();
    const progress = output.progress('Listing users');
    progress.update('Listing users (page 2)');
    await sleep(120);
    progress.succeed('Listed 12 users');
    progress.fail('ignored: already ended');
    expect(stream.text()).toBe('[start] Listing users\n[ok] Listed 12 users\n');
    expect(stream.text()).not.toContain('\r');
  });

  it('ends a failed progress with its latest text when given none', () => {
    const { stream, output } = plain();
    const progress = output.progress('Listing users');
    progress.update('Listing users (page 3)');
    progress.fail();
    expect(stream.text()).toBe('[start] Listing users\n[fail] Listing users (page 3)\n');
  });

  it('prints nothing more for a stopped progress', () => {
    const { stream, output } = plain();
    const progress = output.progress('Checking');
    progress.stop();
    progress.succeed();
    expect(stream.text()).toBe('[start] Checking\n');
  });

  it('does not sanitize or strip: callers sanitize account data', () => {
    const { stream, output } = plain();
    output.info('\x1b[31mraw\u202e');
    expect(stream.text()).toBe('[info] \x1b[31mraw\u202e\n');
  });

  it('refuses to show a secret and says why, without the value', () => {
    const { stream, output } = plain();
    expect(output.canShowSecrets).toBe(false);
    expect(output.secret('one-time console password for alice', 'S3cr3t-Value!')).toBe(false);
    expect(stream.text()).not.toContain('S3cr3t-Value!');
    expect(stream.text()).toBe(
      '[warn] Not shown: one-time console password for alice. Secrets are shown only on a terminal, and this output is not one.\n',
    );
  });

  it('writes data to the data stream exactly as given, and nothing else there', () => {
    const { stream, data, output } = plain();
    output.info('hello');
    output.data('{"a":1}\n');
    expect(data.text()).toBe('{"a":1}\n');
    expect(stream.text()).toBe('[info] hello\n');
  });

  it('colours ASCII markers when colour is forced on a pipe', () => {
    const { stream, output } = make({ tty: false, color: true, interactive: false });
    output.success('done');
    expect(stream.text()).toBe('\x1b[32m[ok]\x1b[39m done\n');
  });
});

describe('createOutput on an interactive terminal', () => {
  it('uses coloured symbols', () => {
    const { stream, output } = fancy();
    output.success('ok');
    output.warn('careful');
    output.error('bad');
    output.info('fyi');
    expect(stream.text()).toBe(
      '\x1b[32m✔\x1b[39m ok\n\x1b[33m⚠\x1b[39m careful\n\x1b[31m✖\x1b[39m bad\n\x1b[34mℹ\x1b[39m fyi\n',
    );
  });

  it('uses ASCII markers on a terminal when colour is off (NO_COLOR)', () => {
    const { stream, output } = make({ tty: true, color: false, interactive: true });
    output.success('ok');
    expect(stream.text()).toBe('[ok] ok\n');
  });

  it('animates a progress with a spinner and persists its final line', async () => {
    const { stream, output } = fancy();
    const progress = output.progress('Listing users');
    expect(output.session.visibleSpinner).toBeDefined();
    await sleep(250);
    const frames = stream.plain().split('Listing users').length - 1;
    expect(frames).toBeGreaterThan(1);
    progress.succeed('Listed 12 users');
    expect(output.session.visibleSpinner).toBeUndefined();
    expect(stream.plain().endsWith('✔ Listed 12 users\n')).toBe(true);
  });

  it('draws no frame while a prompt is open, and resumes after', async () => {
    const { stream, output } = fancy();
    const progress = output.progress('Waiting for IAM');
    await sleep(100);
    await output.session.whilePrompting(async () => {
      const before = stream.text().length;
      await sleep(250);
      expect(stream.text().length).toBe(before);
      expect(output.session.visibleSpinner).toBeUndefined();
    });
    expect(output.session.visibleSpinner).toBeDefined();
    progress.stop();
    expect(output.session.visibleSpinner).toBeUndefined();
  });

  it('keeps messages written during a spinner intact', async () => {
    const { stream, output } = fancy();
    const progress = output.progress('Working');
    output.warn('something to know');
    progress.succeed('Worked');
    expect(stream.plain()).toContain('⚠ something to know\n');
  });

  it('shows a secret once in a box saying so', () => {
    const { stream, output } = fancy();
    expect(output.canShowSecrets).toBe(true);
    expect(output.secret('one-time console password for alice', 'S3cr3t-Value!')).toBe(true);
    const text = stream.plain();
    expect(text.split('S3cr3t-Value!')).toHaveLength(2);
    expect(text).toContain('Shown once');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^┌─+┐$/);
    expect(lines.at(-1)).toMatch(/^└─+┘$/);
    // Every row of the box has the same width.
    expect(new Set(lines.map((line) => [...line].length)).size).toBe(1);
  });

  it('keeps the box closed around a label with several lines', () => {
    const { stream, output } = make({ tty: true, color: false, interactive: true });
    output.secret('first line\nsecond, longer line', 'v');
    const lines = stream.text().trimEnd().split('\n');
    expect(lines[1]).toMatch(/^\| first line +\|$/);
    expect(lines[2]).toMatch(/^\| second, longer line +\|$/);
    // Every row of the box has the same width.
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
  });

  it('draws the secret box in ASCII without colour', () => {
    const { stream, output } = make({ tty: true, color: false, interactive: true });
    output.secret('label', 'v');
    const lines = stream.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\+-+\+$/);
    expect(lines[3]).toMatch(/^\| {3}v +\|$/);
  });

  it('does not animate when told interactive but the stream is not a terminal', async () => {
    const { stream, output } = make({ tty: false, color: false, interactive: true });
    const progress = output.progress('Working');
    await sleep(150);
    progress.succeed();
    expect(stream.text()).toBe('[start] Working\n[ok] Working\n');
  });
});
