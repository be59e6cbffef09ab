import { AssociateIamInstanceProfileCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientPool } from '../../../src/aws/pool.js';
import { MutationGate } from '../../../src/engine/gate.js';
import { nullJournal } from '../../../src/engine/journal.js';
import { SessionFactory } from '../../../src/engine/session.js';
import type { Clock } from '../../../src/engine/types.js';
import {
  buildPlan,
  ec2TrustPolicy,
  PROFILE_NOT_READY_RETRY,
  type Ec2RolesAnswers,
} from '../../../src/steps/ec2-roles/plan.js';
import { trustsEc2 } from '../../../src/steps/ec2-roles/analysis.js';
import { RecordingOutput } from '../../support/harness.js';

const SSM = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
const CW = 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy';

const base: Omit<Ec2RolesAnswers, 'role'> = {
  associate: [
    { id: 'i-1', region: 'eu-west-1', name: 'web' },
    { id: 'i-2', region: 'us-east-1' },
  ],
  replace: [],
};

describe('buildPlan', () => {
  it('an existing role without policies gets the chosen ones attached before its profile and the associations', () => {
    const plan = buildPlan({
      ...base,
      role: { kind: 'existing', roleName: 'half', profileName: 'half', createProfile: true, policyArns: [SSM] },
    });
    expect(plan.map((c) => `${c.service}:${c.operation}`)).toEqual([
      'iam:AttachRolePolicy',
      'iam:CreateInstanceProfile',
      'iam:AddRoleToInstanceProfile',
      'ec2:AssociateIamInstanceProfile',
      'ec2:AssociateIamInstanceProfile',
    ]);
    expect(plan[0]!.params).toEqual({ RoleName: 'half', PolicyArn: SSM });
    expect(
      buildPlan({ ...base, role: { kind: 'existing', roleName: 'app', profileName: 'app', createProfile: false } }).map(
        (c) => c.operation,
      ),
    ).toEqual(['AssociateIamInstanceProfile', 'AssociateIamInstanceProfile']);
  });

  it('creates the role, attaches the chosen policies, creates and fills the profile, then associates, in that order', () => {
    const plan = buildPlan({ ...base, role: { kind: 'new', roleName: 'app-role', policyArns: [SSM, CW] } });
    expect(plan.map((c) => `${c.service}:${c.operation}`)).toEqual([
      'iam:CreateRole',
      'iam:AttachRolePolicy',
      'iam:AttachRolePolicy',
      'iam:CreateInstanceProfile',
      'iam:AddRoleToInstanceProfile',
      'ec2:AssociateIamInstanceProfile',
      'ec2:AssociateIamInstanceProfile',
    ]);
    const [create, attach1, , profile, add, assoc1, assoc2] = plan;
    expect(create!.params).toMatchObject({ RoleName: 'app-role' });
    expect(trustsEc2(create!.params['AssumeRolePolicyDocument'] as string)).toBe(true);
    expect(create!.alreadyDoneCodes).toEqual(['EntityAlreadyExists']);
    expect(attach1!.params).toEqual({ RoleName: 'app-role', PolicyArn: SSM });
    expect(profile!.params).toMatchObject({ InstanceProfileName: 'app-role' });
    expect(profile!.alreadyDoneCodes).toEqual(['EntityAlreadyExists']);
    expect(add!.params).toEqual({ InstanceProfileName: 'app-role', RoleName: 'app-role' });
    expect(add!.alreadyDoneCodes).toEqual(['EntityAlreadyExists', 'LimitExceeded']);
    expect(assoc1).toMatchObject({
      region: 'eu-west-1',
      params: { InstanceId: 'i-1', IamInstanceProfile: { Name: 'app-role' } },
      retryOn: PROFILE_NOT_READY_RETRY,
    });
    expect(assoc1!.destructive).toBeFalsy();
    expect(assoc2).toMatchObject({ region: 'us-east-1', params: { InstanceId: 'i-2' } });
    // ids are unique and stable
    expect(new Set(plan.map((c) => c.id)).size).toBe(plan.length);
    expect(plan.every((c) => c.step === 'ec2-roles')).toBe(true);
  });

  it('creates a role with no policies when none is chosen (still a role: no AdministratorAccess sneaks in)', () => {
    const plan = buildPlan({ ...base, role: { kind: 'new', roleName: 'bare', policyArns: [] } });
    expect(plan.filter((c) => c.operation === 'AttachRolePolicy')).toEqual([]);
    expect(JSON.stringify(plan)).not.toContain('AdministratorAccess');
  });

  it('reuses an existing role and profile: only associations', () => {
    const plan = buildPlan({
      ...base,
      role: { kind: 'existing', roleName: 'web', profileName: 'web-profile', createProfile: false },
    });
    expect(plan.map((c) => c.operation)).toEqual(['AssociateIamInstanceProfile', 'AssociateIamInstanceProfile']);
    expect(plan[0]!.params).toEqual({ InstanceId: 'i-1', IamInstanceProfile: { Name: 'web-profile' } });
  });

  it('gives an existing role without a profile a new one first', () => {
    const plan = buildPlan({
      ...base,
      role: { kind: 'existing', roleName: 'web', profileName: 'web', createProfile: true },
    });
    expect(plan.map((c) => c.operation)).toEqual([
      'CreateInstanceProfile',
      'AddRoleToInstanceProfile',
      'AssociateIamInstanceProfile',
      'AssociateIamInstanceProfile',
    ]);
  });

  it('replaces an existing association by its id, marked destructive with a warning', () => {
    const plan = buildPlan({
      associate: [],
      replace: [
        {
          id: 'i-7',
          region: 'eu-west-1',
          associationId: 'iip-assoc-7',
          currentProfileArn: 'arn:aws:iam::123456789012:instance-profile/god',
        },
      ],
      role: { kind: 'existing', roleName: 'web', profileName: 'web', createProfile: false },
    });
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({
      operation: 'ReplaceIamInstanceProfileAssociation',
      region: 'eu-west-1',
      params: { AssociationId: 'iip-assoc-7', IamInstanceProfile: { Name: 'web' } },
      destructive: true,
      retryOn: PROFILE_NOT_READY_RETRY,
    });
    expect(plan[0]!.warning).toMatch(/god/);
  });

  it('sanitizes account data in descriptions but not in parameters', () => {
    const plan = buildPlan({
      associate: [{ id: 'i-1', region: 'r', name: 'x\u001b]0;pwned\u0007' }],
      replace: [],
      role: { kind: 'existing', roleName: 'web', profileName: 'web', createProfile: false },
    });
    expect(plan[0]!.description).not.toMatch(/[\u0000-\u001f]/);
  });

  it('trust policy is the EC2 one', () => {
    expect(JSON.parse(ec2TrustPolicy())).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
  });
});

