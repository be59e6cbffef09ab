/**
 * The admins step with IAM Identity Center, end to end against the emulator (moto behind the root
 * layer, behaviour 19): people assigned an admin permission set on the account, directly or
 * through a group, are counted beside IAM users; the wizard assigns existing Identity Center
 * users or groups through the gate, and the assignment is then at the emulator
 * (ListAccountAssignments); accounts that cannot read Identity Center say what was counted.
 */
import { CreateLoginProfileCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  CreateUserCommand as CreateIdcUserCommand,
  IdentitystoreClient,
} from '@aws-sdk/client-identitystore';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  RegisterDelegatedAdministratorCommand,
} from '@aws-sdk/client-organizations';
import {
  AttachManagedPolicyToPermissionSetCommand,
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  ListPermissionSetsCommand,
  PutInlinePolicyToPermissionSetCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { describe, expect, it } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients, type TestCredentials } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { mutatingRequests, runRootlock } from '../../support/harness.js';
import { ACCOUNT, ADMIN_POLICY, bootstrapIam, createAdmin } from './fixtures.js';

const emu = useEmulator();
const REGION = 'us-east-1';

const sso = (creds: TestCredentials = MOTO_BOOTSTRAP_CREDENTIALS, region = REGION) =>
  new SSOAdminClient({ endpoint: emu().endpoint, credentials: creds, region, maxAttempts: 1 });
const idstore = (creds: TestCredentials = MOTO_BOOTSTRAP_CREDENTIALS) =>
  new IdentitystoreClient({ endpoint: emu().endpoint, credentials: creds, region: REGION, maxAttempts: 1 });

const POWER_USER = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' }],
});
const EVERYTHING = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

interface IdcFixture {
  instanceArn: string;
  storeId: string;
  sets: Record<string, string>;
  users: Record<string, string>;
  groups: Record<string, string>;
}

/**
 * The default account as an organization's management account with Identity Center enabled in
 * us-east-1: permission sets AdminAccess (AWS managed AdministratorAccess), InlineAdmin (inline
 * *:*) and PowerUser (everything but IAM and Organizations: not an admin); users ann, bob, carol,
 * dan; group Admins (bob) and group Ops (carol, dan).
 */
async function identityCenter(): Promise<IdcFixture> {
  const { organizations } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  emu().layer.enableIdentityCenter(ACCOUNT, REGION);
  const admin = sso();
  const inst = (await admin.send(new ListInstancesCommand({}))).Instances?.[0];
  const instanceArn = inst!.InstanceArn!;
  const storeId = inst!.IdentityStoreId!;
  const sets: Record<string, string> = {};
  for (const name of ['AdminAccess', 'InlineAdmin', 'PowerUser']) {
    const ps = await admin.send(new CreatePermissionSetCommand({ InstanceArn: instanceArn, Name: name }));
    sets[name] = ps.PermissionSet!.PermissionSetArn!;
  }
  await admin.send(
    new AttachManagedPolicyToPermissionSetCommand({
      InstanceArn: instanceArn,
      PermissionSetArn: sets.AdminAccess,
      ManagedPolicyArn: ADMIN_POLICY,
    }),
  );
  await admin.send(
    new PutInlinePolicyToPermissionSetCommand({
      InstanceArn: instanceArn,
      PermissionSetArn: sets.InlineAdmin,
      InlinePolicy: EVERYTHING,
    }),
  );
  await admin.send(
    new PutInlinePolicyToPermissionSetCommand({
      InstanceArn: instanceArn,
      PermissionSetArn: sets.PowerUser,
      InlinePolicy: POWER_USER,
    }),
  );
  const ids = idstore();
  const users: Record<string, string> = {};
  for (const name of ['ann', 'bob', 'carol', 'dan']) {
    const u = await ids.send(
      new CreateIdcUserCommand({
        IdentityStoreId: storeId,
        UserName: name,
        DisplayName: `${name[0]!.toUpperCase()}${name.slice(1)} Example`,
        Name: { GivenName: name, FamilyName: 'Example' },
      }),
    );
    users[name] = u.UserId!;
  }
  const groups: Record<string, string> = {};
  for (const [name, members] of [
    ['Admins', ['bob']],
    ['Ops', ['carol', 'dan']],
  ] as const) {
    const g = await ids.send(new CreateGroupCommand({ IdentityStoreId: storeId, DisplayName: name }));
    groups[name] = g.GroupId!;
    for (const m of members)
      await ids.send(
        new CreateGroupMembershipCommand({
          IdentityStoreId: storeId,
          GroupId: g.GroupId!,
          MemberId: { UserId: users[m]! },
        }),
      );
  }
  return { instanceArn, storeId, sets, users, groups };
}

