/**
 * The moto emulator for the benchmark: installed into .venv/moto when missing (pinned
 * version, the same one the tests use), started on a free 127.0.0.1 port, killed on exit.
 */
import { createWriteStream, existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort, runBounded, sleep, spawnServer } from './procs.mjs';

export const MOTO_VERSION = '5.2.5';

/** Makes sure `<root>/.venv/moto/bin/moto_server` exists; returns its path. */
export async function ensureMoto(root, log) {
  const venv = path.join(root, '.venv', 'moto');
  const server = path.join(venv, 'bin', 'moto_server');
  if (existsSync(server)) return server;
  log(`moto is missing: creating ${venv} with moto[server]==${MOTO_VERSION}`);
  let r = await runBounded('python3', ['-m', 'venv', venv], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`python3 -m venv failed: ${r.stderr.slice(-2000)}`);
  r = await runBounded(path.join(venv, 'bin', 'pip'), ['install', '-q', `moto[server]==${MOTO_VERSION}`], {
    timeoutMs: 900_000,
  });
  if (r.code !== 0 || !existsSync(server)) throw new Error(`pip install moto failed: ${r.stderr.slice(-2000)}`);
  return server;
}

/** One HTTP request to 127.0.0.1; resolves { status, body }. */
export function httpRequest(url, { method = 'GET', body, timeoutMs = 5000, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, timeout: timeoutMs, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Starts moto_server and waits until it answers. Returns { url, port, child, stop() }.
 * Its log goes to `logFile`.
 */
export async function startMoto(serverPath, { logFile, startTimeoutMs = 60_000 } = {}) {
  const port = await freePort();
  const env = {
    ...process.env,
    MOTO_IAM_LOAD_MANAGED_POLICIES: 'true',
    // Nothing from the emulator ever leaves the machine.
    NO_PROXY: '*',
  };
  const logStream = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  const child = spawnServer(serverPath, ['-H', '127.0.0.1', '-p', String(port)], { env, logStream });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`moto_server exited during start-up (see ${logFile ?? 'its output'})`);
    try {
      const r = await httpRequest(`${url}/moto-api/`, { timeoutMs: 2000 });
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${url} within ${startTimeoutMs / 1000} s`);
    }
    await sleep(200);
  }
  return {
    url,
    port,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // gone
        }
        await Promise.race([new Promise((r) => child.once('exit', r)), sleep(3000)]);
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      logStream?.end();
    },
  };
}
