/**
 * The organizations path's reads, with stand-in pools (no emulator): the four member reads in the
 * audit session, each failing on its own; check --org leaving out the session account's own
 * GetAccountSummary; and ListOrganizationsFeatures memoized in the shared reads.
 */
import { describe, expect, it } from 'vitest';
import type { ClientPool } from '../../../src/aws/pool.js';
import { AccountReads } from '../../../src/aws/reads.js';
import type { RunOptions, StepContext } from '../../../src/engine/step.js';
import { AUDIT_TASK_POLICY, readMemberCredentials, readState } from '../../../src/steps/root-keys/read.js';
import { testSessionContext } from '../../support/context.js';
import { RecordingOutput } from '../../support/harness.js';
import { ACCT, prerequisites, testClock } from './support.js';

const MEMBER = '210987654321';
const VIRTUAL = `arn:aws:iam::${MEMBER}:mfa/root-account-mfa-device`;
const FIDO = `arn:aws:iam::${MEMBER}:u2f/root-account-mfa-device/ABCDEFGHIJKLMNOPQRSTUVWXYZ`;

type Handler = (params: Record<string, unknown>) => unknown;

function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

/** A stand-in for ClientPool: answers `service:Operation` from handlers and records every call. */
class FakePool {
  readonly calls: Array<{ op: string; params: Record<string, unknown> }> = [];
  constructor(private readonly handlers: Record<string, Handler>) {}
  async call<T>(service: string, operation: string, params: Record<string, unknown> = {}): Promise<T> {
    const op = `${service}:${operation}`;
    this.calls.push({ op, params });
    const h = this.handlers[op];
    if (!h) throw awsError('NotImplemented', 501, `${op} is not served`);
    return (await h(params)) as T;
  }
  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
  get asPool(): ClientPool {
    return this as unknown as ClientPool;
  }
}

const MANAGEMENT: Record<string, Handler> = {
  'iam:ListOrganizationsFeatures': () => ({
    OrganizationId: 'o-abcdefghij',
    EnabledFeatures: ['RootCredentialsManagement'],
  }),
  'iam:GetAccountSummary': () => ({ SummaryMap: { AccountAccessKeysPresent: 1, AccountMFAEnabled: 1 } }),
};

const FULL_MEMBER: Record<string, Handler> = {
  'iam:ListAccessKeys': () => ({
    AccessKeyMetadata: [{ AccessKeyId: 'AKIAMEMBERMEMBER0001', Status: 'Inactive', CreateDate: new Date() }],
  }),
  'iam:GetAccessKeyLastUsed': () => ({ AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } }),
  'iam:ListSigningCertificates': (p) =>
    p.Marker
      ? { Certificates: [{ CertificateId: 'CERT2', Status: 'Inactive', UploadDate: new Date('2024-02-02') }] }
      : {
          Certificates: [{ CertificateId: 'CERT1', Status: 'Active', UploadDate: new Date('2024-01-01') }],
          IsTruncated: true,
          Marker: 'next',
        },
  'iam:GetLoginProfile': () => ({ LoginProfile: { CreateDate: new Date('2023-05-06T00:00:00Z') } }),
  'iam:ListMFADevices': () => ({
    MFADevices: [
      { SerialNumber: VIRTUAL, EnableDate: new Date('2023-05-06') },
      { SerialNumber: FIDO, EnableDate: new Date('2023-05-07') },
      { SerialNumber: 'GAHT12345678', EnableDate: new Date('2023-05-08') },
    ],
  }),
};

