/**
 * The pure parts of lost-answer handling and of the clean stop on lost credentials:
 * how one attempt's failure is classified, what each read-back concludes (including the
 * verdicts the onboarding runs never reach: conflicts, deletions, removals), the refused
 * action named by AWS, and which step outcomes count as "the credentials stopped working".
 */
import { describe, expect, it } from 'vitest';
import { describeAwsError } from '../../src/aws/errors.js';
import { canVerify, classifyAttempt, isIdempotent, verifyChange, type ReadCall } from '../../src/engine/reconcile.js';
import { credentialFailure } from '../../src/engine/runner.js';
import type { Assessment, Change } from '../../src/engine/types.js';
import { built, builtChanges } from '../engine/built-changes.js';

const err = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
    ...extra,
  });

describe('classifyAttempt', () => {
  it.each([
    [err('Throttling', 400), 'throttled'],
    [err('RequestLimitExceeded', 503), 'throttled'],
    [err('TooManyRequestsException', 429), 'throttled'],
    [err('Whatever', 429), 'throttled'],
    [err('ServiceFailureException', 500, { Code: 'ServiceFailure' }), 'lost'],
    [err('InternalError', 500), 'lost'],
    [err('ServiceUnavailable', 503), 'lost'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} }), 'lost'],
    [Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), 'lost'],
    [err('TimeoutError'), 'lost'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), 'not-sent'],
    [Object.assign(new Error('getaddrinfo ENOTFOUND iam.amazonaws.com'), { code: 'ENOTFOUND' }), 'not-sent'],
    [err('EntityAlreadyExistsException', 409, { Code: 'EntityAlreadyExists' }), 'final'],
    [err('AccessDenied', 403), 'final'],
    [err('CredentialsProviderError'), 'final'],
  ] as const)('%s -> %s', (e, kind) => {
    expect(classifyAttempt(e)).toBe(kind);
  });
});

/** A fake read: answers by operation, or throws NoSuchEntity. */
function reads(answers: Record<string, unknown>): ReadCall {
  return async (_service, operation) => {
    if (operation in answers) return answers[operation];
    throw err('NoSuchEntityException', 404, { Code: 'NoSuchEntity' });
  };
}
/** The change the steps' own plan builders make for this operation: it carries the read-back and idempotence. */
const change = (service: Change['service'], operation: string, where?: (c: Change) => boolean): Change =>
  built(service, operation, where);
const reactivation = (c: Change) => c.params.Status === 'Active';
const since = new Date('2026-01-01T12:00:00Z');

