import { describe, expect, it } from 'vitest';
import type { StepContext } from '../../../src/engine/step.js';
import { readPasswordPolicy } from '../../../src/aws/password-policy.js';
import { readAdminsState, reportCovers } from '../../../src/steps/admins/read.js';
import { RecordingOutput } from '../../support/harness.js';
import { ADMINISTRATOR_ACCESS, ADMINS_GROUP, groupAdmin, user } from './state.js';

const GENERATED = new Date('2026-11-28T10:00:00Z');

function reportRow(name: string, cols: Record<string, string> = {}): Record<string, string> {
  return {
    user: name,
    password_enabled: 'true',
    mfa_active: 'true',
    password_last_used: '2026-11-27T00:00:00+00:00',
    access_key_1_active: 'false',
    access_key_2_active: 'false',
    ...cols,
  };
}

function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

/** A context whose shared reads and pool answer from fixtures, recording every direct call. */
function fakeCtx(opts: {
  users: ReturnType<typeof user>[];
  rows: Record<string, string>[];
  passwordPolicy?: unknown;
  direct?: Record<string, (params: Record<string, unknown>) => unknown>;
}) {
  const calls: string[] = [];
  const memo = new Map<string, Promise<unknown>>();
  const pool = {
    async call(service: string, operation: string, params: Record<string, unknown> = {}) {
      calls.push(`${operation} ${String(params.UserName ?? params.AccessKeyId ?? '')}`.trim());
      const handler = opts.direct?.[operation];
      if (operation === 'GetAccountPasswordPolicy') {
        if (opts.passwordPolicy instanceof Error) throw opts.passwordPolicy;
        return { PasswordPolicy: opts.passwordPolicy };
      }
      if (!handler) throw new Error(`unexpected ${service}:${operation}`);
      return handler(params);
    },
  };
  const reads = {
    once: <T>(key: string, load: () => Promise<T>) => {
      if (!memo.has(key)) memo.set(key, load());
      return memo.get(key) as Promise<T>;
    },
    authorizationDetails: async () => ({
      users: opts.users,
      groups: [ADMINS_GROUP],
      roles: [],
      policies: [ADMINISTRATOR_ACCESS],
      pages: 1,
    }),
    credentialReport: async () => ({ generatedAt: GENERATED, rows: opts.rows }),
  };
  let memory: object | undefined;
  // A standalone account: Identity Center is not read (no calls), as the account type says.
  const ctx = {
    pool,
    reads,
    output: new RecordingOutput(),
    options: { region: 'us-east-1', yes: false, adminGroup: 'Administrators' },
    account: { id: '123456789012', type: 'standalone' },
    memory: <T extends object>(init: () => T): T => (memory ??= init()) as T,
  } as unknown as StepContext;
  return { ctx, calls };
}

describe('reportCovers', () => {
  const u = user('a', { CreateDate: new Date('2026-11-28T09:00:00Z') });
  it('needs the row, and a user older than the report', () => {
    expect(reportCovers(u, undefined, GENERATED)).toBe(false);
    expect(reportCovers(u, reportRow('a'), GENERATED)).toBe(true);
    expect(reportCovers(user('b', { CreateDate: new Date('2026-11-28T11:00:00Z') }), reportRow('b'), GENERATED)).toBe(
      false,
    );
    expect(reportCovers(u, reportRow('a'), undefined)).toBe(true);
  });
});

