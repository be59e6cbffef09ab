import { describe, expect, it } from 'vitest';
import { assessAdmins, fullAccessCustomerPolicies, passwordPolicyGaps } from '../../../src/steps/admins/assess.js';
import type { Finding } from '../../../src/engine/types.js';
import {
  ACCOUNT,
  ADMIN_ARN,
  ADMINISTRATOR_ACCESS,
  ADMINS_GROUP,
  allow,
  attach,
  creds,
  customerArn,
  deny,
  document,
  groupAdmin,
  inline,
  managedPolicy,
  role,
  stateOf,
  user,
} from './state.js';

const NOW = new Date('2026-11-28T00:00:00Z');
const env = { accountId: ACCOUNT, now: NOW };
const ids = (fs: Finding[], kind?: Finding['kind']) => fs.filter((f) => !kind || f.kind === kind).map((f) => f.id);
const about = (fs: Finding[], id: string) => fs.filter((f) => f.id === id).map((f) => f.resource.split('/').pop());
const admins = (...names: string[]) => names.map((n) => groupAdmin(n));

describe('assessAdmins: the 2-3 rule', () => {
  it.each([
    [0, 'fail', ['admins.too-few']],
    [1, 'fail', ['admins.too-few']],
    [2, 'pass', []],
    [3, 'pass', []],
    [4, 'fail', ['admins.too-many']],
  ] as const)('%i full admins: %s', (n, status, fails) => {
    const a = assessAdmins(stateOf({ users: [...admins(...['a', 'b', 'c', 'd'].slice(0, n)), user('plain')] }), env);
    expect(a.status).toBe(status);
    expect(ids(a.findings, 'fail')).toEqual(fails);
    expect(a.details.counted).toEqual({
      admins: n,
      identityCenterAdmins: 0,
      people: n,
      shadowAdmins: 0,
      total: n,
      min: 2,
      max: 3,
    });
  });

  it('shadow admin users count against the limit; shadow roles do not', () => {
    const sneaky = user('sneaky', { UserPolicyList: [inline('p', document(allow('iam:PutUserPolicy')))] });
    const ci = role('ci', { RolePolicyList: [inline('p', document(allow('iam:*')))] });
    const three = assessAdmins(stateOf({ users: [...admins('a', 'b'), sneaky], roles: [ci] }), env);
    expect(three.status).toBe('pass');
    expect(three.details.counted).toMatchObject({ admins: 2, shadowAdmins: 1, total: 3 });
    const four = assessAdmins(stateOf({ users: [...admins('a', 'b', 'c'), sneaky], roles: [ci] }), env);
    expect(four.status).toBe('fail');
    const tooMany = four.findings.find((f) => f.id === 'admins.too-many')!;
    expect(tooMany.message).toContain('4 IAM users can administer the account (3 full admins, 1 shadow admin)');
    expect(tooMany.message).toContain('sneaky (shadow admin, last activity 2026-11-20)');
    expect(
      four.findings.filter((f) => f.id === 'admins.shadow').map((f) => [f.kind, f.resource.split('/').pop()]),
    ).toEqual([
      ['warn', 'sneaky'],
      ['info', 'ci'],
    ]);
    expect(
      (four.details.shadowAdmins as Array<{ name: string; counted: boolean }>).map((s) => [s.name, s.counted]),
    ).toEqual([
      ['sneaky', true],
      ['ci', false],
    ]);
  });

  it('shadow admins do not make up for missing full admins', () => {
    const sneaky = user('sneaky', { UserPolicyList: [inline('p', document(allow('iam:AttachUserPolicy')))] });
    const a = assessAdmins(stateOf({ users: [groupAdmin('a'), sneaky] }), env);
    expect(ids(a.findings, 'fail')).toEqual(['admins.too-few']);
  });

  it('admin roles are listed with their kind and never count as admins', () => {
    const sso = role('AWSReservedSSO_Admin_abc', {
      Path: '/aws-reserved/sso.amazonaws.com/',
      AttachedManagedPolicies: attach(ADMIN_ARN),
      AssumeRolePolicyDocument: document({
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${ACCOUNT}:saml-provider/AWSSSO_x` },
        Action: 'sts:AssumeRoleWithSAML',
      }),
    });
    const cross = role('Org', {
      AttachedManagedPolicies: attach(ADMIN_ARN),
      AssumeRolePolicyDocument: document({
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::999999999999:root' },
        Action: 'sts:AssumeRole',
      }),
    });
    const a = assessAdmins(stateOf({ users: [groupAdmin('a')], roles: [sso, cross] }), env);
    expect(a.status).toBe('fail');
    expect(ids(a.findings, 'fail')).toEqual(['admins.too-few']);
    expect(a.details.adminRoles).toEqual([
      expect.objectContaining({ name: 'AWSReservedSSO_Admin_abc', roleKind: 'sso' }),
      expect.objectContaining({ name: 'Org', roleKind: 'cross-account', trustedAccounts: ['999999999999'] }),
    ]);
    expect(a.findings.filter((f) => f.id === 'admins.role').map((f) => f.message)).toEqual([
      expect.stringContaining('IAM Identity Center (SSO) permission-set role'),
      expect.stringContaining('cross-account role trusted by 999999999999'),
    ]);
    expect(a.summary).toContain('2 admin roles listed.');
  });
});

describe('assessAdmins: what neuters an admin', () => {
  // moto does not support permissions boundaries on users, so the boundary case is covered here, not against the emulator.
  it('a permissions boundary that does not allow everything takes a user out of the count', () => {
    const boundary = managedPolicy(customerArn('s3-only'), document(allow('s3:*')));
    const bounded = user('bounded', {
      AttachedManagedPolicies: attach(ADMIN_ARN),
      PermissionsBoundary: {
        PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
        PermissionsBoundaryArn: boundary.Arn,
      },
    });
    const s = stateOf({ users: [groupAdmin('a'), bounded], policies: [ADMINISTRATOR_ACCESS, boundary] });
    const a = assessAdmins(s, env);
    expect((a.details.admins as Array<{ name: string }>).map((x) => x.name)).toEqual(['a']);
    expect(ids(a.findings, 'fail')).toEqual(['admins.too-few']);
    const limited = a.findings.find((f) => f.id === 'admins.limited')!;
    expect(limited.kind).toBe('info');
    expect(limited.message).toBe(
      `User bounded is not counted as an admin: its Allows grant every action, but permissions boundary ${boundary.Arn} does not allow everything.`,
    );
  });

  it('a boundary that allows everything does not', () => {
    const bounded = groupAdmin('b', { PermissionsBoundary: { PermissionsBoundaryArn: ADMIN_ARN } });
    const a = assessAdmins(stateOf({ users: [groupAdmin('a'), bounded] }), env);
    expect(a.status).toBe('pass');
    expect(ids(a.findings)).not.toContain('admins.limited');
  });

  it('a Deny on a whole service takes a user out; a Deny on one resource does not', () => {
    const denied = groupAdmin('denied', { UserPolicyList: [inline('no-iam', document(deny('iam:*')))] });
    const guarded = groupAdmin('guarded', {
      UserPolicyList: [inline('no-bucket', document(deny('s3:*', 'arn:aws:s3:::audit-logs/*')))],
    });
    const a = assessAdmins(stateOf({ users: [groupAdmin('a'), denied, guarded] }), env);
    expect((a.details.admins as Array<{ name: string }>).map((x) => x.name)).toEqual(['a', 'guarded']);
    expect(a.findings.find((f) => f.id === 'admins.limited')!.message).toContain(
      'User denied is not counted as an admin: its Allows grant every action, but an explicit Deny',
    );
  });
});

describe('assessAdmins: each admin', () => {
  it('warns about console without MFA (CIS v5.0.0 1.9), no MFA at all, and no console password', () => {
    const s = stateOf(
      { users: admins('ok', 'nomfa', 'keysonly') },
      {
        credentials: {
          ok: creds(),
          nomfa: creds({ mfa: false }),
          keysonly: creds({
            consoleAccess: false,
            mfa: false,
            accessKeys: [
              { slot: 1, active: true, createdAt: '2026-11-01T00:00:00Z', lastUsed: '2026-11-27T00:00:00Z' },
            ],
          }),
        },
      },
    );
    const a = assessAdmins(s, env);
    expect(a.status).toBe('pass');
    expect(about(a.findings, 'admins.no-mfa')).toEqual(['nomfa', 'keysonly']);
    expect(about(a.findings, 'admins.no-console')).toEqual(['keysonly']);
    const [consoleNoMfa, keysNoMfa] = a.findings.filter((f) => f.id === 'admins.no-mfa');
    expect(consoleNoMfa!.controls).toEqual([
      'CIS v5.0.0 1.9',
      'CIS v6.0.0 2.9',
      'CIS v7.0.0 2.10',
      'CIS v3.0.0 1.10',
      'Security Hub IAM.5',
      'Security Hub IAM.19',
    ]);
    expect(consoleNoMfa!.severity).toBe('high');
    expect(keysNoMfa!.controls).toEqual(['Security Hub IAM.19']);
    expect(a.details.admins).toEqual([
      expect.objectContaining({ name: 'ok', consoleAccess: true, mfa: true, lastActivity: '2026-11-20T00:00:00.000Z' }),
      expect.objectContaining({ name: 'nomfa', consoleAccess: true, mfa: false }),
      expect.objectContaining({
        name: 'keysonly',
        consoleAccess: false,
        mfa: false,
        accessKeys: [
          { active: true, createdAt: '2026-11-01T00:00:00Z', ageDays: 27, lastUsed: '2026-11-27T00:00:00Z' },
        ],
      }),
    ]);
  });

  it('reports active access keys older than 90 days (CIS v5.0.0 1.13), not inactive or younger ones', () => {
    const key = (createdAt: string, active = true) => ({
      slot: 1,
      active,
      createdAt,
      lastUsed: '2026-11-27T00:00:00Z',
    });
    const s = stateOf(
      { users: admins('old', 'edge', 'inactive') },
      {
        credentials: {
          old: creds({ accessKeys: [key('2026-08-01T00:00:00Z')] }),
          edge: creds({ accessKeys: [key('2026-08-30T00:00:00Z')] }),
          inactive: creds({ accessKeys: [key('2020-01-01T00:00:00Z', false)] }),
        },
      },
    );
    const a = assessAdmins(s, env);
    expect(about(a.findings, 'admins.old-access-key')).toEqual(['old']);
    const f = a.findings.find((x) => x.id === 'admins.old-access-key')!;
    expect(f.message).toBe('Admin old has an active access key 119 days old (created or rotated 2026-08-01).');
    expect(f.controls).toEqual([
      'CIS v5.0.0 1.13',
      'CIS v6.0.0 2.13',
      'CIS v7.0.0 2.12',
      'CIS v3.0.0 1.14',
      'Security Hub IAM.3',
    ]);
  });

  it('reports admins idle for 45 days or more (CIS v5.0.0 1.11), counting from creation when never used', () => {
    const s = stateOf(
      {
        users: [
          groupAdmin('idle'),
          groupAdmin('never', { CreateDate: new Date('2026-06-01T00:00:00Z') }),
          groupAdmin('fresh', { CreateDate: new Date('2026-11-20T00:00:00Z') }),
          groupAdmin('nocreds'),
        ],
      },
      {
        credentials: {
          idle: creds({ lastActivity: '2026-10-14T00:00:00Z' }),
          never: creds({ lastActivity: undefined }),
          fresh: creds({ lastActivity: undefined }),
          nocreds: creds({ consoleAccess: false, lastActivity: undefined }),
        },
      },
    );
    const a = assessAdmins(s, env);
    expect(about(a.findings, 'admins.unused')).toEqual(['idle', 'never']);
    expect(a.findings.find((f) => f.id === 'admins.unused')!.message).toBe(
      'Admin idle has not signed in or used an access key for 45 days.',
    );
    expect(a.findings.filter((f) => f.id === 'admins.unused')[1]!.message).toContain(
      'has never signed in or used an access key, and was created 180 days ago',
    );
  });

  it('reports admins with their own admin policies (CIS v5.0.0 1.14), not group-only ones', () => {
    const s = stateOf({
      users: [
        groupAdmin('grouped'),
        user('direct', { AttachedManagedPolicies: attach(ADMIN_ARN) }),
        user('inlined', { UserPolicyList: [inline('all', document(allow('*')))] }),
      ],
    });
    const a = assessAdmins(s, env);
    expect(about(a.findings, 'admins.direct-policy')).toEqual(['direct', 'inlined']);
    expect(a.findings.find((f) => f.id === 'admins.direct-policy')!.controls).toEqual([
      'CIS v5.0.0 1.14',
      'CIS v6.0.0 2.14',
      'CIS v7.0.0 2.13',
      'CIS v3.0.0 1.15',
      'Security Hub IAM.2',
    ]);
  });
});

describe('assessAdmins: policies and password policy', () => {
  it('reports attached customer managed *:* policies (CIS v5.0.0 1.15, Security Hub IAM.1); not unattached or AWS managed ones', () => {
    const star = managedPolicy(customerArn('star'), document(allow('*')));
    const unused = managedPolicy(customerArn('unused-star'), document(allow('*')));
    const narrow = managedPolicy(customerArn('s3'), document(allow('s3:*')));
    const s = stateOf({
      users: [groupAdmin('a'), user('b', { AttachedManagedPolicies: attach(star.Arn!, narrow.Arn!) })],
      roles: [role('r', { AttachedManagedPolicies: attach(star.Arn!) })],
      policies: [ADMINISTRATOR_ACCESS, star, unused, narrow],
    });
    expect(fullAccessCustomerPolicies(s)).toEqual([{ arn: star.Arn, attachedTo: ['user b', 'role r'] }]);
    const f = assessAdmins(s, env).findings.filter((x) => x.id === 'admins.full-access-policy');
    expect(f).toHaveLength(1);
    expect(f[0]!.controls).toEqual([
      'CIS v5.0.0 1.15',
      'CIS v6.0.0 2.15',
      'CIS v7.0.0 2.14',
      'CIS v3.0.0 1.16',
      'Security Hub IAM.1',
    ]);
    expect(f[0]!.kind).toBe('warn');
  });

  it('no password policy: a warning mapped to CIS v5.0.0 1.7 and 1.8', () => {
    const a = assessAdmins(stateOf({ users: admins('a', 'b') }, { passwordPolicy: { state: 'none' } }), env);
    expect(a.status).toBe('pass');
    const f = a.findings.find((x) => x.id === 'admins.password-policy')!;
    expect(f.kind).toBe('warn');
    expect(f.controls).toEqual(expect.arrayContaining(['CIS v5.0.0 1.7', 'CIS v5.0.0 1.8']));
    expect(a.details.passwordPolicy).toBe('none');
  });

  it('a weak policy: each gap reported; a strong one: nothing', () => {
    expect(
      passwordPolicyGaps({
        MinimumPasswordLength: 8,
        PasswordReusePrevention: 5,
        RequireSymbols: true,
        RequireNumbers: true,
      }),
    ).toEqual([
      {
        gap: 'minimum length is 8, below 14',
        controls: ['CIS v5.0.0 1.7', 'CIS v6.0.0 2.7', 'CIS v7.0.0 2.8', 'CIS v3.0.0 1.8', 'Security Hub IAM.15'],
      },
      {
        gap: 'reuse prevention remembers 5 passwords, below 24',
        controls: ['CIS v5.0.0 1.8', 'CIS v6.0.0 2.8', 'CIS v7.0.0 2.9', 'CIS v3.0.0 1.9', 'Security Hub IAM.16'],
      },
      { gap: 'does not require uppercase letters, lowercase letters', controls: ['Security Hub IAM.7'] },
    ]);
    const strong = assessAdmins(stateOf({ users: admins('a', 'b') }), env);
    expect(ids(strong.findings)).not.toContain('admins.password-policy');
  });

  it('an unreadable policy is context, not a failure', () => {
    const a = assessAdmins(
      stateOf(
        { users: admins('a', 'b') },
        { passwordPolicy: { state: 'unknown', reason: 'access denied for iam:GetAccountPasswordPolicy' } },
      ),
      env,
    );
    expect(a.status).toBe('pass');
    expect(a.findings.find((x) => x.id === 'admins.password-policy')).toMatchObject({ kind: 'info' });
  });
});

describe('assessAdmins: half-created users', () => {
  it('fail until completed, saying what is missing', () => {
    const s = stateOf(
      { users: [...admins('a', 'b'), user('half')] },
      {
        pending: [
          { name: 'half', arn: `arn:aws:iam::${ACCOUNT}:user/half`, loginProfile: false, admin: false, groups: [] },
        ],
        createdByRootlock: ['half'],
      },
    );
    const a = assessAdmins(s, env);
    expect(a.status).toBe('fail');
    expect(ids(a.findings, 'fail')).toEqual(['admins.pending']);
    expect(a.findings[0]!.message).toBe(
      'User half was created by rootlock but its setup was not finished: it lacks a console password and membership of an admin group.',
    );
    expect(a.summary).toContain('1 user left half-created by rootlock.');
    expect(a.details.pending).toEqual([
      { name: 'half', arn: `arn:aws:iam::${ACCOUNT}:user/half`, loginProfile: false, admin: false },
    ]);
  });

  it('marks admins rootlock created', () => {
    const a = assessAdmins(stateOf({ users: admins('a', 'b') }, { createdByRootlock: ['b'] }), env);
    expect(
      (a.details.admins as Array<{ name: string; createdByRootlock: boolean }>).map((x) => [
        x.name,
        x.createdByRootlock,
      ]),
    ).toEqual([
      ['a', false],
      ['b', true],
    ]);
  });
});

describe('assessAdmins: details', () => {
  it('has the documented shape', () => {
    const a = assessAdmins(stateOf({ users: admins('a', 'b') }), env);
    expect(Object.keys(a.details).sort()).toEqual(
      [
        'adminGroups',
        'adminRoles',
        'admins',
        'counted',
        'credentialReportGeneratedAt',
        'identityCenter',
        'passwordPolicy',
        'pending',
        'shadowAdmins',
      ].sort(),
    );
    expect(a.details.admins).toEqual([
      {
        name: 'a',
        arn: `arn:aws:iam::${ACCOUNT}:user/a`,
        via: ['group Administrators: AdministratorAccess (AWS managed)'],
        consoleAccess: true,
        mfa: true,
        lastActivity: '2026-11-20T00:00:00.000Z',
        accessKeys: [],
        createdByRootlock: false,
      },
      expect.objectContaining({ name: 'b' }),
    ]);
    expect(a.details.adminGroups).toEqual([{ name: 'Administrators', arn: ADMINS_GROUP.Arn, members: ['a', 'b'] }]);
    expect(a.summary).toBe('2 full admins (a, b).');
  });
});
