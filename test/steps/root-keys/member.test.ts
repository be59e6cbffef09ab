/**
 * The organizations path's member root credentials, assessed (pure): access keys, X.509 signing
 * certificates, the console password and MFA devices, each read on its own in the audit session.
 */
import { mfaKind } from '../../../src/aws/mfa.js';
import { describe, expect, it } from 'vitest';
import {
  assessRootKeys,
  certificateCountText,
  mfaDevicesText,
  type MemberCredentials,
  type Prerequisite,
  type RootKey,
  type RootKeysState,
} from '../../../src/steps/root-keys/analysis.js';
import { KEY_CONTROLS } from '../../../src/steps/root-keys/meta.js';

const ACCT = '123456789012';
const MEMBER = '210987654321';
const NOW = new Date('2026-11-28T12:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
const VIRTUAL = `arn:aws:iam::${MEMBER}:mfa/root-account-mfa-device`;
const FIDO = `arn:aws:iam::${MEMBER}:u2f/root-account-mfa-device/ABCDEFGHIJKLMNOPQRSTUVWXYZ`;
const HARDWARE = 'GAHT12345678';

const READY: Prerequisite[] = [
  { id: 'admins', title: 'Administrators', status: 'pass', summary: 'ok', source: 'session' },
  { id: 'ec2-roles', title: 'EC2 instance roles', status: 'pass', summary: 'ok', source: 'session' },
  { id: 'billing-recovery', title: 'Billing and recovery', status: 'manual', summary: 'attest', source: 'session' },
];

function key(over: Partial<RootKey> = {}): RootKey {
  return { id: 'AKIAAAAAAAAAAAAA1111', active: true, sessionKey: false, createdAt: daysAgo(100), ...over };
}

/** Nothing at all, every read answered. */
function none(over: Partial<MemberCredentials> = {}): MemberCredentials {
  return { certificates: [], password: null, mfaDevices: [], errors: {}, ...over };
}

/** A member account on the organizations path whose audit session opened. */
function member(m: MemberCredentials, over: Partial<RootKeysState> = {}): RootKeysState {
  return {
    now: NOW,
    path: 'organizations',
    pathReason: 'because',
    account: MEMBER,
    sessionAccount: ACCT,
    callerType: 'assumed-role',
    temporary: true,
    keys: [],
    keysSource: m.errors.accessKeys ? 'none' : 'api',
    prerequisites: READY,
    reactivated: [],
    org: { status: 'enabled', features: ['RootCredentialsManagement'] },
    member: m,
    ...over,
  };
}

const ids = (a: ReturnType<typeof assessRootKeys>) => a.findings.map((f) => f.id);
const finding = (a: ReturnType<typeof assessRootKeys>, id: string) => a.findings.find((f) => f.id === id);
const denied = (action: string) => ({ action, code: 'AccessDenied', message: 'explicit deny in an SCP' });

describe('mfaKind', () => {
  it('tells virtual devices, FIDO security keys or passkeys and hardware TOTP tokens apart by serial', () => {
    expect(mfaKind(VIRTUAL)).toBe('virtual');
    expect(mfaKind(FIDO)).toBe('fido');
    expect(mfaKind(HARDWARE)).toBe('hardware');
    // Only an ARN is a virtual or FIDO serial.
    expect(mfaKind('mfa/u2f/not-an-arn')).toBe('hardware');
    expect(mfaKind(`arn:aws:iam::${MEMBER}:user/alice`)).toBe('hardware');
  });

  it('counts devices and certificates in words', () => {
    expect(mfaDevicesText([{ kind: 'virtual' }, { kind: 'fido' }, { kind: 'fido' }, { kind: 'hardware' }])).toBe(
      '4 MFA devices (1 virtual, 2 FIDO security key or passkey, 1 hardware TOTP)',
    );
    expect(mfaDevicesText([{ kind: 'hardware' }])).toBe('1 MFA device (1 hardware TOTP)');
    expect(certificateCountText([{ active: true }, { active: false }])).toBe(
      '2 signing certificates (1 active, 1 inactive)',
    );
    expect(certificateCountText([{ active: false }])).toBe('1 signing certificate (1 inactive)');
  });
});

describe('assessRootKeys: a member account read in an audit session', () => {
  it('passes a member with no root credentials at all, and says root MFA is not applicable', () => {
    const a = assessRootKeys(member(none()));
    expect(a.status).toBe('pass');
    expect(a.summary).toBe(
      `No root access keys in member account ${MEMBER}. No other root credentials either (signing ` +
        'certificates, console password, MFA devices): root MFA is not applicable.',
    );
    expect(ids(a)).toContain('root-keys.member-mfa-not-applicable');
    expect(ids(a)).not.toContain('root-keys.member-mfa-not-checked');
    expect(finding(a, 'root-keys.member-mfa-not-applicable')).toMatchObject({ kind: 'info', severity: 'info' });
    expect(a.details.mfaEnabled).toBeNull();
    expect(a.details.memberCredentials).toEqual({ accessKeys: 0, certificates: 0, password: false, mfaDevices: [] });
  });

  it('fails on signing certificates alone (API credentials too), with the controls of keys and how rootlock deletes them', () => {
    const a = assessRootKeys(
      member(none({ certificates: [{ id: 'CERTAAAA1111', active: false, uploadedAt: daysAgo(30) }] })),
    );
    expect(a.status).toBe('fail');
    expect(a.summary).toBe(
      `The root user has 1 signing certificate (1 inactive) in member account ${MEMBER}, and no access keys.`,
    );
    const f = finding(a, 'root-keys.certificates');
    expect(f).toMatchObject({
      kind: 'fail',
      severity: 'high',
      resource: `arn:aws:iam::${MEMBER}:root`,
      controls: KEY_CONTROLS,
    });
    expect(f?.message).toContain(`CERTAAAA1111 (inactive, uploaded ${daysAgo(30).toISOString().slice(0, 10)})`);
    expect(f?.message).toContain('API credentials too');
    expect(f?.remediation).toContain(`rootlock --only root-keys --target-account ${MEMBER}`);
    expect(f?.remediation).toContain('IAMDeleteRootUserCredentials');
    expect(f?.remediation).not.toContain('removes only access keys');
    expect(ids(a)).not.toContain('root-keys.present');
    expect(ids(a)).not.toContain('root-keys.member-mfa-not-applicable');
    expect(a.details).toMatchObject({
      keysPresent: false,
      certificatesPresent: true,
      certificatesSource: 'api',
      certificates: [{ id: 'CERTAAAA1111', active: false, ageDays: 30 }],
      memberCredentials: { accessKeys: 0, certificates: 1, password: false, mfaDevices: [] },
    });
  });

  it('fails on access keys as before, and names certificates beside them', () => {
    const a = assessRootKeys(
      member(
        none({
          certificates: [
            { id: 'CERT1', active: true },
            { id: 'CERT2', active: false },
          ],
        }),
        { keys: [key(), key({ id: 'AKIAAAAAAAAAAAAA2222', active: false })] },
      ),
    );
    expect(a.status).toBe('fail');
    expect(a.summary).toBe(
      `The root user has 2 access keys (1 active, 1 inactive) and 2 signing certificates (1 active, 1 inactive) ` +
        `in member account ${MEMBER}.`,
    );
    expect(ids(a)).toEqual(expect.arrayContaining(['root-keys.present', 'root-keys.certificates']));
    expect(finding(a, 'root-keys.present')?.remediation).toContain(`--target-account ${MEMBER}`);
    expect(a.details.memberCredentials).toMatchObject({ accessKeys: 2, certificates: 2 });
  });

  it('reports a password and MFA devices as information, by kind, and still passes', () => {
    const a = assessRootKeys(
      member(
        none({
          password: { createdAt: daysAgo(700) },
          mfaDevices: [
            { kind: 'virtual', serial: VIRTUAL },
            { kind: 'fido', serial: FIDO },
            { kind: 'hardware', serial: HARDWARE },
          ],
        }),
      ),
    );
    expect(a.status).toBe('pass');
    expect(a.summary).toBe(
      `No root access keys in member account ${MEMBER}. The root user has a console password and ` +
        '3 MFA devices (1 virtual, 1 FIDO security key or passkey, 1 hardware TOTP).',
    );
    const password = finding(a, 'root-keys.member-password');
    expect(password).toMatchObject({ kind: 'info', severity: 'info' });
    expect(password?.message).toContain(`created ${daysAgo(700).toISOString().slice(0, 10)}`);
    expect(password?.message).toContain('best left without root credentials');
    expect(password?.message).not.toContain('no MFA device');
    expect(password?.remediation).toContain('IAMCreateRootUserPassword');
    const mfa = finding(a, 'root-keys.member-mfa');
    expect(mfa).toMatchObject({ kind: 'info', severity: 'info' });
    expect(mfa?.message).toContain('3 MFA devices (1 virtual, 1 FIDO security key or passkey, 1 hardware TOTP)');
    expect(ids(a)).not.toContain('root-keys.member-mfa-not-checked');
    expect(ids(a)).not.toContain('root-keys.member-mfa-not-applicable');
    expect(ids(a)).not.toContain('root-keys.no-mfa');
    expect(a.details.memberCredentials).toEqual({
      accessKeys: 0,
      certificates: 0,
      password: true,
      mfaDevices: [
        { kind: 'virtual', serial: VIRTUAL },
        { kind: 'fido', serial: FIDO },
        { kind: 'hardware', serial: HARDWARE },
      ],
    });
  });

  it('says when a password has no MFA device, and when MFA devices have no password', () => {
    const bare = assessRootKeys(member(none({ password: {} })));
    expect(finding(bare, 'root-keys.member-password')?.message).toContain('has a console password and no MFA device.');
    const leftover = assessRootKeys(member(none({ mfaDevices: [{ kind: 'virtual', serial: VIRTUAL }] })));
    expect(finding(leftover, 'root-keys.member-mfa')?.message).toContain('and no console password');
    expect(ids(leftover)).not.toContain('root-keys.member-password');
  });

  it('counts the reads that answered when another fails, and says which did not', () => {
    const a = assessRootKeys(
      member({
        password: null,
        mfaDevices: [],
        errors: { certificates: denied('iam:ListSigningCertificates') },
      }),
    );
    expect(a.status).toBe('pass');
    expect(a.summary).toBe(
      `No root access keys in member account ${MEMBER}. Not read: signing certificates (AccessDenied).`,
    );
    const f = finding(a, 'root-keys.member-unreadable');
    expect(f).toMatchObject({ kind: 'warn', severity: 'medium' });
    expect(f?.message).toContain('signing certificates (iam:ListSigningCertificates failed, AccessDenied');
    // Not all four answered: "no credentials at all" cannot be said; MFA was read, so it is not "not checked".
    expect(ids(a)).not.toContain('root-keys.member-mfa-not-applicable');
    expect(ids(a)).not.toContain('root-keys.member-mfa-not-checked');
    expect(a.details.memberCredentials).toEqual({
      accessKeys: 0,
      certificates: null,
      password: false,
      mfaDevices: [],
      errors: { certificates: denied('iam:ListSigningCertificates') },
    });
  });

  it('keeps root-keys.member-mfa-not-checked when the MFA devices could not be read', () => {
    const a = assessRootKeys(
      member({
        certificates: [],
        errors: { password: denied('iam:GetLoginProfile'), mfaDevices: denied('iam:ListMFADevices') },
      }),
    );
    expect(a.status).toBe('pass');
    expect(ids(a)).toEqual(expect.arrayContaining(['root-keys.member-mfa-not-checked', 'root-keys.member-unreadable']));
    expect(a.summary).toContain('Not read: console password (AccessDenied), MFA devices (AccessDenied).');
    expect(a.details.memberCredentials).toMatchObject({ password: null, mfaDevices: null });
  });

  it('is an error when the access keys could not be listed, whatever the other reads found', () => {
    const a = assessRootKeys(
      member(none({ password: {}, errors: { accessKeys: denied('iam:ListAccessKeys') } }), { keysSource: 'none' }),
    );
    expect(a.status).toBe('error');
    expect(a.summary).toBe(
      `Could not tell whether the root user of member account ${MEMBER} has access keys: iam:ListAccessKeys ` +
        'failed in the audit session (AccessDenied): explicit deny in an SCP',
    );
    expect(a.details).toMatchObject({
      keysPresent: null,
      memberCredentials: {
        accessKeys: null,
        certificates: 0,
        password: true,
        errors: { accessKeys: denied('iam:ListAccessKeys') },
      },
    });
  });

  it('leaves the other paths and a refused AssumeRoot as they were (no member credentials in details)', () => {
    const refused = assessRootKeys(
      member(none(), {
        member: undefined,
        keysSource: 'none',
        targetError: { action: 'sts:AssumeRoot', code: 'AccessDenied', message: 'not authorized' },
      }),
    );
    expect(refused.status).toBe('error');
    expect(refused.summary).toMatch(/^sts:AssumeRoot was refused for member account 210987654321/);
    expect(ids(refused)).toContain('root-keys.member-mfa-not-checked');
    expect(refused.details.memberCredentials).toBeUndefined();

    const noMember = assessRootKeys(member(none(), { member: undefined, keys: [] }));
    expect(noMember.summary).toBe(`No root access keys in member account ${MEMBER}.`);
    expect(ids(noMember)).toContain('root-keys.member-mfa-not-checked');
  });

  it('reports the management account keys unless the read was left out (check --org)', () => {
    expect(ids(assessRootKeys(member(none(), { sessionAccountKeysPresent: true })))).toContain(
      'root-keys.session-account-keys',
    );
    expect(ids(assessRootKeys(member(none())))).not.toContain('root-keys.session-account-keys');
  });
});
