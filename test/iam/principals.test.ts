import type { GroupDetail, ManagedPolicyDetail, RoleDetail, UserDetail } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import {
  adminGroupsOf,
  analyzeAdmins,
  classifyRole,
  mergeAuthorizationDetails,
  type AuthorizationDetails,
  type PrincipalVerdict,
} from '../../src/iam/principals.js';
import { ESCALATION_ACTIONS } from '../../src/iam/evaluate.js';

// ---------------------------------------------------------------------------
// Fixture builders: shaped like GetAccountAuthorizationDetails, documents URL-encoded
// as IAM returns them, managed policies without PolicyName / PolicyId as moto returns them.
// ---------------------------------------------------------------------------

const ACCOUNT = '123456789012';
const OTHER = '999999999999';
type Stmt = Record<string, unknown>;
const doc = (...Statement: Stmt[]) => ({ Version: '2012-10-17', Statement });
const enc = (d: object) => encodeURIComponent(JSON.stringify(d));
const allow = (Action: string | string[], Resource: string | string[] = '*'): Stmt => ({
  Effect: 'Allow',
  Action,
  Resource,
});
const ADMIN_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const customerArn = (name: string) => `arn:aws:iam::${ACCOUNT}:policy/${name}`;

function managed(
  arn: string,
  document: object,
  versions?: { default: string; others: Record<string, object> },
): ManagedPolicyDetail {
  if (versions) {
    return {
      Arn: arn,
      DefaultVersionId: versions.default,
      // The default version last, so that "take the first version" would be caught.
      PolicyVersionList: Object.entries({ ...versions.others, [versions.default]: document }).map(([id, d]) => ({
        VersionId: id,
        IsDefaultVersion: id === versions.default,
        Document: enc(d),
      })),
    };
  }
  return {
    Arn: arn,
    DefaultVersionId: 'v1',
    PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: enc(document) }],
  };
}
const ADMINISTRATOR_ACCESS = managed(ADMIN_ARN, doc(allow('*')));
const attach = (...arns: string[]) => arns.map((a) => ({ PolicyArn: a, PolicyName: a.slice(a.lastIndexOf('/') + 1) }));
const inline = (name: string, d: object) => ({ PolicyName: name, PolicyDocument: enc(d) });

function user(name: string, opts: Partial<UserDetail> = {}): UserDetail {
  return {
    UserName: name,
    Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    Path: '/',
    GroupList: [],
    UserPolicyList: [],
    AttachedManagedPolicies: [],
    ...opts,
  };
}
function group(name: string, opts: Partial<GroupDetail> = {}): GroupDetail {
  return {
    GroupName: name,
    Arn: `arn:aws:iam::${ACCOUNT}:group/${name}`,
    Path: '/',
    GroupPolicyList: [],
    AttachedManagedPolicies: [],
    ...opts,
  };
}
const trust = (Principal: unknown, extra: Stmt = {}) =>
  enc(doc({ Effect: 'Allow', Principal, Action: 'sts:AssumeRole', ...extra }));
