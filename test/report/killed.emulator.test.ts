/**
 * A real crash: the built CLI (`bin/rootlock`, no terminal, answers from a file) is killed with
 * SIGKILL while one of its changes is on the wire (a proxy in front of the emulator holds that
 * request). The journal keeps what was sent and what was in flight; `rootlock report` says so;
 * the next run warns, reads AWS again and converges without creating anything twice.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImagesCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { GetInstanceProfileCommand, ListInstanceProfilesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIamUserWithKey, MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../support/clients.js';
import { REPO_ROOT, useEmulator } from '../support/emulator.js';
import { mutatingRequests, runRootlock } from '../support/harness.js';
import { assertFreshBuild, ROOTLOCK_BIN, rootlockEnv } from '../support/pty.js';

const emu = useEmulator();
const ACCT = '123456789012';
const SSM = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';

beforeAll(() => assertFreshBuild());

/** A pass-through proxy to `target` that never answers (nor forwards) the first request whose body matches. */
async function holdingProxy(
  target: string,
  hold: RegExp,
): Promise<{ url: string; held: Promise<void>; close(): Promise<void> }> {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let holding = false;
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!holding && hold.test(body.toString('utf8'))) {
        holding = true;
        release();
        return; // on the wire, never delivered
      }
      const up = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('a rootlock process killed while a change is in flight', () => {
  it('leaves a journal that names the change; the next run warns, reads AWS and converges without duplicates', async () => {
    emu().layer.seedRoot(ACCT, { keys: [], mfaEnabled: true });
    const ops = await createIamUserWithKey(emu().endpoint, 'ops', 'arn:aws:iam::aws:policy/AdministratorAccess');
    const { ec2, iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    const imageId = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId;
    const instanceId = (
      await ec2.send(new RunInstancesCommand({ ImageId: imageId!, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }))
    ).Instances![0]!.InstanceId!;

    const proxy = await holdingProxy(emu().endpoint, /Action=AddRoleToInstanceProfile/);
    cleanups.push(() => proxy.close());
    const home = mkdtempSync(join(tmpdir(), 'rootlock-killed-'));
    const journalDir = join(home, 'journal');
    mkdirSync(journalDir, { recursive: true, mode: 0o700 });
    const answers = join(home, 'answers.json');
    writeFileSync(
      answers,
      JSON.stringify({
        'ec2-roles.instances': [instanceId],
        'ec2-roles.role': '(new)',
        'ec2-roles.role.name': 'app-servers',
        'ec2-roles.policies': [SSM],
        'ec2-roles.apply': true,
      }),
    );
    const child = spawn(
      process.execPath,
      [
        ROOTLOCK_BIN,
        '--only',
        'ec2-roles',
        '--regions',
        'us-east-1',
        '--answers',
        answers,
        '--journal-dir',
        journalDir,
      ],
      {
        cwd: REPO_ROOT,
        env: rootlockEnv({ endpoint: proxy.url, home, credentials: ops }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('close', (_c, sig) => r(sig)));
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const outcome = await Promise.race([
      proxy.held.then(() => 'held'),
      exited.then(() => 'exited'),
      new Promise((r) => setTimeout(() => r('timeout'), 60_000)),
    ]);
    expect(outcome, stderr).toBe('held');
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // What AWS has: the role and the instance profile, not yet joined; nothing associated.
    const profile = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'app-servers' }));
    expect(profile.InstanceProfile?.Roles ?? []).toEqual([]);

    // The journal: no end, and the change that was on the wire has a start and no end.
    const [journalName] = readdirSync(journalDir).filter((f) => f.endsWith('.jsonl'));
    const journalPath = join(journalDir, journalName!);
    const entries = readFileSync(journalPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entries.some((e) => e.type === 'session-end')).toBe(false);
    const last = entries.filter((e) => e.type === 'change-start').pop();
    expect(last.operation).toBe('iam:AddRoleToInstanceProfile');
    expect(entries.some((e) => e.type === 'change-end' && e.change === last.change)).toBe(false);
    // No report was written by the killed process; `rootlock report` makes one from the journal.
    expect(readdirSync(journalDir)).toEqual([journalName]);
    const rep = await runRootlock(emu().endpoint, ['report', journalPath], { credentials: ops });
    expect(rep.code).toBe(0);
    const report = JSON.parse(readFileSync(journalPath.replace(/\.jsonl$/, '.json'), 'utf8'));
    expect(report.session.outcome).toBe('unfinished');
    expect(report.session.endedAt).toBeNull();
    expect(report.changes.map((c: any) => `${c.operation} ${c.outcome}`)).toEqual([
      'iam:CreateRole applied',
      'iam:AttachRolePolicy applied',
      'iam:CreateInstanceProfile applied',
      'iam:AddRoleToInstanceProfile in-flight',
    ]);
    expect(readFileSync(journalPath.replace(/\.jsonl$/, '.md'), 'utf8')).toContain(
      'IN FLIGHT when the session stopped',
    );

    // The next run (in-process, straight to the emulator): warned, it finishes the job.
    emu().layer.requests.length = 0;
    const again = await runRootlock(emu().endpoint, ['--only', 'ec2-roles', '--regions', 'us-east-1'], {
      credentials: ops,
      journalDir,
      answers: { 'ec2-roles.instances': [instanceId], 'ec2-roles.role': 'app-servers', 'ec2-roles.apply': true },
    });
    expect(again.output.text).toContain(`An earlier session on this account did not finish (${journalPath})`);
    expect(again.output.text).toContain('In flight when it stopped');
    expect(again.output.text).toContain('iam:AddRoleToInstanceProfile');
    expect(again.code, again.output.text).toBe(0);
    const assoc = await ec2.send(
      new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: 'instance-id', Values: [instanceId] }] }),
    );
    expect(assoc.IamInstanceProfileAssociations?.map((a) => a.IamInstanceProfile?.Arn)).toEqual([
      `arn:aws:iam::${ACCT}:instance-profile/app-servers`,
    ]);
    const joined = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'app-servers' }));
    expect(joined.InstanceProfile?.Roles?.map((r) => r.RoleName)).toEqual(['app-servers']);
    // Nothing twice: one role, one instance profile, no second CreateRole.
    expect((await iam.send(new ListRolesCommand({}))).Roles?.filter((r) => r.RoleName === 'app-servers')).toHaveLength(
      1,
    );
    expect(
      (await iam.send(new ListInstanceProfilesCommand({}))).InstanceProfiles?.map((p) => p.InstanceProfileName),
    ).toEqual(['app-servers']);
    // The resumed plan reused the role; re-creating the profile was answered "already exists"
    // and counted as done (the gate's alreadyDoneCodes), then the missing join and association were made.
    const sent = mutatingRequests(emu().layer.requests);
    expect(sent).not.toContain('iam:CreateRole');
    expect(sent).toEqual(expect.arrayContaining(['iam:AddRoleToInstanceProfile', 'ec2:AssociateIamInstanceProfile']));
    expect(again.gate!.results.filter((x) => x.outcome === 'failed')).toEqual([]);
    const resumed = readFileSync(again.journalPath!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const e of resumed.filter((x) => x.type === 'change-end' && x.operation === 'iam:CreateInstanceProfile'))
      expect(e.outcome).toBe('already-done');
  }, 120_000);
});
