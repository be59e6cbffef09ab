/**
 * Seeds the emulator as a brand-new account: root keys present, one admin, no contacts,
 * instances without roles. Used by the demo and by onboarding tests.
 */
import { DescribeImagesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { createIamUserWithKey, MOTO_BOOTSTRAP_CREDENTIALS, testClients, type TestCredentials } from './clients.js';
import type { Emulator } from './emulator.js';

export interface NewAccount {
  root: TestCredentials;
  /** The root user's other key (the session does not sign with it). */
  otherRootKey: TestCredentials;
  firstAdmin: TestCredentials & { userName: string; arn: string };
  instanceIds: string[];
}

export async function seedNewAccount(
  emu: Pick<Emulator, 'endpoint' | 'layer'>,
  opts: { instances?: number; region?: string } = {},
): Promise<NewAccount> {
  const region = opts.region ?? 'us-east-1';
  const { keys } = emu.layer.seedRoot('123456789012', {
    keys: [{ status: 'Active' }, { status: 'Active' }],
    mfaEnabled: false,
  });
  const firstAdmin = await createIamUserWithKey(
    emu.endpoint,
    'first-admin',
    'arn:aws:iam::aws:policy/AdministratorAccess',
  );
  const { ec2 } = testClients(emu.endpoint, MOTO_BOOTSTRAP_CREDENTIALS, region);
  const images = await ec2.send(new DescribeImagesCommand({}));
  const imageId = images.Images?.[0]?.ImageId;
  if (!imageId) throw new Error('the emulator offered no machine image');
  const count = opts.instances ?? 2;
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      MinCount: count,
      MaxCount: count,
      InstanceType: 't3.micro',
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web' }] }],
    }),
  );
  const [root, otherRootKey] = keys;
  if (!root || !otherRootKey) throw new Error('seedRoot returned no keys');
  return { root, otherRootKey, firstAdmin, instanceIds: (run.Instances ?? []).map((i) => i.InstanceId ?? '') };
}
