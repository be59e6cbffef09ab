/**
 * The ec2-roles step end to end against the emulator (moto behind the root layer):
 * the real CLI in-process, real SDK clients, real EC2 and IAM state asserted afterwards.
 */
import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { beforeEach, describe, expect, it } from 'vitest';
import { trustsEc2 } from '../../../src/steps/ec2-roles/analysis.js';
import {
  createIamUserWithKey,
  MOTO_BOOTSTRAP_CREDENTIALS,
  testClients,
  type IamUserCredentials,
} from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { mutatingRequests, runRootlock } from '../../support/harness.js';
import { startFaultProxy, type CallInfo } from '../../support/fault-proxy.js';

const emu = useEmulator();
const ACCOUNT = '123456789012';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const SSM = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
const REGIONS = ['ap-southeast-2', 'eu-west-1', 'us-east-1'];
const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const profileArn = (n: string) => `arn:aws:iam::${ACCOUNT}:instance-profile/${n}`;

const ec2 = (region: string) => testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS, region).ec2;
const iam = () => testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS).iam;

const amis = new Map<string, string>();

/**
 * An AMI that exists in the region: moto only launches images it knows there. Filtered by
 * name because moto lists about 1,300 Amazon images per region (8 s to serialize); moto's
 * reset re-creates the same default images, so the id is cached for the file.
 */
async function amiIn(region: string): Promise<string> {
  const known = amis.get(region);
  if (known) return known;
  const res = await ec2(region).send(
    new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['amzn2-ami-hvm-*'] }] }),
  );
  const id = res.Images?.find((i) => i.ImageId)?.ImageId;
  if (!id) throw new Error(`no AMI in ${region}`);
  amis.set(region, id);
  return id;
}

async function launch(region: string, opts: { name?: string; profile?: string } = {}): Promise<string> {
  const res = await ec2(region).send(
    new RunInstancesCommand({
      ImageId: await amiIn(region),
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      ...(opts.profile ? { IamInstanceProfile: { Name: opts.profile } } : {}),
      ...(opts.name
        ? { TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: opts.name }] }] }
        : {}),
    }),
  );
  const id = res.Instances?.[0]?.InstanceId;
  if (!id) throw new Error('RunInstances returned no instance');
  return id;
}

async function role(name: string, opts: { policies?: string[]; profile?: boolean } = {}): Promise<void> {
  await iam().send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: EC2_TRUST }));
  for (const p of opts.policies ?? []) await iam().send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: p }));
  if (opts.profile !== false) {
    await iam().send(new CreateInstanceProfileCommand({ InstanceProfileName: name }));
    await iam().send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }));
  }
}

/** The instance's profile ARN as EC2 reports it now (DescribeInstances). */
async function profileOf(region: string, id: string): Promise<string | undefined> {
  const res = await ec2(region).send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return res.Reservations?.[0]?.Instances?.[0]?.IamInstanceProfile?.Arn;
}

async function associationOf(region: string, id: string) {
  const res = await ec2(region).send(
    new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: 'instance-id', Values: [id] }] }),
  );
  return res.IamInstanceProfileAssociations?.filter((a) => a.State === 'associated' || a.State === 'associating') ?? [];
}

interface Fixture {
  alice: IamUserCredentials;
  /** us-east-1, Name tag with a bidi override, no profile */
  web: string;
  /** us-east-1, profile app */
  api: string;
  /** eu-west-1, profile god (full admin) */
  godBox: string;
  /** eu-west-1, no profile, stopped */
  batch: string;
  /** ap-southeast-2, no profile */
  syd: string;
  /** us-east-1, terminated: never listed */
  gone: string;
}

/**
 * Three regions: instances with and without profiles, one with an admin role, one
 * stopped, one terminated; an EC2-trusted role without a profile.
 */
