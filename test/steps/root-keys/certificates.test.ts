/**
 * The root user's X.509 signing certificates, pure: read from the credential report, judged on
 * every path (GetAccountSummary first, then a listing or the report), planned like keys
 * (deactivate, then delete; delete only in an AssumeRoot session) and read back after a lost answer.
 */
import { describe, expect, it } from 'vitest';
import type { ReadCall } from '../../../src/aws/read-back.js';
import {
  assessRootKeys,
  certificatesPresent,
  describeCertificate,
  reportCertificates,
  rootRowFromReport,
  type Prerequisite,
  type RootCertificate,
  type RootKey,
  type RootKeysState,
} from '../../../src/steps/root-keys/analysis.js';
import { KEY_CONTROLS } from '../../../src/steps/root-keys/meta.js';
import { buildPlan, planAhead } from '../../../src/steps/root-keys/plan.js';
import {
  readBackDeleteSigningCertificate,
  readBackUpdateSigningCertificate,
} from '../../../src/steps/root-keys/read-back.js';

const ACCT = '123456789012';
const MEMBER = '210987654321';
const NOW = new Date('2026-11-28T12:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
const CERT_A = 'CERTAAAAAAAAAAAAAAAAAAAAAAAA';
const CERT_B = 'CERTBBBBBBBBBBBBBBBBBBBBBBBB';
const OWN = 'AKIAOWNOWNOWNOWN0001';

const READY: Prerequisite[] = [
  { id: 'admins', title: 'Administrators', status: 'pass', summary: 'ok', source: 'session' },
  { id: 'ec2-roles', title: 'EC2 instance roles', status: 'pass', summary: 'ok', source: 'session' },
  { id: 'billing-recovery', title: 'Billing and recovery', status: 'manual', summary: 'attest', source: 'session' },
];

const active: RootCertificate & { id: string } = { id: CERT_A, active: true, uploadedAt: daysAgo(10) };
const inactive: RootCertificate & { id: string } = { id: CERT_B, active: false, uploadedAt: daysAgo(400) };
const ownKey: RootKey = { id: OWN, active: true, sessionKey: true };

function state(over: Partial<RootKeysState> = {}): RootKeysState {
  return {
    now: NOW,
    path: 'root-own',
    pathReason: 'because',
    account: ACCT,
    sessionAccount: ACCT,
    callerType: 'root',
    temporary: false,
    keys: [],
    keysSource: 'api',
    prerequisites: READY,
    reactivated: [],
    summary: { keysPresent: false, mfaEnabled: true, certificatesPresent: false },
    ...over,
  };
}

const ids = (a: ReturnType<typeof assessRootKeys>) => a.findings.map((f) => f.id);
const certFinding = (a: ReturnType<typeof assessRootKeys>) => a.findings.find((f) => f.id === 'root-keys.certificates');

describe('reportCertificates / rootRowFromReport', () => {
  it('reads cert_1 and cert_2 like key slots: active, or inactive with a rotation date; a deleted one is left out', () => {
    const row = {
      user: '<root_account>',
      cert_1_active: 'true',
      cert_1_last_rotated: '2025-05-06T07:08:09+00:00',
      cert_2_active: 'false',
      cert_2_last_rotated: '2024-01-02T00:00:00+00:00',
    };
    expect(reportCertificates(row)).toEqual([
      { slot: 1, active: true, uploadedAt: new Date('2025-05-06T07:08:09Z') },
      { slot: 2, active: false, uploadedAt: new Date('2024-01-02T00:00:00Z') },
    ]);
    expect(reportCertificates({ ...row, cert_2_last_rotated: 'N/A' })).toHaveLength(1);
    expect(reportCertificates({ cert_1_active: 'false', cert_1_last_rotated: 'N/A' })).toEqual([]);
    expect(rootRowFromReport({ rows: [row] })?.certificates).toHaveLength(2);
    // A report without the columns says nothing about certificates (not "none").
    expect(rootRowFromReport({ rows: [{ user: '<root_account>' }] })?.certificates).toBeUndefined();
  });

  it('describes a certificate by id (no secret) or report column', () => {
    expect(describeCertificate(active, NOW)).toBe(
      `signing certificate ${CERT_A}, active, uploaded ${daysAgo(10).toISOString().slice(0, 10)} (10 days ago)`,
    );
    expect(describeCertificate({ slot: 2, active: false }, NOW)).toBe('signing certificate 2, inactive');
  });
});

describe('certificatesPresent', () => {
  it('goes by GetAccountSummary first (not on the organizations path), then a listing or the report', () => {
    // The summary is the immediate answer: a listing that is older (or a report) does not override it.
    expect(certificatesPresent(state({ certificates: [active], certificatesSource: 'api' }))).toBe(false);
    expect(
      certificatesPresent(state({ summary: { keysPresent: false, mfaEnabled: true, certificatesPresent: true } })),
    ).toBe(true);
    expect(
      certificatesPresent(
        state({
          summary: { keysPresent: false, mfaEnabled: true },
          certificates: [inactive],
          certificatesSource: 'api',
        }),
      ),
    ).toBe(true);
    expect(certificatesPresent(state({ summary: undefined }))).toBeUndefined();
    // Organizations path: the member's audit session listing, never the session account's summary.
    const org = state({
      path: 'organizations',
      account: MEMBER,
      summary: { keysPresent: false, mfaEnabled: true, certificatesPresent: false },
      member: { certificates: [inactive], errors: {} },
    });
    expect(certificatesPresent(org)).toBe(true);
    expect(certificatesPresent({ ...org, member: { errors: {} } })).toBeUndefined();
    // After the session removed its own key, only the verifying profile's summary counts.
    expect(
      certificatesPresent(
        state({
          sessionEnded: {
            action: 'delete',
            keyId: OWN,
            verified: { keysPresent: false, mfaEnabled: true, profile: 'p', certificatesPresent: false },
          },
        }),
      ),
    ).toBe(false);
  });
});

describe('assessRootKeys: signing certificates', () => {
  it('fails on certificates alone (active or inactive), with the controls of keys, ids in the message and details', () => {
    const a = assessRootKeys(
      state({
        keys: [ownKey],
        summary: { keysPresent: true, mfaEnabled: true, certificatesPresent: true },
        certificates: [active, inactive],
        certificatesSource: 'api',
      }),
    );
    expect(a.status).toBe('fail');
    expect(a.summary).toBe(
      'The root user has 1 access key (1 active) and 2 signing certificates (1 active, 1 inactive).',
    );
    const f = certFinding(a)!;
    expect(f).toMatchObject({ kind: 'fail', severity: 'high', resource: `arn:aws:iam::${ACCT}:root` });
    expect(f.controls).toEqual(KEY_CONTROLS);
    expect(f.message).toContain(`${CERT_A} (active, uploaded ${daysAgo(10).toISOString().slice(0, 10)})`);
    expect(f.message).toContain(`${CERT_B} (inactive`);
    expect(f.message).toContain('API credentials too');
    expect(f.message).toContain('inactive ones still count until deleted');
    expect(f.remediation).toContain('rootlock --only root-keys');
    expect(f.wizardRemediation).toContain('with this step');
    expect(a.details).toMatchObject({
      certificatesPresent: true,
      certificatesSource: 'api',
      certificates: [
        { id: CERT_A, active: true, uploadedAt: daysAgo(10).toISOString(), ageDays: 10 },
        { id: CERT_B, active: false, ageDays: 400 },
      ],
    });

    const onlyInactive = assessRootKeys(
      state({
        summary: { keysPresent: false, mfaEnabled: true, certificatesPresent: true },
        certificates: [inactive],
        certificatesSource: 'api',
      }),
    );
    expect(onlyInactive.status).toBe('fail');
    expect(onlyInactive.summary).toBe('The root user has 1 signing certificate (1 inactive), and no access keys.');
    expect(ids(onlyInactive)).not.toContain('root-keys.present');
  });

  it('passes only when neither keys nor certificates remain', () => {
    const none = assessRootKeys(state());
    expect(none.status).toBe('pass');
    expect(ids(none)).not.toContain('root-keys.certificates');
    expect(none.details).toMatchObject({ certificatesPresent: false, certificates: [] });
  });

  it('console path: presence from GetAccountSummary, the list from the report (slots), removal in the console or the CLI', () => {
    const a = assessRootKeys(
      state({
        path: 'console',
        callerType: 'iam-user',
        keysSource: 'report',
        summary: { keysPresent: false, mfaEnabled: true, certificatesPresent: true },
        certificates: [{ slot: 1, active: true, uploadedAt: daysAgo(3) }],
        certificatesSource: 'report',
      }),
    );
    expect(a.status).toBe('fail');
    const f = certFinding(a)!;
    expect(f.message).toContain('cert_1 (active, last rotated');
    expect(f.remediation).toContain('https://console.aws.amazon.com/iam/home#/security_credentials');
    expect(f.remediation).toContain('X.509 certificates');
    expect(f.remediation).toContain('aws iam delete-signing-certificate --certificate-id ID');
    expect(f.wizardRemediation).toBeUndefined();
    expect(a.details).toMatchObject({ certificatesSource: 'report', certificates: [{ id: null, slot: 1 }] });

    // Presence known, list not (the report predates the certificates).
    const unknownList = assessRootKeys(
      state({
        path: 'console',
        callerType: 'iam-user',
        summary: { keysPresent: false, mfaEnabled: true, certificatesPresent: true },
      }),
    );
    expect(unknownList.summary).toBe('The root user has X.509 signing certificates, and no access keys.');
    expect(certFinding(unknownList)?.message).toContain('has X.509 signing certificates.');
  });

  it('root-own with ListSigningCertificates refused: the summary still judges, and the step says why it cannot remove them', () => {
    const refused = { action: 'iam:ListSigningCertificates', code: 'AccessDenied', message: 'denied by an SCP' };
    const a = assessRootKeys(
      state({
        summary: { keysPresent: false, mfaEnabled: true, certificatesPresent: true },
        certificatesError: refused,
      }),
    );
    expect(a.status).toBe('fail');
    // Not listed by API: the removal hint is the console's, not the step's.
    expect(certFinding(a)?.remediation).toContain('X.509 certificates');
    expect(certFinding(a)?.wizardRemediation).toBeUndefined();
    const w = a.findings.find((f) => f.id === 'root-keys.certificates-unreadable')!;
    expect(w).toMatchObject({ kind: 'warn' });
    expect(w.message).toContain('AWS refused iam:ListSigningCertificates (AccessDenied): denied by an SCP.');
    expect(w.message).toContain('cannot list them to remove them');
  });

  it('organizations path: fails on member certificates, removed with --target-account in an AssumeRoot session', () => {
    const a = assessRootKeys(
      state({
        path: 'organizations',
        account: MEMBER,
        callerType: 'iam-user',
        org: { status: 'enabled', features: ['RootCredentialsManagement'] },
        member: { certificates: [active], password: null, mfaDevices: [], errors: {} },
      }),
    );
    expect(a.status).toBe('fail');
    expect(a.summary).toContain(`The root user has 1 signing certificate (1 active) in member account ${MEMBER}`);
    const f = certFinding(a)!;
    expect(f.message).toContain(`member account ${MEMBER}`);
    expect(f.remediation).toContain(`--target-account ${MEMBER}`);
    expect(f.remediation).not.toContain('removes only access keys');
    // The session account's summary says nothing about the member.
    expect(ids(a)).not.toContain('root-keys.certificates-unreadable');
  });
});

describe('buildPlan / planAhead: signing certificates', () => {
  const withCerts = state({
    keys: [ownKey],
    certificates: [active, inactive],
    certificatesSource: 'api',
  });
  const calls = (changes: ReturnType<typeof buildPlan>) =>
    changes.map((c) => `${c.operation} ${JSON.stringify(c.params)}`);

  it('deactivates, then deletes, without UserName; destructive, NoSuchEntity counts as done, read back', () => {
    const plan = buildPlan(withCerts, { action: 'deactivate', keyIds: [], certificateIds: [CERT_A] });
    expect(calls(plan)).toEqual([`UpdateSigningCertificate {"CertificateId":"${CERT_A}","Status":"Inactive"}`]);
    expect(plan[0]).toMatchObject({
      id: `root-keys/deactivate-certificate/${CERT_A}`,
      service: 'iam',
      destructive: true,
      alreadyDoneCodes: ['NoSuchEntity'],
      idempotent: true,
    });
    expect(plan[0]?.readBack).toBe(readBackUpdateSigningCertificate);
    expect(plan[0]?.session).toBeUndefined();

    const del = buildPlan(withCerts, { action: 'delete', keyIds: [], certificateIds: [CERT_A, CERT_B] });
    expect(calls(del)).toEqual([
      `DeleteSigningCertificate {"CertificateId":"${CERT_A}"}`,
      `DeleteSigningCertificate {"CertificateId":"${CERT_B}"}`,
    ]);
    expect(del[0]).toMatchObject({ id: `root-keys/delete-certificate/${CERT_A}`, destructive: true });
    expect(del[0]?.readBack).toBe(readBackDeleteSigningCertificate);

    const re = buildPlan(withCerts, { action: 'reactivate', keyIds: [], certificateIds: [CERT_B] });
    expect(calls(re)).toEqual([`UpdateSigningCertificate {"CertificateId":"${CERT_B}","Status":"Active"}`]);
    expect(re[0]?.destructive).toBeUndefined();
  });

  it('answers recorded before certificates (no certificateIds) plan keys only, as before', () => {
    expect(calls(buildPlan(withCerts, { action: 'delete', keyIds: [OWN] }))).toEqual([
      `DeleteAccessKey {"AccessKeyId":"${OWN}"}`,
    ]);
  });

  it('a dry run shows the rest: certificates deleted, then the session key last', () => {
    const ahead = planAhead(withCerts, { action: 'deactivate', keyIds: [], certificateIds: [CERT_A] });
    expect(calls(ahead)).toEqual([
      `DeleteSigningCertificate {"CertificateId":"${CERT_A}"}`,
      `DeleteSigningCertificate {"CertificateId":"${CERT_B}"}`,
      `DeleteAccessKey {"AccessKeyId":"${OWN}"}`,
    ]);
  });

  it('member account: certificates deleted (no deactivation) in an IAMDeleteRootUserCredentials session', () => {
    const plan = buildPlan(state({ path: 'organizations', account: MEMBER }), {
      action: 'org-delete',
      accountId: MEMBER,
      keyIds: [],
      certificateIds: [CERT_A],
    });
    expect(calls(plan)).toEqual([`DeleteSigningCertificate {"CertificateId":"${CERT_A}"}`]);
    expect(plan[0]).toMatchObject({
      id: `root-keys/org-delete-certificate/${MEMBER}/${CERT_A}`,
      session: { assumeRoot: { accountId: MEMBER, taskPolicy: 'IAMDeleteRootUserCredentials' } },
      destructive: true,
    });
    expect(plan[0]?.warning).toContain('iam:UpdateSigningCertificate');
  });
});

describe('read-backs of certificate changes', () => {
  /** A read that serves ListSigningCertificates in two pages and records what it was asked. */
  function reader(certs: Array<{ CertificateId: string; Status: string }>) {
    const asked: Array<Record<string, unknown>> = [];
    const read: ReadCall = async (_service, operation, params) => {
      expect(operation).toBe('ListSigningCertificates');
      asked.push(params);
      return params.Marker
        ? { Certificates: certs.slice(1) }
        : { Certificates: certs.slice(0, 1), IsTruncated: certs.length > 1, Marker: 'm' };
    };
    return { read, asked };
  }
  const ctx = { since: NOW };

  it('update: in place when the status is as sent (a deleted certificate counts as inactive)', async () => {
    const { read, asked } = reader([
      { CertificateId: CERT_B, Status: 'Active' },
      { CertificateId: CERT_A, Status: 'Inactive' },
    ]);
    expect(await readBackUpdateSigningCertificate(read, { CertificateId: CERT_A, Status: 'Inactive' }, ctx)).toBe(
      'in-place',
    );
    // No UserName sent: the root user's own certificates; both pages read.
    expect(asked).toEqual([{}, { Marker: 'm' }]);
    expect(await readBackUpdateSigningCertificate(read, { CertificateId: CERT_B, Status: 'Inactive' }, ctx)).toBe(
      'absent',
    );
    const gone = reader([]).read;
    expect(await readBackUpdateSigningCertificate(gone, { CertificateId: CERT_A, Status: 'Inactive' }, ctx)).toBe(
      'in-place',
    );
    expect(await readBackUpdateSigningCertificate(gone, { CertificateId: CERT_A, Status: 'Active' }, ctx)).toBe(
      'conflict',
    );
  });

  it('delete: in place once the certificate is no longer listed', async () => {
    const { read } = reader([
      { CertificateId: CERT_B, Status: 'Active' },
      { CertificateId: CERT_A, Status: 'Inactive' },
    ]);
    expect(await readBackDeleteSigningCertificate(read, { CertificateId: CERT_A }, ctx)).toBe('absent');
    expect(await readBackDeleteSigningCertificate(reader([]).read, { CertificateId: CERT_A }, ctx)).toBe('in-place');
  });
});
