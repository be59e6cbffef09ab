/**
 * root-keys in an organization fix (pure): the changes for each combination of credential kinds and
 * their order (certificates, keys, password, MFA devices last), nothing for the management account
 * or an unread member, the facts, recent use at its boundaries, why an account is out of reach, and
 * the single-member password recovery's plan and answer check.
 */
import { describe, expect, it } from 'vitest';
import type { OrgAccountRef, OrgDecisions, RootCredentialKinds } from '../../../src/engine/step.js';
import type { MemberCredentials, RootKey, RootKeysState } from '../../../src/steps/root-keys/analysis.js';
import { step } from '../../../src/steps/root-keys/index.js';
import {
  MANAGEMENT_UNREACHABLE,
  orgRootCredentialFacts,
  orgRootRecentUse,
  orgRootUnreachable,
  planOrgRootCredentials,
  rootKeysOrg,
} from '../../../src/steps/root-keys/org.js';
import { buildPlan } from '../../../src/steps/root-keys/plan.js';
import { readBackDeactivateMfaDevice, readBackDeleteLoginProfile } from '../../../src/steps/root-keys/read-back.js';
import { readMemberCredentials } from '../../../src/steps/root-keys/read.js';
import type { ClientPool } from '../../../src/aws/pool.js';
import { validateRecoverAnswer } from '../../../src/steps/root-keys/recover.js';

const ACCT = '123456789012';
const MEMBER = '210987654321';
const NOW = new Date('2026-12-06T12:00:00Z');
const daysAgo = (n: number, extraMs = 0) => new Date(NOW.getTime() - n * 86_400_000 - extraMs);
const VIRTUAL = `arn:aws:iam::${MEMBER}:mfa/root-account-mfa-device`;
const FIDO = `arn:aws:iam::${MEMBER}:u2f/root-account-mfa-device/ABCDEFGHIJKLMNOPQRSTUVWXYZ`;
const KEY = 'AKIAMEMBERMEMBER0001';
const CERT = 'CERTIFICATE0000000000000000000001';

const account = (over: Partial<OrgAccountRef> = {}): OrgAccountRef => ({
  id: MEMBER,
  name: 'member',
  ou: 'Root/Workloads',
  ouIds: ['r-abcd', 'ou-abcd-11111111'],
  management: false,
  ...over,
});
const ALL: RootCredentialKinds = { accessKeys: true, signingCertificates: true, password: true, mfaDevices: true };
const decisions = (kinds: Partial<RootCredentialKinds> = ALL): OrgDecisions => ({
  rootCredentials: { accessKeys: false, signingCertificates: false, password: false, mfaDevices: false, ...kinds },
});

function key(over: Partial<RootKey> = {}): RootKey {
  return { id: KEY, active: true, sessionKey: false, createdAt: daysAgo(300), ...over };
}

/** Every kind: one key, one certificate, a password, a virtual and a FIDO device. */
function everything(over: Partial<MemberCredentials> = {}): MemberCredentials {
  return {
    certificates: [{ id: CERT, active: true }],
    password: { createdAt: daysAgo(400), lastUsed: null },
    mfaDevices: [
      { kind: 'virtual', serial: VIRTUAL },
      { kind: 'fido', serial: FIDO },
    ],
    errors: {},
    ...over,
  };
}

/** A member read from the management side, its audit session open. */
function member(m: MemberCredentials | undefined, over: Partial<RootKeysState> = {}): RootKeysState {
  return {
    now: NOW,
    path: 'organizations',
    pathReason: 'because',
    account: MEMBER,
    sessionAccount: ACCT,
    callerType: 'iam-user',
    temporary: false,
    keys: m && !m.errors.accessKeys ? [key()] : [],
    keysSource: m && !m.errors.accessKeys ? 'api' : 'none',
    prerequisites: [],
    reactivated: [],
    org: { status: 'enabled', features: ['RootCredentialsManagement'] },
    ...(m ? { member: m } : {}),
    ...over,
  };
}

/** The management account, read with its own session by an IAM operator (console path). */
function management(over: Partial<RootKeysState> = {}): RootKeysState {
  return {
    now: NOW,
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
    summary: { keysPresent: true, mfaEnabled: true, certificatesPresent: false, passwordPresent: true },
    ...over,
  };
}

