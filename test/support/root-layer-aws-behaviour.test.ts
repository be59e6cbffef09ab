import {
  AttachUserPolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  GetAccountAuthorizationDetailsCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  ReplaceIamInstanceProfileAssociationCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients } from './clients.js';
import { useEmulator } from './emulator.js';
const emu = useEmulator();
describe('root layer: GetAccountAuthorizationDetails', () => {
  it('lists only attached AWS managed policies', async () => {
    const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    await iam.send(new CreateUserCommand({ UserName: 'a' }));
    await iam.send(
      new AttachUserPolicyCommand({ UserName: 'a', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
    );
    const r = await iam.send(
      new GetAccountAuthorizationDetailsCommand({
        Filter: ['User', 'Group', 'Role', 'LocalManagedPolicy', 'AWSManagedPolicy'],
      }),
    );
    expect(r.Policies?.map((p) => p.Arn)).toEqual(['arn:aws:iam::aws:policy/AdministratorAccess']);
    const p = r.Policies![0]!;
    expect(p.PolicyName).toBe('AdministratorAccess');
    expect(decodeURIComponent(p.PolicyVersionList![0]!.Document!)).toContain('"Action": "*"');
    expect(r.UserDetailList?.map((u) => u.UserName)).toEqual(['a']);
  });

  it('keeps customer managed policies and honours a filter without AWS managed policies', async () => {
    const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'mine',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
        }),
      }),
    );
    const all = await iam.send(new GetAccountAuthorizationDetailsCommand({}));
    expect(all.Policies?.map((p) => p.Arn)).toEqual(['arn:aws:iam::123456789012:policy/mine']);
    const none = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'] }));
    expect(none.Policies ?? []).toEqual([]);
  });
});

describe('root layer: DescribeInstances after a profile replacement', () => {
  it('shows the instance profile of the current association, as AWS does', async () => {
    const { iam, ec2 } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS, 'eu-west-1');
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'old' }));
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'new' }));
    const image = (await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: ['amzn2-ami-*'] }] })))
      .Images?.[0]?.ImageId;
    // One instance a call: moto associates the profile with the first instance of a launch only.
    const launch = async () =>
      (
        await ec2.send(
          new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, IamInstanceProfile: { Name: 'old' } }),
        )
      ).Instances![0]!.InstanceId!;
    const first = await launch();
    const second = await launch();
    const assoc = await ec2.send(
      new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: 'instance-id', Values: [first] }] }),
    );
    await ec2.send(
      new ReplaceIamInstanceProfileAssociationCommand({
        AssociationId: assoc.IamInstanceProfileAssociations![0]!.AssociationId!,
        IamInstanceProfile: { Name: 'new' },
      }),
    );
    const d = await ec2.send(new DescribeInstancesCommand({}));
    const profiles = Object.fromEntries(
      (d.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => [i.InstanceId, i.IamInstanceProfile?.Arn]),
    );
    expect(profiles[first]).toBe('arn:aws:iam::123456789012:instance-profile/new');
    expect(profiles[second]).toBe('arn:aws:iam::123456789012:instance-profile/old');
  });
});