/** A management account's step context for --target-account MEMBER, its audit session being `audit`. */
function context(
  management: FakePool,
  audit: FakePool,
  opts: { options?: Partial<RunOptions>; reads?: AccountReads; assumeRoot?: () => Promise<ClientPool> } = {},
): StepContext & { rootSessions: string[] } {
  const ctx = testSessionContext({
    pool: management.asPool,
    caller: {
      accountId: ACCT,
      arn: `arn:aws:iam::${ACCT}:user/org-admin`,
      userId: 'AIDAORGADMIN',
      type: 'iam-user',
      name: 'org-admin',
      accessKeyId: 'AKIAORGADMINORGADMIN',
      temporary: false,
    },
    account: { id: ACCT },
    clock: testClock,
    output: new RecordingOutput(),
    options: { targetAccount: MEMBER, ...opts.options },
    assessments: prerequisites(),
  });
  const rootSessions: string[] = [];
  return {
    ...ctx,
    reads: opts.reads ?? ctx.reads,
    rootSessions,
    sessions: {
      rootSession: async (account, task) => {
        rootSessions.push(`${account}/${task}`);
        return opts.assumeRoot ? opts.assumeRoot() : audit.asPool;
      },
      profilePool: () => {
        throw new Error('no profile in these tests');
      },
    },
  };
}

describe('readMemberCredentials', () => {
  it('reads all four kinds of root credential concurrently, without UserName, and classifies MFA devices', async () => {
    const audit = new FakePool(FULL_MEMBER);
    const { keys, member } = await readMemberCredentials(audit.asPool);
    expect(keys?.map((k) => [k.id, k.active])).toEqual([['AKIAMEMBERMEMBER0001', false]]);
    expect(member).toEqual({
      certificates: [
        { id: 'CERT1', active: true, uploadedAt: new Date('2024-01-01') },
        { id: 'CERT2', active: false, uploadedAt: new Date('2024-02-02') },
      ],
      password: { createdAt: new Date('2023-05-06T00:00:00Z') },
      mfaDevices: [
        { kind: 'virtual', serial: VIRTUAL, enabledAt: new Date('2023-05-06') },
        { kind: 'fido', serial: FIDO, enabledAt: new Date('2023-05-07') },
        { kind: 'hardware', serial: 'GAHT12345678', enabledAt: new Date('2023-05-08') },
      ],
      errors: {},
    });
    for (const c of audit.calls) expect(c.params, c.op).not.toHaveProperty('UserName');
    // The four listings start before any answer is awaited (GetAccessKeyLastUsed follows the key listing).
    expect(audit.ops().slice(0, 4)).toEqual([
      'iam:ListAccessKeys',
      'iam:ListSigningCertificates',
      'iam:GetLoginProfile',
      'iam:ListMFADevices',
    ]);
  });

  it('takes NoSuchEntity from GetLoginProfile as no password', async () => {
    const audit = new FakePool({
      ...FULL_MEMBER,
      'iam:GetLoginProfile': () => {
        throw awsError('NoSuchEntity', 404, 'Login Profile for User root cannot be found.');
      },
    });
    const { member } = await readMemberCredentials(audit.asPool);
    expect(member.password).toBeNull();
    expect(member.errors).toEqual({});
  });

  it('keeps each failure to its own read; the others still count', async () => {
    const audit = new FakePool({
      ...FULL_MEMBER,
      'iam:ListAccessKeys': () => {
        throw awsError('ExpiredToken', 403, 'The security token included in the request is expired');
      },
      'iam:ListSigningCertificates': () => {
        throw awsError('AccessDenied', 403, 'explicit deny in a service control policy');
      },
    });
    const { keys, member } = await readMemberCredentials(audit.asPool);
    expect(keys).toBeUndefined();
    expect(member.errors).toEqual({
      accessKeys: {
        action: 'iam:ListAccessKeys',
        code: 'ExpiredToken',
        message: 'The security token included in the request is expired',
      },
      certificates: {
        action: 'iam:ListSigningCertificates',
        code: 'AccessDenied',
        message: 'explicit deny in a service control policy',
      },
    });
    expect(member.certificates).toBeUndefined();
    expect(member.password).toEqual({ createdAt: new Date('2023-05-06T00:00:00Z') });
    expect(member.mfaDevices).toHaveLength(3);
  });
});

