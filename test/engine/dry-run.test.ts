import { readFileSync } from 'node:fs';
import { RunInstancesCommand, DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { createIamUserWithKey, testClients, MOTO_BOOTSTRAP_CREDENTIALS } from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { AffirmativePrompter, mutatingRequests, runRootlock } from '../support/harness.js';

const emu = useEmulator();

/** A brand-new account: root keys, one admin, no contacts, an instance without a role. */
async function seedNewAccount() {
  const { keys } = emu().layer.seedRoot('123456789012', { keys: [{ status: 'Active' }, { status: 'Active' }] });
  await createIamUserWithKey(emu().endpoint, 'first-admin', 'arn:aws:iam::aws:policy/AdministratorAccess');
  const { ec2 } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS, 'us-east-1');
  const images = await ec2.send(new DescribeImagesCommand({}));
  const imageId = images.Images?.[0]?.ImageId;
  if (!imageId) throw new Error('moto offered no AMI');
  await ec2.send(new RunInstancesCommand({ ImageId: imageId, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }));
  return keys;
}

describe('dry-run', () => {
  it('answers yes to everything and the emulator receives zero mutating requests', async () => {
    const keys = await seedNewAccount();
    emu().layer.requests.length = 0;
    const prompter = new AffirmativePrompter();
    const r = await runRootlock(emu().endpoint, ['--dry-run', '--regions', 'us-east-1'], { credentials: keys[0]!, prompter });
    // It did walk the steps and plan changes ...
    expect(r.gate?.results.length ?? 0).toBeGreaterThan(0);
    expect(r.gate?.results.every((x) => x.outcome === 'dry-run')).toBe(true);
    expect(r.output.text).toMatch(/Dry run: \d+ changes? shown, none sent/);
    // ... printed the API call of each planned change ...
    const planned = readFileSync(r.journalPath!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'plan')
      .flatMap((e) => e.changes as Array<{ service: string; operation: string }>);
    expect(planned.length).toBe(r.gate?.results.length);
    for (const c of planned) expect(r.output.text).toContain(`${c.service}:${c.operation} `);
    // ... and sent none of them.
    expect(emu().layer.requests.length).toBeGreaterThan(0);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(r.output.secrets).toEqual([]);
  });
});
