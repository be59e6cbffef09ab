import { describe, expect, it } from 'vitest';
import { mfaKind as mfaKindOf } from '../../../src/aws/mfa.js';
import { reportDate } from '../../../src/aws/credential-report.js';
import {
  analyzeNextSteps,
  consoleMfa,
  contactPeople,
  contactsDistinct,
  isRootVirtualDevice,
  organizationMember,
  rootDevicesText,
  listNames,
  oldAccessKeys,
  passwordPolicy,
  rootHardwareMfa,
  rootMfa,
  s3PublicAccessBlock,
  samePerson,
  twoActiveKeys,
  unusedCredentials,
  type NextStepsInput,
} from '../../../src/steps/next-steps/analysis.js';
import { NEXT_STEP_IDS, NEXT_STEPS } from '../../../src/steps/next-steps/meta.js';
import { daysSince } from '../../../src/util/time.js';

const ACCT = '123456789012';
const NOW = new Date('2026-11-28T12:00:00Z');
const daysAgo = (n: number): string =>
  new Date(NOW.getTime() - n * 86_400_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');

/** A credential-report row with AWS's column names; everything off unless given. */
function row(user: string, o: Partial<Record<string, string>> = {}): Record<string, string> {
  return {
    user,
    arn: user === '<root_account>' ? `arn:aws:iam::${ACCT}:root` : `arn:aws:iam::${ACCT}:user/${user}`,
    user_creation_time: daysAgo(400),
    password_enabled: 'false',
    password_last_used: 'N/A',
    password_last_changed: 'N/A',
    mfa_active: 'false',
    access_key_1_active: 'false',
    access_key_1_last_rotated: 'N/A',
    access_key_1_last_used_date: 'N/A',
    access_key_2_active: 'false',
    access_key_2_last_rotated: 'N/A',
    access_key_2_last_used_date: 'N/A',
    ...o,
  } as Record<string, string>;
}

const ok = <T>(value: T) => ({ ok: true as const, value });
const no = (reason: string) => ({ ok: false as const, reason });

describe('report dates and days', () => {
  it.each([
    ['2026-01-02T03:04:05+00:00', '2026-01-02T03:04:05.000Z'],
    ['N/A', undefined],
    ['no_information', undefined],
    ['not_supported', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('reportDate(%s)', (v, iso) => {
    expect(reportDate(v)?.toISOString()).toBe(iso);
  });

  it('counts whole days and never negative', () => {
    expect(daysSince(new Date(daysAgo(45)), NOW)).toBe(45);
    expect(daysSince(new Date(NOW.getTime() - 44.9 * 86_400_000), NOW)).toBe(44);
    expect(daysSince(new Date(NOW.getTime() + 86_400_000), NOW)).toBe(0);
  });

  it('lists five names, escaped, then how many more', () => {
    expect(listNames(['a', 'b'])).toBe('a, b');
    expect(listNames(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toBe('a, b, c, d, e and 2 more');
    expect(listNames(['ev\u001b[2Jil'])).toBe('ev\\x1b[2Jil');
  });
});

describe('root MFA (CIS v5.0.0 1.4)', () => {
  const report = ok({ rows: [] as Record<string, string>[] });
  it.each([
    [{ AccountMFAEnabled: 1, AccountAccessKeysPresent: 1 }, 'pass', /has MFA/],
    [{ AccountMFAEnabled: 0, AccountAccessKeysPresent: 1 }, 'fail', /no MFA/],
    [{ AccountMFAEnabled: 0 }, 'fail', /no MFA/],
    [
      { AccountMFAEnabled: 0, AccountPasswordPresent: 0, AccountAccessKeysPresent: 0 },
      'pass',
      /no password and no access keys/,
    ],
    [{ AccountMFAEnabled: 0, AccountPasswordPresent: 1, AccountAccessKeysPresent: 0 }, 'fail', /no MFA/],
  ])('summary %j -> %s', (summary, status, message) => {
    const r = rootMfa({ summary: ok(summary), report });
    expect(r.status).toBe(status);
    expect(r.message).toMatch(message);
  });

  it('falls back to the credential report root row, and says why when neither can be read', () => {
    expect(
      rootMfa({ summary: no('denied'), report: ok({ rows: [row('<root_account>', { mfa_active: 'true' })] }) }).status,
    ).toBe('pass');
    expect(rootMfa({ summary: no('denied'), report: ok({ rows: [row('<root_account>')] }) }).status).toBe('fail');
    const r = rootMfa({ summary: no('iam:GetAccountSummary was denied'), report: no('x') });
    expect(r).toMatchObject({ status: 'not-checked', message: 'Not checked: iam:GetAccountSummary was denied' });
  });
});

describe('root hardware MFA (CIS v5.0.0 1.5)', () => {
  const withMfa = rootMfa({ summary: ok({ AccountMFAEnabled: 1 }), report: ok({ rows: [] }) });
  const rootDevice = {
    serialNumber: `arn:aws:iam::${ACCT}:mfa/root-account-mfa-device`,
    userArn: `arn:aws:iam::${ACCT}:root`,
  };

  it('recognises the root virtual device by serial or by user, in any partition', () => {
    expect(isRootVirtualDevice(rootDevice, ACCT)).toBe(true);
    expect(
      isRootVirtualDevice(
        { serialNumber: `arn:aws:iam::${ACCT}:mfa/phone`, userArn: `arn:aws-us-gov:iam::${ACCT}:root` },
        ACCT,
      ),
    ).toBe(true);
    expect(isRootVirtualDevice({ serialNumber: `arn:aws:iam::${ACCT}:mfa/root-account-mfa-device` }, ACCT)).toBe(true);
    expect(
      isRootVirtualDevice(
        { serialNumber: `arn:aws:iam::${ACCT}:mfa/alice`, userArn: `arn:aws:iam::${ACCT}:user/alice` },
        ACCT,
      ),
    ).toBe(false);
    expect(isRootVirtualDevice({ serialNumber: 'arn:aws:iam::999999999999:mfa/root-account-mfa-device' }, ACCT)).toBe(
      false,
    );
  });

  it('fails for a virtual root device, passes otherwise, and follows root MFA', () => {
    expect(rootHardwareMfa(withMfa, ok([rootDevice]), ACCT)).toMatchObject({ status: 'fail', resources: [ACCT] });
    expect(
      rootHardwareMfa(
        withMfa,
        ok([{ serialNumber: `arn:aws:iam::${ACCT}:mfa/alice`, userArn: `arn:aws:iam::${ACCT}:user/alice` }]),
        ACCT,
      ).status,
    ).toBe('pass');
    expect(rootHardwareMfa(withMfa, no('iam:ListVirtualMFADevices was denied'), ACCT)).toMatchObject({
      status: 'not-checked',
      message: 'Not checked: iam:ListVirtualMFADevices was denied',
    });
    const noMfa = rootMfa({ summary: ok({ AccountMFAEnabled: 0 }), report: ok({ rows: [] }) });
    expect(rootHardwareMfa(noMfa, undefined, ACCT)).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/no MFA device at all/),
    });
    const noCreds = rootMfa({
      summary: ok({ AccountMFAEnabled: 0, AccountPasswordPresent: 0, AccountAccessKeysPresent: 0 }),
      report: ok({ rows: [] }),
    });
    expect(rootHardwareMfa(noCreds, undefined, ACCT).status).toBe('pass');
  });
});

describe('root MFA by account kind and device kind', () => {
  const report = ok({ rows: [] as Record<string, string>[] });
  const none = {
    AccountMFAEnabled: 0,
    AccountPasswordPresent: 0,
    AccountAccessKeysPresent: 0,
    AccountSigningCertificatesPresent: 0,
  };
  const cra = { type: 'member', rootCredentialsManagement: true };

  it('a member under centralized root access with no root credentials: not applicable, never a fail', () => {
    for (const type of ['member', 'delegated-admin']) {
      const r = rootMfa({ summary: ok(none), report, account: { ...cra, type } });
      expect(r.status).toBe('not-applicable');
      expect(r.message).toMatch(/^Not applicable: this member account is under centralized root access/);
      expect(rootHardwareMfa(r, undefined, ACCT)).toMatchObject({ status: 'not-applicable', resources: [] });
    }
    // Both next steps, as reported.
    const items = analyzeNextSteps({
      accountId: ACCT,
      now: NOW,
      account: cra,
      summary: ok(none),
      report,
      passwordPolicy: { state: 'none' },
      publicAccessBlock: ok({ configured: false }),
    });
    expect(items.slice(0, 2).map((i) => [i.id, i.status, i.resources])).toEqual([
      ['root-mfa', 'not-applicable', []],
      ['root-hardware-mfa', 'not-applicable', []],
    ]);
  });

  it('not applicable needs all four: a certificate, a password, or an unknown feature leave the usual verdicts', () => {
    expect(
      rootMfa({ summary: ok({ ...none, AccountSigningCertificatesPresent: 1 }), report, account: cra }).status,
    ).toBe('pass');
    const withPassword = rootMfa({ summary: ok({ ...none, AccountPasswordPresent: 1 }), report, account: cra });
    expect(withPassword.status).toBe('fail');
    expect(withPassword.message).toMatch(/deleting the root credentials from the management account/);
    expect(rootMfa({ summary: ok(none), report, account: { type: 'member' } }).status).toBe('pass');
    expect(
      rootMfa({ summary: ok(none), report, account: { type: 'standalone', rootCredentialsManagement: true } }).status,
    ).toBe('pass');
    expect(
      rootMfa({ summary: ok(none), report, account: { type: 'management', rootCredentialsManagement: true } }).status,
    ).toBe('pass');
  });

  it('names each device kind from its serial number', () => {
    expect(mfaKindOf(`arn:aws:iam::${ACCT}:mfa/root-account-mfa-device`)).toBe('virtual');
    expect(mfaKindOf('GAHT12345678')).toBe('hardware');
    expect(mfaKindOf(`arn:aws:iam::${ACCT}:u2f/root/passkey-ABC`)).toBe('fido');
    expect(
      rootDevicesText([
        { serialNumber: 'a', kind: 'virtual' },
        { serialNumber: 'b', kind: 'fido' },
        { serialNumber: 'c', kind: 'fido' },
        { serialNumber: 'GAHT1', kind: 'hardware' },
      ]),
    ).toBe('4 MFA devices: 2 FIDO security keys or passkeys, 1 hardware TOTP token, 1 virtual device');
    const r = rootMfa({
      summary: ok({ AccountMFAEnabled: 1 }),
      report,
      rootMfaDevices: ok([{ serialNumber: 'GAHT1', kind: 'hardware' }]),
    });
    expect(r.message).toBe('The root user has MFA (1 MFA device: 1 hardware TOTP token).');
  });

  it('IAM.6: a virtual device assigned to root fails beside hardware ones; hardware or FIDO alone passes', () => {
    const withMfa = rootMfa({ summary: ok({ AccountMFAEnabled: 1 }), report });
    const rootVirtual = { serialNumber: `arn:aws:iam::${ACCT}:mfa/phone`, userArn: `arn:aws:iam::${ACCT}:root` };
    const mixed = ok([
      { serialNumber: rootVirtual.serialNumber, kind: 'virtual' as const },
      { serialNumber: `arn:aws:iam::${ACCT}:u2f/root/k`, kind: 'fido' as const },
    ]);
    const fail = rootHardwareMfa(withMfa, ok([rootVirtual]), ACCT, mixed);
    expect(fail).toMatchObject({ status: 'fail', resources: [ACCT] });
    expect(fail.message).toContain('the Security Hub IAM.6 judgement: no virtual MFA device assigned to the root user');
    expect(fail.message).toContain(
      'The root user has 2 MFA devices: 1 FIDO security key or passkey, 1 virtual device.',
    );
    for (const kind of ['hardware', 'fido'] as const) {
      const pass = rootHardwareMfa(withMfa, ok([]), ACCT, ok([{ serialNumber: 'x', kind }]));
      expect(pass.status).toBe('pass');
      expect(pass.message).toContain('passes the Security Hub IAM.6 judgement');
    }
  });

  it("a user's virtual device named like root's is not root's: the device's user decides", () => {
    expect(
      isRootVirtualDevice(
        { serialNumber: `arn:aws:iam::${ACCT}:mfa/root-account-mfa-device`, userArn: `arn:aws:iam::${ACCT}:user/erin` },
        ACCT,
      ),
    ).toBe(false);
  });
});

describe('the account belongs to an organization (Security Hub Account.2)', () => {
  it('fails outside an organization, saying why centralized root access needs one', () => {
    const r = organizationMember(ok({ member: false, code: 'AWSOrganizationsNotInUseException' }), ACCT);
    expect(r).toMatchObject({ status: 'fail', resources: [ACCT], controls: ['Security Hub Account.2'] });
    expect(r.message).toContain('AWSOrganizationsNotInUseException');
    expect(r.message).toContain('centralized root access');
  });
  it('passes for a member and for the management account', () => {
    expect(
      organizationMember(ok({ member: true, id: 'o-1', managementAccountId: '111122223333' }), ACCT),
    ).toMatchObject({
      status: 'pass',
      message: 'This account is a member of organization o-1 (management account 111122223333).',
    });
    expect(organizationMember(ok({ member: true, id: 'o-1', managementAccountId: ACCT }), ACCT).message).toBe(
      'This account is the management account of organization o-1.',
    );
  });
  it('is not-checked with the refused action', () => {
    expect(organizationMember(no('organizations:DescribeOrganization was denied'), ACCT)).toMatchObject({
      status: 'not-checked',
      message: 'Not checked: organizations:DescribeOrganization was denied',
    });
  });
});

describe('the contacts are more than one person', () => {
  const jane = { name: 'Jane Doe', email: 'jane@example.com', phone: '+1 555 0100' };
  it('the same person: one e-mail (any case), or one name and phone number (any spacing)', () => {
    expect(samePerson(jane, { name: 'Someone', email: ' JANE@example.com' })).toBe(true);
    expect(samePerson(jane, { name: 'jane  doe', phone: '+1 (555) 0100' })).toBe(true);
    expect(samePerson(jane, { name: 'Jane Doe', phone: '+1 555 0199' })).toBe(false);
    expect(samePerson({ name: 'A' }, { name: 'A' })).toBe(false);
    expect(samePerson({ email: '' }, { email: '' })).toBe(false);
  });

  it('fails when one person is every contact, with the reason and the small-company note', () => {
    const r = contactsDistinct(
      ok({
        billing: jane,
        operations: jane,
        security: { ...jane, email: 'JANE@example.com' },
        primary: { name: 'Jane Doe', phone: '+15550100' },
      }),
      ACCT,
    );
    expect(r).toMatchObject({ status: 'fail', resources: [ACCT], controls: NEXT_STEPS['contacts-distinct'].controls });
    expect(r.message).toContain('One person (Jane Doe) is all four contacts');
    expect(r.message).toContain('AWS has nobody else to reach');
    expect(r.message).toContain('A small company may accept this.');
  });

  it('links contacts through each other, and passes once two people are behind them', () => {
    const bob = { name: 'Bob', email: 'bob@example.com', phone: '+1 555 0111' };
    const people = contactPeople({
      billing: jane,
      operations: { ...bob, email: 'jane@example.com' },
      security: bob,
      primary: null,
    });
    expect(people.map((p) => p.roles)).toEqual([['billing', 'operations', 'security']]);
    const r = contactsDistinct(ok({ billing: jane, operations: jane, security: bob, primary: null }), ACCT);
    expect(r).toMatchObject({
      status: 'pass',
      message: 'The 3 contacts set reach 2 different people: billing and operations; security.',
    });
  });

  it('needs two contacts to compare, and says which read was refused', () => {
    expect(contactsDistinct(ok({ billing: jane, operations: null, security: null, primary: null }), ACCT).status).toBe(
      'not-checked',
    );
    expect(contactsDistinct(no('account:GetAlternateContact was denied'), ACCT)).toMatchObject({
      status: 'not-checked',
      message: 'Not checked: account:GetAlternateContact was denied',
    });
  });
});

describe('console users without MFA (CIS v5.0.0 1.9)', () => {
  it('lists users with a password and no MFA, ignoring the root row and users without a password', () => {
    const rows = [
      row('<root_account>', { password_enabled: 'not_supported' }),
      row('alice', { password_enabled: 'true', mfa_active: 'true' }),
      row('bob', { password_enabled: 'true' }),
      row('ci', { access_key_1_active: 'true', access_key_1_last_rotated: daysAgo(1) }),
    ];
    expect(consoleMfa(rows)).toMatchObject({
      status: 'fail',
      message: '1 console user without MFA: bob.',
      resources: [`arn:aws:iam::${ACCT}:user/bob`],
    });
    expect(consoleMfa(rows.filter((r) => r.user !== 'bob'))).toMatchObject({
      status: 'pass',
      message: 'The only console user has MFA.',
    });
    expect(consoleMfa([row('ci')])).toMatchObject({ status: 'pass', message: 'No IAM user has a console password.' });
  });
});

describe('console users without MFA, when the credential report is older than the users', () => {
  const generatedAt = new Date('2026-11-28T09:00:00Z');
  const rows = [
    row('carol', { password_enabled: 'true' }),
    row('dave', { password_enabled: 'true' }),
    row('erin', { password_enabled: 'true', mfa_active: 'true' }),
  ];
  const user = (name: string, console: boolean, mfa: boolean) => ({
    name,
    arn: `arn:aws:iam::${ACCT}:user/${name}`,
    console,
    mfa,
  });

  it('goes by IAM for users enrolled, created or deleted since, and says the report is older', () => {
    const r = consoleMfa(
      rows,
      // carol enrolled MFA, alice is new (console, no MFA), bob is new with MFA; dave is unchanged; erin left.
      {
        users: [
          user('carol', true, true),
          user('dave', true, false),
          user('alice', true, false),
          user('bob', true, true),
        ],
        gone: ['erin'],
        notRead: 0,
      },
      generatedAt,
    );
    expect(r.status).toBe('fail');
    expect(r.resources).toEqual([`arn:aws:iam::${ACCT}:user/dave`, `arn:aws:iam::${ACCT}:user/alice`]);
    expect(r.message).toBe(
      '2 console users without MFA: dave, alice. The credential report (generated 2026-11-28T09:00:00.000Z) is ' +
        'older than changes to alice, bob, carol: AWS regenerates it at most every 4 hours, so it can be up to 4 ' +
        'hours old, and rootlock read these users directly in IAM.',
    );
  });

  it('passes when IAM shows the users the report flags have enrolled since, naming them', () => {
    const r = consoleMfa(
      rows,
      { users: [user('carol', true, true), user('dave', false, false)], gone: [], notRead: 0 },
      generatedAt,
    );
    expect(r).toMatchObject({ status: 'pass', resources: [] });
    expect(r.message).toMatch(
      /^All 2 console users have MFA\. The credential report \(generated 2026-11-28T09:00:00\.000Z\) is older than changes to carol, dave: /,
    );
  });

  it('says how many users it did not read again when there were too many', () => {
    const r = consoleMfa(rows, { users: [], gone: [], notRead: 30 }, generatedAt);
    expect(r.message).toBe(
      '2 console users without MFA: carol, dave. The credential report (generated 2026-11-28T09:00:00.000Z) can ' +
        'be up to 4 hours old (AWS regenerates it at most every 4 hours), and 30 users it may show out of date were ' +
        'not read again in IAM (too many to read one by one): MFA enrolled since shows when AWS generates a new report.',
    );
  });

  it('adds nothing when IAM agrees with the report, or was not read', () => {
    expect(
      consoleMfa(rows, { users: [user('carol', true, false), user('dave', true, false)], gone: [], notRead: 0 })
        .message,
    ).toBe('2 console users without MFA: carol, dave.');
    expect(consoleMfa(rows).message).toBe('2 console users without MFA: carol, dave.');
    const input = {
      accountId: ACCT,
      now: NOW,
      summary: ok({ AccountMFAEnabled: 1 }),
      report: ok({ generatedAt, rows }),
      consoleUsersNow: no('AccessDenied'),
      passwordPolicy: { state: 'none' as const },
      publicAccessBlock: ok({ configured: false as const }),
    } satisfies NextStepsInput;
    expect(analyzeNextSteps(input).find((i) => i.id === 'console-mfa')?.message).toBe(
      '2 console users without MFA: carol, dave.',
    );
  });
});

describe('unused credentials (CIS v5.0.0 1.11, 45 days)', () => {
  it.each([
    [
      'password used 45 days ago',
      row('u', { password_enabled: 'true', password_last_used: daysAgo(45) }),
      ['console password'],
    ],
    ['password used 44 days ago', row('u', { password_enabled: 'true', password_last_used: daysAgo(44) }), []],
    [
      'password never used, set 50 days ago',
      row('u', { password_enabled: 'true', password_last_used: 'no_information', password_last_changed: daysAgo(50) }),
      ['console password'],
    ],
    [
      'password never used, user 10 days old',
      row('u', { user_creation_time: daysAgo(10), password_enabled: 'true', password_last_used: 'no_information' }),
      [],
    ],
    [
      'active key used yesterday',
      row('u', {
        access_key_1_active: 'true',
        access_key_1_last_rotated: daysAgo(200),
        access_key_1_last_used_date: daysAgo(1),
      }),
      [],
    ],
    [
      'active key never used, 60 days old',
      row('u', { access_key_1_active: 'true', access_key_1_last_rotated: daysAgo(60) }),
      ['access key 1'],
    ],
    [
      'inactive key never used',
      row('u', { access_key_2_active: 'false', access_key_2_last_rotated: daysAgo(300) }),
      [],
    ],
    [
      'second key unused 100 days',
      row('u', {
        access_key_2_active: 'true',
        access_key_2_last_rotated: daysAgo(300),
        access_key_2_last_used_date: daysAgo(100),
      }),
      ['access key 2'],
    ],
  ])('%s', (_name, r, expected) => {
    expect(unusedCredentials([r], NOW).map((u) => u.credential)).toEqual(expected);
  });

  it('never counts the root row (the root-keys step owns it)', () => {
    expect(
      unusedCredentials(
        [row('<root_account>', { access_key_1_active: 'true', access_key_1_last_rotated: daysAgo(999) })],
        NOW,
      ),
    ).toEqual([]);
  });
});

describe('two active keys (CIS v5.0.0 1.12) and old keys (CIS v5.0.0 1.13)', () => {
  const rows = [
    row('both', {
      access_key_1_active: 'true',
      access_key_1_last_rotated: daysAgo(91),
      access_key_2_active: 'true',
      access_key_2_last_rotated: daysAgo(5),
    }),
    row('one', { access_key_1_active: 'true', access_key_1_last_rotated: daysAgo(90) }),
    row('inactive-old', { access_key_1_active: 'false', access_key_1_last_rotated: daysAgo(500) }),
  ];
  it('flags users with two active keys', () => {
    expect(twoActiveKeys(rows)).toMatchObject({
      status: 'fail',
      message: '1 user with two active access keys: both.',
      resources: [`arn:aws:iam::${ACCT}:user/both`],
    });
    expect(twoActiveKeys(rows.slice(1)).status).toBe('pass');
  });
  it('flags active keys older than 90 days (90 exactly is still within), never inactive ones', () => {
    expect(oldAccessKeys(rows, NOW)).toMatchObject({
      status: 'fail',
      message: '1 active access key older than 90 days: both (key 1, 91 days).',
    });
    expect(oldAccessKeys(rows.slice(1), NOW).status).toBe('pass');
  });
});

describe('password policy (CIS v5.0.0 1.7 and 1.8)', () => {
  it.each([
    [{ state: 'none' as const }, 'fail', /No account password policy/],
    [{ state: 'unknown' as const, reason: 'iam:GetAccountPasswordPolicy was denied' }, 'not-checked', /denied/],
    [
      { state: 'present' as const, policy: { MinimumPasswordLength: 14, PasswordReusePrevention: 24 } },
      'pass',
      /Minimum length 14, 24 passwords remembered/,
    ],
    [
      { state: 'present' as const, policy: { MinimumPasswordLength: 8, PasswordReusePrevention: 24 } },
      'fail',
      /minimum length 8 \(needs 14\)/,
    ],
    [{ state: 'present' as const, policy: { MinimumPasswordLength: 16 } }, 'fail', /no reuse prevention \(needs 24\)/],
    [
      { state: 'present' as const, policy: { MinimumPasswordLength: 14, PasswordReusePrevention: 5 } },
      'fail',
      /5 passwords remembered \(needs 24\)/,
    ],
  ])('%j -> %s', (state, status, message) => {
    const r = passwordPolicy(state, ACCT);
    expect(r.status).toBe(status);
    expect(r.message).toMatch(message);
  });
});

describe('S3 Block Public Access for the account (CIS v5.0.0 2.1.4, Security Hub S3.1)', () => {
  const all = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
  it('passes only with all four settings on', () => {
    expect(s3PublicAccessBlock(ok({ configured: true, settings: all }), ACCT)).toMatchObject({
      status: 'pass',
      resources: [],
    });
  });
  it('fails when none was ever set, naming the account', () => {
    const r = s3PublicAccessBlock(ok({ configured: false }), ACCT);
    expect(r).toMatchObject({ status: 'fail', resources: [ACCT] });
    expect(r.message).toMatch(/No account-level Block Public Access/);
    expect(r.controls).toEqual([
      'CIS v5.0.0 2.1.4',
      'CIS v6.0.0 3.1.4',
      'CIS v7.0.0 3.1.4',
      'CIS v3.0.0 2.1.4',
      'Security Hub S3.1',
    ]);
  });
  it('fails when any setting is off or missing, and names which', () => {
    const r = s3PublicAccessBlock(
      ok({ configured: true, settings: { ...all, BlockPublicPolicy: false, RestrictPublicBuckets: undefined } }),
      ACCT,
    );
    expect(r).toMatchObject({ status: 'fail', resources: [ACCT] });
    expect(r.message).toBe(
      'Account-level Block Public Access is only partly on; off: BlockPublicPolicy, RestrictPublicBuckets.',
    );
  });
  it('is not-checked with the reason when it cannot be read', () => {
    expect(s3PublicAccessBlock(no('s3:GetAccountPublicAccessBlock was denied'), ACCT)).toMatchObject({
      status: 'not-checked',
      message: 'Not checked: s3:GetAccountPublicAccessBlock was denied',
    });
  });
});

describe('analyzeNextSteps', () => {
  const input = (o: Partial<NextStepsInput> = {}): NextStepsInput => ({
    accountId: ACCT,
    now: NOW,
    summary: ok({ AccountMFAEnabled: 1 }),
    report: ok({
      rows: [row('alice', { password_enabled: 'true', mfa_active: 'true', password_last_used: daysAgo(1) })],
    }),
    virtualMfa: ok([]),
    passwordPolicy: { state: 'present', policy: { MinimumPasswordLength: 14, PasswordReusePrevention: 24 } },
    publicAccessBlock: ok({
      configured: true,
      settings: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    }),
    organization: ok({ member: true, id: 'o-abc1234567', managementAccountId: '111122223333' }),
    contacts: ok({
      billing: { name: 'Ann Bill', email: 'billing@example.com', phone: '+1 555 0101' },
      operations: { name: 'Ops Team', email: 'ops@example.com', phone: '+1 555 0102' },
      security: { name: 'Sec Team', email: 'security@example.com', phone: '+1 555 0103' },
      primary: { name: 'Example Corp', phone: '+1 555 0100' },
    }),
    ...o,
  });

  it('gives every next step once, in order, with the controls from its metadata', () => {
    const items = analyzeNextSteps(input());
    expect(items.map((i) => i.id)).toEqual([...NEXT_STEP_IDS]);
    for (const i of items) expect(i.controls).toEqual(NEXT_STEPS[i.id].controls);
    expect(items.filter((i) => i.status === 'pass').map((i) => i.id)).toEqual([...NEXT_STEP_IDS]);
  });

  it('a credential report that cannot be read leaves its items not-checked with the reason, and the rest still checked', () => {
    const items = analyzeNextSteps(input({ report: no('iam:GenerateCredentialReport was denied') }));
    const byId = Object.fromEntries(items.map((i) => [i.id, i]));
    for (const id of ['console-mfa', 'unused-credentials', 'two-active-keys', 'old-access-keys'] as const) {
      expect(byId[id]).toMatchObject({
        status: 'not-checked',
        message: 'Not checked: iam:GenerateCredentialReport was denied',
      });
    }
    expect(byId['root-mfa']!.status).toBe('pass');
    expect(byId['password-policy']!.status).toBe('pass');
  });

  it('a failing root MFA names the account as its resource', () => {
    const items = analyzeNextSteps(input({ summary: ok({ AccountMFAEnabled: 0 }), virtualMfa: undefined }));
    expect(items[0]).toMatchObject({ id: 'root-mfa', status: 'fail', resources: [ACCT] });
  });
});