const shape = (changes: ReturnType<typeof planOrgRootCredentials>) =>
  changes.map((c) => `${c.operation} ${JSON.stringify(c.params)}`);

describe('plan: a member root user with every kind of credential', () => {
  const kindsList: Array<keyof RootCredentialKinds> = ['signingCertificates', 'accessKeys', 'password', 'mfaDevices'];
  const expected: Record<keyof RootCredentialKinds, string[]> = {
    signingCertificates: [`DeleteSigningCertificate {"CertificateId":"${CERT}"}`],
    accessKeys: [`DeleteAccessKey {"AccessKeyId":"${KEY}"}`],
    password: ['DeleteLoginProfile {}'],
    mfaDevices: [`DeactivateMFADevice {"SerialNumber":"${VIRTUAL}"}`, `DeactivateMFADevice {"SerialNumber":"${FIDO}"}`],
  };
  // Every one of the 16 combinations of kinds.
  const combos = Array.from({ length: 16 }, (_, bits) => kindsList.filter((_, i) => bits & (1 << i)));

  it.each(combos.map((c) => [c.join('+') || 'nothing', c] as const))('kinds %s', (_name, kinds) => {
    const chosen = Object.fromEntries(kinds.map((k) => [k, true]));
    const changes = planOrgRootCredentials(member(everything()), decisions(chosen), account());
    // Only the chosen kinds, always in the order certificates, keys, password, MFA devices; MFA devices
    // stay while the password stays (it is not chosen).
    const sent = kindsList.filter((k) => kinds.includes(k) && (k !== 'mfaDevices' || kinds.includes('password')));
    expect(shape(changes)).toEqual(sent.flatMap((k) => expected[k]));
  });

  it('deactivates MFA devices when no password is left, and keeps them while the password stays', () => {
    const noPassword = member({ ...everything(), password: null });
    const mfaOnly = decisions({ mfaDevices: true });
    expect(shape(planOrgRootCredentials(noPassword, mfaOnly, account()))).toEqual(expected.mfaDevices);
    expect(planOrgRootCredentials(member(everything()), mfaOnly, account())).toEqual([]);
  });

  it('sends each in an IAMDeleteRootUserCredentials session of the member, without UserName, as destructive, idempotent changes with read-backs', () => {
    const changes = planOrgRootCredentials(member(everything()), decisions(), account());
    expect(changes.map((c) => c.id)).toEqual([
      `root-keys/org-delete-certificate/${MEMBER}/${CERT}`,
      `root-keys/org-delete/${MEMBER}/${KEY}`,
      `root-keys/org-delete-password/${MEMBER}`,
      `root-keys/org-deactivate-mfa/${MEMBER}/${VIRTUAL}`,
      `root-keys/org-deactivate-mfa/${MEMBER}/${FIDO}`,
    ]);
    for (const c of changes) {
      expect(c.session).toEqual({ assumeRoot: { accountId: MEMBER, taskPolicy: 'IAMDeleteRootUserCredentials' } });
      expect(c.params).not.toHaveProperty('UserName');
      expect(c).toMatchObject({
        service: 'iam',
        destructive: true,
        idempotent: true,
        alreadyDoneCodes: ['NoSuchEntity'],
      });
      expect(typeof c.readBack).toBe('function');
    }
    // The password goes before any MFA device: never a password left without MFA.
    const ops = changes.map((c) => c.operation);
    expect(ops.indexOf('DeleteLoginProfile')).toBeLessThan(ops.indexOf('DeactivateMFADevice'));
    expect(ops.lastIndexOf('DeactivateMFADevice')).toBe(ops.length - 1);
  });

  it('is the step definition hook', () => {
    expect(step.org).toBe(rootKeysOrg);
    expect(rootKeysOrg.plan(member(everything()), decisions(), account())).toHaveLength(5);
  });
});

