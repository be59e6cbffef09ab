import type { RoleDetail } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import {
  analyzeRoles,
  assessEc2Roles,
  enabledRegions,
  instanceLabel,
  instancesOf,
  partitionOf,
  profilesByArn,
  reusableRoles,
  trustsEc2,
  viewInstances,
  withAssociations,
  type Ec2Instance,
  type Ec2RolesState,
  type RoleInfo,
} from '../../../src/steps/ec2-roles/analysis.js';

const ACCOUNT = '123456789012';
const ADMIN_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const trust = (principal: Record<string, unknown>, action: unknown = 'sts:AssumeRole', effect = 'Allow') =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Principal: principal, Action: action }] });
const EC2_TRUST = trust({ Service: 'ec2.amazonaws.com' });

function roleDetail(
  name: string,
  opts: { trust?: string; profiles?: string[]; attached?: string[]; path?: string } = {},
): RoleDetail {
  return {
    RoleName: name,
    Arn: `arn:aws:iam::${ACCOUNT}:role${opts.path ?? '/'}${name}`,
    Path: opts.path ?? '/',
    AssumeRolePolicyDocument: encodeURIComponent(opts.trust ?? EC2_TRUST),
    InstanceProfileList: (opts.profiles ?? []).map((p) => ({
      InstanceProfileName: p,
      Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/${p}`,
      InstanceProfileId: `AIPA${p}`,
      Path: '/',
      Roles: [],
      CreateDate: new Date(0),
    })),
    AttachedManagedPolicies: (opts.attached ?? []).map((a) => ({ PolicyArn: a, PolicyName: a.split('/').pop() })),
    RolePolicyList: [],
  };
}

const adminPolicy = {
  Arn: ADMIN_ARN,
  PolicyName: 'AdministratorAccess',
  DefaultVersionId: 'v1',
  PolicyVersionList: [
    {
      VersionId: 'v1',
      IsDefaultVersion: true,
      Document: encodeURIComponent(
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      ),
    },
  ],
};

function role(name: string, over: Partial<RoleInfo> = {}): RoleInfo {
  return {
    name,
    arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    serviceLinked: false,
    policyCount: 1,
    trustsEc2: true,
    profiles: [{ name, arn: `arn:aws:iam::${ACCOUNT}:instance-profile/${name}` }],
    fullAdmin: false,
    adminVia: [],
    ...over,
  };
}

function state(over: Partial<Ec2RolesState> = {}): Ec2RolesState {
  return {
    accountId: ACCOUNT,
    partition: 'aws',
    regions: ['eu-west-1', 'us-east-1'],
    instances: [],
    regionErrors: [],
    roles: [],
    customerPolicies: [],
    ...over,
  };
}

const inst = (id: string, region: string, over: Partial<Ec2Instance> = {}): Ec2Instance => ({
  id,
  region,
  state: 'running',
  ...over,
});
const profileArn = (n: string) => `arn:aws:iam::${ACCOUNT}:instance-profile/${n}`;

describe('enabledRegions', () => {
  it.each([
    [[{ RegionName: 'us-east-1', OptInStatus: 'opt-in-not-required' }], ['us-east-1']],
    [[{ RegionName: 'af-south-1', OptInStatus: 'opted-in' }], ['af-south-1']],
    [[{ RegionName: 'ap-east-1', OptInStatus: 'not-opted-in' }], []],
    [[{ RegionName: 'eu-west-1' }], ['eu-west-1']],
    [[{ OptInStatus: 'opted-in' }], []],
    [
      [{ RegionName: 'us-west-2' }, { RegionName: 'eu-west-1' }, { RegionName: 'us-west-2' }],
      ['eu-west-1', 'us-west-2'],
    ],
    [undefined, []],
  ])('%j -> %j', (input, want) => {
    expect(enabledRegions(input)).toEqual(want);
  });
});

describe('instancesOf', () => {
  it('flattens reservations and keeps id, Name tag, state and profile', () => {
    const out = instancesOf('eu-west-1', [
      {
        Instances: [
          {
            InstanceId: 'i-1',
            State: { Name: 'running' },
            Tags: [
              { Key: 'env', Value: 'x' },
              { Key: 'Name', Value: 'web' },
            ],
            IamInstanceProfile: { Arn: profileArn('p'), Id: 'AIPA1' },
          },
          { InstanceId: 'i-2', State: { Name: 'stopped' } },
        ],
      },
      { Instances: [{ State: { Name: 'running' } }, { InstanceId: 'i-3' }] },
    ]);
    expect(out).toEqual([
      { id: 'i-1', region: 'eu-west-1', name: 'web', state: 'running', instanceProfileArn: profileArn('p') },
      { id: 'i-2', region: 'eu-west-1', state: 'stopped' },
      { id: 'i-3', region: 'eu-west-1', state: 'unknown' },
    ]);
  });
});

describe('withAssociations', () => {
  const base = [inst('i-1', 'r'), inst('i-2', 'r', { instanceProfileArn: profileArn('old') }), inst('i-3', 'r')];
  it('takes the profile, id and state from live associations and ignores ones being removed', () => {
    const out = withAssociations(base, [
      {
        InstanceId: 'i-1',
        AssociationId: 'iip-1',
        State: 'associating',
        IamInstanceProfile: { Arn: profileArn('new') },
      },
      {
        InstanceId: 'i-2',
        AssociationId: 'iip-2',
        State: 'associated',
        IamInstanceProfile: { Arn: profileArn('old') },
      },
      {
        InstanceId: 'i-3',
        AssociationId: 'iip-3',
        State: 'disassociating',
        IamInstanceProfile: { Arn: profileArn('gone') },
      },
    ]);
    expect(out[0]).toMatchObject({
      instanceProfileArn: profileArn('new'),
      associationId: 'iip-1',
      associationState: 'associating',
    });
    expect(out[1]).toMatchObject({ instanceProfileArn: profileArn('old'), associationId: 'iip-2' });
    expect(out[2]).toEqual(inst('i-3', 'r'));
  });
  it('leaves instances alone without associations', () => {
    expect(withAssociations(base, undefined)).toEqual(base);
  });
});

describe('trustsEc2', () => {
  it.each([
    ['ec2 service, sts:AssumeRole', EC2_TRUST, true],
    ['URL-encoded', encodeURIComponent(EC2_TRUST), true],
    ['service list', trust({ Service: ['lambda.amazonaws.com', 'ec2.amazonaws.com'] }), true],
    ['China partition principal', trust({ Service: 'ec2.amazonaws.com.cn' }), true],
    ['sts:* action', trust({ Service: 'ec2.amazonaws.com' }, 'sts:*'), true],
    ['action list with wildcard', trust({ Service: 'ec2.amazonaws.com' }, ['sts:TagSession', 'sts:Assume*']), true],
    ['only TagSession', trust({ Service: 'ec2.amazonaws.com' }, 'sts:TagSession'), false],
    ['Deny statement', trust({ Service: 'ec2.amazonaws.com' }, 'sts:AssumeRole', 'Deny'), false],
    ['lambda only', trust({ Service: 'lambda.amazonaws.com' }), false],
    ['an account principal', trust({ AWS: 'arn:aws:iam::123456789012:root' }), false],
    ['unreadable', 'not a policy', false],
    ['absent', undefined, false],
  ])('%s', (_label, doc, want) => {
    expect(trustsEc2(doc)).toBe(want);
  });
});

describe('analyzeRoles', () => {
  it('joins profiles, trust and the admins analysis verdict', () => {
    const roles = analyzeRoles(
      [
        roleDetail('web', { profiles: ['web-b', 'web-a'] }),
        roleDetail('god', { profiles: ['god'], attached: [ADMIN_ARN] }),
        roleDetail('lambda', { trust: trust({ Service: 'lambda.amazonaws.com' }) }),
        roleDetail('AWSServiceRoleForX', { path: '/aws-service-role/x.amazonaws.com/' }),
      ],
      [adminPolicy],
    );
    expect(roles.map((r) => r.name)).toEqual(['AWSServiceRoleForX', 'god', 'lambda', 'web']);
    const byName = Object.fromEntries(roles.map((r) => [r.name, r]));
    expect(byName['web']).toMatchObject({ trustsEc2: true, fullAdmin: false, serviceLinked: false });
    expect(byName['web']!.profiles.map((p) => p.name)).toEqual(['web-a', 'web-b']);
    expect(byName['god']!.fullAdmin).toBe(true);
    expect(byName['god']!.adminVia.join(' ')).toMatch(/AdministratorAccess/);
    expect(byName['lambda']!.trustsEc2).toBe(false);
    expect(byName['AWSServiceRoleForX']!.serviceLinked).toBe(true);
  });
});

describe('profilesByArn / viewInstances', () => {
  it('resolves instance -> profile -> role without further calls', () => {
    const roles = [role('app'), role('other', { profiles: [] })];
    expect([...profilesByArn(roles).keys()]).toEqual([profileArn('app')]);
    const views = viewInstances({
      roles,
      instances: [
        inst('i-1', 'r', { instanceProfileArn: profileArn('app') }),
        inst('i-2', 'r', { instanceProfileArn: profileArn('orphan') }),
        inst('i-3', 'r'),
      ],
    });
    expect(views[0]!.role?.name).toBe('app');
    expect(views[0]!.profile?.name).toBe('app');
    expect(views[1]!.profile).toBeUndefined();
    expect(views[1]!.role).toBeUndefined();
    expect(views[2]!.role).toBeUndefined();
  });
});

describe('reusableRoles', () => {
  it('keeps EC2-trusted, non-service-linked roles, admins last', () => {
    const out = reusableRoles([
      role('b-admin', { fullAdmin: true }),
      role('c'),
      role('a'),
      role('lambda', { trustsEc2: false }),
      role('svc', { serviceLinked: true }),
    ]);
    expect(out.map((r) => r.name)).toEqual(['a', 'c', 'b-admin']);
  });
});

describe('labels', () => {
  it('sanitizes the Name tag', () => {
    const label = instanceLabel({ id: 'i-1', name: 'web\u001b[31m\u202e' });
    expect(label).toContain('i-1');
    expect(label).not.toContain('\u001b');
    expect(label).not.toContain('\u202e');
  });
  it.each([
    ['arn:aws:iam::123456789012:user/a', 'aws'],
    ['arn:aws-cn:sts::123456789012:assumed-role/r/s', 'aws-cn'],
    ['arn:aws-us-gov:iam::123456789012:root', 'aws-us-gov'],
    ['garbage', 'aws'],
    [undefined, 'aws'],
  ])('partitionOf(%s) = %s', (arn, want) => {
    expect(partitionOf(arn)).toBe(want);
  });
});

describe('assessEc2Roles', () => {
  it('passes with a note when there are no instances', () => {
    const a = assessEc2Roles(state());
    expect(a.status).toBe('pass');
    expect(a.summary).toMatch(/No EC2 instances .* in 2 regions/);
    expect(a.findings).toEqual([]);
    expect(a.details).toEqual({ regions: ['eu-west-1', 'us-east-1'], instances: [] });
  });

  it('passes when every instance has a role, and reports them in details', () => {
    const a = assessEc2Roles(
      state({
        roles: [role('app')],
        instances: [inst('i-1', 'eu-west-1', { name: 'web', instanceProfileArn: profileArn('app') })],
      }),
    );
    expect(a.status).toBe('pass');
    expect(a.details).toEqual({
      regions: ['eu-west-1', 'us-east-1'],
      instances: [
        {
          id: 'i-1',
          region: 'eu-west-1',
          name: 'web',
          state: 'running',
          instanceProfileArn: profileArn('app'),
          roleName: 'app',
        },
      ],
    });
  });

  it('fails per instance without a profile, and per profile that holds no role, with the instance-role controls', () => {
    const a = assessEc2Roles(
      state({
        instances: [
          inst('i-1', 'eu-west-1', { name: 'db\u001b[2J' }),
          inst('i-2', 'us-east-1', { instanceProfileArn: profileArn('empty') }),
        ],
      }),
    );
    expect(a.status).toBe('fail');
    expect(a.findings.map((f) => [f.id, f.kind, f.resource])).toEqual([
      ['ec2-roles.no-instance-profile', 'fail', `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-1`],
      ['ec2-roles.profile-without-role', 'fail', `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-2`],
    ]);
    for (const f of a.findings)
      expect(f.controls).toEqual(['CIS v5.0.0 1.17', 'CIS v6.0.0 2.17', 'CIS v7.0.0 2.16', 'CIS v3.0.0 1.18']);
    expect(a.findings[0]!.message).not.toContain('\u001b');
    expect(a.summary).toMatch(/^2 of 2 instances/);
    // details keep the raw Name tag (JSON escapes it); messages carry the sanitized one
    expect((a.details as any).instances[0].name).toBe('db\u001b[2J');
  });

  it('warns once per admin instance role, listing the instances, without failing the step', () => {
    const admin = role('god', { fullAdmin: true, adminVia: ['AdministratorAccess (AWS managed)'] });
    const a = assessEc2Roles(
      state({
        roles: [admin],
        instances: [
          inst('i-1', 'eu-west-1', { instanceProfileArn: profileArn('god') }),
          inst('i-2', 'us-east-1', { instanceProfileArn: profileArn('god') }),
        ],
      }),
    );
    expect(a.status).toBe('pass');
    expect(a.findings).toHaveLength(1);
    expect(a.findings[0]).toMatchObject({ id: 'ec2-roles.admin-instance-role', kind: 'warn', resource: admin.arn });
    expect(a.findings[0]!.message).toMatch(/i-1, i-2/);
    expect(a.findings[0]!.message).toMatch(/AdministratorAccess/);
  });

  it('names at most 3 instances in the admin-role message', () => {
    const admin = role('god', { fullAdmin: true, adminVia: ['x'] });
    const instances = ['i-1', 'i-2', 'i-3', 'i-4', 'i-5'].map((id) =>
      inst(id, 'eu-west-1', { instanceProfileArn: profileArn('god') }),
    );
    const a = assessEc2Roles(state({ roles: [admin], instances }));
    expect(a.findings[0]!.message).toMatch(/i-1, i-2, i-3 and 2 more/);
    expect(a.findings[0]!.message).not.toMatch(/i-4/);
  });

  it('notes EC2-trusted roles without an instance profile (not service-linked ones, not others)', () => {
    const a = assessEc2Roles(
      state({
        roles: [
          role('lonely', { profiles: [] }),
          role('svc', { profiles: [], serviceLinked: true }),
          role('lambda', { profiles: [], trustsEc2: false }),
        ],
      }),
    );
    expect(a.status).toBe('pass');
    expect(a.findings.map((f) => [f.id, f.kind, f.resource])).toEqual([
      ['ec2-roles.role-without-profile', 'info', `arn:aws:iam::${ACCOUNT}:role/lonely`],
    ]);
  });

  it('fails for an unreadable region, naming the denied action, and still reports the others', () => {
    const a = assessEc2Roles(
      state({
        regions: ['eu-west-1', 'us-east-1'],
        regionErrors: [
          { region: 'eu-west-1', code: 'UnauthorizedOperation', message: 'no', deniedAction: 'ec2:DescribeInstances' },
        ],
        roles: [role('app')],
        instances: [inst('i-9', 'us-east-1', { instanceProfileArn: profileArn('app') })],
      }),
    );
    expect(a.status).toBe('fail');
    expect(a.findings).toHaveLength(1);
    expect(a.findings[0]).toMatchObject({
      id: 'ec2-roles.region-unreadable',
      kind: 'fail',
      resource: `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/*`,
    });
    expect(a.findings[0]!.message).toMatch(/access denied for ec2:DescribeInstances/);
    expect(a.summary).toMatch(/1 region could not be read/);
    expect((a.details as any).regionErrors).toEqual([
      { region: 'eu-west-1', code: 'UnauthorizedOperation', message: 'no', deniedAction: 'ec2:DescribeInstances' },
    ]);
    expect((a.details as any).instances.map((i: any) => i.id)).toEqual(['i-9']);
  });

  it('is an error when no scanned region could be read', () => {
    const a = assessEc2Roles(
      state({
        regions: ['eu-west-1'],
        regionErrors: [{ region: 'eu-west-1', code: 'RequestTimeout', message: 'slow' }],
      }),
    );
    expect(a.status).toBe('error');
    expect(a.findings[0]!.message).toMatch(/RequestTimeout: slow/);
  });

  it('uses the partition in ARNs', () => {
    const a = assessEc2Roles(state({ partition: 'aws-cn', instances: [inst('i-1', 'cn-north-1')] }));
    expect(a.findings[0]!.resource).toBe(`arn:aws-cn:ec2:cn-north-1:${ACCOUNT}:instance/i-1`);
  });
});
