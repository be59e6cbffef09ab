/**
 * The next steps against the emulator: a seeded account (a console user without MFA, a user
 * with two active keys, a weak password policy, root without MFA), read by `rootlock check`,
 * with the clock moved 100 days ahead so the keys are old and unused; and the ASFF file.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam';
import { PutPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import { describe, expect, it } from 'vitest';
import { validateAsffFinding } from '../../../src/report/asff.js';
import type { Clock } from '../../../src/engine/types.js';
import { createIamUserWithKey, MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { mutatingRequests, runRootlock } from '../../support/harness.js';

const emu = useEmulator({ credentialReportReuse: true });
const ACCT = '123456789012';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const userArn = (n: string) => `arn:aws:iam::${ACCT}:user/${n}`;

/** A clock `days` ahead of the real one (sleeps are real, so the report poll still works). */
function clockAhead(days: number): Clock {
  return { now: () => new Date(Date.now() + days * 86_400_000), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
}

async function seed(opts: { rootMfa: boolean }) {
  emu().layer.seedRoot(ACCT, { keys: [], mfaEnabled: opts.rootMfa });
  const ops = await createIamUserWithKey(emu().endpoint, 'ops', ADMIN);
  const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  // carol: console password, no MFA.
  await iam.send(new CreateUserCommand({ UserName: 'carol' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'carol', Password: 'Carol-password-0000' }));
  // dave: two active access keys.
  await iam.send(new CreateUserCommand({ UserName: 'dave' }));
  await iam.send(new CreateAccessKeyCommand({ UserName: 'dave' }));
  await iam.send(new CreateAccessKeyCommand({ UserName: 'dave' }));
  // erin: console password with MFA (a virtual device named like root's, to exercise the serial check).
  await iam.send(new CreateUserCommand({ UserName: 'erin' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'erin', Password: 'Erin-password-00000' }));
  const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'root-account-mfa-device' }));
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: 'erin',
      SerialNumber: device.VirtualMFADevice!.SerialNumber!,
      AuthenticationCode1: '123456',
      AuthenticationCode2: '654321',
    }),
  );
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8 }));
  emu().layer.requests.length = 0;
  return { ops };
}

type Item = { id: string; status: string; message: string; controls: string[]; resources: string[] };
const byId = (items: Item[]) => Object.fromEntries(items.map((i) => [i.id, i])) as Record<string, Item>;

