/**
 * `rootlock check --only root-keys`: everything reported, no prompts, nothing sent.
 */
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../../support/emulator.js';
import { mutatingRequests, runRootlock } from '../../support/harness.js';
import { ACCT, FAST } from './support.js';

const emu = useEmulator({ keyPropagationSeconds: 60, credentialReportReuse: true });
const layer = () => emu().layer;

describe('root-keys in check mode', () => {
  it('reports keys (masked), last use, age, MFA, path, report time and prerequisites; asks and sends nothing', async () => {
    const used = new Date(Date.now() - 40 * 86_400_000);
    const created = new Date(Date.now() - 400 * 86_400_000);
    const { keys } = layer().seedRoot(ACCT, {
      keys: [
        { createDate: new Date(Date.now() - 2 * 86_400_000) },
        { status: 'Inactive', createDate: created, lastUsed: { date: used, region: 'ap-south-1', service: 'ec2' } },
      ],
      mfaEnabled: false,
      passwordLastUsed: new Date(Date.now() - 86_400_000),
    });
    const r = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'root-keys', ...FAST], {
      credentials: keys[0]!,
    });
    expect(r.prompter.asked).toEqual([]);
    expect(mutatingRequests(layer().requests)).toEqual([]);
    expect(r.code).toBe(1);
    const s = r.json.steps[0];
    expect(s).toMatchObject({
      id: 'root-keys',
      status: 'fail',
      summary: 'The root user has 2 access keys (1 active, 1 inactive). Root MFA is off.',
    });
    const mask = (id: string) => `${id.slice(0, 4)}${'*'.repeat(12)}${id.slice(-4)}`;
    expect(s.details.keys).toEqual([
      {
        id: mask(keys[0]!.accessKeyId),
        active: true,
        lastUsed: expect.any(String),
        lastUsedService: 'iam',
        lastUsedRegion: 'us-east-1',
        ageDays: 2,
        sessionKey: true,
        // This session's own calls, in CloudTrail event history (the root layer's, behaviour 20).
        usage: expect.objectContaining({ status: 'read', region: 'us-east-1' }),
      },
      {
        id: mask(keys[1]!.accessKeyId),
        active: false,
        lastUsed: new Date(Math.floor(used.getTime() / 1000) * 1000).toISOString(),
        lastUsedService: 'ec2',
        lastUsedRegion: 'ap-south-1',
        ageDays: 400,
        sessionKey: false,
        // Looked up where it was last used; the seeded last use has no events behind it.
        usage: expect.objectContaining({ status: 'read', region: 'ap-south-1', events: 0 }),
      },
    ]);
    expect(s.details).toMatchObject({
      path: 'root-own',
      account: ACCT,
      keysPresent: true,
      keysSource: 'api',
      mfaEnabled: false,
    });
    expect(s.details.reportGeneratedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(s.details.passwordLastUsed).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(s.details.prerequisites.map((p: { id: string; source: string }) => [p.id, p.source])).toEqual([
      ['admins', 'assessed-here'],
      ['ec2-roles', 'assessed-here'],
      ['billing-recovery', 'assessed-here'],
    ]);
    const byId = Object.fromEntries(s.findings.map((f: { id: string }) => [f.id, f]));
    expect(byId['root-keys.present'].controls).toEqual([
      'CIS v5.0.0 1.3',
      'CIS v6.0.0 2.3',
      'CIS v7.0.0 2.4',
      'CIS v3.0.0 1.4',
      'Security Hub IAM.4',
    ]);
    expect(byId['root-keys.no-mfa']).toMatchObject({
      kind: 'warn',
      controls: ['CIS v5.0.0 1.4', 'CIS v6.0.0 2.4', 'CIS v7.0.0 2.5', 'CIS v3.0.0 1.5', 'Security Hub IAM.9'],
    });
    expect(JSON.stringify(r.json)).not.toContain(keys[1]!.accessKeyId);
    expect(JSON.stringify(r.json)).not.toContain(keys[0]!.secretAccessKey);
  });

  it('passes with no root keys and MFA on (as an IAM principal, from GetAccountSummary and the report)', async () => {
    layer().seedRoot(ACCT, { keys: [], mfaEnabled: true });
    const r = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'root-keys', ...FAST], {
      credentials: { accessKeyId: 'AKIAMOTOBOOTSTRAP000', secretAccessKey: 'motobootstrapsecretmotobootstrapsecret00' },
    });
    const s = r.json.steps[0];
    expect(s).toMatchObject({
      status: 'pass',
      summary: 'No root access keys.',
      details: { path: 'console', keysPresent: false, keys: [], mfaEnabled: true },
    });
    expect(mutatingRequests(layer().requests)).toEqual([]);
  });

  it('passes with no root keys and MFA off: MFA is a warning with its controls, exit code 0', async () => {
    layer().seedRoot(ACCT, { keys: [], mfaEnabled: false });
    const r = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'root-keys', ...FAST], {
      credentials: { accessKeyId: 'AKIAMOTOBOOTSTRAP000', secretAccessKey: 'motobootstrapsecretmotobootstrapsecret00' },
    });
    const s = r.json.steps[0];
    expect(s).toMatchObject({
      id: 'root-keys',
      status: 'pass',
      summary: 'No root access keys. Root MFA is off.',
      details: { path: 'console', keysPresent: false, keys: [], mfaEnabled: false },
    });
    expect(s.findings.filter((f: { kind: string }) => f.kind === 'fail')).toEqual([]);
    expect(s.findings.find((f: { id: string }) => f.id === 'root-keys.no-mfa')).toMatchObject({
      kind: 'warn',
      severity: 'critical',
      resource: `arn:aws:iam::${ACCT}:root`,
      controls: ['CIS v5.0.0 1.4', 'CIS v6.0.0 2.4', 'CIS v7.0.0 2.5', 'CIS v3.0.0 1.5', 'Security Hub IAM.9'],
    });
    expect(r.code).toBe(0);
    expect(mutatingRequests(layer().requests)).toEqual([]);
  });
});
