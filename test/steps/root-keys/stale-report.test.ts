/**
 * Verdicts that read the IAM credential report, while AWS answers GenerateCredentialReport with
 * the report it generated less than 4 hours ago (the root layer's credentialReportReuse): a report
 * that shows the account as it was before the changes under test. Each verdict must still be
 * right, and say that the report is older where it went by something fresher.
 */
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteAccessKeyCommand,
  EnableMFADeviceCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/engine/types.js';
import { assessRootKeys, reportDisagreement, type RootKeysState } from '../../../src/steps/root-keys/analysis.js';
import { createIamUserWithKey, MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { runRootlock } from '../../support/harness.js';
import { onboardingAnswers, seedAccount } from '../../resilience/support.js';
import { ACCT, ADMIN_POLICY, FAST, journalEntries, useProfile } from './support.js';

const emu = useEmulator({ credentialReportReuse: true, keyPropagationSeconds: 60 });
const layer = () => emu().layer;
const iam = (): IAMClient => testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS).iam;
const userArn = (name: string) => `arn:aws:iam::${ACCT}:user/${name}`;

type Item = { id: string; status: string; message: string; resources: string[] };

/** rootlock's clock, `minutes` ahead of the real one (and of the root layer's). */
const minutesAhead = (minutes: number): Clock => ({
  now: () => new Date(Date.now() + minutes * 60_000),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
});
type Finding = { id: string; kind: string; message: string };

async function consoleUser(name: string, opts: { admin?: boolean; mfa?: boolean } = {}): Promise<void> {
  await iam().send(new CreateUserCommand({ UserName: name }));
  await iam().send(new CreateLoginProfileCommand({ UserName: name, Password: `${name}-Password-000000` }));
  if (opts.admin) await iam().send(new AddUserToGroupCommand({ GroupName: 'Administrators', UserName: name }));
  if (opts.mfa) await enrolMfa(name);
}

async function enrolMfa(name: string): Promise<void> {
  const device = await iam().send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `${name}-mfa` }));
  await iam().send(
    new EnableMFADeviceCommand({
      UserName: name,
      SerialNumber: device.VirtualMFADevice!.SerialNumber!,
      AuthenticationCode1: '123456',
      AuthenticationCode2: '654321',
    }),
  );
}

