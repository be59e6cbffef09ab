import { afterEach, describe, expect, it } from 'vitest';
import { createOutput, type TerminalOutput } from '../../src/ui/output.js';
import { textWidth, wrapLine } from '../../src/ui/wrap.js';
import { RecordingStream } from './helpers/streams.js';

describe('wrapLine', () => {
  it.each([
    ['fits as is', 'short line', 10, ['short line']],
    ['breaks at the last space that fits', 'alpha beta gamma delta', 11, ['alpha beta', 'gamma delta']],
    ['drops the spaces at a break', 'alpha   beta', 6, ['alpha', 'beta']],
    ['keeps runs of spaces inside a line', 'a   b c', 5, ['a   b', 'c']],
    [
      'never cuts a word longer than the width',
      'see https://example.com/a/very/long/path now',
      12,
      ['see', 'https://example.com/a/very/long/path', 'now'],
    ],
    [
      'keeps an id whole',
      'instance i-0123456789abcdef0 in us-east-1',
      20,
      ['instance', 'i-0123456789abcdef0', 'in us-east-1'],
    ],
    ['keeps the leading indent on every line', '  1. one two three', 10, ['  1. one', '  two', '  three']],
    ['zero width: as is', 'a b', 0, ['a b']],
  ])('%s', (_name, text, width, expected) => {
    expect(wrapLine(text, width)).toEqual(expected);
  });

  it('breaks a long JSON word after commas only, and the pieces join back to the same JSON', () => {
    const json = JSON.stringify({ UserName: 'alice', Tags: [{ Key: 'created-by', Value: 'rootlock' }] });
    const lines = wrapLine(`iam:CreateUser ${json}`, 30);
    for (const l of lines) expect(textWidth(l)).toBeLessThanOrEqual(30);
    for (const l of lines.slice(0, -1)) expect(l.endsWith(',') || l === 'iam:CreateUser').toBe(true);
    expect(JSON.parse(lines.join('').replace(/^iam:CreateUser/, ''))).toEqual(JSON.parse(json));
  });

  it('every line fits unless it is one word longer than the width', () => {
    const text =
      'The root user of account 123456789012 has 2 access keys (2 active): AKIA************ABCD and AKIA************EFGH, see https://console.aws.amazon.com/iam/home#/security_credentials for details.';
    for (const width of [20, 33, 47, 80]) {
      const lines = wrapLine(text, width);
      expect(lines.join(' ').replace(/\s+/g, ' ')).toBe(text);
      for (const l of lines) if (textWidth(l) > width) expect(l).not.toMatch(/ /);
    }
  });
});

describe('the terminal output wraps to the terminal, and only there', () => {
  const outputs: TerminalOutput[] = [];
  afterEach(() => {
    for (const o of outputs.splice(0)) o.close();
  });
  const make = (tty: boolean, columns = 40) => {
    const stream = new RecordingStream({ tty });
    stream.columns = columns;
    const output = createOutput({ stream, stdoutForData: new RecordingStream(), color: false, interactive: false });
    outputs.push(output);
    return { stream, output };
  };

  it('on a terminal: messages break at spaces, continuation lines under the text', () => {
    const { stream, output } = make(true, 30);
    output.warn('Admin first-admin has no MFA device and no console password.');
    expect(stream.text()).toBe('[warn] Admin first-admin has\n       no MFA device and no\n       console password.\n');
  });

  it('on a terminal: detail lines break with the detail indent', () => {
    const { stream, output } = make(true, 30);
    output.detail(['Controls: CIS v5.0.0 1.14, Security Hub IAM.2']);
    expect(stream.text()).toBe('  Controls: CIS v5.0.0 1.14,\n  Security Hub IAM.2\n');
  });

  it('follows the terminal width at each write (a resized window)', () => {
    const { stream, output } = make(true, 30);
    output.info('one two three four five six seven');
    stream.columns = 80;
    output.info('one two three four five six seven');
    expect(stream.text()).toBe(
      '[info] one two three four five\n       six seven\n[info] one two three four five six seven\n',
    );
  });

  it('not on a terminal (a pipe, a log): one message, one line, whatever the width says', () => {
    const { stream, output } = make(false, 30);
    output.warn('Admin first-admin has no MFA device and no console password.');
    output.detail(['Controls: CIS v5.0.0 1.14, Security Hub IAM.2']);
    expect(stream.text()).toBe(
      '[warn] Admin first-admin has no MFA device and no console password.\n  Controls: CIS v5.0.0 1.14, Security Hub IAM.2\n',
    );
  });
});
