import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  IAMClient,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { EC2Client, AssociateIamInstanceProfileCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientPool } from '../../src/aws/pool.js';
import { SessionFactory } from '../../src/engine/session.js';
import { MutationGate } from '../../src/engine/gate.js';
import { openJournal } from '../../src/engine/journal.js';
import type { Change, Clock } from '../../src/engine/types.js';
import { RecordingOutput } from '../support/harness.js';

const creds = { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x'.repeat(40) };
const clock: Clock = { now: () => new Date('2026-11-28T12:00:00Z'), sleep: async () => {} };
const SECRET = 'Gener4ted!Secret-Value-xyz';

function setup(dryRun: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'rootlock-gate-'));
  const journal = openJournal({ dir, sessionId: 'test', now: clock.now() });
  const output = new RecordingOutput();
  const pool = new ClientPool({ region: 'us-east-1', credentials: creds, endpoint: 'http://127.0.0.1:9' });
  const gate = new MutationGate({
    pool,
    dryRun,
    journal,
    output,
    clock,
    sessions: new SessionFactory(clock),
    generateSecret: () => SECRET,
  });
  return { gate, output, journal, pool };
}

const loginProfile: Change = {
  id: 'admins/login-profile/alice',
  step: 'admins',
  description: 'Give alice a console password',
  service: 'iam',
  operation: 'CreateLoginProfile',
  params: {
    UserName: 'alice',
    Password: { $secret: 'password', label: 'password for alice' },
    PasswordResetRequired: true,
  },
};