describe('the credential report reused for 4 hours', () => {
  it('root keys just deleted and root MFA just enrolled: root-keys and root-mfa go by GetAccountSummary, and say why', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}], mfaEnabled: false });
    const admin = await createIamUserWithKey(emu().endpoint, 'ops', ADMIN_POLICY);
    const first = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'root-keys', ...FAST], {
      credentials: admin,
    });
    const generated = first.json.steps[0].details.reportGeneratedAt as string;
    expect(first.json.steps[0].details).toMatchObject({ keysPresent: true, keysSource: 'report' });

    // The root user deletes its key and enrols MFA; an hour later the report is still the one above.
    await testClients(emu().endpoint, keys[0]!).iam.send(
      new DeleteAccessKeyCommand({ AccessKeyId: keys[0]!.accessKeyId }),
    );
    layer().root(ACCT).mfaEnabled = true;
    layer().advanceClock(3600);

    const r = await runRootlock(emu().endpoint, ['check', '--json', ...FAST], { credentials: admin });
    const step = r.json.steps.find((s: { id: string }) => s.id === 'root-keys');
    expect(step.details.reportGeneratedAt).toBe(generated);
    expect(step).toMatchObject({ status: 'pass', summary: 'No root access keys.' });
    // The stale report's key is not listed as the account's.
    expect(step.details).toMatchObject({ keysPresent: false, keysSource: 'none', keys: [], mfaEnabled: true });
    const stale = step.findings.find((f: Finding) => f.id === 'root-keys.report-stale');
    expect(stale).toMatchObject({ kind: 'info' });
    expect(stale.message).toBe(
      `The credential report (generated ${generated}) shows 1 access key (1 active) and root MFA off, but ` +
        'GetAccountSummary says AccountAccessKeysPresent = 0 and AccountMFAEnabled = 1. AWS regenerates the report ' +
        'at most every 4 hours, so it can be up to 4 hours old: the immediate answer is the one that counts.',
    );
    const next = Object.fromEntries(r.json.nextSteps.map((i: Item) => [i.id, i])) as Record<string, Item>;
    expect(next['root-mfa']).toMatchObject({ status: 'pass', message: 'The root user has MFA.' });
  });

  it('admins just created and MFA just enrolled: admins and console-mfa read those users in IAM, and say why', async () => {
    layer().seedRoot(ACCT, { keys: [], mfaEnabled: true });
    await iam().send(new CreateGroupCommand({ GroupName: 'Administrators' }));
    await iam().send(new AttachGroupPolicyCommand({ GroupName: 'Administrators', PolicyArn: ADMIN_POLICY }));
    const ops = await createIamUserWithKey(emu().endpoint, 'ops', ADMIN_POLICY);
    await consoleUser('carol');
    const first = await runRootlock(emu().endpoint, ['check', '--json', ...FAST], { credentials: ops });
    const admins0 = first.json.steps.find((s: { id: string }) => s.id === 'admins');
    const generated = admins0.details.credentialReportGeneratedAt as string;
    expect(admins0.summary).toMatch(/^1 full admin \(ops\): at least 2 are needed/);
    expect(first.json.nextSteps.find((i: Item) => i.id === 'console-mfa')?.message).toBe(
      '1 console user without MFA: carol.',
    );

    // After the report: two admins with console passwords (one with MFA), and carol enrols MFA.
    await consoleUser('alice', { admin: true });
    await consoleUser('bob', { admin: true, mfa: true });
    await enrolMfa('carol');

    // Ten minutes later (rootlock's clock; AWS's report is the one above).
    const r = await runRootlock(emu().endpoint, ['check', '--json', ...FAST], {
      credentials: ops,
      deps: { clock: minutesAhead(10) },
    });
    const admins = r.json.steps.find((s: { id: string }) => s.id === 'admins');
    expect(admins.details.credentialReportGeneratedAt).toBe(generated);
    expect(admins.status).toBe('pass');
    expect(admins.summary).toMatch(/^3 full admins \(/);
    const byName = Object.fromEntries(
      admins.details.admins.map((a: { name: string; consoleAccess: boolean; mfa: boolean }) => [a.name, a]),
    );
    expect(byName.alice).toMatchObject({ consoleAccess: true, mfa: false });
    expect(byName.bob).toMatchObject({ consoleAccess: true, mfa: true });
    expect(admins.findings.find((f: Finding) => f.id === 'admins.report-stale')).toMatchObject({
      kind: 'info',
      message:
        `The credential report (generated ${generated}) is older than alice, bob: AWS regenerates it at most ` +
        'every 4 hours, so it can be up to 4 hours old, and rootlock read these users directly in IAM.',
    });
    expect(admins.findings.filter((f: Finding) => f.id === 'admins.no-mfa').map((f: Finding) => f.message)).toEqual([
      'Admin ops has no MFA device.',
      'Admin alice can sign in to the console without MFA.',
    ]);

    const consoleMfa = r.json.nextSteps.find((i: Item) => i.id === 'console-mfa') as Item;
    expect(consoleMfa).toMatchObject({ status: 'fail', resources: [userArn('alice')] });
    expect(consoleMfa.message).toBe(
      `1 console user without MFA: alice. The credential report (generated ${generated}) is older than changes ` +
        'to alice, bob, carol: AWS regenerates it at most every 4 hours, so it can be up to 4 hours old, and ' +
        'rootlock read these users directly in IAM.',
    );

    // Four hours after it was generated, AWS makes a new report, which shows them all as they are.
    layer().advanceClock(4 * 3600);
    const later = await runRootlock(emu().endpoint, ['check', '--json', ...FAST], { credentials: ops });
    const admins2 = later.json.steps.find((s: { id: string }) => s.id === 'admins');
    expect(admins2.details.credentialReportGeneratedAt).not.toBe(generated);
    expect(admins2.findings.some((f: Finding) => f.id === 'admins.report-stale')).toBe(false);
    expect(later.json.nextSteps.find((i: Item) => i.id === 'console-mfa')?.message).toBe(
      '1 console user without MFA: alice.',
    );
  });

  it('onboarding as root handed to an admin, own root key deleted: the admin reads the next steps, nothing signs with the root key', async () => {
    const acct = await seedAccount(emu());
    const restore = useProfile('admin', acct.firstAdmin);
    let r;
    try {
      r = await runRootlock(emu().endpoint, [...FAST, '--verify-profile', 'admin'], {
        credentials: acct.root,
        answers: {
          ...onboardingAnswers(acct.instanceIds),
          'root-keys.session-key': 'delete',
          'session.admin-profile': 'admin',
        },
      });
    } finally {
      restore();
    }
    const own = acct.root.accessKeyId;
    const reqs = layer().requests;
    const removed = reqs.findIndex(
      (q) => q.operation === 'DeleteAccessKey' && q.params.AccessKeyId === own && (q.status ?? 0) < 300,
    );
    expect(removed).toBeGreaterThan(0);
    expect(reqs.slice(removed + 1).filter((q) => q.accessKeyId === own)).toEqual([]);
    expect(layer().root(ACCT).rootKeys).toEqual([]);
    // The next steps were read by the admin, after the removal, from the report of the session's start.
    const after = reqs.slice(removed + 1);
    expect(
      after.some((q) => q.operation === 'GetPublicAccessBlock' && q.accessKeyId === acct.firstAdmin.accessKeyId),
    ).toBe(true);
    expect(r.output.text).toContain('Verified with profile admin');
    expect(r.output.text).toContain('Root access keys: PASS: No root access keys.');
    const next = journalEntries(r.journalPath).find((e) => e.type === 'next-steps')?.items as Item[];
    const consoleMfa = next.find((i) => i.id === 'console-mfa')!;
    // second-admin (created in this session, after the report) has a console password and no MFA yet.
    expect(consoleMfa).toMatchObject({ status: 'fail', resources: [userArn('second-admin')] });
    expect(consoleMfa.message).toMatch(
      /^1 console user without MFA: second-admin\. The credential report \(generated [^)]+\) is older than changes to second-admin: /,
    );
    expect(next.find((i) => i.id === 'root-mfa')).toMatchObject({ status: 'fail' });
    expect(r.code).toBe(0);
  });
});

