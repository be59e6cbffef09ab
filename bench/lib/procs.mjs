/**
 * Child processes the benchmark starts: every one is tracked, bounded by a timeout and
 * killed (its whole process group) when the benchmark exits, fails or is interrupted.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';

/** @type {Set<import('node:child_process').ChildProcess>} */
const running = new Set();
let hooked = false;

/** Kills a child's process group (children are spawned detached, so they lead one). */
export function killTree(child, signal = 'SIGKILL') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function killAll() {
  for (const c of running) killTree(c);
  running.clear();
}

function installHooks() {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      killAll();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Tracks a child so it is killed on exit; forgets it when it ends. */
export function track(child) {
  installHooks();
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/**
 * Spawns a long-running server in its own process group, tracked for kill on exit.
 * stdout/stderr go to `logStream` (a writable) when given, else are drained.
 */
export function spawnServer(cmd, args, { env, cwd, logStream } = {}) {
  const child = spawn(cmd, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  for (const s of [child.stdout, child.stderr]) {
    if (logStream) s.pipe(logStream, { end: false });
    else s.resume();
  }
  return child;
}

/**
 * Runs a command to completion with a hard timeout, collecting stdout/stderr.
 * Resolves { code, signal, stdout, stderr, timedOut, wallMs, pid }.
 */
export function runBounded(
  cmd,
  args,
  { env, cwd, timeoutMs = 60_000, input, onSpawn, maxBuffer = 512 * 1024 * 1024 } = {},
) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, {
      env,
      cwd,
      detached: true,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    track(child);
    const out = [];
    const err = [];
    let outLen = 0;
    child.stdout.on('data', (b) => {
      outLen += b.length;
      if (outLen <= maxBuffer) out.push(b);
    });
    child.stderr.on('data', (b) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(child);
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    if (input !== undefined) child.stdin.end(input);
    if (onSpawn) onSpawn(child);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({
        code,
        signal,
        timedOut,
        wallMs,
        pid: child.pid,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Median of numbers (the mean of the middle two for an even count). */
export function median(values) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