describe('the association retry, through the real gate', () => {
  const ec2 = mockClient(EC2Client);
  afterEach(() => ec2.reset());
  const sleeps: number[] = [];
  const clock: Clock = { now: () => new Date(0), sleep: async (ms) => void sleeps.push(ms) };
  const notReady = () =>
    new EC2ServiceException({
      name: 'InvalidParameterValue',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'Value (app-role) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name',
    });
  const gate = () =>
    new MutationGate({
      pool: new ClientPool({
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x'.repeat(40) },
        endpoint: 'http://127.0.0.1:9',
      }),
      dryRun: false,
      journal: nullJournal,
      output: new RecordingOutput(),
      clock,
      sessions: new SessionFactory(clock),
    });
  const change = buildPlan({
    associate: [{ id: 'i-1', region: 'eu-west-1' }],
    replace: [],
    role: { kind: 'existing', roleName: 'app-role', profileName: 'app-role', createProfile: false },
  })[0]!;

  it('retries while the new profile is not yet visible to EC2, then succeeds', async () => {
    sleeps.length = 0;
    ec2
      .on(AssociateIamInstanceProfileCommand)
      .rejectsOnce(notReady())
      .rejectsOnce(notReady())
      .resolves({ IamInstanceProfileAssociation: { AssociationId: 'iip-1', State: 'associating' } });
    const r = await gate().execute(change);
    expect(r.outcome).toBe('applied');
    expect(ec2.commandCalls(AssociateIamInstanceProfileCommand)).toHaveLength(3);
    expect(sleeps).toEqual([2000, 4000]);
  });

  it('gives up after the bounded number of attempts', async () => {
    sleeps.length = 0;
    ec2.on(AssociateIamInstanceProfileCommand).rejects(notReady());
    const r = await gate().execute(change);
    expect(r.outcome).toBe('failed');
    expect(ec2.commandCalls(AssociateIamInstanceProfileCommand)).toHaveLength(PROFILE_NOT_READY_RETRY.attempts);
  });

  it('does not retry another InvalidParameterValue', async () => {
    ec2.on(AssociateIamInstanceProfileCommand).rejects(
      new EC2ServiceException({
        name: 'InvalidParameterValue',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Value (i-1) for parameter instanceId is invalid.',
      }),
    );
    const r = await gate().execute(change);
    expect(r.outcome).toBe('failed');
    expect(ec2.commandCalls(AssociateIamInstanceProfileCommand)).toHaveLength(1);
  });
});