describe('plan: nothing to do, or nothing that can be done', () => {
  it('plans nothing for the management account, whatever its root user has', () => {
    expect(planOrgRootCredentials(member(everything()), decisions(), account({ management: true }))).toEqual([]);
    expect(planOrgRootCredentials(management(), decisions(), account({ id: ACCT, management: true }))).toEqual([]);
  });

  it('plans nothing when the member was not read: audit session refused, feature off, no member credentials', () => {
    const refused = member(undefined, {
      targetError: { action: 'sts:AssumeRoot', code: 'AccessDenied', message: 'no' },
    });
    expect(planOrgRootCredentials(refused, decisions(), account())).toEqual([]);
    const off = member(everything(), { org: { status: 'feature-off', features: [] } });
    expect(planOrgRootCredentials(off, decisions(), account())).toEqual([]);
    expect(planOrgRootCredentials(member(undefined), decisions(), account())).toEqual([]);
  });

  it('plans nothing for a member root user with no credentials', () => {
    const clean = member({ certificates: [], password: null, mfaDevices: [], errors: {} }, { keys: [] });
    expect(planOrgRootCredentials(clean, decisions(), account())).toEqual([]);
  });

  it('plans the kinds that were read, not those whose read failed', () => {
    const denied = { action: 'x', code: 'AccessDenied', message: 'SCP' };
    const partial = member(
      everything({
        errors: { accessKeys: denied, password: denied },
        password: undefined,
      }),
    );
    expect(shape(planOrgRootCredentials(partial, decisions(), account()))).toEqual([
      `DeleteSigningCertificate {"CertificateId":"${CERT}"}`,
      `DeactivateMFADevice {"SerialNumber":"${VIRTUAL}"}`,
      `DeactivateMFADevice {"SerialNumber":"${FIDO}"}`,
    ]);
  });

  it('refuses a state planned for another account', () => {
    expect(() => planOrgRootCredentials(member(everything()), decisions(), account({ id: '333333333333' }))).toThrow(
      /state of account 210987654321 planned for account 333333333333/,
    );
  });
});

describe('facts', () => {
  it('counts a member root user credentials', () => {
    expect(orgRootCredentialFacts(member(everything()))).toEqual({
      accessKeys: 1,
      signingCertificates: 1,
      password: true,
      mfaDevices: 2,
    });
    expect(
      orgRootCredentialFacts(member({ certificates: [], password: null, mfaDevices: [], errors: {} }, { keys: [] })),
    ).toEqual({ accessKeys: 0, signingCertificates: 0, password: false, mfaDevices: 0 });
  });

  it('says -1 or unknown for what could not be read', () => {
    const denied = { action: 'x', code: 'AccessDenied', message: 'SCP' };
    const m = everything({
      errors: { accessKeys: denied, certificates: denied, password: denied, mfaDevices: denied },
      certificates: undefined,
      password: undefined,
      mfaDevices: undefined,
    });
    expect(orgRootCredentialFacts(member(m))).toEqual({
      accessKeys: -1,
      signingCertificates: -1,
      password: 'unknown',
      mfaDevices: -1,
    });
    expect(orgRootCredentialFacts(member(undefined))).toEqual({
      accessKeys: -1,
      signingCertificates: -1,
      password: 'unknown',
      mfaDevices: -1,
    });
  });

  it('counts the management account from its own session (GetAccountSummary where nothing listed)', () => {
    expect(orgRootCredentialFacts(management())).toEqual({
      accessKeys: -1,
      signingCertificates: 0,
      password: true,
      mfaDevices: -1,
    });
    expect(
      orgRootCredentialFacts(
        management({
          summary: { keysPresent: false, mfaEnabled: false, certificatesPresent: false, passwordPresent: false },
        }),
      ),
    ).toEqual({ accessKeys: 0, signingCertificates: 0, password: false, mfaDevices: 0 });
  });
});