describe('verifyChange: what a read-back concludes', () => {
  it.each<[string, Change, Record<string, unknown>, Record<string, unknown>, string | undefined]>([
    [
      'a user with our tags',
      change('iam', 'CreateUser'),
      { UserName: 'a', Tags: [{ Key: 'created-by', Value: 'rootlock' }] },
      { GetUser: { User: { Tags: [{ Key: 'created-by', Value: 'rootlock' }] } } },
      'in-place',
    ],
    [
      'a same-named user without our tags',
      change('iam', 'CreateUser'),
      { UserName: 'a', Tags: [{ Key: 'created-by', Value: 'rootlock' }] },
      { GetUser: { User: { Tags: [] } } },
      'conflict',
    ],
    ['no user', change('iam', 'CreateUser'), { UserName: 'a' }, {}, 'absent'],
    [
      'a login profile created since the call',
      change('iam', 'CreateLoginProfile'),
      { UserName: 'a' },
      { GetLoginProfile: { LoginProfile: { CreateDate: new Date('2026-01-01T12:00:01Z') } } },
      'in-place',
    ],
    [
      'an older login profile (not ours: our password was not set)',
      change('iam', 'CreateLoginProfile'),
      { UserName: 'a' },
      { GetLoginProfile: { LoginProfile: { CreateDate: new Date('2025-12-01T00:00:00Z') } } },
      'conflict',
    ],
    [
      'a role with another trust policy',
      change('iam', 'CreateRole'),
      { RoleName: 'r', AssumeRolePolicyDocument: '{"Statement":[1]}' },
      { GetRole: { Role: { AssumeRolePolicyDocument: encodeURIComponent('{"Statement":[2]}') } } },
      'conflict',
    ],
    [
      'a role with our (URL-encoded) trust policy',
      change('iam', 'CreateRole'),
      { RoleName: 'r', AssumeRolePolicyDocument: '{"Statement":[1]}' },
      { GetRole: { Role: { AssumeRolePolicyDocument: encodeURIComponent('{"Statement":[1]}') } } },
      'in-place',
    ],
    [
      'a profile holding another role',
      change('iam', 'AddRoleToInstanceProfile'),
      { InstanceProfileName: 'p', RoleName: 'r' },
      { GetInstanceProfile: { InstanceProfile: { Roles: [{ RoleName: 'x' }] } } },
      'conflict',
    ],
    [
      'an empty profile',
      change('iam', 'AddRoleToInstanceProfile'),
      { InstanceProfileName: 'p', RoleName: 'r' },
      { GetInstanceProfile: { InstanceProfile: { Roles: [] } } },
      'absent',
    ],
    [
      'a member removed',
      change('iam', 'RemoveUserFromGroup'),
      { UserName: 'u', GroupName: 'g' },
      { ListGroupsForUser: { Groups: [{ GroupName: 'other' }] } },
      'in-place',
    ],
    [
      'a member still there',
      change('iam', 'RemoveUserFromGroup'),
      { UserName: 'u', GroupName: 'g' },
      { ListGroupsForUser: { Groups: [{ GroupName: 'g' }] } },
      'absent',
    ],
    ['a deleted user', change('iam', 'DeleteUser'), { UserName: 'u' }, {}, 'in-place'],
    ['a deleted login profile', change('iam', 'DeleteLoginProfile'), { UserName: 'u' }, {}, 'in-place'],
    [
      'a deleted key',
      change('iam', 'DeleteAccessKey'),
      { AccessKeyId: 'AKIA1' },
      { ListAccessKeys: { AccessKeyMetadata: [{ AccessKeyId: 'AKIA2' }] } },
      'in-place',
    ],
    [
      'a key deactivated',
      change('iam', 'UpdateAccessKey'),
      { AccessKeyId: 'AKIA1', Status: 'Inactive' },
      { ListAccessKeys: { AccessKeyMetadata: [{ AccessKeyId: 'AKIA1', Status: 'Inactive' }] } },
      'in-place',
    ],
    [
      'a key meant to be reactivated but gone',
      change('iam', 'UpdateAccessKey', reactivation),
      { AccessKeyId: 'AKIA1', Status: 'Active' },
      { ListAccessKeys: { AccessKeyMetadata: [] } },
      'conflict',
    ],
    [
      'an instance associated with another profile',
      change('ec2', 'AssociateIamInstanceProfile'),
      { InstanceId: 'i-1', IamInstanceProfile: { Name: 'p' } },
      {
        DescribeIamInstanceProfileAssociations: {
          IamInstanceProfileAssociations: [
            { State: 'associated', IamInstanceProfile: { Arn: 'arn:aws:iam::1:instance-profile/q' } },
          ],
        },
      },
      'conflict',
    ],
    [
      'an instance associating with ours',
      change('ec2', 'AssociateIamInstanceProfile'),
      { InstanceId: 'i-1', IamInstanceProfile: { Name: 'p' } },
      {
        DescribeIamInstanceProfileAssociations: {
          IamInstanceProfileAssociations: [
            { State: 'associating', IamInstanceProfile: { Arn: 'arn:aws:iam::1:instance-profile/p' } },
          ],
        },
      },
      'in-place',
    ],
    [
      'a disassociated old association only',
      change('ec2', 'AssociateIamInstanceProfile'),
      { InstanceId: 'i-1', IamInstanceProfile: { Name: 'p' } },
      {
        DescribeIamInstanceProfileAssociations: {
          IamInstanceProfileAssociations: [
            { State: 'disassociated', IamInstanceProfile: { Arn: 'arn:aws:iam::1:instance-profile/p' } },
          ],
        },
      },
      'absent',
    ],
    ['an operation no read can settle', change('organizations', 'EnableAWSServiceAccess'), {}, {}, undefined],
  ])('%s', async (_what, c, params, answers, verdict) => {
    expect(await verifyChange(reads(answers), c, params, since)).toBe(verdict);
  });

  it('a replaced association no longer listed cannot be settled (the read throws)', async () => {
    await expect(
      verifyChange(
        reads({ DescribeIamInstanceProfileAssociations: { IamInstanceProfileAssociations: [] } }),
        change('ec2', 'ReplaceIamInstanceProfileAssociation'),
        { AssociationId: 'a-1', IamInstanceProfile: { Name: 'p' } },
        since,
      ),
    ).rejects.toThrow(/cannot be read back/);
  });

  it('every non-idempotent operation rootlock sends can be read back', () => {
    for (const op of [
      'CreateUser',
      'CreateGroup',
      'CreateLoginProfile',
      'CreateRole',
      'CreateInstanceProfile',
      'AddRoleToInstanceProfile',
    ]) {
      const all = builtChanges().filter((c) => c.service === 'iam' && c.operation === op);
      expect(all.length, op).toBeGreaterThan(0);
      for (const c of all) {
        expect(isIdempotent(c), c.id).toBe(false);
        expect(canVerify(c), c.id).toBe(true);
      }
    }
    const associations = builtChanges().filter(
      (c) => c.service === 'ec2' && c.operation === 'AssociateIamInstanceProfile',
    );
    expect(associations.length).toBeGreaterThan(0);
    for (const c of associations) expect(canVerify(c), c.id).toBe(true);
    expect(isIdempotent(change('account', 'PutContactInformation'))).toBe(true);
  });
});

