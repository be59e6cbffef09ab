import { describe, expect, it } from 'vitest';
import { HELP, parseCli, UsageError } from '../../src/cli/args.js';

describe('report and ASFF flags', () => {
  it('report takes a journal and --out-dir', () => {
    const a = parseCli(['report', 'j.jsonl', '--out-dir', '/tmp/x']);
    expect(a).toMatchObject({ command: 'report', positionals: ['j.jsonl'], outDir: '/tmp/x' });
  });

  it('check takes --asff FILE', () => {
    expect(parseCli(['check', '--asff', 'f.json']).asff).toBe('f.json');
  });

  it.each([
    [['--asff', 'f.json'], /--asff goes with `rootlock check`/],
    [['fix', '--asff', 'f.json'], /--asff goes with `rootlock check`/],
    [['check', '--out-dir', 'd'], /--out-dir goes with `rootlock report`/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });

  it('help names the report command, --asff, --out-dir and how to leave out the next steps', () => {
    expect(HELP).toContain('rootlock report JOURNAL');
    expect(HELP).toContain('--asff FILE');
    expect(HELP).toContain('--out-dir DIR');
    expect(HELP).toContain('--skip next-steps');
  });

  it('--skip next-steps parses (the CLI removes it before choosing steps)', () => {
    expect(parseCli(['check', '--skip', 'next-steps']).skip).toEqual(['next-steps']);
  });
});
