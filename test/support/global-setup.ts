/**
 * vitest globalSetup: makes sure the moto emulator can run before any test file starts.
 *
 * - env ROOTLOCK_MOTO_SERVER=/path/to/moto_server: use that moto, install nothing.
 * - otherwise use .venv/moto/bin/moto_server, creating the venv with a python3 >= 3.10 and
 *   `pip install 'moto[server]==5.2.5'` when it is missing.
 * Then moto is started once and stopped, so a broken install fails the run here, loudly.
 * Nothing is ever skipped: if moto cannot be installed or started, this throws.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { MOTO_VENV, MOTO_VERSION, REPO_ROOT, motoServerPath, startMoto } from './emulator.js';

const MIN_PYTHON: [number, number] = [3, 10];

function log(message: string): void {
  process.stdout.write(`[rootlock test setup] ${message}\n`);
}

interface Python {
  command: string;
  version: string;
}

/** The first python on PATH that is >= 3.10. */
export function findPython(): Python | undefined {
  const candidates = ['python3', 'python3.13', 'python3.12', 'python3.11', 'python3.10', 'python'];
  for (const command of candidates) {
    const r = spawnSync(command, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' });
    if (r.status !== 0 || !r.stdout) continue;
    const version = r.stdout.trim();
    const [major = 0, minor = 0] = version.split('.').map(Number);
    if (major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1])) return { command, version };
  }
  return undefined;
}

function run(command: string, args: string[]): void {
  log(`$ ${command} ${args.join(' ')}`);
  const r = spawnSync(command, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.error) throw new Error(`could not run ${command}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with exit code ${String(r.status)}`);
}

export function ensureMotoInstalled(): string {
  const fromEnv = process.env.ROOTLOCK_MOTO_SERVER;
  if (fromEnv) {
    const server = motoServerPath();
    try {
      accessSync(server, constants.X_OK);
    } catch {
      throw new Error(`ROOTLOCK_MOTO_SERVER=${fromEnv} is not an executable moto_server.`);
    }
    log(`using moto from ROOTLOCK_MOTO_SERVER: ${server}`);
    return server;
  }
  const server = motoServerPath();
  if (existsSync(server)) return server;

  const python = findPython();
  if (!python) {
    const message =
      `The rootlock tests need Python >= ${MIN_PYTHON.join('.')} (as python3) to install the moto emulator ` +
      `(moto[server]==${MOTO_VERSION}), and none was found on PATH. Install Python ${MIN_PYTHON.join('.')}+ ` +
      `or set ROOTLOCK_MOTO_SERVER to an existing moto_server.`;
    process.stderr.write(`[rootlock test setup] ERROR: ${message}\n`);
    throw new Error(message);
  }
  const venv = path.relative(REPO_ROOT, MOTO_VENV);
  log(`moto is not installed: creating ${venv} with ${python.command} (Python ${python.version})`);
  run(python.command, ['-m', 'venv', MOTO_VENV]);
  log(`installing moto[server]==${MOTO_VERSION} into ${venv} (about a minute)`);
  run(path.join(MOTO_VENV, 'bin', 'python'), [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    `moto[server]==${MOTO_VERSION}`,
  ]);
  if (!existsSync(server)) throw new Error(`pip finished but ${server} does not exist`);
  log(`moto installed: ${server}`);
  return server;
}

export default async function setup(): Promise<void> {
  const server = ensureMotoInstalled();
  // Prove moto starts, so a broken install fails the whole run here with moto's own output.
  const moto = await startMoto({ motoServer: server });
  await moto.stop();
}