async function assign(
  f: IdcFixture,
  set: string,
  type: 'USER' | 'GROUP',
  principal: string,
  account = ACCOUNT,
): Promise<void> {
  await sso().send(
    new CreateAccountAssignmentCommand({
      InstanceArn: f.instanceArn,
      TargetId: account,
      TargetType: 'AWS_ACCOUNT',
      PermissionSetArn: f.sets[set],
      PrincipalType: type,
      PrincipalId: type === 'USER' ? f.users[principal] : f.groups[principal],
    }),
  );
}

async function assignments(f: IdcFixture, set: string, account = ACCOUNT): Promise<string[]> {
  const r = await sso().send(
    new ListAccountAssignmentsCommand({
      InstanceArn: f.instanceArn,
      AccountId: account,
      PermissionSetArn: f.sets[set],
    }),
  );
  const names = new Map([
    ...Object.entries(f.users).map(([n, id]) => [id, `user:${n}`] as const),
    ...Object.entries(f.groups).map(([n, id]) => [id, `group:${n}`] as const),
  ]);
  return (r.AccountAssignments ?? []).map((a) => names.get(a.PrincipalId!) ?? a.PrincipalId!).sort();
}

function rootKey(account = ACCOUNT) {
  return emu().layer.seedRoot(account, { keys: [{ status: 'Active' }] }).keys[0]!;
}

async function check(credentials = rootKey()) {
  const run = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'admins'], { credentials });
  return run.json.steps[0];
}

async function consoleUser(name: string): Promise<void> {
  const iam = bootstrapIam(emu().endpoint);
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: 'Correct-Horse-Battery-9' }));
}

