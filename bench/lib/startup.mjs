/**
 * Start-up figures: `rootlock --help` against the `node -e 0` floor (interleaved repeated
 * runs, medians), and the time from spawn to the wizard's first prompt in a pseudo-terminal.
 */
import { createRequire } from 'node:module';
import { median, runBounded, track } from './procs.mjs';

/** Wall times of repeated runs, interleaving the commands so drift in machine load hits all alike. */
export async function interleavedRuns(commands, { runs = 21, warmup = 2, env, cwd, timeoutMs = 60_000 } = {}) {
  const samples = Object.fromEntries(commands.map((c) => [c.name, []]));
  const failures = [];
  for (let i = 0; i < warmup + runs; i++) {
    for (const c of commands) {
      const r = await runBounded(c.cmd, c.args, { env, cwd, timeoutMs });
      if (r.code !== 0 || r.timedOut) {
        failures.push({ name: c.name, code: r.code, timedOut: r.timedOut, stderr: r.stderr.slice(-500) });
        continue;
      }
      if (i >= warmup) samples[c.name].push(r.wallMs);
    }
  }
  const out = {};
  for (const c of commands) {
    const s = samples[c.name];
    out[c.name] = {
      command: [c.cmd, ...c.args].join(' '),
      runs: s.length,
      medianMs: round1(median(s)),
      minMs: round1(Math.min(...s)),
      maxMs: round1(Math.max(...s)),
    };
  }
  return { results: out, failures };
}

const round1 = (n) => Math.round(n * 10) / 10;

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\x1b\][^\x07]*\x07/g, '');

/** True once the terminal text shows an inquirer prompt: a line starting with "? " (rootlock's idle prefix). */
export function promptShown(text) {
  return /(^|[\r\n])\s*\? \S/.test(stripAnsi(text));
}

/** The first prompt line in terminal text (ANSI removed), for the report. */
export function firstPromptLine(text) {
  const m = /(?:^|[\r\n])\s*(\? [^\r\n]*)/.exec(stripAnsi(text));
  return m ? m[1].trim() : undefined;
}

/**
 * Spawns the command in a pseudo-terminal (so rootlock sees a TTY and runs interactively)
 * and measures the time from spawn to the first prompt drawn, then sends Ctrl-C and waits
 * for the exit. Resolves { ms, prompt, exitCode, text } or { ms: undefined, reason }.
 */
export async function timeToFirstPrompt(cmd, args, { env, cwd, timeoutMs = 120_000 } = {}) {
  const require = createRequire(import.meta.url);
  let pty;
  try {
    pty = require('@lydell/node-pty');
  } catch (err) {
    return { ms: undefined, reason: `@lydell/node-pty unavailable: ${err.message}` };
  }
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const term = pty.spawn(cmd, args, { name: 'xterm-256color', cols: 120, rows: 40, cwd, env });
    // node-pty starts the child in its own session: kill the group on bench exit.
    track({
      pid: term.pid,
      exitCode: null,
      signalCode: null,
      once(ev, fn) {
        if (ev === 'exit') term.onExit(fn);
      },
      kill: (sig) => term.kill(sig),
    });
    let text = '';
    let promptMs;
    let done = false;
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      try {
        process.kill(-term.pid, 'SIGKILL');
      } catch {
        term.kill('SIGKILL');
      }
      finish({
        ms: promptMs,
        reason: promptMs === undefined ? `no prompt within ${timeoutMs / 1000} s` : 'did not exit after Ctrl-C',
        text: stripAnsi(text).slice(-3000),
      });
    }, timeoutMs);
    term.onData((d) => {
      text += d;
      if (promptMs === undefined && promptShown(text)) {
        promptMs = Number(process.hrtime.bigint() - t0) / 1e6;
        // Let the prompt finish drawing, then leave it the way an operator would.
        setTimeout(() => term.write('\x03'), 100);
      }
    });
    term.onExit(({ exitCode }) => {
      const shown = stripAnsi(text);
      if (promptMs === undefined) {
        finish({
          ms: undefined,
          reason: `exited (code ${exitCode}) before any prompt`,
          exitCode,
          text: shown.slice(-3000),
        });
      } else {
        finish({ ms: round1(promptMs), prompt: firstPromptLine(text), exitCode, text: shown.slice(-3000) });
      }
    });
  });
}

/** Repeats timeToFirstPrompt and takes the median. */
export async function medianTimeToFirstPrompt(cmd, args, { runs = 5, ...opts } = {}) {
  const samples = [];
  let last;
  for (let i = 0; i < runs; i++) {
    last = await timeToFirstPrompt(cmd, args, opts);
    if (last.ms === undefined)
      return {
        medianMs: undefined,
        runs: samples.length,
        reason: last.reason,
        exitCode: last.exitCode,
        text: last.text,
      };
    samples.push(last.ms);
  }
  return {
    medianMs: round1(median(samples)),
    minMs: round1(Math.min(...samples)),
    maxMs: round1(Math.max(...samples)),
    runs: samples.length,
    prompt: last.prompt,
    exitCodeAfterCtrlC: last.exitCode,
  };
}
