import { describe, expect, it } from 'vitest';
import { TerminalSession, type SessionSpinner } from '../../src/ui/session.js';
import { RecordingStream } from './helpers/streams.js';

/** A spinner that records what the session asks of it into a shared log. */
function fakeSpinner(name: string, log: string[]): SessionSpinner & { shown: boolean } {
  const spinner = {
    shown: false,
    show: () => {
      spinner.shown = true;
      log.push(`${name}.show`);
    },
    hide: () => {
      spinner.shown = false;
      log.push(`${name}.hide`);
    },
    clear: () => log.push(`${name}.clear`),
    render: () => log.push(`${name}.render`),
  };
  return spinner;
}

function setup() {
  const log: string[] = [];
  const stream = new RecordingStream({ tty: true });
  // Record writes into the same log, to check the order of erase, write and redraw.
  const write = stream.write.bind(stream);
  stream.write = ((chunk: string) => {
    log.push(`write:${chunk}`);
    return write(chunk);
  }) as typeof stream.write;
  const session = new TerminalSession({ stream, color: false, interactive: true });
  return { log, stream, session };
}

describe('TerminalSession', () => {
  it('Given a spinner, when a prompt opens, then the spinner is hidden before the question and shown after', async () => {
    const { log, session } = setup();
    const spinner = fakeSpinner('s', log);
    session.addSpinner(spinner);
    expect(spinner.shown).toBe(true);

    const answer = await session.whilePrompting(async () => {
      log.push('ask');
      expect(spinner.shown).toBe(false);
      expect(session.promptActive).toBe(true);
      expect(session.visibleSpinner).toBeUndefined();
      return 42;
    });

    expect(answer).toBe(42);
    expect(log).toEqual(['s.show', 's.hide', 'ask', 's.show']);
    expect(session.promptActive).toBe(false);
  });

  it('resumes the spinner even when the prompt fails', async () => {
    const { log, session } = setup();
    const spinner = fakeSpinner('s', log);
    session.addSpinner(spinner);
    await expect(session.whilePrompting(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(spinner.shown).toBe(true);
    expect(session.promptActive).toBe(false);
  });

  it('holds back writes while a prompt is open and writes them in order afterwards', async () => {
    const { stream, session } = setup();
    await session.whilePrompting(async () => {
      session.write('one\n');
      session.write('two\n');
      expect(stream.text()).toBe('');
    });
    expect(stream.text()).toBe('one\ntwo\n');
  });

  it('does not show a spinner started while a prompt is open until the prompt closes', async () => {
    const { log, session } = setup();
    const spinner = fakeSpinner('s', log);
    await session.whilePrompting(async () => {
      session.addSpinner(spinner);
      expect(spinner.shown).toBe(false);
    });
    expect(spinner.shown).toBe(true);
  });

  it('keeps spinners hidden through nested prompts until the outermost closes', async () => {
    const { session, log } = setup();
    const spinner = fakeSpinner('s', log);
    session.addSpinner(spinner);
    await session.whilePrompting(async () => {
      await session.whilePrompting(async () => undefined);
      expect(spinner.shown).toBe(false);
    });
    expect(spinner.shown).toBe(true);
  });

  it('erases the spinner frame before a write and redraws it after', () => {
    const { log, session } = setup();
    session.addSpinner(fakeSpinner('s', log));
    log.length = 0;
    session.write('hello\n');
    expect(log).toEqual(['s.clear', 'write:hello\n', 's.render']);
  });

  it('draws only the innermost spinner and gives the screen back when it ends', () => {
    const { log, session } = setup();
    const outer = fakeSpinner('outer', log);
    const inner = fakeSpinner('inner', log);
    session.addSpinner(outer);
    session.addSpinner(inner);
    expect([outer.shown, inner.shown]).toEqual([false, true]);

    log.length = 0;
    session.removeSpinner(inner, 'inner done\n');
    expect(log).toEqual(['inner.hide', 'write:inner done\n', 'outer.show']);
    expect(session.visibleSpinner).toBe(outer);
  });

  it('writes the final line of a covered spinner around the one drawing', () => {
    const { log, session } = setup();
    const outer = fakeSpinner('outer', log);
    const inner = fakeSpinner('inner', log);
    session.addSpinner(outer);
    session.addSpinner(inner);
    log.length = 0;
    session.removeSpinner(outer, 'outer done\n');
    expect(log).toEqual(['inner.clear', 'write:outer done\n', 'inner.render']);
  });

  it('close() hides the spinner, writes what was held, and ignores later spinners', async () => {
    const { log, stream, session } = setup();
    const spinner = fakeSpinner('s', log);
    session.addSpinner(spinner);
    let release!: () => void;
    const prompt = session.whilePrompting(() => new Promise<void>((resolve) => (release = resolve)));
    session.write('held\n');
    session.close();
    expect(spinner.shown).toBe(false);
    expect(stream.text()).toBe('held\n');
    session.addSpinner(fakeSpinner('late', log));
    expect(session.visibleSpinner).toBeUndefined();
    release();
    await prompt;
    session.close();
  });

  it('is a terminal only when its stream says so', () => {
    expect(
      new TerminalSession({ stream: new RecordingStream({ tty: true }), color: false, interactive: true }).isTerminal,
    ).toBe(true);
    const piped = new TerminalSession({ stream: new RecordingStream(), color: false, interactive: true });
    expect(piped.isTerminal).toBe(false);
    // Told it is interactive, but it cannot draw frames on a pipe.
    expect(piped.animates).toBe(false);
  });
});
