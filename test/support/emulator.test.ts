/**
 * The emulator's lifecycle: start, forward, reset, stop, and clear failures.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateUserCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients } from './clients.js';
import { startEmulator, startMoto, useEmulator } from './emulator.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether something accepts TCP connections at the URL's port. */
function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A stand-in for moto_server: a shell script with the given body. */
function fakeMotoServer(script: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rootlock-fake-moto-'));
  const file = path.join(dir, 'moto_server');
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('useEmulator', () => {
  const emu = useEmulator();

  it('puts the root layer in front of moto, both on loopback', async () => {
    expect(emu().endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu().motoUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu().endpoint).not.toBe(emu().motoUrl);
    expect(isAlive(emu().motoPid)).toBe(true);

    await testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS).iam.send(
      new CreateUserCommand({ UserName: 'through-the-layer' }),
    );
    const direct = await testClients(emu().motoUrl, MOTO_BOOTSTRAP_CREDENTIALS).iam.send(new ListUsersCommand({}));
    expect(direct.Users?.map((u) => u.UserName)).toEqual(['through-the-layer']);
  });

  it('records only what goes through the layer', async () => {
    await testClients(emu().motoUrl, MOTO_BOOTSTRAP_CREDENTIALS).sts.send(new GetCallerIdentityCommand({}));
    expect(emu().layer.requests).toEqual([]);
    await testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS).sts.send(new GetCallerIdentityCommand({}));
    expect(emu().layer.requests.map((r) => r.operation)).toEqual(['GetCallerIdentity']);
  });

  it('reset() wipes moto and the root layer', async () => {
    const e = emu();
    const { iam } = testClients(e.endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    await iam.send(new CreateUserCommand({ UserName: 'temporary' }));
    e.layer.seedRoot(undefined, { keys: [{}], mfaEnabled: true });
    e.layer.advanceClock(3600);

    await e.reset();

    expect((await testClients(e.motoUrl, MOTO_BOOTSTRAP_CREDENTIALS).iam.send(new ListUsersCommand({}))).Users).toEqual(
      [],
    );
    expect(e.layer.root().rootKeys).toEqual([]);
    expect(e.layer.root().mfaEnabled).toBe(false);
    expect(e.layer.requests).toEqual([]);
    expect(Math.abs(e.layer.now().getTime() - Date.now())).toBeLessThan(5000);
  });

  it('the previous test left nothing behind', async () => {
    const users = await testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS).iam.send(new ListUsersCommand({}));
    expect(users.Users).toEqual([]);
  });
});

describe('startEmulator / stop', () => {
  it('stop() ends moto and closes both ports', async () => {
    const e = await startEmulator();
    expect(await listening(e.endpoint)).toBe(true);
    expect(await listening(e.motoUrl)).toBe(true);
    await e.stop();
    expect(isAlive(e.motoPid)).toBe(false);
    expect(await listening(e.endpoint)).toBe(false);
    expect(await listening(e.motoUrl)).toBe(false);
  });

  it('names the missing moto_server and how to get one', async () => {
    await expect(startEmulator({ motoServer: '/nonexistent/bin/moto_server' })).rejects.toThrow(
      /moto_server not found at \/nonexistent\/bin\/moto_server.*ROOTLOCK_MOTO_SERVER/s,
    );
  });

  it("reports moto's own output when it dies at start", async () => {
    const server = fakeMotoServer('echo "ImportError: no module named werkzeug" >&2\nexit 3');
    await expect(startMoto({ motoServer: server })).rejects.toThrow(
      /exited with code 3[\s\S]*ImportError: no module named werkzeug/,
    );
  });

  it('gives up on a moto that never answers, and kills it', async () => {
    const server = fakeMotoServer('echo "$$" > "$(dirname "$0")/pid"\necho "stuck" >&2\nexec sleep 60');
    const started = Date.now();
    await expect(startMoto({ motoServer: server, startTimeoutMs: 1500 })).rejects.toThrow(
      /did not answer within 1500 ms[\s\S]*stuck/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    const pid = Number(readFileSync(path.join(path.dirname(server), 'pid'), 'utf8'));
    expect(isAlive(pid)).toBe(false);
  });
});
