import { AttachUserPolicyCommand, CreatePolicyCommand, CreateUserCommand, GetAccountAuthorizationDetailsCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients } from './clients.js';
import { useEmulator } from './emulator.js';
const emu = useEmulator();
describe('root layer: GetAccountAuthorizationDetails', () => {
  it('lists only attached AWS managed policies', async () => {
    const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    await iam.send(new CreateUserCommand({ UserName: 'a' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'a', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    const r = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User', 'Group', 'Role', 'LocalManagedPolicy', 'AWSManagedPolicy'] }));
    expect(r.Policies?.map((p) => p.Arn)).toEqual(['arn:aws:iam::aws:policy/AdministratorAccess']);
    const p = r.Policies![0]!;
    expect(p.PolicyName).toBe('AdministratorAccess');
    expect(decodeURIComponent(p.PolicyVersionList![0]!.Document!)).toContain('"Action": "*"');
    expect(r.UserDetailList?.map((u) => u.UserName)).toEqual(['a']);
  });

  it('keeps customer managed policies and honours a filter without AWS managed policies', async () => {
    const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    await iam.send(new CreatePolicyCommand({ PolicyName: 'mine', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) }));
    const all = await iam.send(new GetAccountAuthorizationDetailsCommand({}));
    expect(all.Policies?.map((p) => p.Arn)).toEqual(['arn:aws:iam::123456789012:policy/mine']);
    const none = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'] }));
    expect(none.Policies ?? []).toEqual([]);
  });
});