describe('readState for a member account (organizations path)', () => {
  it('opens one IAMAuditRootUserCredentials session and puts the member credentials in the state', async () => {
    const management = new FakePool(MANAGEMENT);
    const ctx = context(management, new FakePool(FULL_MEMBER));
    const state = await readState(ctx);
    expect(ctx.rootSessions).toEqual([`${MEMBER}/${AUDIT_TASK_POLICY}`]);
    expect(state).toMatchObject({ path: 'organizations', account: MEMBER, keysSource: 'api' });
    expect(state.keys).toHaveLength(1);
    expect(state.member?.certificates).toHaveLength(2);
    expect(state.sessionAccountKeysPresent).toBe(true);
    expect(management.ops().sort()).toEqual(['iam:GetAccountSummary', 'iam:ListOrganizationsFeatures']);
  });

  it('check --org (orgMember): leaves out the management account GetAccountSummary', async () => {
    const management = new FakePool(MANAGEMENT);
    const state = await readState(context(management, new FakePool(FULL_MEMBER), { options: { orgMember: true } }));
    expect(management.ops()).toEqual(['iam:ListOrganizationsFeatures']);
    expect(state.sessionAccountKeysPresent).toBeUndefined();
    expect(state.member?.mfaDevices).toHaveLength(3);
  });

  it('a refused AssumeRoot stays targetError, and no member read is made', async () => {
    const audit = new FakePool(FULL_MEMBER);
    const state = await readState(
      context(new FakePool(MANAGEMENT), audit, {
        assumeRoot: async () => {
          throw Object.assign(awsError('AccessDenied', 403, 'not authorized to perform: sts:AssumeRoot'), {
            $rootlockCall: { service: 'sts', operation: 'AssumeRoot' },
          });
        },
      }),
    );
    expect(state.targetError).toMatchObject({ action: 'sts:AssumeRoot', code: 'AccessDenied' });
    expect(state.member).toBeUndefined();
    expect(audit.calls).toEqual([]);
  });

  it('asks ListOrganizationsFeatures once for many member contexts sharing a parent reads object', async () => {
    const management = new FakePool(MANAGEMENT);
    const parent = new AccountReads(management.asPool, testClock);
    // The same reads object for two members, then members with scoped reads under it.
    await readState(context(management, new FakePool(FULL_MEMBER), { reads: parent, options: { orgMember: true } }));
    await readState(context(management, new FakePool(FULL_MEMBER), { reads: parent, options: { orgMember: true } }));
    for (let i = 0; i < 3; i++) {
      await readState(
        context(management, new FakePool(FULL_MEMBER), { reads: parent.scoped(), options: { orgMember: true } }),
      );
    }
    expect(management.ops()).toEqual(['iam:ListOrganizationsFeatures']);
    // The same memo as AccountReads.organizationsFeatures: a parent that read it first answers the members.
    const warmed = new FakePool(MANAGEMENT);
    const warm = new AccountReads(warmed.asPool, testClock);
    await warm.organizationsFeatures();
    const state = await readState(
      context(warmed, new FakePool(FULL_MEMBER), { reads: warm.scoped(), options: { orgMember: true } }),
    );
    expect(state.org).toMatchObject({ status: 'enabled', organizationId: 'o-abcdefghij' });
    expect(warmed.ops()).toEqual(['iam:ListOrganizationsFeatures']);
  });

  it('does not memoize a failed ListOrganizationsFeatures', async () => {
    let n = 0;
    const management = new FakePool({
      ...MANAGEMENT,
      'iam:ListOrganizationsFeatures': () => {
        n++;
        throw awsError('ServiceFailure', 500);
      },
    });
    const reads = new AccountReads(management.asPool, testClock);
    const a = await readState(context(management, new FakePool(FULL_MEMBER), { reads }));
    await readState(context(management, new FakePool(FULL_MEMBER), { reads }));
    expect(a.org?.status).toBe('error');
    expect(n).toBe(2);
  });
});
