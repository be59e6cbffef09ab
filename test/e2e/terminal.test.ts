/**
 * The pseudo-terminal harness itself (the virtual screen the other e2e tests read), and the
 * parts of the binary that need no AWS: --version and --help in a real terminal.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertFreshBuild,
  killAllPtys,
  rootlockEnv,
  runPiped,
  startRootlock,
  stripAnsi,
  VirtualScreen,
} from '../support/pty.js';
import { removeTempHomes, tempHome } from './helpers.js';

afterEach(() => killAllPtys());
afterAll(() => removeTempHomes());

describe('VirtualScreen', () => {
  it('wraps at the last column and remembers where it had to', () => {
    const s = new VirtualScreen(10, 5);
    s.write('0123456789abc\r\nnext');
    expect(s.lines()).toEqual(['0123456789', 'abc', 'next']);
    expect(s.autoWraps()).toEqual([{ row: 1, line: '0123456789abc', at: 10 }]);
  });

  it('a line of exactly the width followed by CR LF is not a wrap', () => {
    const s = new VirtualScreen(10, 5);
    s.write('0123456789\r\nabc');
    expect(s.lines()).toEqual(['0123456789', 'abc']);
    expect(s.autoWraps()).toEqual([]);
  });

  it('redraws in place as ora and inquirer do: CR, erase line, cursor up, erase below', () => {
    const s = new VirtualScreen(20, 5);
    s.write('⠋ Reading\r\x1b[2K⠙ Reading\r\x1b[2K'); // a spinner, then erased
    s.write('? Name: \x1b[1m\x1b[22m');
    s.write('\r\n(help)\x1b[1A\x1b[9G'); // a help line under the prompt, cursor back up
    s.write('al\x1b[1B\r\x1b[2K\x1b[1A\r\x1b[2K✔ Name: al\r\n'); // answered: both lines redrawn
    expect(s.lines()).toEqual(['✔ Name: al']);
    expect(s.cursorRow).toBe(1);
  });

  it('keeps the scrollback, and cursor movement cannot leave the visible screen', () => {
    const s = new VirtualScreen(10, 2);
    s.write('a\r\nb\r\nc\r\nd');
    expect(s.lines()).toEqual(['a', 'b', 'c', 'd']);
    expect(s.visible()).toEqual(['c', 'd']);
    s.write('\x1b[5A\rX'); // up five: stops at the top of the visible screen
    expect(s.lines()).toEqual(['a', 'b', 'X', 'd']);
    s.write('\x1b[2J');
    expect(s.lines()).toEqual(['a', 'b']);
  });

  it('ignores colours, OSC titles and private modes', () => {
    const s = new VirtualScreen(20, 3);
    s.write('\x1b]0;title\x07\x1b[?25l\x1b[32m✔\x1b[39m ok\x1b[?25h');
    expect(s.lines()).toEqual(['✔ ok']);
    expect(stripAnsi('\x1b]0;title\x07\x1b[?25l\x1b[32m✔\x1b[39m ok\r\n')).toBe('✔ ok\n');
  });
});

describe('the binary in a terminal, without AWS', () => {
  beforeAll(() => assertFreshBuild());

  it('--version prints the version and exits 0', async () => {
    const pty = startRootlock(['--version'], {
      env: rootlockEnv({ endpoint: 'http://127.0.0.1:9', home: tempHome() }),
    });
    await pty.waitFor(/^\d+\.\d+\.\d+/m);
    expect(await pty.waitForExit()).toBe(0);
  });

  it('--help fits an 80-column terminal: the terminal wraps nothing', async () => {
    const pty = startRootlock(['--help'], {
      env: rootlockEnv({ endpoint: 'http://127.0.0.1:9', home: tempHome() }),
      cols: 80,
      rows: 80,
    });
    expect(await pty.waitForExit()).toBe(0);
    expect(pty.screen.lines()[0]).toMatch(/^rootlock: /);
    expect(pty.screen.autoWraps()).toEqual([]);
    const piped = await runPiped(['--help'], {
      env: rootlockEnv({ endpoint: 'http://127.0.0.1:9', home: tempHome() }),
    });
    for (const line of piped.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('a bad flag: exit 2 with the reason, plain, whether or not there is a terminal', async () => {
    const env = rootlockEnv({ endpoint: 'http://127.0.0.1:9', home: tempHome() });
    const piped = await runPiped(['--no-such-flag'], { env });
    expect(piped.code).toBe(2);
    expect(piped.stderr).toMatch(/^rootlock: Unknown option '--no-such-flag'/);
    expect(piped.stderr).toContain('Run rootlock --help for usage.');
    const pty = startRootlock(['--no-such-flag'], { env });
    expect(await pty.waitForExit()).toBe(2);
    expect(pty.text()).toContain('Run rootlock --help for usage.');
  });
});
