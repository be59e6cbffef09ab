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

  it('keeps what the analyses read: default versions, and AWS managed policies only when something uses them', async () => {
    const version = (id: string, isDefault: boolean) => ({
      VersionId: id,
      IsDefaultVersion: isDefault,
      Document: `%7B%22v%22%3A%22${id}%22%7D`,
      CreateDate: new Date('2026-01-01T00:00:00Z'),
    });
    const aws = (name: string) => ({
      PolicyName: name,
      Arn: `arn:aws:iam::aws:policy/${name}`,
      DefaultVersionId: 'v1',
      AttachmentCount: 0,
      PolicyVersionList: [version('v1', true)],
    });
    iam.on(GetAccountAuthorizationDetailsCommand).resolves({
      UserDetailList: [
        {
          UserName: 'alice',
          UserId: 'AIDAEXAMPLE',
          Arn: 'arn:aws:iam::123456789012:user/alice',
          Path: '/',
          CreateDate: new Date('2026-01-02T00:00:00Z'),
          Tags: [{ Key: 'created-by', Value: 'rootlock' }],
          GroupList: ['ops'],
          AttachedManagedPolicies: [
            { PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
          ],
          PermissionsBoundary: {
            PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
            PermissionsBoundaryArn: 'arn:aws:iam::aws:policy/PowerUserAccess',
          },
        },
      ],
      RoleDetailList: [
        {
          RoleName: 'app',
          RoleId: 'AROAEXAMPLE',
          Arn: 'arn:aws:iam::123456789012:role/app',
          Path: '/',
          AssumeRolePolicyDocument: '%7B%7D',
          RoleLastUsed: { Region: 'us-east-1' },
          InstanceProfileList: [
            {
              InstanceProfileName: 'app',
              InstanceProfileId: 'AIPAEXAMPLE',
              Arn: 'arn:aws:iam::123456789012:instance-profile/app',
              Path: '/',
              CreateDate: new Date('2026-01-01T00:00:00Z'),
              Roles: [{ RoleName: 'app', RoleId: 'AROAEXAMPLE', Arn: 'x', Path: '/', CreateDate: new Date(0) }],
            },
          ],
        },
      ],
      Policies: [
        aws('ReadOnlyAccess'),
        aws('PowerUserAccess'),
        aws('UnusedAccess'),
        {
          PolicyName: 'mine',
          Arn: 'arn:aws:iam::123456789012:policy/mine',
          DefaultVersionId: 'v2',
          AttachmentCount: 0,
          PolicyVersionList: [version('v1', false), version('v2', true)],
        },
      ],
      IsTruncated: false,
    });
    const d = await reads().authorizationDetails();
    expect(d.users).toEqual([
      {
        UserName: 'alice',
        Arn: 'arn:aws:iam::123456789012:user/alice',
        CreateDate: new Date('2026-01-02T00:00:00Z'),
        Tags: [{ Key: 'created-by', Value: 'rootlock' }],
        GroupList: ['ops'],
        AttachedManagedPolicies: [
          { PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
        ],
        PermissionsBoundary: {
          PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
          PermissionsBoundaryArn: 'arn:aws:iam::aws:policy/PowerUserAccess',
        },
      },
    ]);
    expect(d.roles).toEqual([
      {
        RoleName: 'app',
        Arn: 'arn:aws:iam::123456789012:role/app',
        Path: '/',
        AssumeRolePolicyDocument: '%7B%7D',
        InstanceProfileList: [{ InstanceProfileName: 'app', Arn: 'arn:aws:iam::123456789012:instance-profile/app' }],
      },
    ]);
    // The attached one and the boundary stay; the unused AWS managed policy goes; customer policies all stay.
    expect(d.policies.map((p) => p.PolicyName)).toEqual(['ReadOnlyAccess', 'PowerUserAccess', 'mine']);
    expect(d.policies[2]).toEqual({
      PolicyName: 'mine',
      Arn: 'arn:aws:iam::123456789012:policy/mine',
      DefaultVersionId: 'v2',
      PolicyVersionList: [{ VersionId: 'v2', IsDefaultVersion: true, Document: '%7B%22v%22%3A%22v2%22%7D' }],
    });
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