describe('reportDisagreement', () => {
  const base: RootKeysState = {
    now: new Date('2026-11-28T12:00:00Z'),
    path: 'console',
    pathReason: 'because',
    account: ACCT,
    sessionAccount: ACCT,
    callerType: 'iam-user',
    temporary: false,
    keys: [],
    keysSource: 'none',
    prerequisites: [],
    reactivated: [],
  };
  const report = { generatedAt: new Date('2026-11-28T09:00:00Z'), keys: [], mfaActive: false };

  it('names root MFA enrolled after the report (the summary counts), alone or with the keys', () => {
    const mfaOnly = { ...base, summary: { keysPresent: false, mfaEnabled: true }, report };
    expect(reportDisagreement(mfaOnly)).toBe(
      'The credential report (generated 2026-11-28T09:00:00.000Z) shows root MFA off, but GetAccountSummary says ' +
        'AccountMFAEnabled = 1. AWS regenerates the report at most every 4 hours, so it can be up to 4 hours old: ' +
        'the immediate answer is the one that counts.',
    );
    expect(assessRootKeys(mfaOnly).findings.some((f) => f.id === 'root-keys.no-mfa')).toBe(false);
    const listed = {
      ...base,
      path: 'root-own' as const,
      keysSource: 'api' as const,
      keys: [{ id: 'AKIAAAAAAAAAAAAA1111', active: false, sessionKey: false }],
      summary: { keysPresent: true, mfaEnabled: true },
      report: { ...report, keys: [{ slot: 1 as const, active: true, sessionKey: false }] },
    };
    expect(reportDisagreement(listed)).toContain(
      'shows 1 access key (1 active) and root MFA off, but IAM lists 1 access key (1 inactive), and ' +
        'GetAccountSummary says AccountMFAEnabled = 1.',
    );
    expect(reportDisagreement({ ...mfaOnly, report: { ...report, mfaActive: true } })).toBeUndefined();
  });
});