describe('the refused action AWS names', () => {
  it('is reported rather than the call, when AWS names one (iam:PassRole for AddRoleToInstanceProfile)', () => {
    const e = err('AccessDenied', 403, {
      message:
        'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/app because no identity-based policy allows the iam:PassRole action',
    });
    expect(describeAwsError(e, 'iam', 'AddRoleToInstanceProfile').deniedAction).toBe('iam:PassRole');
  });
  it('falls back to the call when the message names none (EC2 encodes its reason)', () => {
    const e = err('UnauthorizedOperation', 403, {
      message: 'You are not authorized to perform this operation. Encoded authorization failure message: abc',
    });
    expect(describeAwsError(e, 'ec2', 'AssociateIamInstanceProfile').deniedAction).toBe(
      'ec2:AssociateIamInstanceProfile',
    );
  });
});

describe('credentialFailure: when the run stops for new credentials', () => {
  const a = (status: Assessment['status'], details: Record<string, unknown> = {}): Assessment => ({
    status,
    summary: '',
    findings: [],
    details,
  });
  it.each([
    [
      'an error assessment caused by ExpiredToken',
      { before: a('error', { error: { code: 'ExpiredToken', message: 'expired' } }), results: [] },
      'ExpiredToken',
    ],
    [
      'every region refused with RequestExpired',
      {
        before: a('error', {
          regionErrors: [
            { code: 'RequestExpired', message: 'x' },
            { code: 'RequestExpired', message: 'x' },
          ],
        }),
        results: [],
      },
      'RequestExpired',
    ],
    [
      'a failed change with InvalidClientTokenId and an error verification',
      {
        before: a('fail'),
        after: a('error', { error: { code: 'AccessDenied', message: '' } }),
        results: [
          { changeId: 'x', outcome: 'failed' as const, error: { code: 'InvalidClientTokenId', message: 'bad' } },
        ],
      },
      'InvalidClientTokenId',
    ],
    [
      'an access denial',
      { before: a('error', { error: { code: 'AccessDenied', message: '' } }), results: [] },
      undefined,
    ],
    [
      'one region expired, another denied',
      {
        before: a('error', { regionErrors: [{ code: 'RequestExpired' }, { code: 'UnauthorizedOperation' }] }),
        results: [],
      },
      undefined,
    ],
    [
      'a refused change in a step that ends well (root-keys after deleting its own key)',
      {
        before: a('fail'),
        after: a('manual'),
        results: [{ changeId: 'x', outcome: 'failed' as const, error: { code: 'InvalidClientTokenId', message: '' } }],
      },
      undefined,
    ],
  ])('%s', (_what, outcome, code) => {
    expect(credentialFailure(outcome)?.code).toBe(code);
  });
});