describe('next steps in rootlock check', () => {
  it('finds the console user without MFA, two active keys, old and unused keys, the weak policy and root without MFA', async () => {
    const { ops } = await seed({ rootMfa: false });
    const r = await runRootlock(emu().endpoint, ['check', '--json', '--regions', 'us-east-1'], {
      credentials: ops,
      deps: { clock: clockAhead(100) },
    });
    expect(r.json.nextSteps.map((i: Item) => i.id)).toEqual([
      'root-mfa',
      'root-hardware-mfa',
      'console-mfa',
      'unused-credentials',
      'two-active-keys',
      'old-access-keys',
      'password-policy',
      's3-public-access-block',
      'organization-member',
      'contacts-distinct',
    ]);
    const n = byId(r.json.nextSteps);
    expect(n['root-mfa']).toMatchObject({
      status: 'fail',
      controls: ['CIS v5.0.0 1.4', 'CIS v6.0.0 2.4', 'CIS v7.0.0 2.5', 'CIS v3.0.0 1.5', 'Security Hub IAM.9'],
      controlRefs: [
        { framework: 'CIS AWS Foundations Benchmark', version: '5.0.0', id: '1.4' },
        { framework: 'CIS AWS Foundations Benchmark', version: '6.0.0', id: '2.4' },
        { framework: 'CIS AWS Foundations Benchmark', version: '7.0.0', id: '2.5' },
        { framework: 'CIS AWS Foundations Benchmark', version: '3.0.0', id: '1.5' },
        { framework: 'AWS Security Hub CSPM', id: 'IAM.9' },
      ],
      resources: [ACCT],
    });
    // moto's default account is in no organization.
    expect(n['organization-member']).toMatchObject({
      status: 'fail',
      controls: ['Security Hub Account.2'],
      resources: [ACCT],
      message: expect.stringContaining('AWSOrganizationsNotInUseException'),
    });
    // No contact was ever set: nothing to compare (billing-recovery fails for them).
    expect(n['contacts-distinct']).toMatchObject({
      status: 'not-checked',
      message: expect.stringContaining('only 0 of the four contacts'),
    });
    // Every finding carries its controls as references too.
    for (const s of r.json.steps) for (const f of s.findings) expect(f.controlRefs).toHaveLength(f.controls.length);
    expect(n['root-hardware-mfa']!.status).toBe('fail');
    expect(n['console-mfa']).toMatchObject({
      status: 'fail',
      message: '1 console user without MFA: carol.',
      resources: [userArn('carol')],
    });
    expect(n['two-active-keys']).toMatchObject({
      status: 'fail',
      message: '1 user with two active access keys: dave.',
      resources: [userArn('dave')],
    });
    expect(n['old-access-keys']!.status).toBe('fail');
    expect(n['old-access-keys']!.message).toMatch(/^3 active access keys older than 90 days: /);
    expect(n['old-access-keys']!.resources.sort()).toEqual([userArn('dave'), userArn('ops')]);
    expect(n['unused-credentials']!.status).toBe('fail');
    expect(n['unused-credentials']!.message).toContain('carol (console password, never used, 100 days old)');
    expect(n['unused-credentials']!.resources).toEqual(expect.arrayContaining([userArn('carol'), userArn('dave')]));
    expect(n['console-mfa']!.resources).not.toContain(userArn('erin'));
    expect(n['password-policy']).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('minimum length 8 (needs 14)'),
    });
    // No account-level Block Public Access was ever set (S3 answers NoSuchPublicAccessBlockConfiguration).
    expect(n['s3-public-access-block']).toMatchObject({
      status: 'fail',
      resources: [ACCT],
      message: expect.stringContaining('No account-level Block Public Access'),
    });
    expect(r.json.apiCalls.byOperation['s3control:GetPublicAccessBlock']).toBe(1);
    expect(
      emu()
        .layer.requests.filter((q) => q.service === 's3control')
        .map((q) => [q.operation, q.params.AccountId]),
    ).toEqual([['GetPublicAccessBlock', ACCT]]);
    // Read-only, and the shared reads were not repeated for the next steps.
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(r.json.apiCalls.byOperation['iam:GetCredentialReport']).toBe(1);
    expect(r.json.apiCalls.byOperation['iam:GetAccountPasswordPolicy']).toBe(1);
    expect(r.json.apiCalls.byOperation['iam:GetAccountSummary']).toBe(1);
    // Root has no MFA: no need to ask which devices are virtual.
    expect(r.json.apiCalls.byOperation['iam:ListVirtualMFADevices']).toBeUndefined();
    // Next steps never change the exit code: the same as the steps alone.
    const stepsOnly = await runRootlock(
      emu().endpoint,
      ['check', '--json', '--regions', 'us-east-1', '--skip', 'next-steps'],
      { credentials: ops },
    );
    expect(stepsOnly.json.nextSteps).toEqual([]);
    expect(r.code).toBe(stepsOnly.code);
  });

  it('with the real clock nothing is old or unused yet; root MFA on a virtual device fails the hardware check', async () => {
    const { ops } = await seed({ rootMfa: true });
    const r = await runRootlock(emu().endpoint, ['check', '--json', '--regions', 'us-east-1'], { credentials: ops });
    const n = byId(r.json.nextSteps);
    expect(n['old-access-keys']!.status).toBe('pass');
    expect(n['unused-credentials']!.status).toBe('pass');
    expect(n['two-active-keys']!.status).toBe('fail');
    expect(n['console-mfa']!.status).toBe('fail');
    expect(n['root-mfa']!.status).toBe('pass');
    expect(n['root-hardware-mfa']).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(`arn:aws:iam::${ACCT}:mfa/root-account-mfa-device`),
    });
    const listed = emu().layer.requests.filter((q) => q.operation === 'ListVirtualMFADevices');
    expect(listed.map((q) => q.params.AssignmentStatus)).toEqual(['Assigned']);
  });

  it('S3 Block Public Access: partly on fails naming what is off; all four on passes', async () => {
    const { ops } = await seed({ rootMfa: false });
    const { s3control } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    const settings = {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: true,
    };
    await s3control.send(
      new PutPublicAccessBlockCommand({ AccountId: ACCT, PublicAccessBlockConfiguration: settings }),
    );
    const partly = await runRootlock(emu().endpoint, ['check', '--json', '--regions', 'us-east-1'], {
      credentials: ops,
    });
    expect(byId(partly.json.nextSteps)['s3-public-access-block']).toMatchObject({
      status: 'fail',
      message: 'Account-level Block Public Access is only partly on; off: BlockPublicPolicy.',
    });
    await s3control.send(
      new PutPublicAccessBlockCommand({
        AccountId: ACCT,
        PublicAccessBlockConfiguration: { ...settings, BlockPublicPolicy: true },
      }),
    );
    const on = await runRootlock(emu().endpoint, ['check', '--json', '--regions', 'us-east-1'], { credentials: ops });
    expect(byId(on.json.nextSteps)['s3-public-access-block']).toMatchObject({ status: 'pass', resources: [] });
  });

  it('--only leaves the next steps out (no extra calls for a single step)', async () => {
    const { ops } = await seed({ rootMfa: false });
    const r = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'billing-recovery'], {
      credentials: ops,
    });
    expect(r.json.nextSteps).toEqual([]);
    expect(r.json.apiCalls.byOperation['iam:GetCredentialReport']).toBeUndefined();
  });

  it('check --asff writes valid ASFF findings (owner-only) for the steps, their findings and the next steps', async () => {
    const { ops } = await seed({ rootMfa: false });
    const file = join(mkdtempSync(join(tmpdir(), 'rootlock-asff-')), 'findings.json');
    const r = await runRootlock(
      emu().endpoint,
      ['check', '--asff', file, '--regions', 'us-east-1', '--region', 'eu-west-1'],
      { credentials: ops },
    );
    expect(r.output.text).toContain(`Findings for AWS Security Hub (ASFF) written to ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const findings = JSON.parse(readFileSync(file, 'utf8')) as Array<Record<string, any>>;
    expect(Array.isArray(findings)).toBe(true);
    for (const f of findings) expect(validateAsffFinding(f)).toEqual([]);
    for (const f of findings) {
      expect(f.ProductArn).toBe(`arn:aws:securityhub:eu-west-1:${ACCT}:product/${ACCT}/default`);
      expect(f.AwsAccountId).toBe(ACCT);
    }
    const ids = findings.map((f) => f.Id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    const consoleMfa = findings.find((f) => f.GeneratorId === 'rootlock/next-steps/console-mfa')!;
    expect(consoleMfa).toMatchObject({
      Compliance: {
        Status: 'FAILED',
        RelatedRequirements: [
          'CIS AWS Foundations Benchmark v5.0.0/1.9',
          'CIS AWS Foundations Benchmark v6.0.0/2.9',
          'CIS AWS Foundations Benchmark v7.0.0/2.10',
          'CIS AWS Foundations Benchmark v3.0.0/1.10',
          'Security Hub IAM.5',
        ],
        SecurityControlId: 'IAM.5',
      },
      Resources: [{ Type: 'AwsIamUser', Id: userArn('carol'), Partition: 'aws', Region: 'eu-west-1' }],
      Types: ['Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark'],
      Severity: { Label: 'MEDIUM' },
    });
    const s3 = findings.find((f) => f.GeneratorId === 'rootlock/next-steps/s3-public-access-block')!;
    expect(s3.Compliance).toMatchObject({
      Status: 'FAILED',
      RelatedRequirements: expect.arrayContaining(['Security Hub S3.1', 'CIS AWS Foundations Benchmark v7.0.0/3.1.4']),
      SecurityControlId: 'S3.1',
    });
    const org = findings.find((f) => f.GeneratorId === 'rootlock/next-steps/organization-member')!;
    expect(org.Compliance).toEqual({
      Status: 'FAILED',
      RelatedRequirements: ['Security Hub Account.2'],
      SecurityControlId: 'Account.2',
    });
    expect(org.Severity).toEqual({ Label: 'HIGH' });
    // Each step appears as a whole.
    expect(
      findings.filter((f) => String(f.GeneratorId).startsWith('rootlock/step/')).map((f) => f.GeneratorId),
    ).toEqual([
      'rootlock/step/admins',
      'rootlock/step/ec2-roles',
      'rootlock/step/billing-recovery',
      'rootlock/step/root-keys',
    ]);
  });
});