describe('admins: IAM Identity Center people are counted', () => {
  it('counts users with an admin permission set on the account, directly and through a group; not other sets', async () => {
    const f = await identityCenter();
    await assign(f, 'AdminAccess', 'USER', 'ann');
    await assign(f, 'InlineAdmin', 'GROUP', 'Admins');
    // PowerUser is not full admin: carol and dan (group Ops) are not counted.
    await assign(f, 'PowerUser', 'GROUP', 'Ops');
    const step = await check();
    expect(step.status).toBe('pass');
    expect(step.details.counted).toMatchObject({ admins: 0, identityCenterAdmins: 2, people: 2, total: 2 });
    expect(step.details.identityCenter).toMatchObject({
      status: 'read',
      region: REGION,
      instanceArn: f.instanceArn,
      inUse: true,
    });
    expect(step.details.identityCenter.admins).toEqual([
      {
        userId: f.users.ann,
        userName: 'ann',
        displayName: 'Ann Example',
        via: ['permission set AdminAccess'],
      },
      {
        userId: f.users.bob,
        userName: 'bob',
        displayName: 'Bob Example',
        via: ['group Admins: permission set InlineAdmin'],
      },
    ]);
    expect(
      step.details.identityCenter.adminPermissionSets.map((p: { name: string; via: string[] }) => [p.name, p.via]),
    ).toEqual([
      ['AdminAccess', ['AdministratorAccess (AWS managed)']],
      ['InlineAdmin', ['inline policy']],
    ]);
    expect(step.summary).toBe('2 people with full admin (Identity Center users ann, bob).');
  });

  it('the rule applies to people: an IAM admin and an Identity Center admin are two; four are too many', async () => {
    const f = await identityCenter();
    await createAdmin(emu().endpoint, 'alice', 'group');
    await assign(f, 'AdminAccess', 'USER', 'ann');
    const two = await check();
    expect(two.status).toBe('pass');
    expect(two.details.counted).toMatchObject({ admins: 1, identityCenterAdmins: 1, people: 2 });
    // The group Ops brings carol and dan: 4 people.
    await assign(f, 'AdminAccess', 'GROUP', 'Ops');
    const four = await check();
    expect(four.status).toBe('fail');
    const tooMany = four.findings.find((x: { id: string }) => x.id === 'admins.too-many');
    expect(tooMany.message).toContain(
      '4 people can administer the account (1 IAM full admin, 0 shadow admins, 3 Identity Center admins)',
    );
    expect(tooMany.message).toContain('dan (Identity Center admin, group Ops: permission set AdminAccess)');
  });

  it('reports IAM users with console access while Identity Center is in use: 1-2 as break-glass, more as a warning', async () => {
    const f = await identityCenter();
    await assign(f, 'AdminAccess', 'GROUP', 'Ops');
    await consoleUser('legacy1');
    const one = (await check()).findings.find((x: { id: string }) => x.id === 'admins.iam-console-users');
    expect(one).toMatchObject({ kind: 'info' });
    expect(one.message).toContain('IAM user legacy1 can sign in to the console while IAM Identity Center is in use');
    expect(one.message).toContain('1 or 2 break-glass IAM users');
    await consoleUser('legacy2');
    await consoleUser('legacy3');
    const three = (await check()).findings.find((x: { id: string }) => x.id === 'admins.iam-console-users');
    expect(three).toMatchObject({ kind: 'warn', severity: 'medium' });
    expect(three.message).toContain('3 IAM users legacy1, legacy2, legacy3 can sign in');
  });

  it('a standalone account counts IAM users only, says why, and reads no Identity Center', async () => {
    const step = await check();
    expect(step.details.identityCenter).toMatchObject({ status: 'not-read', why: 'standalone' });
    const note = step.findings.find((x: { id: string }) => x.id === 'admins.identity-center');
    expect(note.message).toContain('Admins counted are IAM users only');
    expect(emu().layer.requests.filter((r) => r.service === 'sso' || r.service === 'identitystore')).toEqual([]);
  });

  it('a member account cannot read the organization instance: IAM users only, with the reason; never an error', async () => {
    const f = await identityCenter();
    const { organizations } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    const created = await organizations.send(
      new CreateAccountCommand({ AccountName: 'member', Email: 'member@example.com' }),
    );
    const status = await organizations.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: created.CreateAccountStatus!.Id! }),
    );
    const member = status.CreateAccountStatus!.AccountId!;
    await assign(f, 'AdminAccess', 'USER', 'ann', member);
    const step = await check(rootKey(member));
    expect(step.status).not.toBe('error');
    expect(step.details.identityCenter.status).toBe('not-read');
    expect(step.details.counted).toMatchObject({ identityCenterAdmins: 0 });
    const note = step.findings.find((x: { id: string }) => x.id === 'admins.identity-center');
    expect(note.message).toMatch(
      /Admins counted are IAM users only: IAM Identity Center was not read \(.*management account/,
    );
    // The layer (behaviour 19): the member sees no instance and may not list its permission sets.
    const memberKeys = emu().layer.actAs(member);
    expect((await sso(memberKeys).send(new ListInstancesCommand({}))).Instances).toEqual([]);
    await expect(
      sso(memberKeys).send(new ListPermissionSetsCommand({ InstanceArn: f.instanceArn })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it("the delegated administrator reads the management account's instance and counts its own account's admins", async () => {
    const f = await identityCenter();
    const { organizations } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    const created = await organizations.send(
      new CreateAccountCommand({ AccountName: 'security', Email: 'security@example.com' }),
    );
    const member = (
      await organizations.send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: created.CreateAccountStatus!.Id! }),
      )
    ).CreateAccountStatus!.AccountId!;
    await organizations.send(
      new RegisterDelegatedAdministratorCommand({ AccountId: member, ServicePrincipal: 'sso.amazonaws.com' }),
    );
    await assign(f, 'AdminAccess', 'GROUP', 'Ops', member);
    const step = await check(rootKey(member));
    expect(step.details.identityCenter).toMatchObject({ status: 'read', instanceArn: f.instanceArn });
    expect(step.details.identityCenter.admins.map((a: { userName: string }) => a.userName)).toEqual(['carol', 'dan']);
    expect(step.status).toBe('pass');
  });
});

