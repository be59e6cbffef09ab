/**
 * The next steps as the registry's advisory entries, run by the engine over a fake pool (no
 * emulator): the same verdicts, in the same order, from the same API calls as one read of
 * their shared input.
 */
import { describe, expect, it } from 'vitest';
import type { ClientPool } from '../../../src/aws/pool.js';
import { AccountReads } from '../../../src/aws/reads.js';
import { runAdvisories } from '../../../src/engine/advisories.js';
import { REGISTRY } from '../../../src/engine/registry.js';
import type { StepContext } from '../../../src/engine/step.js';
import type { Clock, Output } from '../../../src/engine/types.js';
import { analyzeNextSteps } from '../../../src/steps/next-steps/analysis.js';
import { advisories, NEXT_STEP_IDS, NEXT_STEPS } from '../../../src/steps/next-steps/index.js';
import { readAlternateContact, readPrimaryContact } from '../../../src/steps/billing-recovery/read.js';
import { readConsoleUsersNow, readContacts, readNextStepsInput } from '../../../src/steps/next-steps/read.js';

const ACCT = '123456789012';
const clock: Clock = { now: () => new Date('2026-11-28T12:00:00Z'), sleep: async () => {} };

const REPORT = [
  'user,arn,user_creation_time,password_enabled,password_last_used,mfa_active,access_key_1_active,access_key_2_active',
  `<root_account>,arn:aws:iam::${ACCT}:root,2026-01-01T00:00:00+00:00,not_supported,N/A,true,false,false`,
  `carol,arn:aws:iam::${ACCT}:user/carol,2026-11-01T00:00:00+00:00,true,N/A,false,false,false`,
].join('\n');

/** A pool answering the next steps' reads, counting every call as `service:Operation`. */
function fakePool(calls: string[]): ClientPool {
  const answers: Record<string, unknown> = {
    'iam:GetAccountSummary': { SummaryMap: { AccountMFAEnabled: 1 } },
    'iam:GenerateCredentialReport': { State: 'COMPLETE' },
    'iam:GetCredentialReport': { Content: REPORT },
    'iam:GetAccountPasswordPolicy': { PasswordPolicy: { MinimumPasswordLength: 8 } },
    'iam:ListVirtualMFADevices': { VirtualMFADevices: [], IsTruncated: false },
    // carol, older than the report, which shows her without MFA: asked about directly.
    'iam:GetAccountAuthorizationDetails': {
      UserDetailList: [
        { UserName: 'carol', Arn: `arn:aws:iam::${ACCT}:user/carol`, CreateDate: new Date('2026-11-01T00:00:00Z') },
      ],
      IsTruncated: false,
    },
    'iam:GetLoginProfile': { LoginProfile: { UserName: 'carol' } },
    'iam:ListMFADevices': { MFADevices: [] },
    'organizations:DescribeOrganization': { Organization: { Id: 'o-abc1234567', MasterAccountId: '111122223333' } },
    // Every alternate contact is the same team; the primary contact is someone else.
    'account:GetAlternateContact': {
      AlternateContact: { Name: 'Ops', Title: 'Ops', EmailAddress: 'ops@example.com', PhoneNumber: '+1 555 0100' },
    },
    'account:GetContactInformation': { ContactInformation: { FullName: 'Example Corp', PhoneNumber: '+1 555 0199' } },
    's3control:GetPublicAccessBlock': {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    },
  };
  return {
    call: async (service: string, operation: string) => {
      const key = `${service}:${operation}`;
      calls.push(key);
      if (!(key in answers)) throw new Error(`unexpected call ${key}`);
      return answers[key];
    },
  } as unknown as ClientPool;
}

const quietOutput = { progress: () => ({ update() {}, succeed() {}, fail() {}, stop() {} }) } as unknown as Output;

/** What the next steps use of a step context; `now` may differ from the shared reads' clock. */
function context(calls: string[], ctxClock: Clock = clock): StepContext {
  const pool = fakePool(calls);
  return {
    pool,
    reads: new AccountReads(pool, clock),
    account: { id: ACCT },
    caller: { type: 'iam-user', arn: `arn:aws:iam::${ACCT}:user/ops` },
    clock: ctxClock,
    output: quietOutput,
  } as unknown as StepContext;
}

