/**
 * Starts the moto emulator (one `moto_server` process) with the root layer in front of it.
 *
 *   const emu = useEmulator();            // in a vitest file: one moto per file, reset before each test
 *   it('...', async () => { emu().endpoint; emu().layer.seedRoot(); });
 *
 * moto comes from `.venv/moto/bin/moto_server` (installed by global-setup.ts) or from the
 * path in env ROOTLOCK_MOTO_SERVER. Every moto process started here is killed when the
 * process exits or receives SIGINT, SIGTERM or SIGHUP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startRootLayer, type RootLayer, type RootLayerBehaviour } from './root-layer.js';

export const MOTO_VERSION = '5.2.5';

/** The repository root (this file lives in test/support/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where global-setup installs moto. */
export const MOTO_VENV = path.join(REPO_ROOT, '.venv', 'moto');

/** The moto_server to run: env ROOTLOCK_MOTO_SERVER, else .venv/moto/bin/moto_server. */
export function motoServerPath(): string {
  const fromEnv = process.env.ROOTLOCK_MOTO_SERVER;
  return fromEnv && fromEnv.length > 0 ? path.resolve(fromEnv) : path.join(MOTO_VENV, 'bin', 'moto_server');
}

export interface Emulator {
  /** The root layer's URL: what rootlock is pointed at (--endpoint-url). */
  endpoint: string;
  /** moto itself, bypassing the root layer. */
  motoUrl: string;
  /** moto_server's process id. */
  motoPid: number;
  /** Control and inspection of the root layer. */
  layer: RootLayer;
  /** Wipes moto (POST /moto-api/reset) and the root layer. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `keyPropagationSeconds` and `credentialReportReuse` turn on the root layer's AWS behaviours
 * that are off by default (see RootLayerBehaviour); every reset restores them.
 */
export interface StartEmulatorOptions extends RootLayerBehaviour {
  /** moto_server executable; defaults to motoServerPath(). */
  motoServer?: string;
  /** How long to wait for moto to answer; default 30 s. */
  startTimeoutMs?: number;
  /**
   * Extra environment for moto_server, over this process's environment and the harness's own
   * MOTO_IAM_LOAD_MANAGED_POLICIES=true (a key given here wins). For example
   * `{ INITIAL_NO_AUTH_ACTION_COUNT: '3' }`: moto serves the first 3 actions unchecked, then
   * checks every request's signature and the caller's IAM policies (see
   * test/support/iam-authorizer.ts and docs/testing-emulator.md). Not for the emulator behind
   * the root layer: the layer's root users and its own calls to moto would be refused.
   */
  env?: Record<string, string>;
}

export interface MotoProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/* ---------------- killing moto on exit ---------------- */

const running = new Set<ChildProcess>();
let exitHooksInstalled = false;

function killAll(): void {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAll();
      process.off(signal, onSignal);
      // Keep the default behaviour (terminate) unless someone else handles the signal.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/* ---------------- moto ---------------- */

/** A free TCP port on 127.0.0.1 (the OS picks it; moto binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = addr && typeof addr === 'object' ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function httpStatus(url: string, method = 'GET', timeoutMs = 1000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Spawns `moto_server -H 127.0.0.1 -p PORT` and waits until it answers HTTP. */
export async function startMoto(opts: StartEmulatorOptions = {}): Promise<MotoProcess> {
  const server = opts.motoServer ?? motoServerPath();
  if (!existsSync(server)) {
    throw new Error(
      `moto_server not found at ${server}. Run the tests through vitest (test/support/global-setup.ts installs moto[server]==${MOTO_VERSION} into .venv/moto) or set ROOTLOCK_MOTO_SERVER to an existing moto_server.`,
    );
  }
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  let lastError = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const child = spawn(server, ['-H', '127.0.0.1', '-p', String(port)], {
      env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    installExitHooks();
    running.add(child);
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exited: string | undefined;
    let spawnError: Error | undefined;
    child.on('error', (e) => (spawnError = e));
    const exitedPromise = new Promise<void>((resolve) =>
      child.on('exit', (code, signal) => {
        exited = `exited with ${signal ?? `code ${String(code)}`}`;
        running.delete(child);
        resolve();
      }),
    );
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !exited && !spawnError) {
      try {
        // GET on the reset endpoint answers 400 without touching state: a cheap "are you up?".
        const status = await httpStatus(`${url}/moto-api/reset`);
        if (status > 0 && child.pid !== undefined) {
          const pid = child.pid;
          return {
            url,
            pid,
            async stop() {
              if (exited) return;
              child.kill('SIGTERM');
              // moto keeps nothing worth flushing: a short grace, then SIGKILL.
              const killed = await Promise.race([exitedPromise.then(() => true), sleep(1000).then(() => false)]);
              if (!killed) {
                child.kill('SIGKILL');
                await exitedPromise;
              }
            },
          };
        }
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    const why = spawnError
      ? `could not be spawned: ${spawnError.message}`
      : exited
        ? exited
        : `did not answer within ${timeoutMs} ms`;
    if (!exited) {
      child.kill('SIGKILL');
      await exitedPromise;
    }
    lastError = `moto_server (${server}, port ${port}) ${why}.\n--- moto output ---\n${output.trim() || '(none)'}`;
    // A port grabbed between freePort() and moto's bind is the one failure worth retrying.
    if (!/address already in use/i.test(output)) break;
  }
  throw new Error(lastError);
}

/** Starts moto and the root layer in front of it. */
export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<Emulator> {
  const moto = await startMoto(opts);
  let layer: RootLayer;
  try {
    layer = await startRootLayer({
      motoUrl: moto.url,
      keyPropagationSeconds: opts.keyPropagationSeconds,
      credentialReportReuse: opts.credentialReportReuse,
    });
  } catch (err) {
    await moto.stop();
    throw err;
  }
  return {
    endpoint: layer.url,
    motoUrl: moto.url,
    motoPid: moto.pid,
    layer,
    async reset() {
      const status = await httpStatus(`${moto.url}/moto-api/reset`, 'POST', 30_000);
      if (status !== 200) throw new Error(`moto reset failed: HTTP ${status}`);
      layer.reset();
    },
    async stop() {
      await layer.close();
      await moto.stop();
    },
  };
}

/**
 * For vitest files: starts one emulator for the file (beforeAll), resets it before each test
 * and stops it afterwards. Returns a getter, usable inside tests and hooks.
 */
export function useEmulator(opts: StartEmulatorOptions & { resetEach?: boolean } = {}): () => Emulator {
  let emu: Emulator | undefined;
  beforeAll(async () => {
    emu = await startEmulator(opts);
  });
  afterAll(async () => {
    await emu?.stop();
    emu = undefined;
  });
  // resetEach: false keeps one state for the whole file (a large fixture built once in beforeAll).
  if (opts.resetEach !== false)
    beforeEach(async () => {
      await emu?.reset();
    });
  return () => {
    if (!emu) throw new Error('useEmulator(): the emulator is not running (use the getter inside tests or hooks)');
    return emu;
  };
}