function role(name: string, opts: Partial<RoleDetail> = {}): RoleDetail {
  const path = opts.Path ?? '/';
  return {
    RoleName: name,
    Arn: `arn:aws:iam::${ACCOUNT}:role${path}${name}`,
    Path: path,
    AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${ACCOUNT}:root` }),
    RolePolicyList: [],
    AttachedManagedPolicies: [],
    ...opts,
  };
}
const names = (list: PrincipalVerdict[]) => list.map((p) => p.name);
function only<T extends PrincipalVerdict>(list: T[], name: string): T {
  const found = list.filter((p) => p.name === name);
  expect(found, `exactly one ${name}`).toHaveLength(1);
  return found[0]!;
}

describe('analyzeAdmins: users', () => {
  it('AdministratorAccess attached directly', () => {
    const a = analyzeAdmins({
      UserDetailList: [user('alice', { AttachedManagedPolicies: attach(ADMIN_ARN) })],
      Policies: [ADMINISTRATOR_ACCESS],
    });
    expect(a.admins).toEqual([
      {
        kind: 'user',
        name: 'alice',
        arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
        fullAdmin: true,
        via: ['AdministratorAccess (AWS managed)'],
        escalation: [],
        assumedConditions: [],
        notes: [],
      },
    ]);
    expect(a.warnings).toEqual([]);
  });

  it('AdministratorAccess through a group', () => {
    const a = analyzeAdmins({
      UserDetailList: [user('bob', { GroupList: ['Administrators'] })],
      GroupDetailList: [group('Administrators', { AttachedManagedPolicies: attach(ADMIN_ARN) })],
      Policies: [ADMINISTRATOR_ACCESS],
    });
    expect(only(a.admins, 'bob').via).toEqual(['group Administrators: AdministratorAccess (AWS managed)']);
  });

  it('AdministratorAccess is recognised even when the input lacks AWS managed policies', () => {
    const a = analyzeAdmins({
      UserDetailList: [user('alice', { AttachedManagedPolicies: [{ PolicyArn: ADMIN_ARN }] })],
    });
    expect(only(a.admins, 'alice').via).toEqual(['AdministratorAccess (AWS managed)']);
  });

  it.each([
    [
      'customer managed * on *',
      { AttachedManagedPolicies: attach(customerArn('full')) },
      [managed(customerArn('full'), doc(allow('*')))],
      [`customer managed policy ${customerArn('full')}`],
    ],
    [
      'customer managed *:*',
      { AttachedManagedPolicies: attach(customerArn('star')) },
      [managed(customerArn('star'), doc(allow('*:*')))],
      [`customer managed policy ${customerArn('star')}`],
    ],
    [
      'inline user policy',
      { UserPolicyList: [inline('full-access', doc(allow('*')))] },
      [],
      ['inline policy full-access'],
    ],
    [
      'inline policy not URL-encoded',
      { UserPolicyList: [{ PolicyName: 'plain', PolicyDocument: JSON.stringify(doc(allow('*'))) }] },
      [],
      ['inline policy plain'],
    ],
  ])('%s', (_name, opts: Partial<UserDetail>, policies: ManagedPolicyDetail[], via: string[]) => {
    const a = analyzeAdmins({ UserDetailList: [user('u', opts)], Policies: policies });
    expect(only(a.admins, 'u').via).toEqual(via);
  });

  it('inline group policy, and two admin paths both listed', () => {
    const a = analyzeAdmins({
      UserDetailList: [user('carol', { GroupList: ['Ops'], AttachedManagedPolicies: attach(ADMIN_ARN) })],
      GroupDetailList: [group('Ops', { GroupPolicyList: [inline('everything', doc(allow('*')))] })],
      Policies: [ADMINISTRATOR_ACCESS],
    });
    expect(only(a.admins, 'carol').via).toEqual([
      'AdministratorAccess (AWS managed)',
      'group Ops: inline policy everything',
    ]);
  });

  it('two groups whose policies only together grant everything', () => {
    const a = analyzeAdmins({
      UserDetailList: [user('dave', { GroupList: ['AllButIam', 'Iam'] })],
      GroupDetailList: [
        group('AllButIam', {
          GroupPolicyList: [inline('not-iam', doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }))],
        }),
        group('Iam', { AttachedManagedPolicies: attach(customerArn('iam-all')) }),
      ],
      Policies: [managed(customerArn('iam-all'), doc(allow('iam:*')))],
    });
    expect(only(a.admins, 'dave').via).toEqual([
      `together: group AllButIam: inline policy not-iam + group Iam: customer managed policy ${customerArn('iam-all')}`,
    ]);
  });

  it('the default version decides, not the newest or the first', () => {
    const p = managed(customerArn('versioned'), doc(allow('s3:GetObject')), {
      default: 'v1',
      others: { v2: doc(allow('*')) },
    });
    const q = managed(customerArn('promoted'), doc(allow('*')), {
      default: 'v3',
      others: { v1: doc(allow('s3:GetObject')) },
    });
    const a = analyzeAdmins({
      UserDetailList: [
        user('old', { AttachedManagedPolicies: attach(p.Arn!) }),
        user('new', { AttachedManagedPolicies: attach(q.Arn!) }),
      ],
      Policies: [p, q],
    });
    expect(names(a.admins)).toEqual(['new']);
  });

  it('without DefaultVersionId, the version flagged IsDefaultVersion decides', () => {
    const p: ManagedPolicyDetail = {
      Arn: customerArn('flagged'),
      PolicyVersionList: [
        { VersionId: 'v1', IsDefaultVersion: true, Document: enc(doc(allow('*'))) },
        { VersionId: 'v2', IsDefaultVersion: false, Document: enc(doc(allow('s3:GetObject'))) },
      ],
    };
    const a = analyzeAdmins({
      UserDetailList: [user('flag', { AttachedManagedPolicies: attach(p.Arn!) })],
      Policies: [p],
    });
    expect(names(a.admins)).toEqual(['flag']);
  });

  it('Action * on a narrow resource is not an admin', () => {
    const a = analyzeAdmins({
      UserDetailList: [user('eve', { UserPolicyList: [inline('bucket', doc(allow('*', 'arn:aws:s3:::data/*')))] })],
    });
    expect(a.admins).toEqual([]);
    expect(a.shadowAdmins).toEqual([]);
    expect(only(a.users, 'eve')).toMatchObject({ fullAdmin: false, via: [], escalation: [] });
  });

  it('an MFA-gated admin is an admin, with the assumption recorded', () => {
    const gated = doc({
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    });
    const a = analyzeAdmins({ UserDetailList: [user('mfa', { UserPolicyList: [inline('admin-mfa', gated)] })] });
    expect(only(a.admins, 'mfa').assumedConditions).toEqual(['aws:MultiFactorAuthPresent']);
  });

  it('an explicit Deny of iam:* in a group demotes an admin, and says so', () => {
    const a = analyzeAdmins({
      UserDetailList: [user('frank', { AttachedManagedPolicies: attach(ADMIN_ARN), GroupList: ['NoIam'] })],
      GroupDetailList: [
        group('NoIam', {
          GroupPolicyList: [inline('deny-iam', doc({ Effect: 'Deny', Action: 'iam:*', Resource: '*' }))],
        }),
      ],
      Policies: [ADMINISTRATOR_ACCESS],
    });
    expect(a.admins).toEqual([]);
    expect(only(a.users, 'frank')).toMatchObject({
      fullAdmin: false,
      escalation: [],
      notes: ['its Allows grant every action, but an explicit Deny removes part of it'],
    });
  });

  it('a Deny of * demotes an admin', () => {
    const a = analyzeAdmins({
      UserDetailList: [
        user('g', {
          AttachedManagedPolicies: attach(ADMIN_ARN),
          UserPolicyList: [inline('deny-all', doc({ Effect: 'Deny', Action: '*', Resource: '*' }))],
        }),
      ],
      Policies: [ADMINISTRATOR_ACCESS],
    });
    expect(a.admins).toEqual([]);
    expect(a.shadowAdmins).toEqual([]);
  });

  it('a permissions boundary that removes the wildcard demotes an admin', () => {
    const boundary = managed(customerArn('s3-only'), doc(allow('s3:*')));
    const a = analyzeAdmins({
      UserDetailList: [
        user('bounded', {
          AttachedManagedPolicies: attach(ADMIN_ARN),
          PermissionsBoundary: {
            PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
            PermissionsBoundaryArn: boundary.Arn,
          },
        }),
      ],
      Policies: [ADMINISTRATOR_ACCESS, boundary],
    });
    expect(a.admins).toEqual([]);
    expect(only(a.users, 'bounded').notes).toEqual([
      `its Allows grant every action, but permissions boundary ${boundary.Arn} does not allow everything`,
    ]);
  });

  it('a boundary that allows everything leaves an admin an admin', () => {
    const a = analyzeAdmins({
      UserDetailList: [
        user('b', {
          AttachedManagedPolicies: attach(ADMIN_ARN),
          PermissionsBoundary: { PermissionsBoundaryArn: ADMIN_ARN },
        }),
      ],
      Policies: [ADMINISTRATOR_ACCESS],
    });
    expect(names(a.admins)).toEqual(['b']);
  });

  it('a boundary missing from the input is ignored (over-report rather than hide), with a note and a warning', () => {
    const missing = customerArn('gone');
    const a = analyzeAdmins({
      UserDetailList: [
        user('b', {
          AttachedManagedPolicies: attach(ADMIN_ARN),
          PermissionsBoundary: { PermissionsBoundaryArn: missing },
        }),
      ],
      Policies: [ADMINISTRATOR_ACCESS],
    });
    expect(only(a.admins, 'b').notes).toEqual([`permissions boundary ${missing} could not be read and was ignored`]);
    expect(a.warnings).toEqual([`managed policy ${missing} is attached but not in the input; it was not evaluated`]);
  });

  it('an unreadable document is reported and grants nothing', () => {
    const a = analyzeAdmins({
      UserDetailList: [user('h', { UserPolicyList: [{ PolicyName: 'broken', PolicyDocument: '%7Bnope' }] })],
    });
    expect(a.admins).toEqual([]);
    expect(a.warnings).toEqual([
      'inline policy broken of user h: policy document is neither JSON nor URL-encoded JSON; it was not evaluated',
    ]);
  });

  it('identical documents are judged alike, and an unreadable one is reported for each owner', () => {
    const a = analyzeAdmins({
      UserDetailList: [
        user('x1', { UserPolicyList: [inline('copy', doc(allow('iam:PutUserPolicy')))] }),
        user('x2', { UserPolicyList: [inline('copy', doc(allow('iam:PutUserPolicy')))] }),
        user('y1', { UserPolicyList: [{ PolicyName: 'bad', PolicyDocument: 'not json' }] }),
        user('y2', { UserPolicyList: [{ PolicyName: 'bad', PolicyDocument: 'not json' }] }),
      ],
    });
    expect(names(a.shadowAdmins)).toEqual(['x1', 'x2']);
    expect(a.warnings.map((w) => w.split(':')[0])).toEqual([
      'inline policy bad of user y1',
      'inline policy bad of user y2',
    ]);
  });

  it('a group missing from the input is reported', () => {
    const a = analyzeAdmins({ UserDetailList: [user('i', { GroupList: ['Ghost'] })] });
    expect(only(a.users, 'i').notes).toEqual(['group Ghost is not in the input; its policies were not evaluated']);
    expect(a.warnings).toEqual(['user i is in group Ghost, which is not in the input']);
  });

  it('a managed policy missing from the input is reported once', () => {
    const arn = customerArn('absent');
    const a = analyzeAdmins({
      UserDetailList: [
        user('j', { AttachedManagedPolicies: attach(arn) }),
        user('k', { AttachedManagedPolicies: attach(arn) }),
      ],
    });
    expect(a.warnings).toEqual([`managed policy ${arn} is attached but not in the input; it was not evaluated`]);
  });
});

describe('analyzeAdmins: shadow admins', () => {
  const single = ESCALATION_ACTIONS.filter((a) => a !== 'iam:*');

  it.each(single)('a user allowed only %s on * is a shadow admin', (action) => {
    const a = analyzeAdmins({ UserDetailList: [user('s', { UserPolicyList: [inline('esc', doc(allow(action)))] })] });
    expect(a.admins).toEqual([]);
    expect(only(a.shadowAdmins, 's')).toMatchObject({
      fullAdmin: false,
      escalation: [action],
      via: [`inline policy esc (${action})`],
    });
  });

  it('iam:* through a group lists the whole service and its actions', () => {
    const a = analyzeAdmins({
      UserDetailList: [user('t', { GroupList: ['IamAdmins'] })],
      GroupDetailList: [
        group('IamAdmins', { AttachedManagedPolicies: attach('arn:aws:iam::aws:policy/IAMFullAccess') }),
      ],
      Policies: [
        managed('arn:aws:iam::aws:policy/IAMFullAccess', doc(allow(['iam:*', 'organizations:DescribeAccount']))),
      ],
    });
    const t = only(a.shadowAdmins, 't');
    expect(t.escalation).toEqual([...ESCALATION_ACTIONS]);
    expect(t.via).toEqual([`group IamAdmins: IAMFullAccess (AWS managed) (${ESCALATION_ACTIONS.join(', ')})`]);
  });

  it('PassRole and RunInstances from two policies form one escalation path', () => {
    const a = analyzeAdmins({
      UserDetailList: [
        user('u', {
          UserPolicyList: [inline('pass', doc(allow('iam:PassRole')))],
          AttachedManagedPolicies: attach('arn:aws:iam::aws:policy/AmazonEC2FullAccess'),
        }),
      ],
      Policies: [managed('arn:aws:iam::aws:policy/AmazonEC2FullAccess', doc(allow('ec2:*')))],
    });
    expect(only(a.shadowAdmins, 'u')).toMatchObject({
      escalation: ['iam:PassRole+ec2:RunInstances'],
      via: [
        'inline policy pass (iam:PassRole+ec2:RunInstances)',
        'AmazonEC2FullAccess (AWS managed) (iam:PassRole+ec2:RunInstances)',
      ],
    });
  });

  it('a full admin is never also listed as a shadow admin', () => {
    const a = analyzeAdmins({
      UserDetailList: [
        user('v', { AttachedManagedPolicies: attach(ADMIN_ARN), UserPolicyList: [inline('iam', doc(allow('iam:*')))] }),
      ],
      Policies: [ADMINISTRATOR_ACCESS],
    });
    expect(names(a.admins)).toEqual(['v']);
    expect(a.shadowAdmins).toEqual([]);
  });

  it('roles can be shadow admins too', () => {
    const a = analyzeAdmins({
      RoleDetailList: [role('deployer', { RolePolicyList: [inline('attach', doc(allow('iam:AttachRolePolicy')))] })],
    });
    expect(only(a.shadowAdmins, 'deployer')).toMatchObject({ kind: 'role', escalation: ['iam:AttachRolePolicy'] });
    expect(a.adminRoles).toEqual([]);
  });
});

describe('analyzeAdmins: roles', () => {
  const ssoPath = '/aws-reserved/sso.amazonaws.com/eu-west-1/';
  const details: AuthorizationDetails = {
    RoleDetailList: [
      role('AWSReservedSSO_AdministratorAccess_0123456789abcdef', {
        Path: ssoPath,
        AssumeRolePolicyDocument: trust(
          { Federated: `arn:aws:iam::${ACCOUNT}:saml-provider/AWSSSO_0123_DO_NOT_DELETE` },
          { Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession'] },
        ),
        AttachedManagedPolicies: attach(ADMIN_ARN),
      }),
      role('OrganizationAccountAccessRole', {
        AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${OTHER}:root` }),
        AttachedManagedPolicies: attach(ADMIN_ARN),
      }),
      role('VendorAudit', {
        AssumeRolePolicyDocument: trust({ AWS: OTHER }, { Condition: { StringEquals: { 'sts:ExternalId': 'x' } } }),
        RolePolicyList: [inline('all', doc(allow('*')))],
      }),
      role('AnyoneAdmin', { AssumeRolePolicyDocument: trust('*'), AttachedManagedPolicies: attach(ADMIN_ARN) }),
      role('Ec2Admin', {
        AssumeRolePolicyDocument: trust({ Service: 'ec2.amazonaws.com' }),
        AttachedManagedPolicies: attach(ADMIN_ARN),
      }),
      role('LocalAdmin', { AttachedManagedPolicies: attach(ADMIN_ARN) }),
      role('GithubDeploy', {
        AssumeRolePolicyDocument: trust(
          { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
          { Action: 'sts:AssumeRoleWithWebIdentity' },
        ),
        AttachedManagedPolicies: attach(ADMIN_ARN),
      }),
      role('AWSServiceRoleForSupport', {
        Path: '/aws-service-role/support.amazonaws.com/',
        AssumeRolePolicyDocument: trust({ Service: 'support.amazonaws.com' }),
        AttachedManagedPolicies: attach(ADMIN_ARN),
      }),
      role('BoundedAdmin', {
        AttachedManagedPolicies: attach(ADMIN_ARN),
        PermissionsBoundary: {
          PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
          PermissionsBoundaryArn: customerArn('ReadOnlyBoundary'),
        },
      }),
      role('Reader', {
        AssumeRolePolicyDocument: trust({ Service: 'lambda.amazonaws.com' }),
        RolePolicyList: [inline('read', doc(allow(['s3:Get*', 's3:List*'])))],
      }),
    ],
    Policies: [
      ADMINISTRATOR_ACCESS,
      managed(customerArn('ReadOnlyBoundary'), doc(allow(['*:Get*', '*:List*', '*:Describe*']))),
    ],
  };
  const a = analyzeAdmins(details);

  it('lists every non-service-linked admin role with its kind', () => {
    expect(a.adminRoles.map((r) => [r.name, r.roleKind])).toEqual([
      ['AWSReservedSSO_AdministratorAccess_0123456789abcdef', 'sso'],
      ['OrganizationAccountAccessRole', 'cross-account'],
      ['VendorAudit', 'cross-account'],
      ['AnyoneAdmin', 'cross-account'],
      ['Ec2Admin', 'service'],
      ['LocalAdmin', 'other'],
      ['GithubDeploy', 'other'],
    ]);
  });

  it('says why each is an admin', () => {
    expect(only(a.adminRoles, 'VendorAudit').via).toEqual(['inline policy all']);
    expect(only(a.adminRoles, 'Ec2Admin').via).toEqual(['AdministratorAccess (AWS managed)']);
  });

  it('keeps service-linked roles out of admins and shadow admins, but lists them among roles', () => {
    const slr = only(a.roles, 'AWSServiceRoleForSupport');
    expect(slr).toMatchObject({ serviceLinked: true, roleKind: 'service', trustedServices: ['support.amazonaws.com'] });
    expect(names(a.adminRoles)).not.toContain('AWSServiceRoleForSupport');
    expect(names(a.shadowAdmins)).not.toContain('AWSServiceRoleForSupport');
  });

  it('applies a role permissions boundary', () => {
    expect(only(a.roles, 'BoundedAdmin')).toMatchObject({ fullAdmin: false, escalation: [] });
  });

  it('roles never appear in the user admin list', () => {
    expect(a.admins).toEqual([]);
    expect(a.roles).toHaveLength(10);
    expect(only(a.roles, 'Reader')).toMatchObject({ fullAdmin: false, roleKind: 'service', via: [] });
  });

  it.each([
    [{ AWS: `arn:aws:iam::${OTHER}:role/Deployer` }, 'cross-account', [OTHER]],
    [
      { AWS: [`arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:sts::${OTHER}:assumed-role/x/y`] },
      'cross-account',
      [ACCOUNT, OTHER],
    ],
    [{ AWS: ACCOUNT }, 'other', [ACCOUNT]],
    [{ AWS: 'AROAEXAMPLEDELETEDROLE' }, 'other', []],
    [{ Service: ['ec2.amazonaws.com', 'lambda.amazonaws.com'] }, 'service', []],
    [{ AWS: `arn:aws:iam::${OTHER}:root`, Service: 'ec2.amazonaws.com' }, 'cross-account', [OTHER]],
  ])('trust principal %j -> %s', (principal, kind, accounts) => {
    const summary = classifyRole(role('r', { AssumeRolePolicyDocument: trust(principal) }));
    expect(summary.roleKind).toBe(kind);
    expect(summary.trustedAccounts).toEqual(accounts);
  });

  it('a Deny statement in the trust policy does not make a role cross-account', () => {
    const d = enc(
      doc(
        { Effect: 'Deny', Principal: { AWS: OTHER }, Action: 'sts:AssumeRole' },
        { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ),
    );
    expect(classifyRole(role('r', { AssumeRolePolicyDocument: d })).roleKind).toBe('service');
  });

  it('a shared trust-policy cache gives the same answer and hands out copies', () => {
    const cache = new Map();
    const r = role('r', { AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${OTHER}:root` }) });
    const first = classifyRole(r, cache);
    first.trustedAccounts.push('tampered');
    expect(classifyRole(r, cache)).toEqual({
      roleKind: 'cross-account',
      serviceLinked: false,
      trustedAccounts: [OTHER],
      trustedServices: [],
    });
    expect(cache.size).toBe(1);
  });

  it('an unreadable trust policy leaves the role as other', () => {
    expect(classifyRole(role('r', { AssumeRolePolicyDocument: 'garbage' }))).toMatchObject({
      roleKind: 'other',
      trustedAccounts: [],
    });
  });
});

describe('adminGroupsOf', () => {
  it('finds groups whose own policies make members full admins, alone or together', () => {
    const details: AuthorizationDetails = {
      UserDetailList: [
        user('a', { GroupList: ['Administrators', 'ReadOnly'] }),
        user('b', { GroupList: ['Administrators'] }),
        user('c', { GroupList: ['Split'] }),
        user('d', { GroupList: ['ReadOnly'] }),
      ],
      GroupDetailList: [
        group('Administrators', { AttachedManagedPolicies: attach(ADMIN_ARN) }),
        group('ReadOnly', { AttachedManagedPolicies: attach('arn:aws:iam::aws:policy/ReadOnlyAccess') }),
        group('Split', {
          GroupPolicyList: [
            inline('not-iam', doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })),
            inline('iam', doc(allow('iam:*'))),
          ],
        }),
        group('Empty'),
        group('Guarded', {
          AttachedManagedPolicies: attach(ADMIN_ARN),
          GroupPolicyList: [inline('deny', doc({ Effect: 'Deny', Action: 'iam:*', Resource: '*' }))],
        }),
      ],
      Policies: [
        ADMINISTRATOR_ACCESS,
        managed('arn:aws:iam::aws:policy/ReadOnlyAccess', doc(allow(['*:Get*', '*:List*']))),
      ],
    };
    expect(adminGroupsOf(details)).toEqual([
      {
        name: 'Administrators',
        arn: `arn:aws:iam::${ACCOUNT}:group/Administrators`,
        via: ['group Administrators: AdministratorAccess (AWS managed)'],
        members: ['a', 'b'],
      },
      {
        name: 'Split',
        arn: `arn:aws:iam::${ACCOUNT}:group/Split`,
        via: ['together: group Split: inline policy not-iam + group Split: inline policy iam'],
        members: ['c'],
      },
    ]);
  });
});

describe('mergeAuthorizationDetails', () => {
  it('concatenates pages and drops repeated entries', () => {
    const merged = mergeAuthorizationDetails([
      { UserDetailList: [user('a')], Policies: [ADMINISTRATOR_ACCESS] },
      {
        UserDetailList: [user('b'), user('a')],
        RoleDetailList: [role('r')],
        GroupDetailList: [group('g')],
        Policies: [ADMINISTRATOR_ACCESS],
      },
    ]);
    expect(merged.UserDetailList?.map((u) => u.UserName)).toEqual(['a', 'b']);
    expect(merged.RoleDetailList).toHaveLength(1);
    expect(merged.GroupDetailList).toHaveLength(1);
    expect(merged.Policies).toHaveLength(1);
  });
});

describe('analyzeAdmins at account scale', () => {
  // Given 1,000 users, 1,000 roles, 200 groups and 500 customer policies whose verdicts
  // are known by construction, when analysed, then every verdict is as built.
  it('gets every verdict of a large synthetic account right', () => {
    const policies: ManagedPolicyDetail[] = [ADMINISTRATOR_ACCESS];
    // Policy i: every 50th grants everything, every 50th+1 grants iam:PassRole+ec2:RunInstances, the rest read one bucket.
    const kindOf = (i: number) => (i % 50 === 0 ? 'admin' : i % 50 === 1 ? 'shadow' : 'plain');
    for (let i = 0; i < 500; i++) {
      const statement =
        kindOf(i) === 'admin'
          ? allow('*')
          : kindOf(i) === 'shadow'
            ? allow(['iam:PassRole', 'ec2:RunInstances'])
            : allow(['s3:GetObject', 's3:ListBucket'], [`arn:aws:s3:::bucket-${i}`, `arn:aws:s3:::bucket-${i}/*`]);
      policies.push(
        managed(
          customerArn(`p${i}`),
          doc(statement, { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: `arn:aws:s3:::bucket-${i}` }),
        ),
      );
    }
    // Group g attaches policies 2g+2 and 2g+3 (never admin or shadow: those are 0 and 1 mod 50... except by construction below).
    const groups: GroupDetail[] = [];
    for (let g = 0; g < 200; g++) {
      const attached =
        g === 0 ? [ADMIN_ARN] : [customerArn(`p${(2 * g + 2) % 500}`), customerArn(`p${(2 * g + 3) % 500}`)];
      groups.push(group(`g${g}`, { AttachedManagedPolicies: attach(...attached) }));
    }
    const groupGrants = (g: number) => (g === 0 ? ['admin'] : [kindOf((2 * g + 2) % 500), kindOf((2 * g + 3) % 500)]);
    const expectedAdmins: string[] = [];
    const expectedShadow: string[] = [];
    const users: UserDetail[] = [];
    for (let u = 0; u < 1000; u++) {
      const groupsOfU = [u % 200, (u * 7) % 200];
      const own = (u * 13) % 500;
      users.push(
        user(`user${u}`, {
          GroupList: groupsOfU.map((g) => `g${g}`),
          AttachedManagedPolicies: attach(customerArn(`p${own}`)),
          UserPolicyList:
            u % 97 === 0
              ? [inline('inline-admin', doc(allow('*')))]
              : [inline('own-bucket', doc(allow('s3:*', `arn:aws:s3:::home-${u}/*`)))],
        }),
      );
      const grants = [kindOf(own), ...groupsOfU.flatMap(groupGrants), u % 97 === 0 ? 'admin' : 'plain'];
      if (grants.includes('admin')) expectedAdmins.push(`user${u}`);
      else if (grants.includes('shadow')) expectedShadow.push(`user${u}`);
    }
    const roles: RoleDetail[] = [];
    const expectedAdminRoles: string[] = [];
    for (let r = 0; r < 1000; r++) {
      const p = (r * 3) % 500;
      const serviceLinked = r % 100 === 99;
      roles.push(
        role(`role${r}`, {
          Path: serviceLinked ? '/aws-service-role/x.amazonaws.com/' : '/',
          AssumeRolePolicyDocument: trust(
            r % 2 === 0 ? { Service: 'lambda.amazonaws.com' } : { AWS: `arn:aws:iam::${OTHER}:root` },
          ),
          AttachedManagedPolicies: attach(customerArn(`p${p}`)),
        }),
      );
      if (kindOf(p) === 'admin' && !serviceLinked) expectedAdminRoles.push(`role${r}`);
      if (kindOf(p) === 'shadow' && !serviceLinked) expectedShadow.push(`role${r}`);
    }
    const details: AuthorizationDetails = {
      UserDetailList: users,
      GroupDetailList: groups,
      RoleDetailList: roles,
      Policies: policies,
    };

    const started = performance.now();
    const cpu0 = process.cpuUsage();
    const a = analyzeAdmins(details);
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `analyzeAdmins: 1000 users, 1000 roles, 200 groups, 501 policies in ${ms.toFixed(1)} ms (process CPU ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms)`,
    );

    expect(a.users).toHaveLength(1000);
    expect(a.roles).toHaveLength(1000);
    expect(names(a.admins)).toEqual(expectedAdmins);
    expect(names(a.adminRoles)).toEqual(expectedAdminRoles);
    expect(names(a.shadowAdmins)).toEqual(expectedShadow);
    expect(a.shadowAdmins.every((s) => s.escalation.join() === 'iam:PassRole+ec2:RunInstances')).toBe(true);
    expect(a.warnings).toEqual([]);
    // The construction must produce every kind, or the test proves little.
    expect(expectedAdmins.length).toBeGreaterThan(20);
    expect(expectedShadow.length).toBeGreaterThan(20);
    expect(expectedAdminRoles.length).toBeGreaterThan(5);
  });
});