describe('the next steps as registry advisories', () => {
  it('the registry lists them in their order, with their metadata, as advisory entries', () => {
    expect(REGISTRY.advisories.map((e) => e.meta.id)).toEqual([...NEXT_STEP_IDS]);
    for (const e of REGISTRY.advisories) expect(e.meta).toBe(NEXT_STEPS[e.meta.id as keyof typeof NEXT_STEPS]);
    for (const id of NEXT_STEP_IDS) {
      expect(NEXT_STEPS[id].kind).toBe('advisory');
      expect(advisories[id].meta).toBe(NEXT_STEPS[id]);
    }
    expect(Object.keys(advisories)).toEqual([...NEXT_STEP_IDS]);
  });

  it('give the verdicts of one analysis of one read, with the same API calls', async () => {
    const alone: string[] = [];
    const expected = analyzeNextSteps(await readNextStepsInput(context(alone)));
    const viaRegistry: string[] = [];
    const results = await runAdvisories(REGISTRY.advisories, context(viaRegistry));
    expect(results).toEqual(expected);
    expect(results.map((r) => r.id)).toEqual([...NEXT_STEP_IDS]);
    expect(viaRegistry.sort()).toEqual(alone.sort());
    expect(viaRegistry).toEqual([
      'account:GetAlternateContact',
      'account:GetAlternateContact',
      'account:GetAlternateContact',
      'account:GetContactInformation',
      'iam:GenerateCredentialReport',
      'iam:GetAccountAuthorizationDetails',
      'iam:GetAccountPasswordPolicy',
      'iam:GetAccountSummary',
      'iam:GetCredentialReport',
      'iam:GetLoginProfile',
      'iam:ListMFADevices',
      'iam:ListVirtualMFADevices',
      'organizations:DescribeOrganization',
      's3control:GetPublicAccessBlock',
    ]);
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    expect(byId['console-mfa']).toMatchObject({ status: 'fail', resources: [`arn:aws:iam::${ACCT}:user/carol`] });
    expect(byId['password-policy']!.status).toBe('fail');
    expect(byId['s3-public-access-block']!.status).toBe('pass');
    expect(byId['organization-member']!.status).toBe('pass');
    expect(byId['contacts-distinct']).toMatchObject({
      status: 'pass',
      message: 'The 4 contacts set reach 2 different people: billing and operations and security; primary.',
    });
  });

  it("an account the session classified asks AWS nothing about its organization, and the root user's devices are named", async () => {
    const calls: string[] = [];
    const ctx = {
      ...context(calls),
      account: { id: ACCT, type: 'standalone' },
      caller: { type: 'root', arn: `arn:aws:iam::${ACCT}:root` },
    } as unknown as StepContext;
    const input = await readNextStepsInput(ctx);
    expect(input.organization).toEqual({
      ok: true,
      value: { member: false, code: 'AWSOrganizationsNotInUseException' },
    });
    expect(calls).not.toContain('organizations:DescribeOrganization');
    // Signed as root with MFA on: ListMFADevices without a user name names the kinds (none here).
    expect(calls.filter((c) => c === 'iam:ListMFADevices')).toHaveLength(2);
    expect(input.rootMfaDevices).toEqual({ ok: true, value: [] });
  });

  it('a read that fails makes every next step not-checked with the same reason, and is tried once', async () => {
    const calls: string[] = [];
    // The shared reads keep a working clock; only the next steps' own read of the time fails.
    const broken: Clock = {
      now: () => {
        throw new Error('clock broken');
      },
      sleep: clock.sleep,
    };
    const results = await runAdvisories(REGISTRY.advisories, context(calls, broken));
    expect(results).toEqual(
      NEXT_STEP_IDS.map((id) => ({
        id,
        status: 'not-checked',
        message: 'Not checked: clock broken',
        controls: NEXT_STEPS[id].controls,
        resources: [],
      })),
    );
    // S3 Control is not a memoized shared read: once, not once per next step.
    expect(calls.filter((c) => c === 's3control:GetPublicAccessBlock')).toHaveLength(1);
  });
});