describe('MutationGate', () => {
  const iam = mockClient(IAMClient);
  const ec2 = mockClient(EC2Client);
  beforeEach(() => {
    iam.reset();
    ec2.reset();
  });
  afterEach(() => {
    iam.reset();
    ec2.reset();
  });

  it('in dry-run sends nothing and generates no secret', async () => {
    const { gate, output } = setup(true);
    const r = await gate.execute(loginProfile);
    expect(r.outcome).toBe('dry-run');
    expect(iam.calls()).toHaveLength(0);
    expect(output.secrets).toHaveLength(0);
  });

  it('fills the secret at send time, shows it once, and journals only the placeholder', async () => {
    iam
      .on(CreateLoginProfileCommand)
      .resolves({ LoginProfile: { UserName: 'alice', CreateDate: new Date(), PasswordResetRequired: true } });
    const { gate, output, journal } = setup(false);
    const r = await gate.execute(loginProfile);
    expect(r.outcome).toBe('applied');
    expect(iam.commandCalls(CreateLoginProfileCommand)[0]?.args[0].input).toMatchObject({
      UserName: 'alice',
      Password: SECRET,
    });
    expect(output.secrets).toEqual([{ label: 'password for alice', value: SECRET }]);
    const text = readFileSync(journal.path!, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).toContain('"$secret":"password"');
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toEqual(['change-start', 'change-end']);
    expect(statSync(journal.path!).mode & 0o777).toBe(0o600);
  });

  it('never shows a secret whose call failed', async () => {
    iam.on(CreateLoginProfileCommand).rejects(
      Object.assign(new Error('Password does not conform'), {
        name: 'PasswordPolicyViolation',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const { gate, output } = setup(false);
    const r = await gate.execute(loginProfile);
    expect(r.outcome).toBe('failed');
    expect(r.error?.code).toBe('PasswordPolicyViolation');
    expect(output.secrets).toHaveLength(0);
  });

  it('treats an "already exists" answer as done when the change says so', async () => {
    iam.on(CreateUserCommand).rejects(
      Object.assign(new Error('User alice already exists'), {
        name: 'EntityAlreadyExists',
        $metadata: { httpStatusCode: 409 },
      }),
    );
    const { gate } = setup(false);
    const change: Change = {
      id: 'u',
      step: 'admins',
      description: 'Create alice',
      service: 'iam',
      operation: 'CreateUser',
      params: { UserName: 'alice' },
      alreadyDoneCodes: ['EntityAlreadyExists'],
    };
    expect((await gate.execute(change)).outcome).toBe('already-done');
    expect((await gate.execute({ ...change, alreadyDoneCodes: undefined })).outcome).toBe('failed');
  });

  it('remembers which access keys it removed, so the session knows when its own key is gone', async () => {
    iam.on(DeleteAccessKeyCommand).resolves({});
    iam.on(UpdateAccessKeyCommand).resolves({});
    const { gate } = setup(false);
    expect(gate.removedSigningKey('AKIAOWNKEY0000000000')).toBe(false);
    await gate.execute({
      id: 'd',
      step: 'root-keys',
      description: 'Deactivate',
      service: 'iam',
      operation: 'UpdateAccessKey',
      params: { AccessKeyId: 'AKIAOTHERKEY00000000', Status: 'Active' },
    });
    expect(gate.removedSigningKey('AKIAOTHERKEY00000000')).toBe(false);
    await gate.execute({
      id: 'e',
      step: 'root-keys',
      description: 'Delete',
      service: 'iam',
      operation: 'DeleteAccessKey',
      params: { AccessKeyId: 'AKIAOWNKEY0000000000' },
    });
    expect(gate.removedSigningKey('AKIAOWNKEY0000000000')).toBe(true);
    expect(gate.removedSigningKey(undefined)).toBe(false);
  });

  it('sends nothing more with its own pool once it removed the key that pool signs with', async () => {
    iam.on(DeleteAccessKeyCommand).resolves({});
    iam.on(CreateUserCommand).resolves({});
    const { pool, journal } = setup(false);
    const own = new MutationGate({
      pool,
      dryRun: false,
      journal,
      output: new RecordingOutput(),
      clock,
      sessions: new SessionFactory(clock),
      signingKeyId: creds.accessKeyId,
    });
    const del: Change = {
      id: 'root-keys/delete/own',
      step: 'root-keys',
      description: 'Delete root access key',
      service: 'iam',
      operation: 'DeleteAccessKey',
      params: { AccessKeyId: creds.accessKeyId },
    };
    const later: Change = {
      id: 'x/create',
      step: 'x',
      description: 'Create bob',
      service: 'iam',
      operation: 'CreateUser',
      params: { UserName: 'bob' },
    };
    expect((await own.execute(del)).outcome).toBe('applied');
    const refused = await own.execute(later, { pool });
    expect(refused).toMatchObject({ outcome: 'failed', error: { code: 'SigningKeyRemoved' } });
    expect(refused.error?.message).toContain('not sent, because this session removed the access key it signs with');
    expect(iam.commandCalls(CreateUserCommand)).toHaveLength(0);
    // Another principal's pool (an admin after a handoff) may still send.
    const admin = new ClientPool({
      region: 'us-east-1',
      credentials: { ...creds, accessKeyId: 'AKIAADMIN00000000000' },
    });
    expect((await own.execute(later, { pool: admin })).outcome).toBe('applied');
    expect(iam.commandCalls(CreateUserCommand)).toHaveLength(1);
  });

  it('names the denied action', async () => {
    iam
      .on(CreateUserCommand)
      .rejects(
        Object.assign(new Error('not authorized'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
      );
    const { gate } = setup(false);
    const r = await gate.execute({
      id: 'u',
      step: 'admins',
      description: 'Create alice',
      service: 'iam',
      operation: 'CreateUser',
      params: { UserName: 'alice' },
    });
    expect(r.error?.deniedAction).toBe('iam:CreateUser');
    expect(r.error?.message).toContain('iam:CreateUser');
  });

  it('retries eventual-consistency errors within bounds', async () => {
    const notYet = Object.assign(new Error('Invalid IAM Instance Profile name'), {
      name: 'InvalidParameterValue',
      $metadata: { httpStatusCode: 400 },
    });
    ec2
      .on(AssociateIamInstanceProfileCommand)
      .rejectsOnce(notYet)
      .rejectsOnce(notYet)
      .resolves({ IamInstanceProfileAssociation: { AssociationId: 'a-1' } });
    const { gate } = setup(false);
    const change: Change = {
      id: 'assoc',
      step: 'ec2-roles',
      description: 'Attach',
      service: 'ec2',
      operation: 'AssociateIamInstanceProfile',
      region: 'eu-west-1',
      params: { InstanceId: 'i-1', IamInstanceProfile: { Name: 'p' } },
      retryOn: { codes: ['InvalidParameterValue'], messageIncludes: 'Instance Profile', attempts: 5, delayMs: 10 },
    };
    expect((await gate.execute(change)).outcome).toBe('applied');
    expect(ec2.commandCalls(AssociateIamInstanceProfileCommand)).toHaveLength(3);
    ec2.reset();
    ec2.on(AssociateIamInstanceProfileCommand).rejects(notYet);
    expect((await gate.execute(change)).outcome).toBe('failed');
    expect(ec2.commandCalls(AssociateIamInstanceProfileCommand)).toHaveLength(5);
  });
});
