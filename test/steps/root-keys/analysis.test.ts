import { describe, expect, it } from 'vitest';
import {
  assessRootKeys,
  choosePath,
  classifyOrgFeatures,
  describeKey,
  keyCountText,
  overrideValidator,
  prerequisitesReady,
  reportDisagreement,
  rootRowFromReport,
  validateWaitDays,
  type Prerequisite,
  type RootKey,
  type RootKeysState,
} from '../../../src/steps/root-keys/analysis.js';
import { daysAfter as revisitDate, daysSince } from '../../../src/util/time.js';

const ACCT = '123456789012';
const MEMBER = '210987654321';
const NOW = new Date('2026-11-28T12:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);

const READY: Prerequisite[] = [
  { id: 'admins', title: 'Administrators', status: 'pass', summary: 'ok', source: 'session' },
  { id: 'ec2-roles', title: 'EC2 instance roles', status: 'pass', summary: 'ok', source: 'session' },
  { id: 'billing-recovery', title: 'Billing and recovery', status: 'manual', summary: 'attest', source: 'session' },
];

function key(over: Partial<RootKey> = {}): RootKey {
  return { id: 'AKIAAAAAAAAAAAAA1111', active: true, sessionKey: false, createdAt: daysAgo(100), ...over };
}

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
    summary: { keysPresent: false, mfaEnabled: true },
    ...over,
  };
}

const ids = (a: ReturnType<typeof assessRootKeys>) => a.findings.map((f) => f.id);

describe('rootRowFromReport', () => {
  const header = {
    user: '<root_account>',
    mfa_active: 'true',
    password_last_used: '2026-11-01T10:00:00+00:00',
    access_key_1_active: 'true',
    access_key_1_last_rotated: '2025-01-02T03:04:05+00:00',
    access_key_1_last_used_date: '2026-11-20T00:00:00+00:00',
    access_key_1_last_used_region: 'eu-west-1',
    access_key_1_last_used_service: 's3',
    access_key_2_active: 'false',
    access_key_2_last_rotated: 'N/A',
    access_key_2_last_used_date: 'N/A',
    access_key_2_last_used_region: 'N/A',
    access_key_2_last_used_service: 'N/A',
  };

  it('reads keys, last use, MFA and password use from the root row', () => {
    const generatedAt = new Date('2026-11-28T10:00:00Z');
    const r = rootRowFromReport({ generatedAt, rows: [{ user: 'alice' }, header] })!;
    expect(r.generatedAt).toEqual(generatedAt);
    expect(r.mfaActive).toBe(true);
    expect(r.passwordLastUsed).toEqual(new Date('2026-11-01T10:00:00Z'));
    expect(r.keys).toEqual([
      {
        slot: 1,
        active: true,
        createdAt: new Date('2025-01-02T03:04:05Z'),
        lastUsed: new Date('2026-11-20T00:00:00Z'),
        lastUsedService: 's3',
        lastUsedRegion: 'eu-west-1',
        sessionKey: false,
      },
    ]);
  });

  it.each([
    [
      'an inactive key keeps its rotation date',
      { access_key_2_active: 'false', access_key_2_last_rotated: '2024-05-05T00:00:00+00:00' },
      [1, 2],
      [true, false],
    ],
    ['a deleted key (false, N/A) is gone', {}, [1], [true]],
    ['no key at all', { access_key_1_active: 'false', access_key_1_last_rotated: 'N/A' }, [], []],
  ])('%s', (_name, over, slots, active) => {
    const r = rootRowFromReport({ rows: [{ ...header, ...over }] })!;
    expect(r.keys.map((k) => k.slot)).toEqual(slots);
    expect(r.keys.map((k) => k.active)).toEqual(active);
  });

  it.each([
    ['no_information', null],
    ['N/A', undefined],
    ['not-a-date', undefined],
  ])('password_last_used %s', (value, expected) => {
    expect(rootRowFromReport({ rows: [{ ...header, password_last_used: value }] })!.passwordLastUsed).toEqual(expected);
  });

  it('has no root row when the report has none (moto without the layer)', () => {
    expect(rootRowFromReport({ rows: [{ user: 'alice' }] })).toBeUndefined();
  });
});

