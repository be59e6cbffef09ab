/**
 * The root layer's timed AWS behaviours, which tests opt into (off by default): a revoked root
 * key that still authenticates while IAM propagates the change (`keyPropagationSeconds`), and a
 * credential report that GenerateCredentialReport reuses for 4 hours (`credentialReportReuse`).
 */
import {
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients, type TestCredentials } from './clients.js';
import { useEmulator } from './emulator.js';

const emu = useEmulator({ keyPropagationSeconds: 30, credentialReportReuse: true });
const ACCT = '123456789012';
const clients = (creds: TestCredentials) => testClients(emu().endpoint, creds);
const boot = () => clients(MOTO_BOOTSTRAP_CREDENTIALS);

async function whoAmI(creds: TestCredentials): Promise<string | number> {
  try {
    return (await clients(creds).sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  } catch (err) {
    return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? -1;
  }
}

async function report() {
  const out = await boot().iam.send(new GetCredentialReportCommand({}));
  const rows = parseCsv(Buffer.from(out.Content!).toString('utf8'), { columns: true }) as Array<Record<string, string>>;
  return { rows, generated: out.GeneratedTime! };
}

describe('keyPropagationSeconds', () => {
  it('lets a deleted root key, even the one that signed the deletion, authenticate until the time is up', async () => {
    const { keys } = emu().layer.seedRoot(ACCT, { keys: [{}] });
    const own = keys[0]!;
    await clients(own).iam.send(new DeleteAccessKeyCommand({ AccessKeyId: own.accessKeyId }));
    expect(emu().layer.root(ACCT).rootKeys).toEqual([]);
    // Still answers, as the root user, and sees the account as it is now.
    expect(await whoAmI(own)).toBe(`arn:aws:iam::${ACCT}:root`);
    expect((await clients(own).iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata).toEqual([]);
    emu().layer.advanceClock(29);
    expect(await whoAmI(own)).toBe(`arn:aws:iam::${ACCT}:root`);
    emu().layer.advanceClock(2);
    expect(await whoAmI(own)).toBe(403);
  });

  it('does the same for a deactivated key; with the delay set to 0 a revoked key is refused at once', async () => {
    const { keys } = emu().layer.seedRoot(ACCT, { keys: [{}, {}] });
    const [a, b] = keys as [TestCredentials, TestCredentials];
    await clients(b).iam.send(new UpdateAccessKeyCommand({ AccessKeyId: a.accessKeyId, Status: 'Inactive' }));
    expect(
      emu()
        .layer.root(ACCT)
        .rootKeys.map((k) => k.status),
    ).toEqual(['Inactive', 'Active']);
    expect(await whoAmI(a)).toBe(`arn:aws:iam::${ACCT}:root`);
    emu().layer.advanceClock(31);
    expect(await whoAmI(a)).toBe(403);

    emu().layer.configure({ keyPropagationSeconds: 0 });
    expect(emu().layer.behaviour).toEqual({ keyPropagationSeconds: 0, credentialReportReuse: true });
    await clients(b).iam.send(new UpdateAccessKeyCommand({ AccessKeyId: b.accessKeyId, Status: 'Inactive' }));
    expect(await whoAmI(b)).toBe(403);
  });

  it('is restored by reset() to what the file started with', async () => {
    emu().layer.configure({ keyPropagationSeconds: 5, credentialReportReuse: false });
    await emu().reset();
    expect(emu().layer.behaviour).toEqual({ keyPropagationSeconds: 30, credentialReportReuse: true });
  });
});

describe('credentialReportReuse', () => {
  it('keeps a report for 4 hours: STARTED, then COMPLETE with the same report, then a new one', async () => {
    const { keys } = emu().layer.seedRoot(ACCT, { keys: [{}], mfaEnabled: false });
    const { iam } = boot();
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
    const first = await report();
    expect(first.rows.map((r) => r.user)).toEqual(['<root_account>']);

    // Changes after the generation: a root key deleted, MFA on, a new user.
    await clients(keys[0]!).iam.send(new DeleteAccessKeyCommand({ AccessKeyId: keys[0]!.accessKeyId }));
    emu().layer.root(ACCT).mfaEnabled = true;
    await iam.send(new CreateUserCommand({ UserName: 'newcomer' }));
    emu().layer.advanceClock(4 * 3600 - 60);
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
    const reused = await report();
    expect(reused.generated).toEqual(first.generated);
    expect(reused.rows.map((r) => r.user)).toEqual(['<root_account>']);
    expect(reused.rows[0]).toMatchObject({ access_key_1_active: 'true', mfa_active: 'false' });

    emu().layer.advanceClock(61);
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
    const fresh = await report();
    expect(fresh.generated.getTime() - first.generated.getTime()).toBeGreaterThanOrEqual(4 * 3600 * 1000);
    expect(fresh.rows.map((r) => r.user)).toEqual(['<root_account>', 'newcomer']);
    expect(fresh.rows[0]).toMatchObject({ access_key_1_active: 'false', mfa_active: 'true' });
  });

  it('off: every GenerateCredentialReport takes a new snapshot', async () => {
    emu().layer.configure({ credentialReportReuse: false });
    const { iam } = boot();
    await iam.send(new GenerateCredentialReportCommand({}));
    const first = await report();
    await iam.send(new CreateUserCommand({ UserName: 'newcomer' }));
    emu().layer.advanceClock(2);
    await iam.send(new GenerateCredentialReportCommand({}));
    const second = await report();
    expect(second.generated.getTime()).toBeGreaterThan(first.generated.getTime());
    expect(second.rows.map((r) => r.user)).toEqual(['<root_account>', 'newcomer']);
  });
});
