/**
 * Every kind of member root credential, against the emulator: from the management account, the
 * IAMAuditRootUserCredentials session reads access keys, X.509 signing certificates, the console
 * password and MFA devices (the root layer serves them for AssumeRoot sessions); `check --org`'s
 * member contexts (options.orgMember) leave out the management account's own GetAccountSummary.
 */
import { EnableOrganizationsRootCredentialsManagementCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { AccountReads } from '../../../src/aws/reads.js';
import { assessRootKeys } from '../../../src/steps/root-keys/analysis.js';
import { readState } from '../../../src/steps/root-keys/read.js';
import { createIamUserWithKey, testClients } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { mutatingRequests, runRootlock } from '../../support/harness.js';
import type { SeedRootOptions } from '../../support/root-layer.js';
import { ADMIN_POLICY, FAST, makeOrganization, stepContext } from './support.js';

const emu = useEmulator({ keyPropagationSeconds: 60, credentialReportReuse: true });
const layer = () => emu().layer;

/** The root layer's seedRoot options for a member root user's other credentials. */
const EVERYTHING: SeedRootOptions = {
  keys: [{}],
  certificates: [{ status: 'Active' }, { status: 'Inactive' }],
  password: true,
  mfaDevices: [{ kind: 'virtual' }, { kind: 'hardware' }, { kind: 'fido' }],
};

/** An organization with centralized root access on, and an admin of its management account. */
async function organization() {
  const { memberId } = await makeOrganization(emu().endpoint, { trustedIam: true });
  const admin = await createIamUserWithKey(emu().endpoint, 'org-admin', ADMIN_POLICY);
  await testClients(emu().endpoint, admin).iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
  return { memberId, admin };
}

describe('root-keys: every kind of member root credential (centralized root access)', () => {
  it('check reads keys, certificates, password and MFA devices in the audit session and fails on keys and certificates', async () => {
    const { memberId, admin } = await organization();
    layer().seedRoot(memberId, EVERYTHING);
    const start = layer().requests.length;
    const r = await runRootlock(
      emu().endpoint,
      ['check', '--json', '--only', 'root-keys', ...FAST, '--target-account', memberId],
      { credentials: admin },
    );
    const sent = layer().requests.slice(start);
    expect(mutatingRequests(sent)).toEqual([]);
    const s = r.json.steps[0];
    expect(s.status).toBe('fail');
    expect(s.summary).toBe(
      `The root user has 1 access key (1 active) and 2 signing certificates (1 active, 1 inactive) in member ` +
        `account ${memberId}. The root user has a console password and 3 MFA devices ` +
        '(1 virtual, 1 FIDO security key or passkey, 1 hardware TOTP).',
    );
    expect(s.details.memberCredentials).toEqual({
      accessKeys: 1,
      certificates: 2,
      password: true,
      mfaDevices: expect.arrayContaining([
        { kind: 'virtual', serial: expect.stringContaining(':mfa/') },
        { kind: 'fido', serial: expect.stringContaining(':u2f/') },
        { kind: 'hardware', serial: expect.not.stringMatching(/^arn:/) },
      ]),
    });
    expect(s.details.memberCredentials.mfaDevices).toHaveLength(3);
    const ids = s.findings.map((f: { id: string }) => f.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'root-keys.present',
        'root-keys.certificates',
        'root-keys.member-password',
        'root-keys.member-mfa',
      ]),
    );
    expect(ids).not.toContain('root-keys.member-mfa-not-checked');
    expect(ids).not.toContain('root-keys.member-unreadable');
    // All four reads went to the member in the short root session, without UserName.
    const member = sent.filter((q) =>
      ['ListAccessKeys', 'ListSigningCertificates', 'GetLoginProfile', 'ListMFADevices'].includes(q.operation),
    );
    expect(member.map((q) => q.operation).sort()).toEqual([
      'GetLoginProfile',
      'ListAccessKeys',
      'ListMFADevices',
      'ListSigningCertificates',
    ]);
    for (const q of member) {
      expect(q.accessKeyId, q.operation).toMatch(/^ASIA/);
      expect(q.status, q.operation).toBe(200);
      expect(q.params.UserName, q.operation).toBeUndefined();
    }
    const assumed = sent.filter((q) => q.operation === 'AssumeRoot' && q.status === 200);
    expect(assumed.map((q) => String(q.params['TaskPolicyArn.arn']).split('/').pop())).toEqual([
      'IAMAuditRootUserCredentials',
    ]);
  });

  it('passes a member with no root credentials at all, root MFA not applicable', async () => {
    const { memberId, admin } = await organization();
    layer().seedRoot(memberId, { keys: [] });
    const r = await runRootlock(
      emu().endpoint,
      ['check', '--json', '--only', 'root-keys', ...FAST, '--target-account', memberId],
      { credentials: admin },
    );
    const s = r.json.steps[0];
    expect(s.status).toBe('pass');
    expect(s.summary).toBe(
      `No root access keys in member account ${memberId}. No other root credentials either (signing ` +
        'certificates, console password, MFA devices): root MFA is not applicable.',
    );
    expect(s.details.memberCredentials).toEqual({ accessKeys: 0, certificates: 0, password: false, mfaDevices: [] });
    expect(s.findings.map((f: { id: string }) => f.id)).toContain('root-keys.member-mfa-not-applicable');
  });

  it('a check --org member context skips the management account GetAccountSummary, and shares ListOrganizationsFeatures', async () => {
    const { memberId, admin } = await organization();
    layer().seedRoot(memberId, EVERYTHING);
    const { ctx } = await stepContext(emu().endpoint, admin, { targetAccount: memberId });
    const parent = new AccountReads(ctx.pool, ctx.clock);
    const start = layer().requests.length;
    for (let i = 0; i < 2; i++) {
      const member = { ...ctx, reads: parent.scoped(), options: { ...ctx.options, orgMember: true } };
      if (i === 0) await parent.organizationsFeatures();
      const a = assessRootKeys(await readState(member));
      expect(a.status).toBe('fail');
      expect(a.findings.map((f) => f.id)).not.toContain('root-keys.session-account-keys');
      expect(a.details.memberCredentials).toMatchObject({ accessKeys: 1, certificates: 2, password: true });
    }
    const ops = layer()
      .requests.slice(start)
      .map((q) => q.operation);
    expect(ops).not.toContain('GetAccountSummary');
    expect(ops.filter((o) => o === 'ListOrganizationsFeatures')).toHaveLength(1);
  });
});
