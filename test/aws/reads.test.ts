import {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetCredentialReportCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientPool } from '../../src/aws/pool.js';
import { AccountReads } from '../../src/aws/reads.js';
import type { Clock } from '../../src/engine/types.js';

// moto ignores MaxItems/Marker, so paging and report polling are proven here with a stubbed SDK.
const creds = { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x'.repeat(40) };
const sleeps: number[] = [];
const clock: Clock = { now: () => new Date(), sleep: async (ms) => void sleeps.push(ms) };
const iam = mockClient(IAMClient);
afterEach(() => {
  iam.reset();
  sleeps.length = 0;
});

const reads = () => new AccountReads(new ClientPool({ region: 'us-east-1', credentials: creds }), clock);

describe('authorization details', () => {
  it('follows every page and merges them, once per run', async () => {
    iam
      .on(GetAccountAuthorizationDetailsCommand, { Marker: undefined })
      .resolves({ UserDetailList: [{ UserName: 'a' }], IsTruncated: true, Marker: 'm1' })
      .on(GetAccountAuthorizationDetailsCommand, { Marker: 'm1' })
      .resolves({
        UserDetailList: [{ UserName: 'b' }],
        RoleDetailList: [{ RoleName: 'r' }],
        IsTruncated: true,
        Marker: 'm2',
      })
      .on(GetAccountAuthorizationDetailsCommand, { Marker: 'm2' })
      .resolves({ GroupDetailList: [{ GroupName: 'g' }], Policies: [{ Arn: 'arn:p' }], IsTruncated: false });
    const r = reads();
    const d = await r.authorizationDetails();
    expect(d.users.map((u) => u.UserName)).toEqual(['a', 'b']);
    expect(d.roles).toHaveLength(1);
    expect(d.groups).toHaveLength(1);
    expect(d.policies).toHaveLength(1);
    expect(d.pages).toBe(3);
    await r.authorizationDetails();
    expect(iam.commandCalls(GetAccountAuthorizationDetailsCommand)).toHaveLength(3);
    expect(iam.commandCalls(GetAccountAuthorizationDetailsCommand)[0]?.args[0].input.MaxItems).toBe(1000);
  });
});

describe('credential report', () => {
  const csv =
    'user,arn,mfa_active\n<root_account>,arn:aws:iam::123456789012:root,true\nalice,arn:aws:iam::123456789012:user/alice,false\n';

  it('polls with backoff while the report is in progress and throttled, then parses it', async () => {
    iam
      .on(GenerateCredentialReportCommand)
      .resolvesOnce({ State: 'STARTED' })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'LimitExceeded' }))
      .resolvesOnce({ State: 'INPROGRESS' })
      .resolves({ State: 'COMPLETE' });
    iam
      .on(GetCredentialReportCommand)
      .resolves({ Content: new TextEncoder().encode(csv), GeneratedTime: new Date('2026-11-28T10:00:00Z') });
    const rep = await reads().credentialReport();
    expect(rep.rows).toEqual([
      { user: '<root_account>', arn: 'arn:aws:iam::123456789012:root', mfa_active: 'true' },
      { user: 'alice', arn: 'arn:aws:iam::123456789012:user/alice', mfa_active: 'false' },
    ]);
    expect(rep.generatedAt?.toISOString()).toBe('2026-11-28T10:00:00.000Z');
    expect(sleeps).toEqual([250, 500, 1000]);
  });

  it('gives up with a clear message when generation never finishes', async () => {
    let t = 0;
    const slow: Clock = { now: () => new Date((t += 10_000)), sleep: async () => {} };
    iam.on(GenerateCredentialReportCommand).resolves({ State: 'INPROGRESS' });
    const r = new AccountReads(new ClientPool({ region: 'us-east-1', credentials: creds }), slow);
    await expect(r.credentialReport()).rejects.toThrow(/not ready after/);
  });
});