describe('the users the credential report may show as they were', () => {
  const generatedAt = new Date('2026-11-28T11:58:00Z');
  const rows = [
    { user: 'carol', arn: `arn:aws:iam::${ACCT}:user/carol`, password_enabled: 'true', mfa_active: 'false' },
    { user: 'gone', arn: `arn:aws:iam::${ACCT}:user/gone`, password_enabled: 'false', mfa_active: 'false' },
  ];
  const users = [
    { UserName: 'carol', Arn: `arn:aws:iam::${ACCT}:user/carol`, CreateDate: new Date('2026-11-01T00:00:00Z') },
    // Created after the report, so not in it.
    { UserName: 'alice', Arn: `arn:aws:iam::${ACCT}:user/alice`, CreateDate: new Date('2026-11-28T11:59:30.250Z') },
  ];
  function ctxAt(now: string, calls: string[], list: Array<{ UserName: string; Arn: string }> = users) {
    const pool = {
      call: async (service: string, operation: string, params: { UserName?: string }) => {
        calls.push(`${service}:${operation}${params?.UserName ? ` ${params.UserName}` : ''}`);
        if (operation === 'GetAccountAuthorizationDetails') return { UserDetailList: list, IsTruncated: false };
        if (operation === 'GetLoginProfile') return { LoginProfile: {} };
        if (operation === 'ListMFADevices') return { MFADevices: [{}] };
        throw new Error(`unexpected call ${operation}`);
      },
    } as unknown as ClientPool;
    const at: Clock = { now: () => new Date(now), sleep: async () => {} };
    return { pool, reads: new AccountReads(pool, at), clock: at };
  }

  it('reads users created since in any case, and those it flags only when the report is not recent', async () => {
    const recent: string[] = [];
    const fresh = await readConsoleUsersNow(ctxAt('2026-11-28T12:00:00Z', recent), { generatedAt, rows });
    expect(fresh).toEqual({
      users: [{ name: 'alice', arn: `arn:aws:iam::${ACCT}:user/alice`, console: true, mfa: true }],
      gone: ['gone'],
      notRead: 0,
    });
    expect(recent).not.toContain('iam:ListMFADevices carol');

    const later: string[] = [];
    const old = await readConsoleUsersNow(ctxAt('2026-11-28T13:00:00Z', later), { generatedAt, rows });
    expect(old.users.map((u) => [u.name, u.console, u.mfa])).toEqual([
      ['alice', true, true],
      ['carol', true, true],
    ]);
    expect(later).toContain('iam:ListMFADevices carol');
  });

  it('reads no flagged user when there are too many, and says how many were not read', async () => {
    const many = Array.from({ length: 26 }, (_, i) => `user${i}`);
    const manyRows = many.map((u) => ({ user: u, arn: `arn:aws:iam::${ACCT}:user/${u}`, password_enabled: 'true' }));
    const calls: string[] = [];
    const list = many.map((u) => ({ UserName: u, Arn: `arn:aws:iam::${ACCT}:user/${u}` }));
    const ctx = ctxAt('2026-11-28T13:00:00Z', calls, list);
    const now = await readConsoleUsersNow(ctx, { generatedAt, rows: manyRows });
    expect(now).toEqual({ users: [], gone: [], notRead: 26 });
    expect(calls).toEqual(['iam:GetAccountAuthorizationDetails']);
  });
});

describe('the contacts, shared with billing-recovery', () => {
  const answers: Record<string, unknown> = {
    'account:GetAlternateContact': {
      AlternateContact: {
        AlternateContactType: 'BILLING',
        Name: 'Ann',
        Title: 'CFO',
        EmailAddress: 'ann@example.com',
        PhoneNumber: '+1 555 0100',
      },
    },
    'account:GetContactInformation': {
      ContactInformation: { FullName: 'Example Corp', City: 'Springfield', PhoneNumber: '+1 555 0199' },
    },
  };
  function shared(calls: string[]) {
    const pool = {
      call: async (service: string, operation: string) => {
        calls.push(`${service}:${operation}`);
        return answers[`${service}:${operation}`];
      },
    } as unknown as ClientPool;
    return {
      pool,
      reads: new AccountReads(pool, clock),
      account: { id: ACCT },
      options: { yes: false, region: 'us-east-1', adminGroup: 'Administrators' },
    } as unknown as StepContext;
  }

  it('whichever reads first, the other gets the same values and AWS is asked once per contact', async () => {
    const billingFirst: string[] = [];
    const a = shared(billingFirst);
    const billingValues = await Promise.all([
      readAlternateContact(a, 'BILLING'),
      readAlternateContact(a, 'OPERATIONS'),
      readAlternateContact(a, 'SECURITY'),
      readPrimaryContact(a),
    ]);
    await readContacts(a);
    expect(billingFirst).toHaveLength(4);

    const nextFirst: string[] = [];
    const b = shared(nextFirst);
    const contacts = await readContacts(b);
    expect(
      await Promise.all([
        readAlternateContact(b, 'BILLING'),
        readAlternateContact(b, 'OPERATIONS'),
        readAlternateContact(b, 'SECURITY'),
        readPrimaryContact(b),
      ]),
    ).toEqual(billingValues);
    expect(nextFirst).toHaveLength(4);
    expect(contacts.billing).toEqual({ name: 'Ann', email: 'ann@example.com', phone: '+1 555 0100' });
    expect(contacts.primary).toEqual({ name: 'Example Corp', phone: '+1 555 0199' });
  });
});
