/**
 * The root user's X.509 signing certificates against the emulator (moto + root layer, item 11:
 * ListSigningCertificates / UpdateSigningCertificate / DeleteSigningCertificate without UserName,
 * GetAccountSummary's AccountSigningCertificatesPresent and the report's cert_* columns): found by
 * `check` on every path, removed by the wizard like keys (deactivate, then delete; deleted in an
 * AssumeRoot session for a member account), AWS state asserted afterwards; a dry run sends nothing.
 */
import {
  DeleteSigningCertificateCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
  GetAccountSummaryCommand,
  ListSigningCertificatesCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { createIamUserWithKey, testClients, type TestCredentials } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { AffirmativePrompter, mutatingRequests, RecordingOutput, runRootlock } from '../../support/harness.js';
import { ACCT, ADMIN_POLICY, FAST, HookedPrompter, makeOrganization, useProfile } from './support.js';

const emu = useEmulator({ keyPropagationSeconds: 60, credentialReportReuse: true });
const layer = () => emu().layer;
const certs = (account = ACCT) =>
  layer()
    .root(account)
    .certificates.map((c) => ({ id: c.certificateId, status: c.status }));
/** One active and one inactive root certificate (in this order), and the root user's keys. */
const seed = (keys: number, account = ACCT) =>
  layer().seedRoot(account, {
    keys: Array.from({ length: keys }, () => ({})),
    certificates: [{ status: 'Active' }, { status: 'Inactive' }],
    mfaEnabled: true,
  });
/** What GetAccountSummary says, asked with `creds`. */
async function summary(creds: TestCredentials): Promise<Record<string, number>> {
  return (await testClients(emu().endpoint, creds).iam.send(new GetAccountSummaryCommand({}))).SummaryMap ?? {};
}
/** Mutating requests: operation, the certificate or key named, the status sent and the signer. */
const mutations = (from = 0) =>
  layer()
    .requests.slice(from)
    .filter((r) => mutatingRequests([r]).length > 0)
    .map((r) => ({
      op: r.operation,
      id: r.params.CertificateId ?? r.params.AccessKeyId,
      status: r.params.Status,
      signer: r.accessKeyId,
      http: r.status,
    }));

describe('root-keys: the root user X.509 signing certificates', () => {
  it('check finds them as root (listed, ids in details) and as an IAM principal (GetAccountSummary and the report); sends nothing', async () => {
    const { keys } = seed(1);
    const [a, b] = certs();
    const start = layer().requests.length;
    const asRoot = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'root-keys', ...FAST], {
      credentials: keys[0]!,
    });
    const s = asRoot.json.steps[0];
    expect(s.status).toBe('fail');
    expect(asRoot.code).toBe(1);
    expect(s.summary).toBe(
      'The root user has 1 access key (1 active) and 2 signing certificates (1 active, 1 inactive).',
    );
    expect(s.details).toMatchObject({
      path: 'root-own',
      certificatesPresent: true,
      certificatesSource: 'api',
      certificates: [
        { id: a!.id, active: true },
        { id: b!.id, active: false },
      ],
    });
    const f = s.findings.find((x: { id: string }) => x.id === 'root-keys.certificates');
    expect(f).toMatchObject({ kind: 'fail', controls: expect.arrayContaining(['Security Hub IAM.4']) });
    expect(f.message).toContain(a!.id);
    expect(f.message).toContain('API credentials too');
    // Listed by the root user itself, without UserName.
    const listed = layer()
      .requests.slice(start)
      .filter((q) => q.operation === 'ListSigningCertificates');
    expect(listed.map((q) => [q.accessKeyId, q.status, q.params.UserName])).toEqual([
      [keys[0]!.accessKeyId, 200, undefined],
    ]);

    const admin = await createIamUserWithKey(emu().endpoint, 'admin', ADMIN_POLICY);
    const asAdmin = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'root-keys', ...FAST], {
      credentials: admin,
    });
    const c = asAdmin.json.steps[0];
    expect(c.status).toBe('fail');
    expect(c.details).toMatchObject({
      path: 'console',
      certificatesPresent: true,
      certificatesSource: 'report',
      certificates: [
        { id: null, slot: 1, active: true },
        { id: null, slot: 2, active: false },
      ],
    });
    const g = c.findings.find((x: { id: string }) => x.id === 'root-keys.certificates');
    expect(g.remediation).toContain('X.509 certificates');
    expect(g.remediation).toContain('aws iam delete-signing-certificate --certificate-id');
    const signers = [keys[0]!.accessKeyId, admin.accessKeyId];
    expect(
      mutatingRequests(
        layer()
          .requests.slice(start)
          .filter((q) => signers.includes(q.accessKeyId)),
      ),
    ).toEqual([]);
    expect(certs().map((x) => x.status)).toEqual(['Active', 'Inactive']);
  });

  it('the wizard deactivates the active certificate, deletes both, then the session key; passes only when none remain', async () => {
    const { keys } = seed(1);
    const [a, b] = certs();
    const own = keys[0]!;
    const verifier = await createIamUserWithKey(emu().endpoint, 'verifier', ADMIN_POLICY);
    const restore = useProfile('verifier', verifier);
    const start = layer().requests.length;
    let r;
    try {
      r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST, '--verify-profile', 'verifier'], {
        credentials: own,
        answers: {
          'root-keys.override': ACCT,
          'root-keys.active': 'deactivate',
          'root-keys.apply': true,
          'root-keys.inactive': 'delete',
          'root-keys.session-key': 'delete',
        },
      });
    } finally {
      restore();
    }
    // AWS state: no certificate and no key left.
    expect(certs()).toEqual([]);
    expect(layer().root(ACCT).rootKeys).toEqual([]);
    expect(await summary(verifier)).toMatchObject({
      AccountSigningCertificatesPresent: 0,
      AccountAccessKeysPresent: 0,
    });
    expect(r.code).toBe(0);
    expect(mutations(start)).toEqual([
      { op: 'UpdateSigningCertificate', id: a!.id, status: 'Inactive', signer: own.accessKeyId, http: 200 },
      { op: 'DeleteSigningCertificate', id: a!.id, status: undefined, signer: own.accessKeyId, http: 200 },
      { op: 'DeleteSigningCertificate', id: b!.id, status: undefined, signer: own.accessKeyId, http: 200 },
      { op: 'DeleteAccessKey', id: own.accessKeyId, status: undefined, signer: own.accessKeyId, http: 200 },
    ]);
    // The same questions as keys, in the same order; every round confirmed.
    expect(r.prompter.asked.map((q) => q.id)).toEqual([
      'root-keys.override',
      'root-keys.active',
      'root-keys.apply',
      'root-keys.inactive',
      'root-keys.apply',
      'root-keys.session-key',
      'root-keys.apply',
    ]);
    expect(r.prompter.asked.find((q) => q.id === 'root-keys.active')?.message).toContain(
      `signing certificate ${a!.id}`,
    );
    expect(r.output.text).toContain('Root X.509 signing certificates of account');
    expect(r.output.text).toContain(`Deactivate root signing certificate ${a!.id}`);
    expect(r.output.text).toContain('Root access keys: PASS: No root access keys.');
  });

  it('"delete now" removes the certificates with the other key; verified by the root user: ListSigningCertificates empty', async () => {
    const { keys } = seed(2);
    const [own, other] = keys as [TestCredentials, TestCredentials];
    const [a, b] = certs();
    const start = layer().requests.length;
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: own,
      answers: {
        'root-keys.override': ACCT,
        'root-keys.active': 'delete',
        'root-keys.apply': true,
        'root-keys.session-key': 'stop',
      },
    });
    expect(mutations(start).map((m) => [m.op, m.id, m.http])).toEqual([
      ['DeleteSigningCertificate', a!.id, 200],
      ['DeleteSigningCertificate', b!.id, 200],
      ['DeleteAccessKey', other.accessKeyId, 200],
    ]);
    expect(mutations(start).some((m) => m.op === 'UpdateSigningCertificate')).toBe(false);
    const listed = await testClients(emu().endpoint, own).iam.send(new ListSigningCertificatesCommand({}));
    expect(listed.Certificates).toEqual([]);
    expect(await summary(own)).toMatchObject({ AccountSigningCertificatesPresent: 0, AccountAccessKeysPresent: 1 });
    // The step still fails, on the key left (the session's own) only: the re-read found no certificate.
    expect(r.code).toBe(1);
    expect(r.output.text).toContain('Root access keys: FAIL: The root user has 1 access key (1 active).');
    expect(
      layer()
        .root(ACCT)
        .rootKeys.map((k) => k.accessKeyId),
    ).toEqual([own.accessKeyId]);
  });

  it('a certificate deleted between plan and apply (in the console) counts as done, and the step says so', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}], certificates: [{ status: 'Inactive' }], mfaEnabled: true });
    const [cert] = certs();
    const prompter = new HookedPrompter(
      {
        'root-keys.override': ACCT,
        'root-keys.inactive': 'delete',
        'root-keys.apply': true,
        'root-keys.session-key': 'stop',
      },
      {
        'root-keys.apply': async (n) => {
          if (n === 1)
            await testClients(emu().endpoint, keys[0]!).iam.send(
              new DeleteSigningCertificateCommand({ CertificateId: cert!.id }),
            );
        },
      },
    );
    const output = new RecordingOutput();
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: keys[0]!,
      deps: { ui: { output, prompter, close: () => {} } },
    });
    expect(certs()).toEqual([]);
    expect(output.text).toContain(
      `Root signing certificate ${cert!.id} no longer existed when rootlock sent the call (NoSuchEntity`,
    );
    expect(output.text).toContain('Root access keys: FAIL: The root user has 1 access key (1 active).');
    expect(r.code).toBe(1);
  });

  it('dry-run shows every certificate call with the key calls (session key last) and sends none', async () => {
    const { keys } = seed(1);
    const [a, b] = certs();
    const output = new RecordingOutput();
    const start = layer().requests.length;
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST, '--dry-run'], {
      credentials: keys[0]!,
      deps: { ui: { output, prompter: new AffirmativePrompter(), close: () => {} } },
    });
    expect(mutatingRequests(layer().requests.slice(start))).toEqual([]);
    expect(certs().map((c) => c.status)).toEqual(['Active', 'Inactive']);
    expect(r.code).toBe(1);
    expect(output.lines.filter((l) => /^ {4}iam:/.test(l)).map((l) => l.trim())).toEqual([
      `iam:UpdateSigningCertificate {"CertificateId":"${a!.id}","Status":"Inactive"}`,
      `iam:DeleteSigningCertificate {"CertificateId":"${a!.id}"}`,
      `iam:DeleteSigningCertificate {"CertificateId":"${b!.id}"}`,
      `iam:DeleteAccessKey {"AccessKeyId":"${keys[0]!.accessKeyId}"}`,
    ]);
    expect(output.text).toContain('Dry run: 4 changes shown, none sent.');
  });

  it('console path: guides the X.509 certificates section and re-checks AccountSigningCertificatesPresent until none is left', async () => {
    layer().seedRoot(ACCT, { keys: [], certificates: [{ status: 'Inactive' }], mfaEnabled: true });
    const admin = await createIamUserWithKey(emu().endpoint, 'admin', ADMIN_POLICY);
    const prompter = new HookedPrompter(
      { 'root-keys.override': ACCT, 'root-keys.recheck': 'check' },
      {
        // Between the first and the second "check again", the operator deletes the certificate in the console.
        'root-keys.recheck': (n) => {
          if (n === 2) layer().root(ACCT).certificates = [];
        },
      },
    );
    const output = new RecordingOutput();
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: admin,
      deps: { ui: { output, prompter, close: () => {} } },
    });
    expect(prompter.asked.filter((q) => q.id === 'root-keys.recheck')).toHaveLength(2);
    expect(prompter.asked.find((q) => q.id === 'root-keys.recheck')?.message).toBe(
      'Check again whether the root user still has signing certificates?',
    );
    expect(output.text).toContain('Remove the root signing certificates in the console');
    expect(output.text).toContain('Under X.509 certificates');
    expect(output.text).toContain('aws iam delete-signing-certificate --certificate-id ID');
    expect(output.text).toContain(
      'AWS still reports root signing certificates (AccountSigningCertificatesPresent = 1)',
    );
    expect(output.text).toContain(
      'AWS reports no root access keys and no signing certificates now (AccountAccessKeysPresent = 0, ' +
        'AccountSigningCertificatesPresent = 0).',
    );
    expect(output.text).toContain('Root access keys: PASS: No root access keys.');
    expect(r.code).toBe(0);
    expect(await summary(admin)).toMatchObject({ AccountSigningCertificatesPresent: 0 });
    expect(mutatingRequests(layer().requests.filter((q) => q.accessKeyId === admin.accessKeyId))).toEqual([]);
  });

  it('member account (--target-account): deletes them in an IAMDeleteRootUserCredentials session, verified by a re-read in the audit session', async () => {
    const { memberId } = await makeOrganization(emu().endpoint, { trustedIam: true });
    const admin = await createIamUserWithKey(emu().endpoint, 'org-admin', ADMIN_POLICY);
    await testClients(emu().endpoint, admin).iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
    layer().seedRoot(memberId, { keys: [], certificates: [{ status: 'Active' }, { status: 'Inactive' }] });
    const ids = certs(memberId).map((c) => c.id);
    const start = layer().requests.length;
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST, '--target-account', memberId], {
      credentials: admin,
      answers: { 'root-keys.override': memberId, 'root-keys.apply': true },
    });
    expect(certs(memberId)).toEqual([]);
    expect(r.code).toBe(0);
    const sent = layer().requests.slice(start);
    expect(mutatingRequests(sent)).toEqual(['iam:DeleteSigningCertificate', 'iam:DeleteSigningCertificate']);
    const deletes = sent.filter((q) => q.operation === 'DeleteSigningCertificate');
    expect(deletes.map((q) => q.params.CertificateId).sort()).toEqual([...ids].sort());
    for (const d of deletes) {
      expect(d.accessKeyId).toMatch(/^ASIA/);
      expect(d.status).toBe(200);
      expect(d.params.UserName).toBeUndefined();
    }
    const tasks = sent
      .filter((q) => q.operation === 'AssumeRoot' && q.status === 200)
      .map((q) => String(q.params['TaskPolicyArn.arn']).split('/').pop());
    expect(tasks).toContain('IAMDeleteRootUserCredentials');
    expect(tasks).toContain('IAMAuditRootUserCredentials');
    // Verified afterwards by the audit session (not the delete session): it listed no certificate.
    const after = sent.slice(sent.lastIndexOf(deletes.at(-1)!) + 1);
    const reread = after.filter((q) => q.operation === 'ListSigningCertificates');
    expect(reread.length).toBeGreaterThan(0);
    for (const q of reread) {
      expect(q.status).toBe(200);
      expect(q.accessKeyId).toMatch(/^ASIA/);
      expect(q.accessKeyId).not.toBe(deletes[0]!.accessKeyId);
    }
    expect(r.output.text).toContain('Likewise iam:DeleteSigningCertificate but not iam:UpdateSigningCertificate');
    expect(r.output.text).toContain(`PASS: No root access keys in member account ${memberId}.`);
    expect(r.output.text).not.toContain('removes only access keys');
  });
});