describe('choosePath', () => {
  it.each([
    [{ callerType: 'root', temporary: false }, 'root-own', 'signing key'],
    [{ callerType: 'root', temporary: true }, 'root-own', 'temporary credentials'],
    [
      {
        callerType: 'root',
        temporary: true,
        listError: { action: 'iam:ListAccessKeys', code: 'AccessDenied', message: 'no' },
      },
      'console',
      'GetSessionToken',
    ],
    [
      {
        callerType: 'root',
        temporary: false,
        listError: { action: 'iam:ListAccessKeys', code: 'AccessDenied', message: 'no' },
      },
      'console',
      'service control policy',
    ],
    [{ callerType: 'iam-user', temporary: false }, 'console', 'no IAM user or role'],
    [{ callerType: 'sso-role', temporary: true, org: 'enabled' }, 'console', '--target-account'],
    [{ callerType: 'assumed-role', temporary: true, targetAccount: MEMBER }, 'organizations', MEMBER],
    [{ callerType: 'root', temporary: false, targetAccount: MEMBER }, 'organizations', 'AssumeRoot'],
  ] as const)('%o -> %s', (input, path, words) => {
    const r = choosePath(input);
    expect(r.path).toBe(path);
    expect(r.reason).toContain(words);
  });

  it('mentions --target-account only when the organization allows it', () => {
    expect(choosePath({ callerType: 'iam-user', temporary: false, org: 'no-organization' }).reason).not.toContain(
      '--target-account',
    );
  });

  it('names a refused iam:ListOrganizationsFeatures and the statement to allow it', () => {
    const r = choosePath({ callerType: 'iam-user', temporary: false, org: 'denied' });
    expect(r.path).toBe('console');
    expect(r.reason).toContain('AWS refused iam:ListOrganizationsFeatures');
    expect(r.reason).toContain('{"Effect":"Allow","Action":"iam:ListOrganizationsFeatures","Resource":"*"}');
  });
});

describe('classifyOrgFeatures', () => {
  it.each([
    [{ features: ['RootCredentialsManagement', 'RootSessions'] }, 'enabled'],
    [{ features: ['RootSessions'] }, 'feature-off'],
    [{ features: [] }, 'feature-off'],
    [{ code: 'ServiceAccessNotEnabledException', denied: false }, 'trusted-access-off'],
    [{ code: 'ServiceAccessNotEnabled', denied: false }, 'trusted-access-off'],
    [{ code: 'AccountNotManagementOrDelegatedAdministratorException', denied: false }, 'not-management'],
    [{ code: 'OrganizationNotFoundException', denied: false }, 'no-organization'],
    [{ code: 'OrganizationNotInAllFeaturesModeException', denied: false }, 'not-all-features'],
    [{ code: 'AccessDenied', denied: true }, 'denied'],
    [{ code: 'ServiceFailure', denied: false }, 'error'],
  ] as const)('%o -> %s', (input, expected) => {
    expect(classifyOrgFeatures(input as never)).toBe(expected);
  });
});

describe('input validation', () => {
  const v = overrideValidator(ACCT);
  it.each([
    ['', true],
    [ACCT, true],
    [` ${ACCT} `, true],
  ])('override %j is accepted', (value, expected) => {
    expect(v(value)).toBe(expected);
  });
  it('refuses another account id, naming the expected one', () => {
    expect(v('111111111111')).toMatch(/111111111111 is not the account .*123456789012/);
  });
  it('refuses anything that is not an account id', () => {
    expect(v('yes')).toMatch(/12-digit account id 123456789012/);
  });
  it.each([
    ['14', true],
    ['1', true],
    ['365', true],
    ['0', false],
    ['366', false],
    ['1.5', false],
    ['two', false],
    ['', false],
  ])('wait days %j', (value, ok) => {
    expect(validateWaitDays(value) === true).toBe(ok);
  });
});