describe('readAdminsState', () => {
  it('uses the credential report for admins it covers and reads only the others directly', async () => {
    const old = groupAdmin('old', { CreateDate: new Date('2025-01-01T00:00:00Z') });
    const fresh = groupAdmin('fresh', { CreateDate: new Date('2026-11-28T11:00:00Z') });
    const bystander = user('bystander');
    const { ctx, calls } = fakeCtx({
      users: [old, fresh, bystander],
      rows: [reportRow('old'), reportRow('bystander')],
      passwordPolicy: { MinimumPasswordLength: 14 },
      direct: {
        GetLoginProfile: () => {
          throw awsError('NoSuchEntity', 404);
        },
        ListMFADevices: () => ({ MFADevices: [] }),
        GetUser: () => ({ User: {} }),
        ListAccessKeys: () => ({
          AccessKeyMetadata: [
            { AccessKeyId: 'AKIAFRESH', Status: 'Active', CreateDate: new Date('2026-11-28T11:05:00Z') },
          ],
        }),
        GetAccessKeyLastUsed: () => ({ AccessKeyLastUsed: { LastUsedDate: new Date('2026-11-28T11:30:00Z') } }),
      },
    });
    const s = await readAdminsState(ctx);
    expect(calls.sort()).toEqual(
      [
        'GetAccessKeyLastUsed AKIAFRESH',
        'GetAccountPasswordPolicy',
        'GetLoginProfile fresh',
        'GetUser fresh',
        'ListAccessKeys fresh',
        'ListMFADevices fresh',
      ].sort(),
    );
    expect(s.credentials.old).toMatchObject({ source: 'credential-report', consoleAccess: true, mfa: true });
    expect(s.credentials.fresh).toMatchObject({
      source: 'iam',
      consoleAccess: false,
      mfa: false,
      lastActivity: '2026-11-28T11:30:00.000Z',
    });
    expect(s.credentials.bystander).toBeUndefined();
    expect(s.passwordPolicy).toEqual({ state: 'present', policy: { MinimumPasswordLength: 14 } });
    expect(s.reportGeneratedAt).toBe(GENERATED.toISOString());
  });

  it('finds users rootlock left half-done from their tags, and reads them directly even when the report has them', async () => {
    const tags = [
      { Key: 'created-by', Value: 'rootlock' },
      { Key: 'rootlock-setup', Value: 'pending' },
    ];
    const half = user('half', { Tags: tags, CreateDate: new Date('2025-01-01T00:00:00Z') });
    const done = groupAdmin('done', { Tags: [tags[0]!], CreateDate: new Date('2025-01-01T00:00:00Z') });
    const { ctx, calls } = fakeCtx({
      users: [half, done],
      rows: [reportRow('half', { password_enabled: 'false' }), reportRow('done')],
      passwordPolicy: awsError('NoSuchEntity', 404),
      direct: {
        GetLoginProfile: () => ({ LoginProfile: { UserName: 'half' } }),
        ListMFADevices: () => ({ MFADevices: [] }),
        GetUser: () => ({ User: {} }),
        ListAccessKeys: () => ({ AccessKeyMetadata: [] }),
      },
    });
    const s = await readAdminsState(ctx);
    expect(s.pending).toEqual([{ name: 'half', arn: half.Arn, loginProfile: true, admin: false, groups: [] }]);
    expect(s.createdByRootlock).toEqual(['half', 'done']);
    expect(calls).toContain('GetLoginProfile half');
    expect(calls).not.toContain('GetLoginProfile done');
    expect(s.passwordPolicy).toEqual({ state: 'none' });
  });
});

describe('readPasswordPolicy', () => {
  it('an access denial is reported as unknown, other errors are thrown', async () => {
    const denied = fakeCtx({
      users: [],
      rows: [],
      passwordPolicy: Object.assign(awsError('AccessDenied', 403), {
        $rootlockCall: { service: 'iam', operation: 'GetAccountPasswordPolicy' },
      }),
    });
    expect(await readPasswordPolicy(denied.ctx)).toEqual({
      state: 'unknown',
      reason: 'access denied for iam:GetAccountPasswordPolicy',
    });
    const broken = fakeCtx({ users: [], rows: [], passwordPolicy: awsError('ServiceFailure', 500) });
    await expect(readPasswordPolicy(broken.ctx)).rejects.toThrow('ServiceFailure');
  });
});