describe('admins: assigning Identity Center people through the wizard', () => {
  const ANSWERS = {
    'admins.password-policy': false,
    'admins.identity-center.assign': true,
    'admins.identity-center.permission-set': 'AdminAccess',
    'admins.identity-center.principals': ['group:Admins'],
    'admins.apply': true,
  };

  it('offers the assignment, sends CreateAccountAssignment through the gate, and the assignment exists afterwards', async () => {
    const f = await identityCenter();
    await assign(f, 'AdminAccess', 'USER', 'ann');
    const key = rootKey();
    emu().layer.requests.length = 0;
    const r = await runRootlock(emu().endpoint, ['--only', 'admins'], { credentials: key, answers: ANSWERS });
    expect(r.code).toBe(0);
    const asked = Object.fromEntries(r.prompter.asked.map((q) => [q.id, q]));
    expect(asked['admins.identity-center.assign']!.message).toContain(
      'Only 1 person has full admin on this account, and IAM Identity Center is in use',
    );
    // ann already has AdminAccess directly: not offered again.
    expect(r.prompter.asked.map((q) => q.id)).not.toContain('admins.create');
    expect(mutatingRequests(emu().layer.requests)).toEqual(['sso:CreateAccountAssignment']);
    const sent = emu().layer.requests.find((q) => q.operation === 'CreateAccountAssignment')!;
    expect(sent.region).toBe(REGION);
    expect(sent.params).toEqual({
      InstanceArn: f.instanceArn,
      TargetId: ACCOUNT,
      TargetType: 'AWS_ACCOUNT',
      PermissionSetArn: f.sets.AdminAccess,
      PrincipalType: 'GROUP',
      PrincipalId: f.groups.Admins,
    });
    // AWS answers IN_PROGRESS: the verification polled the creation status before re-reading.
    expect(emu().layer.requests.map((q) => q.operation)).toContain('DescribeAccountAssignmentCreationStatus');
    expect(await assignments(f, 'AdminAccess')).toEqual(['group:Admins', 'user:ann']);
    expect(r.output.text).toContain('PASS: 2 people with full admin (Identity Center users ann, bob).');
    expect(r.output.text).toContain('AWS access portal');
    const after = await check(key);
    expect(after.status).toBe('pass');
    expect(after.details.counted).toMatchObject({ people: 2, identityCenterAdmins: 2 });
  });

  it('a dry run shows the assignment as the exact call and sends nothing', async () => {
    const f = await identityCenter();
    await assign(f, 'AdminAccess', 'USER', 'ann');
    emu().layer.requests.length = 0;
    const r = await runRootlock(emu().endpoint, ['--only', 'admins', '--dry-run'], {
      credentials: rootKey(),
      answers: { ...ANSWERS, 'admins.apply': undefined },
    });
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(r.output.text).toContain(
      `Assign Identity Center group Admins the permission set AdminAccess on account ${ACCOUNT}`,
    );
    expect(r.output.text).toContain('sso-admin:CreateAccountAssignment');
    expect(await assignments(f, 'AdminAccess')).toEqual(['user:ann']);
  });

  it('declined, the IAM user path (break-glass) is offered instead', async () => {
    const f = await identityCenter();
    await assign(f, 'AdminAccess', 'USER', 'ann');
    emu().layer.requests.length = 0;
    const r = await runRootlock(emu().endpoint, ['--only', 'admins'], {
      credentials: rootKey(),
      answers: { 'admins.password-policy': false, 'admins.identity-center.assign': false, 'admins.create': false },
    });
    const create = r.prompter.asked.find((q) => q.id === 'admins.create');
    expect(create?.message).toContain('(break-glass IAM users)');
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(await assignments(f, 'AdminAccess')).toEqual(['user:ann']);
  });
});