describe('helpers', () => {
  it('counts keys in words', () => {
    expect(keyCountText([key(), key({ active: false })])).toBe('2 access keys (1 active, 1 inactive)');
    expect(keyCountText([key()])).toBe('1 access key (1 active)');
  });
  it('computes days and revisit dates', () => {
    expect(daysSince(daysAgo(3), NOW)).toBe(3);
    expect(daysSince(new Date(NOW.getTime() + 1000), NOW)).toBe(0);
    expect(daysSince(undefined, NOW)).toBeUndefined();
    expect(revisitDate(NOW, 14).toISOString()).toBe('2026-12-12T12:00:00.000Z');
  });
  it('describes a key masked, and escapes what AWS returned', () => {
    const line = describeKey(
      key({ lastUsed: daysAgo(1), lastUsedService: 's3\u001b[2J', lastUsedRegion: 'eu-west-1', sessionKey: true }),
      NOW,
    );
    expect(line).toContain('AKIA************1111');
    expect(line).not.toContain('AKIAAAAAAAAAAAAA1111');
    expect(line).not.toContain('\u001b');
    expect(line).toContain('s3\\x1b[2J');
    expect(line).toContain('this session signs with it');
  });
  it('knows when prerequisites are ready', () => {
    expect(prerequisitesReady(READY)).toBe(true);
    expect(
      prerequisitesReady([...READY, { id: 'admins', title: 'a', status: 'fail', summary: '', source: 'session' }]),
    ).toBe(false);
    expect(
      prerequisitesReady([{ id: 'admins', title: 'a', status: 'not-checked', summary: '', source: 'not-checked' }]),
    ).toBe(false);
  });
});