describe('recentUse', () => {
  it('names a key and the password used within the window, with the day and how long ago', () => {
    const state = member(everything({ password: { lastUsed: daysAgo(5) } }), {
      keys: [key({ lastUsed: daysAgo(0, 3_600_000) })],
    });
    expect(orgRootRecentUse(state, NOW, 30)).toEqual([
      'root access key AKIA************0001 used 2026-12-06 (today)',
      'root password used 2026-12-01 (5 days ago)',
    ]);
  });

  it('counts a use exactly `days` whole days ago, not one a day older', () => {
    const at = (d: number, extra = 0) =>
      member(everything({ password: { lastUsed: daysAgo(d, extra) } }), {
        keys: [key({ lastUsed: daysAgo(d, extra) })],
      });
    expect(orgRootRecentUse(at(30), NOW, 30)).toHaveLength(2);
    // 30 days and 23 hours: still 30 whole days.
    expect(orgRootRecentUse(at(30, 23 * 3_600_000), NOW, 30)).toHaveLength(2);
    expect(orgRootRecentUse(at(31), NOW, 30)).toEqual([]);
    expect(orgRootRecentUse(at(1), NOW, 1)).toEqual([
      'root access key AKIA************0001 used 2026-12-05 (1 day ago)',
      'root password used 2026-12-05 (1 day ago)',
    ]);
  });

  it('is empty when nothing was used: never-used key, password without recorded use, no password', () => {
    expect(orgRootRecentUse(member(everything()), NOW, 90)).toEqual([]);
    expect(orgRootRecentUse(member(everything({ password: null })), NOW, 90)).toEqual([]);
  });

  it('names a password whose last use could not be read (GetUser not answered)', () => {
    const state = member(everything({ password: { createdAt: daysAgo(400) } }));
    expect(orgRootRecentUse(state, NOW, 90)).toEqual([
      'root password: when it was last used is unknown (iam:GetUser was not answered)',
    ]);
  });

  it('on the management account: the credential report password use, not the session own key', () => {
    const state = management({
      path: 'root-own',
      keys: [key({ sessionKey: true, lastUsed: NOW }), key({ id: 'AKIAOTHEROTHER000002', lastUsed: daysAgo(2) })],
      keysSource: 'api',
      report: { keys: [], passwordLastUsed: daysAgo(3) },
    });
    expect(orgRootRecentUse(state, NOW, 7)).toEqual([
      'root access key AKIA************0002 used 2026-12-04 (2 days ago)',
      'root password used 2026-12-03 (3 days ago)',
    ]);
  });
});

describe('unreachable', () => {
  it('the management account own root user, with the way to do it instead', () => {
    expect(orgRootUnreachable(management(), account({ id: ACCT, management: true }))).toBe(MANAGEMENT_UNREACHABLE);
    expect(MANAGEMENT_UNREACHABLE).toBe(
      "sts:AssumeRoot cannot reach the management account's own root user; run `rootlock --only root-keys` " +
        'signed in to the management account for it',
    );
  });

  it('a member when centralized root access is off, or the audit session was refused', () => {
    expect(orgRootUnreachable(member(undefined, { org: { status: 'feature-off', features: [] } }), account())).toBe(
      'centralized root credentials management (RootCredentialsManagement) is off',
    );
    expect(
      orgRootUnreachable(
        member(undefined, { org: { status: 'trusted-access-off', features: [], message: 'not enabled' } }),
        account(),
      ),
    ).toMatch(/^trusted access for IAM .* centralized root access is off \(AWS said: not enabled\)$/);
    expect(
      orgRootUnreachable(
        member(undefined, { targetError: { action: 'sts:AssumeRoot', code: 'AccessDenied', message: 'SCP' } }),
        account(),
      ),
    ).toBe(`sts:AssumeRoot was refused for member account ${MEMBER} (AccessDenied): SCP`);
  });

  it('nothing for a member that was read', () => {
    expect(orgRootUnreachable(member(everything()), account())).toBeUndefined();
  });
});