async function seed(): Promise<Fixture> {
  const alice = await createIamUserWithKey(emu().endpoint, 'alice', ADMIN);
  await role('app', { policies: [SSM] });
  await role('god', { policies: [ADMIN] });
  await role('orphan-ec2', { profile: false });
  const f: Fixture = {
    alice,
    web: await launch('us-east-1', { name: 'web \u202eevil' }),
    api: await launch('us-east-1', { name: 'api', profile: 'app' }),
    godBox: await launch('eu-west-1', { name: 'ops', profile: 'god' }),
    batch: await launch('eu-west-1'),
    syd: await launch('ap-southeast-2', { name: 'syd' }),
    gone: await launch('us-east-1', { name: 'gone' }),
  };
  await ec2('us-east-1').send(new TerminateInstancesCommand({ InstanceIds: [f.gone] }));
  await ec2('eu-west-1').send(new StopInstancesCommand({ InstanceIds: [f.batch] }));
  emu().layer.requests.length = 0;
  return f;
}

const regionsFlag = ['--regions', REGIONS.join(',')];

describe('ec2-roles against the emulator', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await seed();
  });

  it('inventories every enabled region, resolves profile -> role from IAM, and changes nothing (check --json)', async () => {
    const r = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'ec2-roles'], { credentials: f.alice });
    const step = r.json.steps[0];
    const enabled = (await ec2('us-east-1').send(new DescribeRegionsCommand({})))
      .Regions!.filter((x) => ['opt-in-not-required', 'opted-in'].includes(x.OptInStatus ?? ''))
      .map((x) => x.RegionName!)
      .sort();
    expect(step.details.regions).toEqual(enabled);
    expect(step.details.regions.length).toBeGreaterThan(10);
    expect(step.details.instances).toEqual(
      [
        {
          id: f.syd,
          region: 'ap-southeast-2',
          name: 'syd',
          state: 'running',
          instanceProfileArn: null,
          roleName: null,
        },
        { id: f.batch, region: 'eu-west-1', name: null, state: 'stopped', instanceProfileArn: null, roleName: null },
        {
          id: f.godBox,
          region: 'eu-west-1',
          name: 'ops',
          state: 'running',
          instanceProfileArn: profileArn('god'),
          roleName: 'god',
        },
        {
          id: f.api,
          region: 'us-east-1',
          name: 'api',
          state: 'running',
          instanceProfileArn: profileArn('app'),
          roleName: 'app',
        },
        {
          id: f.web,
          region: 'us-east-1',
          name: 'web \u202eevil',
          state: 'running',
          instanceProfileArn: null,
          roleName: null,
        },
      ].sort((a, b) => a.region.localeCompare(b.region) || a.id.localeCompare(b.id)),
    );
    expect(step.details.regionErrors).toBeUndefined();
    expect(step.status).toBe('fail');
    const ids = step.findings.map((x: { id: string; resource: string }) => `${x.id} ${x.resource}`).sort();
    expect(ids).toEqual(
      [
        `ec2-roles.no-instance-profile arn:aws:ec2:ap-southeast-2:${ACCOUNT}:instance/${f.syd}`,
        `ec2-roles.no-instance-profile arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/${f.batch}`,
        `ec2-roles.no-instance-profile arn:aws:ec2:us-east-1:${ACCOUNT}:instance/${f.web}`,
        `ec2-roles.admin-instance-role arn:aws:iam::${ACCOUNT}:role/god`,
        `ec2-roles.role-without-profile arn:aws:iam::${ACCOUNT}:role/orphan-ec2`,
      ].sort(),
    );
    const web = step.findings.find((x: { resource: string }) => x.resource.endsWith(f.web));
    expect(web.message).not.toContain('\u202e');
    expect(web.controls).toEqual(['CIS v5.0.0 1.17', 'CIS v6.0.0 2.17', 'CIS v7.0.0 2.16', 'CIS v3.0.0 1.18']);
    expect(r.code).toBe(1);

    // API calls for N regions: 1 DescribeRegions + N DescribeInstances (one page each here)
    // + 1 IAM read. Assessing only, association ids are not read (DescribeInstances names the profile).
    const calls = r.json.apiCalls.byOperation;
    expect(calls['ec2:DescribeRegions']).toBe(1);
    expect(calls['ec2:DescribeInstances']).toBe(enabled.length);
    expect(calls['ec2:DescribeIamInstanceProfileAssociations']).toBeUndefined();
    expect(calls['iam:GetAccountAuthorizationDetails']).toBe(1);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    // what the emulator saw matches the count (no hidden calls)
    expect(emu().layer.requests.filter((q) => q.operation === 'DescribeInstances')).toHaveLength(enabled.length);
  });

  it('creates an EC2 role and instance profile, associates it, and verifies by reading EC2 again', async () => {
    const godAssoc = (await associationOf('eu-west-1', f.godBox))[0]?.AssociationId;
    const r = await runRootlock(emu().endpoint, ['--only', 'ec2-roles', ...regionsFlag], {
      credentials: f.alice,
      answers: {
        'ec2-roles.instances': [f.web, f.batch, f.syd],
        'ec2-roles.role': '(new)',
        'ec2-roles.role.name': { sequence: ['web servers', 'APP', 'web-servers'] },
        'ec2-roles.policies': [SSM],
        'ec2-roles.apply': true,
      },
    });
    const seen = [...emu().layer.requests];
    const asked = Object.fromEntries(r.prompter.asked.map((q) => [q.id, q]));
    expect(asked['ec2-roles.role.name']!.rejected).toHaveLength(2);
    expect(asked['ec2-roles.role.name']!.rejected[1]).toMatch(/already exists/);
    expect(asked['ec2-roles.replace']).toBeUndefined();

    expect(mutatingRequests(seen)).toEqual([
      'iam:CreateRole',
      'iam:AttachRolePolicy',
      'iam:CreateInstanceProfile',
      'iam:AddRoleToInstanceProfile',
      'ec2:AssociateIamInstanceProfile',
      'ec2:AssociateIamInstanceProfile',
      'ec2:AssociateIamInstanceProfile',
    ]);
    // the associations went to each instance's own region
    const assocRegions = seen
      .filter((q) => q.operation === 'AssociateIamInstanceProfile')
      .map((q) => q.region)
      .sort();
    expect(assocRegions).toEqual(['ap-southeast-2', 'eu-west-1', 'us-east-1']);

    // IAM state
    const created = await iam().send(new GetRoleCommand({ RoleName: 'web-servers' }));
    expect(trustsEc2(created.Role?.AssumeRolePolicyDocument)).toBe(true);
    const attached = await iam().send(new ListAttachedRolePoliciesCommand({ RoleName: 'web-servers' }));
    expect(attached.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([SSM]);
    const profile = await iam().send(new GetInstanceProfileCommand({ InstanceProfileName: 'web-servers' }));
    expect(profile.InstanceProfile?.Roles?.map((x) => x.RoleName)).toEqual(['web-servers']);

    // EC2 state, read again
    expect(await profileOf('us-east-1', f.web)).toBe(profileArn('web-servers'));
    expect(await profileOf('eu-west-1', f.batch)).toBe(profileArn('web-servers'));
    expect(await profileOf('ap-southeast-2', f.syd)).toBe(profileArn('web-servers'));
    // instances that had a profile were not touched
    expect(await profileOf('us-east-1', f.api)).toBe(profileArn('app'));
    expect((await associationOf('eu-west-1', f.godBox))[0]?.AssociationId).toBe(godAssoc);

    // the runner verified by reading EC2 after the last change, and the step now passes
    const lastChange = seen.map((q) => q.operation).lastIndexOf('AssociateIamInstanceProfile');
    const after = seen.slice(lastChange + 1);
    expect(
      after
        .filter((q) => q.operation === 'DescribeInstances')
        .map((q) => q.region)
        .sort(),
    ).toEqual(REGIONS);
    expect(after.filter((q) => q.operation === 'GetAccountAuthorizationDetails')).toHaveLength(1);
    expect(r.output.text).toMatch(/PASS: All 5 instances in 3 regions have an instance role/);
    expect(r.output.text).not.toContain('\u202e');
    expect(r.code).toBe(0);

    // Rerun: nothing left without a role; the admin-role instance is offered, unchecked; the
    // default answer (none) changes nothing.
    emu().layer.requests.length = 0;
    const again = await runRootlock(emu().endpoint, ['--only', 'ec2-roles', ...regionsFlag], {
      credentials: f.alice,
      answers: { 'ec2-roles.instances': [] },
    });
    expect(again.prompter.asked.map((q) => q.id)).toEqual(['ec2-roles.instances']);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(again.code).toBe(0);
  });

  it('dry run: shows the plan and sends nothing', async () => {
    const r = await runRootlock(emu().endpoint, ['--dry-run', '--only', 'ec2-roles', ...regionsFlag], {
      credentials: f.alice,
      answers: {
        'ec2-roles.instances': [f.web, f.batch, f.syd],
        'ec2-roles.role': '(new)',
        'ec2-roles.role.name': 'web-servers',
        'ec2-roles.policies': [SSM],
      },
    });
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(r.output.text).toMatch(/Dry run: 7 changes shown, none sent/);
    expect(r.output.text).toMatch(/iam:CreateRole/);
    expect(r.output.text).toMatch(/ec2:AssociateIamInstanceProfile .*\(region ap-southeast-2\)/);
    expect(r.gate?.results.every((x) => x.outcome === 'dry-run')).toBe(true);
    await expect(iam().send(new GetRoleCommand({ RoleName: 'web-servers' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
    expect(await profileOf('us-east-1', f.web)).toBeUndefined();
  });

  it('reuses an existing role and replaces an admin profile only after the explicit confirmation', async () => {
    const r = await runRootlock(emu().endpoint, ['--only', 'ec2-roles', ...regionsFlag], {
      credentials: f.alice,
      answers: {
        'ec2-roles.instances': [f.godBox, f.batch],
        'ec2-roles.replace': true,
        'ec2-roles.role': 'app',
        'ec2-roles.apply': true,
      },
    });
    expect(r.prompter.asked.map((q) => q.id)).toEqual([
      'ec2-roles.instances',
      'ec2-roles.replace',
      'ec2-roles.role',
      'ec2-roles.apply',
    ]);
    // the apply confirmation of a destructive plan defaults to no
    expect(r.output.text).toMatch(/\[destructive\]/);
    expect(mutatingRequests(emu().layer.requests)).toEqual([
      'ec2:AssociateIamInstanceProfile',
      'ec2:ReplaceIamInstanceProfileAssociation',
    ]);
    // moto does not update DescribeInstances' IamInstanceProfile on Replace (it does on
    // Associate); the association listing is the truthful source, and the step reads it.
    expect((await associationOf('eu-west-1', f.godBox)).map((a) => a.IamInstanceProfile?.Arn)).toEqual([
      profileArn('app'),
    ]);
    expect(await profileOf('eu-west-1', f.batch)).toBe(profileArn('app'));
    // not chosen: untouched
    expect(await profileOf('us-east-1', f.web)).toBeUndefined();
    expect(r.code).toBe(1);
    // the step's own verification saw the new role, and so does a fresh check
    expect(r.output.text).toMatch(/FAIL: 2 of 5 instances in 3 regions have no instance role/);
    const check = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'ec2-roles', ...regionsFlag], {
      credentials: f.alice,
    });
    const god = check.json.steps[0].details.instances.find((i: { id: string }) => i.id === f.godBox);
    expect(god).toMatchObject({ instanceProfileArn: profileArn('app'), roleName: 'app' });
    expect(check.json.steps[0].findings.map((x: { id: string }) => x.id)).not.toContain(
      'ec2-roles.admin-instance-role',
    );
  });

  it('an existing role with no policy (left by an interrupted run) gets its policies chosen and attached before use', async () => {
    const r = await runRootlock(emu().endpoint, ['--only', 'ec2-roles', ...regionsFlag], {
      credentials: f.alice,
      answers: {
        'ec2-roles.instances': [f.web],
        'ec2-roles.role': 'orphan-ec2',
        'ec2-roles.policies': [SSM],
        'ec2-roles.apply': true,
      },
    });
    expect(r.prompter.asked.map((q) => q.id)).toEqual([
      'ec2-roles.instances',
      'ec2-roles.role',
      'ec2-roles.policies',
      'ec2-roles.apply',
    ]);
    expect(r.output.text).toContain('Role orphan-ec2 has no policies, so instances with it would get no permissions.');
    expect(mutatingRequests(emu().layer.requests)).toEqual([
      'iam:AttachRolePolicy',
      'iam:CreateInstanceProfile',
      'iam:AddRoleToInstanceProfile',
      'ec2:AssociateIamInstanceProfile',
    ]);
    const attached = await iam().send(new ListAttachedRolePoliciesCommand({ RoleName: 'orphan-ec2' }));
    expect(attached.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([SSM]);
    expect(await profileOf('us-east-1', f.web)).toBe(profileArn('orphan-ec2'));
  });

  it('a region where DescribeInstances is denied or the connection drops is reported; the others are still read', async () => {
    const describeIn = (region: string) => (c: CallInfo) =>
      c.service === 'ec2' && c.operation === 'DescribeInstances' && c.region === region;
    const proxy = await startFaultProxy({
      target: emu().endpoint,
      rules: [
        { kind: 'deny', match: describeIn('eu-west-1') },
        { kind: 'drop-before', match: describeIn('ap-southeast-2') },
      ],
    });
    try {
      const r = await runRootlock(proxy.url, ['check', '--json', '--only', 'ec2-roles', ...regionsFlag], {
        credentials: f.alice,
      });
      const step = r.json.steps[0];
      const failed = proxy.faulted().map((c) => `${c.region}:${c.operation}`);
      expect(failed).toContain('eu-west-1:DescribeInstances');
      expect(failed).toContain('ap-southeast-2:DescribeInstances');
      expect(step.status).toBe('fail');
      expect(step.details.regions).toEqual(REGIONS);
      expect(step.details.instances.map((i: { id: string }) => i.id).sort()).toEqual([f.api, f.web].sort());
      const errors = Object.fromEntries(step.details.regionErrors.map((e: { region: string }) => [e.region, e]));
      expect(errors['eu-west-1']).toMatchObject({
        code: 'UnauthorizedOperation',
        deniedAction: 'ec2:DescribeInstances',
      });
      expect(errors['ap-southeast-2'].code).toBeTruthy();
      expect(errors['ap-southeast-2'].deniedAction).toBeUndefined();
      const unreadable = step.findings.filter((x: { id: string }) => x.id === 'ec2-roles.region-unreadable');
      expect(unreadable.map((x: { resource: string }) => x.resource).sort()).toEqual([
        `arn:aws:ec2:ap-southeast-2:${ACCOUNT}:instance/*`,
        `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/*`,
      ]);
      expect(unreadable.find((x: { resource: string }) => x.resource.includes('eu-west-1')).message).toMatch(
        /access denied for ec2:DescribeInstances/,
      );
      expect(step.summary).toMatch(/2 regions could not be read/);
      expect(r.code).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});

describe('ec2-roles with no instances', () => {
  it('passes with a note', async () => {
    const alice = await createIamUserWithKey(emu().endpoint, 'alice', ADMIN);
    const r = await runRootlock(
      emu().endpoint,
      ['check', '--json', '--only', 'ec2-roles', '--regions', 'us-east-1,eu-west-1'],
      { credentials: alice },
    );
    const step = r.json.steps[0];
    expect(step.status).toBe('pass');
    expect(step.summary).toMatch(/No EC2 instances .* in 2 regions/);
    expect(step.details).toEqual({ regions: ['eu-west-1', 'us-east-1'], instances: [] });
    expect(r.json.apiCalls.byOperation['ec2:DescribeIamInstanceProfileAssociations']).toBeUndefined();
    expect(r.code).toBe(0);
  });
});