describe('assessRootKeys', () => {
  it('passes with no keys and MFA on', () => {
    const a = assessRootKeys(state());
    expect(a.status).toBe('pass');
    expect(a.summary).toBe('No root access keys.');
    expect(ids(a)).toEqual(['root-keys.path']);
    expect(a.details).toMatchObject({ path: 'root-own', keysPresent: false, keys: [], mfaEnabled: true });
  });

  it('fails on root keys, with counts, controls and a path-specific remediation', () => {
    const a = assessRootKeys(
      state({
        summary: { keysPresent: true, mfaEnabled: true },
        keys: [key(), key({ id: 'AKIABBBBBBBBBBBB2222', active: false })],
      }),
    );
    expect(a.status).toBe('fail');
    expect(a.summary).toBe('The root user has 2 access keys (1 active, 1 inactive).');
    const f = a.findings.find((x) => x.id === 'root-keys.present')!;
    expect(f).toMatchObject({ kind: 'fail', severity: 'critical', resource: `arn:aws:iam::${ACCT}:root` });
    expect(f.controls).toEqual([
      'CIS v5.0.0 1.3',
      'CIS v6.0.0 2.3',
      'CIS v7.0.0 2.4',
      'CIS v3.0.0 1.4',
      'Security Hub IAM.4',
    ]);
    expect(f.remediation).toContain('rootlock --only root-keys');
    // In the wizard this step is the one running: it says so instead of naming its own command.
    expect(f.wizardRemediation).toMatch(/^Remove the root access keys with this step: /);
    expect(f.wizardRemediation).not.toMatch(/rootlock --only/);
  });

  it('says inactive keys still count, and when the operator planned to come back', () => {
    const a = assessRootKeys(
      state({
        summary: { keysPresent: true, mfaEnabled: true },
        keys: [key({ active: false })],
        revisitAfter: new Date('2026-12-12T00:00:00Z'),
      }),
    );
    expect(a.status).toBe('fail');
    expect(a.findings.find((f) => f.id === 'root-keys.present')?.message).toMatch(
      /still count until deleted.*come back after 2026-12-12/,
    );
    expect(a.summary).toContain('Come back after 2026-12-12');
    expect(a.details.revisitAfter).toBe('2026-12-12T00:00:00.000Z');
  });

  it('reports root MFA off as its own warning, with or without keys', () => {
    const a = assessRootKeys(state({ summary: { keysPresent: false, mfaEnabled: false } }));
    expect(a.status).toBe('pass');
    expect(a.summary).toBe('No root access keys. Root MFA is off.');
    const f = a.findings.find((x) => x.id === 'root-keys.no-mfa')!;
    expect(f.kind).toBe('warn');
    expect(f.controls).toEqual([
      'CIS v5.0.0 1.4',
      'CIS v6.0.0 2.4',
      'CIS v7.0.0 2.5',
      'CIS v3.0.0 1.5',
      'Security Hub IAM.9',
    ]);
    expect(f.message).toContain('does not block');
    const both = assessRootKeys(state({ summary: { keysPresent: true, mfaEnabled: false }, keys: [key()] }));
    expect(ids(both)).toEqual(expect.arrayContaining(['root-keys.present', 'root-keys.no-mfa']));
    expect(both.status).toBe('fail');
  });

  it('judges root keys only: no keys with root MFA off passes on every path, MFA staying a warning', () => {
    const noMfa = (a: ReturnType<typeof assessRootKeys>) => a.findings.find((f) => f.id === 'root-keys.no-mfa');
    const cases: Array<[string, Partial<RootKeysState>]> = [
      ['root caller', { summary: { keysPresent: false, mfaEnabled: false } }],
      [
        'IAM principal (console path)',
        {
          path: 'console',
          callerType: 'iam-user',
          keysSource: 'report',
          summary: { keysPresent: false, mfaEnabled: false },
          report: { generatedAt: NOW, mfaActive: false, passwordLastUsed: null, keys: [] },
        },
      ],
      [
        'console path, credential report only',
        {
          path: 'console',
          callerType: 'sso-role',
          keysSource: 'report',
          summary: undefined,
          summaryError: { action: 'iam:GetAccountSummary', code: 'AccessDenied', message: 'no' },
          report: { generatedAt: NOW, mfaActive: false, passwordLastUsed: null, keys: [] },
        },
      ],
      [
        'session ended, verified by profile',
        {
          summary: undefined,
          keysSource: 'none',
          sessionEnded: {
            action: 'delete',
            keyId: 'AKIAAAAAAAAAAAAA1111',
            verified: { keysPresent: false, mfaEnabled: false, profile: 'admin' },
          },
        },
      ],
    ];
    for (const [name, over] of cases) {
      const a = assessRootKeys(state(over));
      expect(a.status, name).toBe('pass');
      expect(
        a.findings.filter((f) => f.kind === 'fail'),
        name,
      ).toEqual([]);
      expect(a.summary, name).toMatch(/^No root access keys\. Root MFA is off\.$/);
      expect(noMfa(a), name).toMatchObject({
        kind: 'warn',
        severity: 'critical',
        resource: `arn:aws:iam::${ACCT}:root`,
        controls: ['CIS v5.0.0 1.4', 'CIS v6.0.0 2.4', 'CIS v7.0.0 2.5', 'CIS v3.0.0 1.5', 'Security Hub IAM.9'],
      });
      expect(a.details.mfaEnabled, name).toBe(false);
    }
    // Organizations path: the member's MFA is not read, so nothing about it can fail either.
    const member = assessRootKeys(
      state({
        path: 'organizations',
        account: MEMBER,
        callerType: 'assumed-role',
        summary: { keysPresent: false, mfaEnabled: false },
        org: { status: 'enabled', features: ['RootCredentialsManagement'] },
      }),
    );
    expect(member.status).toBe('pass');
    expect(noMfa(member)).toBeUndefined();
    // Session ended without verification: still manual, never fail, on account of MFA.
    const unverified = assessRootKeys(
      state({
        summary: undefined,
        keysSource: 'none',
        sessionEnded: { action: 'delete', keyId: 'AKIAAAAAAAAAAAAA1111' },
      }),
    );
    expect(unverified.status).toBe('manual');
  });

  it('uses the key listing when GetAccountSummary is refused (an AssumeRoot-scoped session)', () => {
    const a = assessRootKeys(
      state({
        summary: undefined,
        summaryError: { action: 'iam:GetAccountSummary', code: 'AccessDenied', message: 'no' },
        temporary: true,
        keys: [key()],
      }),
    );
    expect(a.status).toBe('fail');
    expect(a.details.keysPresent).toBe(true);
    expect(a.details.mfaEnabled).toBeNull();
  });

  it('is an error when nothing says whether keys exist', () => {
    const a = assessRootKeys(
      state({
        path: 'console',
        summary: undefined,
        keysSource: 'none',
        summaryError: { action: 'iam:GetAccountSummary', code: 'AccessDenied', message: 'denied' },
      }),
    );
    expect(a.status).toBe('error');
    expect(a.summary).toContain('iam:GetAccountSummary failed (AccessDenied)');
  });

  it('lists report-only keys by column, without ids (console path)', () => {
    const a = assessRootKeys(
      state({
        path: 'console',
        callerType: 'iam-user',
        summary: { keysPresent: true, mfaEnabled: true },
        keysSource: 'report',
        keys: [{ slot: 2, active: true, sessionKey: false, createdAt: daysAgo(10) }],
        report: { generatedAt: NOW, keys: [{ slot: 2, active: true, sessionKey: false }] },
      }),
    );
    expect(a.details.keys).toEqual([
      {
        id: null,
        slot: 2,
        active: true,
        lastUsed: null,
        lastUsedService: null,
        lastUsedRegion: null,
        ageDays: 10,
        sessionKey: false,
      },
    ]);
    expect(a.findings.find((f) => f.id === 'root-keys.present')?.remediation).toContain(
      'https://console.aws.amazon.com/iam/home#/security_credentials',
    );
  });

  it('says the report can be 4 hours old when it disagrees with GetAccountSummary', () => {
    const s = state({
      path: 'console',
      summary: { keysPresent: false, mfaEnabled: true },
      keysSource: 'report',
      report: { generatedAt: new Date('2026-11-28T09:00:00Z'), keys: [{ slot: 1, active: true, sessionKey: false }] },
    });
    const msg = reportDisagreement(s)!;
    expect(msg).toMatch(/generated 2026-11-28T09:00:00.000Z.*AccountAccessKeysPresent = 0.*up to 4 hours old/);
    const a = assessRootKeys(s);
    expect(a.status).toBe('pass');
    expect(a.findings.find((f) => f.id === 'root-keys.report-stale')?.kind).toBe('info');
    expect(reportDisagreement(state({ report: { keys: [] } }))).toBeUndefined();
  });

  it('compares the report with the key listing too', () => {
    const s = state({
      summary: { keysPresent: true, mfaEnabled: true },
      keys: [key({ active: false })],
      report: { generatedAt: NOW, keys: [{ slot: 1, active: true, sessionKey: false }] },
    });
    expect(reportDisagreement(s)).toContain('IAM lists 1 access key (1 inactive)');
  });

  it('warns about recently used keys, but not about the key this session itself just used', () => {
    const a = assessRootKeys(
      state({
        summary: { keysPresent: true, mfaEnabled: true },
        keys: [
          key({ lastUsed: daysAgo(3), lastUsedService: 'ec2', lastUsedRegion: 'us-east-2' }),
          key({ id: 'AKIACCCCCCCCCCCC3333', lastUsed: daysAgo(0), sessionKey: true }),
          key({ id: 'AKIADDDDDDDDDDDD4444', lastUsed: daysAgo(40) }),
        ],
      }),
    );
    const recent = a.findings.filter((f) => f.id === 'root-keys.recently-used');
    expect(recent).toHaveLength(1);
    expect(recent[0]!.message).toMatch(/AKIA\*+1111 was used 3 days ago \(ec2, us-east-2\)/);
  });

  it('warns when prerequisites are not ready, only while keys exist', () => {
    const notReady: Prerequisite[] = [
      { id: 'admins', title: 'Administrators', status: 'fail', summary: 'no admins', source: 'assessed-here' },
      { id: 'ec2-roles', title: 'EC2', status: 'not-checked', summary: '', source: 'not-checked' },
      READY[2]!,
    ];
    const a = assessRootKeys(
      state({ summary: { keysPresent: true, mfaEnabled: true }, keys: [key()], prerequisites: notReady }),
    );
    expect(a.findings.find((f) => f.id === 'root-keys.prerequisites')?.message).toBe(
      'Prepare first: admins FAIL, ec2-roles not checked.',
    );
    expect(ids(assessRootKeys(state({ prerequisites: notReady })))).not.toContain('root-keys.prerequisites');
    expect(a.details.prerequisites).toEqual([
      { id: 'admins', status: 'fail', source: 'assessed-here' },
      { id: 'ec2-roles', status: 'not-checked', source: 'not-checked' },
      { id: 'billing-recovery', status: 'manual', source: 'session' },
    ]);
  });

  it('needs verification elsewhere after the session deleted its own key', () => {
    const a = assessRootKeys(
      state({
        summary: undefined,
        keys: [],
        keysSource: 'none',
        sessionEnded: { action: 'delete', keyId: 'AKIAAAAAAAAAAAAA1111' },
      }),
    );
    expect(a.status).toBe('manual');
    expect(a.summary).toContain('verify from another session');
    const f = a.findings.find((x) => x.id === 'root-keys.verify-elsewhere')!;
    expect(f.remediation).toContain('aws iam get-account-summary --query SummaryMap.AccountAccessKeysPresent');
    expect(f.remediation).toContain('rootlock check --only root-keys');
    expect(a.details.sessionEnded).toEqual({ action: 'delete', key: 'AKIA************1111', verifiedBy: null });
  });

  it('passes or fails on what --verify-profile saw after the session key went', () => {
    const ok = assessRootKeys(
      state({
        summary: undefined,
        keysSource: 'none',
        sessionEnded: {
          action: 'delete',
          keyId: 'AKIAAAAAAAAAAAAA1111',
          verified: { keysPresent: false, mfaEnabled: true, profile: 'admin' },
        },
      }),
    );
    expect(ok.status).toBe('pass');
    expect(ok.details.sessionEnded).toMatchObject({ verifiedBy: 'admin' });
    const still = assessRootKeys(
      state({
        summary: undefined,
        keysSource: 'none',
        sessionEnded: {
          action: 'delete',
          keyId: 'AKIAAAAAAAAAAAAA1111',
          verified: { keysPresent: true, mfaEnabled: true, profile: 'admin' },
        },
      }),
    );
    expect(still.status).toBe('fail');
  });

  describe('organizations path', () => {
    const org = (over: Partial<RootKeysState>) =>
      state({ path: 'organizations', account: MEMBER, callerType: 'assumed-role', summary: undefined, ...over });

    it('is an error (nothing to do) when the caller cannot use centralized root access', () => {
      for (const status of [
        'root-caller',
        'self-target',
        'not-management',
        'no-organization',
        'not-all-features',
        'denied',
      ] as const) {
        const a = assessRootKeys(org({ org: { status, features: [] }, keysSource: 'none' }));
        expect(a.status, status).toBe('error');
        expect(a.summary).toContain(`Cannot act on member account ${MEMBER}`);
      }
      expect(assessRootKeys(org({ org: { status: 'root-caller', features: [] } })).summary).toContain(
        'cannot be called with root user credentials',
      );
    });

    it('fails, offering to enable, when centralized root access is off', () => {
      const a = assessRootKeys(org({ org: { status: 'trusted-access-off', features: [] }, keysSource: 'none' }));
      expect(a.status).toBe('fail');
      expect(a.summary).toBe('Centralized root access is not enabled yet.');
      expect(a.findings.find((f) => f.id === 'root-keys.org-feature-off')?.remediation).toContain(
        'EnableOrganizationsRootCredentialsManagement',
      );
    });

    it('names the refused AssumeRoot and says nothing changed', () => {
      const a = assessRootKeys(
        org({
          org: { status: 'enabled', features: ['RootCredentialsManagement'] },
          keysSource: 'none',
          targetError: { action: 'sts:AssumeRoot', code: 'AccessDenied', message: 'not authorized' },
        }),
      );
      expect(a.status).toBe('error');
      expect(a.summary).toMatch(
        /sts:AssumeRoot was refused for member account 210987654321 \(AccessDenied\).*Nothing was changed/,
      );
    });

    it('judges the member account by its key listing and does not judge its MFA', () => {
      const a = assessRootKeys(
        org({
          org: { status: 'enabled', features: ['RootCredentialsManagement'] },
          keys: [key()],
          sessionAccountKeysPresent: true,
        }),
      );
      expect(a.status).toBe('fail');
      expect(a.summary).toBe(`The root user has 1 access key (1 active) in member account ${MEMBER}.`);
      expect(a.details.mfaEnabled).toBeNull();
      expect(ids(a)).toEqual(
        expect.arrayContaining(['root-keys.session-account-keys', 'root-keys.member-mfa-not-checked']),
      );
      const clean = assessRootKeys(
        org({ org: { status: 'enabled', features: ['RootCredentialsManagement'] }, keys: [] }),
      );
      expect(clean.status).toBe('pass');
      expect(clean.summary).toBe(`No root access keys in member account ${MEMBER}.`);
      expect(clean.details.organization).toEqual({
        status: 'enabled',
        organizationId: null,
        features: ['RootCredentialsManagement'],
      });
    });
  });

  it('puts masked ids, ages, last use and report time in details', () => {
    const a = assessRootKeys(
      state({
        summary: { keysPresent: true, mfaEnabled: true },
        keys: [
          key({ lastUsed: daysAgo(50), lastUsedService: 'iam', lastUsedRegion: 'us-east-1', createdAt: daysAgo(400) }),
        ],
        report: { generatedAt: NOW, passwordLastUsed: null, keys: [{ slot: 1, active: true, sessionKey: false }] },
      }),
    );
    expect(a.details).toMatchObject({
      keys: [
        {
          id: 'AKIA************1111',
          active: true,
          lastUsed: daysAgo(50).toISOString(),
          lastUsedService: 'iam',
          lastUsedRegion: 'us-east-1',
          ageDays: 400,
          sessionKey: false,
        },
      ],
      passwordLastUsed: 'never',
      reportGeneratedAt: NOW.toISOString(),
    });
    expect(JSON.stringify(a)).not.toContain('AKIAAAAAAAAAAAAA1111');
  });
});