describe('the gate with lost answers (SDK stubbed)', () => {
  // Imported here so the stubs apply to the clients the gate builds.
  const setup = async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { ClientPool } = await import('../../src/aws/pool.js');
    const { MutationGate } = await import('../../src/engine/gate.js');
    const { SessionFactory } = await import('../../src/engine/session.js');
    const { openJournal } = await import('../../src/engine/journal.js');
    const { RecordingOutput } = await import('../support/harness.js');
    const clock = { now: () => new Date(), sleep: async () => {} };
    const journal = openJournal({
      dir: mkdtempSync(join(tmpdir(), 'rootlock-gate-')),
      sessionId: 't',
      now: clock.now(),
    });
    const output = new RecordingOutput();
    const pool = new ClientPool({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x'.repeat(40) },
      endpoint: 'http://127.0.0.1:9',
    });
    const sessions = new SessionFactory(clock);
    const gate = new MutationGate({
      pool,
      dryRun: false,
      journal,
      output,
      clock,
      sessions,
      generateSecret: () => 'Known-Secret-Value-123!',
    });
    return { gate, output };
  };
  const dropped = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} });
  // The changes the admins step builds (a hand-written Change would carry no read-back and no idempotence).
  const alice = (c: Change) => c.params.UserName === 'alice';
  const createUser = change('iam', 'CreateUser', alice);

  it('a create whose answer was lost and that AWS does not show is sent again; one AWS shows is not', async () => {
    const { mockClient } = await import('aws-sdk-client-mock');
    const { IAMClient, CreateUserCommand, GetUserCommand } = await import('@aws-sdk/client-iam');
    const iam = mockClient(IAMClient);
    try {
      const { gate } = await setup();
      iam
        .on(CreateUserCommand)
        .rejectsOnce(dropped())
        .resolves({ User: { UserName: 'alice' } as never });
      iam.on(GetUserCommand).rejects(err('NoSuchEntityException', 404, { Code: 'NoSuchEntity' }));
      expect(await gate.execute(createUser)).toMatchObject({ outcome: 'applied', sends: 2, lostAnswers: 1 });
      expect(iam.commandCalls(CreateUserCommand)).toHaveLength(2);

      iam.reset();
      iam.on(CreateUserCommand).rejects(dropped());
      // The user with the tags rootlock sent (created-by and the setup tag).
      expect(createUser.params.Tags).toContainEqual({ Key: 'created-by', Value: 'rootlock' });
      iam.on(GetUserCommand).resolves({ User: { UserName: 'alice', Tags: createUser.params.Tags } as never });
      expect(await gate.execute(createUser)).toMatchObject({ outcome: 'applied', lostAnswers: 1, reconciled: true });
      expect(iam.commandCalls(CreateUserCommand)).toHaveLength(1);
    } finally {
      iam.restore();
    }
  });

  it('a lost create that no read settles is not sent again; a lost idempotent call is', async () => {
    const { mockClient } = await import('aws-sdk-client-mock');
    const { IAMClient, CreateUserCommand, GetUserCommand, AddUserToGroupCommand, ListGroupsForUserCommand } =
      await import('@aws-sdk/client-iam');
    const iam = mockClient(IAMClient);
    try {
      const { gate } = await setup();
      iam.on(CreateUserCommand).rejects(dropped());
      iam.on(GetUserCommand).rejects(err('AccessDenied', 403));
      const r = await gate.execute(createUser);
      expect(r).toMatchObject({ outcome: 'failed', lostAnswers: 1, error: { code: 'OutcomeUnknown' } });
      expect(iam.commandCalls(CreateUserCommand)).toHaveLength(1);

      iam.on(AddUserToGroupCommand).rejectsOnce(dropped()).resolves({});
      iam.on(ListGroupsForUserCommand).rejects(err('AccessDenied', 403));
      const add = change('iam', 'AddUserToGroup', alice);
      expect(add.params).toEqual({ UserName: 'alice', GroupName: 'Admins' });
      expect(await gate.execute(add)).toMatchObject({ outcome: 'applied', sends: 2, lostAnswers: 1 });
    } finally {
      iam.restore();
    }
  });

  it('throttling: sent at most 5 times, never read back (a throttled call was not applied)', async () => {
    const { mockClient } = await import('aws-sdk-client-mock');
    const { IAMClient, CreateUserCommand, GetUserCommand } = await import('@aws-sdk/client-iam');
    const iam = mockClient(IAMClient);
    try {
      const { gate } = await setup();
      iam.on(CreateUserCommand).rejects(err('Throttling', 400));
      const r = await gate.execute(createUser);
      expect(r).toMatchObject({ outcome: 'failed', sends: 5, error: { code: 'Throttling' } });
      expect(r.error?.message).toBe('Throttling: Throttling happened (gave up after 5 attempts; run again)');
      expect(r.lostAnswers).toBeUndefined();
      expect(iam.commandCalls(GetUserCommand)).toHaveLength(0);
    } finally {
      iam.restore();
    }
  });

  it('a lost console password that AWS shows in place is shown once; one that cannot be confirmed is not, with a warning', async () => {
    const { mockClient } = await import('aws-sdk-client-mock');
    const { IAMClient, CreateLoginProfileCommand, GetLoginProfileCommand } = await import('@aws-sdk/client-iam');
    const iam = mockClient(IAMClient);
    const login = change('iam', 'CreateLoginProfile', alice);
    const label = 'one-time console password for alice';
    expect(login.params.Password).toEqual({ $secret: 'password', label });
    try {
      const { gate, output } = await setup();
      iam.on(CreateLoginProfileCommand).rejects(dropped());
      iam.on(GetLoginProfileCommand).resolves({ LoginProfile: { UserName: 'alice', CreateDate: new Date() } as never });
      expect(await gate.execute(login)).toMatchObject({ outcome: 'applied', reconciled: true });
      expect(output.secrets).toEqual([{ label, value: 'Known-Secret-Value-123!' }]);

      iam.on(GetLoginProfileCommand).rejects(err('ServiceFailureException', 500));
      expect(await gate.execute(login)).toMatchObject({ outcome: 'failed', error: { code: 'OutcomeUnknown' } });
      expect(output.secrets).toHaveLength(1);
      expect(output.text).toContain(
        `${login.description}: AWS's answer was lost and could not be confirmed, so the one-time secret was not shown.`,
      );
      expect(output.text).not.toContain('Known-Secret-Value-123!');
    } finally {
      iam.restore();
    }
  });
});
