/**
 * The admins step's assessment end to end (`rootlock check --json --only admins`) against
 * the moto emulator: 0-4 admins through each path, Deny and role boundaries, shadow
 * admins, admin roles, console/MFA warnings. Read-only runs.
 */
import {
  AttachRolePolicyCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../../support/emulator.js';
import { mutatingRequests, runRootlock } from '../../support/harness.js';
import {
  ACCOUNT,
  ADMIN_PATHS,
  ADMIN_POLICY,
  bootstrapIam,
  createAdmin,
  createUserWithInline,
  type AdminPath,
} from './fixtures.js';

const emu = useEmulator({ credentialReportReuse: true });

function rootKey() {
  return emu().layer.seedRoot(ACCOUNT, { keys: [{ status: 'Active' }] }).keys[0]!;
}

/** `rootlock check --json --only admins`; returns the step's entry and the run. */
async function check(credentials = rootKey()) {
  const run = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'admins'], { credentials });
  return { step: run.json.steps[0], run };
}

const iam = (): IAMClient => bootstrapIam(emu().endpoint);
const names = (list: Array<{ name: string }>) => list.map((a) => a.name).sort();

describe('admins: counting (check --json, read-only)', () => {
  it('0 admins fails with the offer to create, and sends nothing that changes the account', async () => {
    await bootstrapIam(emu().endpoint).send(new CreateUserCommand({ UserName: 'plain' }));
    emu().layer.requests.length = 0;
    const { step, run } = await check();
    expect(step.status).toBe('fail');
    expect(step.findings.map((f: { id: string }) => f.id)).toContain('admins.too-few');
    expect(step.details.admins).toEqual([]);
    expect(step.details.counted).toMatchObject({ admins: 0, total: 0 });
    expect(run.code).toBe(1);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
  });

  const expected: Record<number, 'pass' | 'fail'> = { 1: 'fail', 2: 'pass', 3: 'pass', 4: 'fail' };
  describe.each(ADMIN_PATHS)('admins through %s', (path: AdminPath) => {
    it.each([1, 2, 3, 4])('%i admin(s)', async (n) => {
      const users = ['ann', 'ben', 'cat', 'dan'].slice(0, n);
      for (const u of users) await createAdmin(emu().endpoint, u, path);
      await bootstrapIam(emu().endpoint).send(new CreateUserCommand({ UserName: 'bystander' }));
      const { step } = await check();
      expect(step.status).toBe(expected[n]);
      expect(names(step.details.admins)).toEqual(users);
      expect(step.details.counted).toMatchObject({ admins: n, shadowAdmins: 0, total: n });
      const ids = step.findings.filter((f: { kind: string }) => f.kind === 'fail').map((f: { id: string }) => f.id);
      expect(ids).toEqual(n < 2 ? ['admins.too-few'] : n > 3 ? ['admins.too-many'] : []);
      const via = step.details.admins[0].via as string[];
      const wanted = {
        direct: 'AdministratorAccess (AWS managed)',
        group: 'group Administrators: AdministratorAccess (AWS managed)',
        inline: 'inline policy everything',
        'customer-managed': `customer managed policy arn:aws:iam::${ACCOUNT}:policy/`,
      }[path];
      expect(via[0]).toContain(wanted);
      if (n > 3) {
        const tooMany = step.findings.find((f: { id: string }) => f.id === 'admins.too-many');
        for (const u of users) expect(tooMany.message).toContain(`${u} (admin, last activity never)`);
      }
      if (path === 'customer-managed') {
        const star = step.findings.filter((f: { id: string }) => f.id === 'admins.full-access-policy');
        expect(star).toHaveLength(n);
        expect(star[0].controls).toEqual([
          'CIS v5.0.0 1.15',
          'CIS v6.0.0 2.15',
          'CIS v7.0.0 2.14',
          'CIS v3.0.0 1.16',
          'Security Hub IAM.1',
        ]);
      }
      if (path === 'direct' || path === 'inline' || path === 'customer-managed') {
        expect(step.findings.filter((f: { id: string }) => f.id === 'admins.direct-policy')).toHaveLength(n);
      }
    });
  });

  it('a Deny on iam:* takes a user out of the admins; a role boundary does the same for a role', async () => {
    await createAdmin(emu().endpoint, 'ann', 'group');
    await createAdmin(emu().endpoint, 'ben', 'group');
    await createAdmin(emu().endpoint, 'denied', 'direct');
    await iam().send(
      new PutUserPolicyCommand({
        UserName: 'denied',
        PolicyName: 'no-iam',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'iam:*', Resource: '*' }],
        }),
      }),
    );
    // moto supports permissions boundaries on roles (not on users: see the pure tests).
    const boundary = await iam().send(
      new CreatePolicyCommand({
        PolicyName: 's3-only',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
        }),
      }),
    );
    await iam().send(
      new CreateRoleCommand({
        RoleName: 'bounded',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
          ],
        }),
        PermissionsBoundary: boundary.Policy!.Arn!,
      }),
    );
    await iam().send(new AttachRolePolicyCommand({ RoleName: 'bounded', PolicyArn: ADMIN_POLICY }));
    const { step } = await check();
    expect(names(step.details.admins)).toEqual(['ann', 'ben']);
    expect(step.details.adminRoles).toEqual([]);
    expect(step.status).toBe('pass');
    const limited = step.findings.filter((f: { id: string }) => f.id === 'admins.limited');
    expect(limited.map((f: { resource: string }) => f.resource).sort()).toEqual([
      `arn:aws:iam::${ACCOUNT}:role/bounded`,
      `arn:aws:iam::${ACCOUNT}:user/denied`,
    ]);
    expect(limited.find((f: { resource: string }) => f.resource.endsWith('user/denied')).message).toContain(
      'an explicit Deny',
    );
    expect(limited.find((f: { resource: string }) => f.resource.endsWith('role/bounded')).message).toContain(
      'permissions boundary',
    );
  });

  it('shadow admins count against the limit of 3; shadow roles are listed, not counted', async () => {
    await createAdmin(emu().endpoint, 'ann', 'group');
    await createAdmin(emu().endpoint, 'ben', 'group');
    await createUserWithInline(emu().endpoint, 'sneaky', [
      { Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: '*' },
    ]);
    await createUserWithInline(emu().endpoint, 'passer', [
      { Effect: 'Allow', Action: ['iam:PassRole', 'ec2:RunInstances'], Resource: '*' },
    ]);
    await iam().send(
      new CreateRoleCommand({
        RoleName: 'deployer',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    await iam().send(
      new PutRolePolicyCommand({
        RoleName: 'deployer',
        PolicyName: 'iam',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }],
        }),
      }),
    );
    const { step } = await check();
    expect(step.status).toBe('fail');
    expect(step.details.counted).toMatchObject({ admins: 2, shadowAdmins: 2, total: 4 });
    const shadows = step.details.shadowAdmins as Array<{
      kind: string;
      name: string;
      counted: boolean;
      escalation: string[];
    }>;
    expect(shadows.map((s) => [s.kind, s.name, s.counted])).toEqual([
      ['user', 'sneaky', true],
      ['user', 'passer', true],
      ['role', 'deployer', false],
    ]);
    expect(shadows[0]!.escalation).toContain('iam:AttachUserPolicy');
    expect(shadows[1]!.escalation).toContain('iam:PassRole+ec2:RunInstances');
    const tooMany = step.findings.find((f: { id: string }) => f.id === 'admins.too-many');
    expect(tooMany.message).toContain('sneaky (shadow admin, last activity never)');
  });

  it('admin roles (SSO, cross-account) are listed separately and do not replace admin users', async () => {
    const trust = (principal: unknown) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
      });
    await iam().send(
      new CreateRoleCommand({
        RoleName: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
        Path: '/aws-reserved/sso.amazonaws.com/',
        AssumeRolePolicyDocument: trust({
          Federated: `arn:aws:iam::${ACCOUNT}:saml-provider/AWSSSO_abc_DO_NOT_DELETE`,
        }),
      }),
    );
    await iam().send(
      new AttachRolePolicyCommand({
        RoleName: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
        PolicyArn: ADMIN_POLICY,
      }),
    );
    await iam().send(
      new CreateRoleCommand({
        RoleName: 'OrganizationAccountAccessRole',
        AssumeRolePolicyDocument: trust({ AWS: 'arn:aws:iam::999999999999:root' }),
      }),
    );
    await iam().send(
      new AttachRolePolicyCommand({ RoleName: 'OrganizationAccountAccessRole', PolicyArn: ADMIN_POLICY }),
    );
    await createAdmin(emu().endpoint, 'ann', 'group');
    const { step } = await check();
    expect(step.status).toBe('fail');
    expect(step.findings.map((f: { id: string }) => f.id)).toContain('admins.too-few');
    expect(step.details.adminRoles.map((r: { name: string; roleKind: string }) => [r.name, r.roleKind])).toEqual([
      ['AWSReservedSSO_AdministratorAccess_0123456789abcdef', 'sso'],
      ['OrganizationAccountAccessRole', 'cross-account'],
    ]);
    expect(step.details.adminRoles[1].trustedAccounts).toEqual(['999999999999']);
    expect(step.findings.filter((f: { id: string }) => f.id === 'admins.role')).toHaveLength(2);
  });

  it('2 admins pass, with warnings for the one without MFA and the one without console access', async () => {
    await createAdmin(emu().endpoint, 'ann', 'group');
    await createAdmin(emu().endpoint, 'ben', 'group');
    await createAdmin(emu().endpoint, 'cat', 'group');
    await iam().send(new CreateLoginProfileCommand({ UserName: 'ann', Password: 'Ann-console-Passw0rd!' }));
    await iam().send(new CreateLoginProfileCommand({ UserName: 'ben', Password: 'Ben-console-Passw0rd!' }));
    const device = await iam().send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'ann-phone' }));
    await iam().send(
      new EnableMFADeviceCommand({
        UserName: 'ann',
        SerialNumber: device.VirtualMFADevice!.SerialNumber!,
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    );
    const { step } = await check();
    expect(step.status).toBe('pass');
    const byName = Object.fromEntries(step.details.admins.map((a: { name: string }) => [a.name, a]));
    expect(byName.ann).toMatchObject({ consoleAccess: true, mfa: true, lastActivity: null });
    expect(byName.ben).toMatchObject({ consoleAccess: true, mfa: false });
    expect(byName.cat).toMatchObject({ consoleAccess: false, mfa: false });
    for (const a of step.details.admins)
      expect(Object.keys(a)).toEqual(
        expect.arrayContaining(['name', 'arn', 'via', 'consoleAccess', 'mfa', 'lastActivity']),
      );
    const warn = (id: string) =>
      step.findings
        .filter((f: { id: string }) => f.id === id)
        .map((f: { resource: string }) => f.resource.split('/').pop());
    expect(warn('admins.no-mfa').sort()).toEqual(['ben', 'cat']);
    expect(warn('admins.no-console')).toEqual(['cat']);
    const benMfa = step.findings.find(
      (f: { id: string; resource: string }) => f.id === 'admins.no-mfa' && f.resource.endsWith('/ben'),
    );
    expect(benMfa.controls).toEqual(expect.arrayContaining(['CIS v5.0.0 1.9', 'Security Hub IAM.5']));
    expect(benMfa.kind).toBe('warn');
  });
});