describe('read-backs of the password and MFA changes', () => {
  const noSuchEntity = Object.assign(new Error('Login Profile for User root cannot be found.'), {
    name: 'NoSuchEntity',
    $metadata: { httpStatusCode: 404 },
  });
  const since = { since: NOW };

  it('DeleteLoginProfile: in place once GetLoginProfile answers NoSuchEntity', async () => {
    const gone = async () => {
      throw noSuchEntity;
    };
    expect(await readBackDeleteLoginProfile(gone, {}, since)).toBe('in-place');
    const there = async () => ({ LoginProfile: { CreateDate: NOW } });
    expect(await readBackDeleteLoginProfile(there, {}, since)).toBe('absent');
  });

  it('DeactivateMFADevice: in place once ListMFADevices (all pages, no UserName) no longer lists the serial', async () => {
    const calls: Array<Record<string, unknown>> = [];
    const pages = (serials: string[][]) => async (_s: string, _o: string, p: Record<string, unknown>) => {
      calls.push(p);
      const i = p.Marker ? Number(p.Marker) : 0;
      const more = i + 1 < serials.length;
      return {
        MFADevices: (serials[i] ?? []).map((SerialNumber) => ({ SerialNumber })),
        IsTruncated: more,
        ...(more ? { Marker: String(i + 1) } : {}),
      };
    };
    expect(await readBackDeactivateMfaDevice(pages([[FIDO], [VIRTUAL]]), { SerialNumber: VIRTUAL }, since)).toBe(
      'absent',
    );
    expect(calls).toEqual([{}, { Marker: '1' }]);
    expect(await readBackDeactivateMfaDevice(pages([[FIDO]]), { SerialNumber: VIRTUAL }, since)).toBe('in-place');
  });
});

describe('readMemberCredentials: when the password was last used (GetUser in the audit session)', () => {
  /** A stand-in audit session: every list empty, a password, and GetUser as given. */
  const audit = (getUser: () => unknown, calls: string[] = []) =>
    ({
      async call(_service: string, operation: string, params: Record<string, unknown> = {}) {
        calls.push(`${operation} ${JSON.stringify(params)}`);
        switch (operation) {
          case 'ListAccessKeys':
            return { AccessKeyMetadata: [] };
          case 'ListSigningCertificates':
            return { Certificates: [] };
          case 'ListMFADevices':
            return { MFADevices: [] };
          case 'GetLoginProfile':
            return { LoginProfile: { CreateDate: daysAgo(400) } };
          case 'GetUser':
            return getUser();
          default:
            throw new Error(`unexpected ${operation}`);
        }
      },
    }) as unknown as ClientPool;

  it('reads PasswordLastUsed with GetUser, without UserName, once a password is found', async () => {
    const calls: string[] = [];
    const { member } = await readMemberCredentials(
      audit(() => ({ User: { Arn: `arn:aws:iam::${MEMBER}:root`, PasswordLastUsed: daysAgo(5) } }), calls),
    );
    expect(member.password).toEqual({ createdAt: daysAgo(400), lastUsed: daysAgo(5) });
    expect(calls).toContain('GetUser {}');
  });

  it('no PasswordLastUsed: null (never used as far as AWS knows); GetUser refused: unknown, and no read error', async () => {
    expect((await readMemberCredentials(audit(() => ({ User: {} })))).member.password).toEqual({
      createdAt: daysAgo(400),
      lastUsed: null,
    });
    const refused = await readMemberCredentials(
      audit(() => {
        throw Object.assign(new Error('explicit deny'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      }),
    );
    expect(refused.member.password).toEqual({ createdAt: daysAgo(400) });
    expect(refused.member.password).not.toHaveProperty('lastUsed');
    expect(refused.member.errors).toEqual({});
  });
});

describe('password recovery (single member, --target-account)', () => {
  it('plans iam:CreateLoginProfile with no password in an IAMCreateRootUserPassword session', () => {
    const changes = buildPlan(member(everything({ password: null })), {
      action: 'org-recover-password',
      accountId: MEMBER,
    });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      id: `root-keys/org-recover-password/${MEMBER}`,
      service: 'iam',
      operation: 'CreateLoginProfile',
      params: {},
      session: { assumeRoot: { accountId: MEMBER, taskPolicy: 'IAMCreateRootUserPassword' } },
      alreadyDoneCodes: ['EntityAlreadyExists'],
    });
    expect(changes[0]!.destructive).toBeUndefined();
  });

  it('accepts yes or no only (empty is no)', () => {
    for (const v of ['yes', 'Y', 'no', 'n', 'true', 'false', '', ' no ']) expect(validateRecoverAnswer(v)).toBe(true);
    expect(validateRecoverAnswer('maybe')).toBe('Answer yes or no.');
  });
});
