/**
 * The pure half of the admins step's Identity Center support: judging permission sets with the IAM
 * evaluator, counting people (directly and through groups, each once), the assessment's rule on
 * people, its findings, and the assignment changes the plan builds.
 */
import { describe, expect, it } from 'vitest';
import type { StepContext } from '../../../src/engine/step.js';
import type { Finding } from '../../../src/engine/types.js';
import { assessAdmins } from '../../../src/steps/admins/assess.js';
import {
  identityCenterAdmins,
  judgePermissionSet,
  readIdentityCenter,
  type IdentityCenterRead,
  type IdentityCenterState,
} from '../../../src/steps/admins/identity-center.js';
import { buildPlan, changeIds } from '../../../src/steps/admins/plan.js';
import { ACCOUNT, allow, deny, groupAdmin, stateOf } from './state.js';

const json = (...Statement: Array<Record<string, unknown>>) => JSON.stringify({ Version: '2012-10-17', Statement });
const INSTANCE = 'arn:aws:sso:::instance/ssoins-1111111111111111';
const PS_ADMIN = `${INSTANCE}/ps-admin`;
const PS_OTHER = `${INSTANCE}/ps-other`;
const env = { accountId: ACCOUNT, now: new Date('2026-11-28T00:00:00Z') };

/** Identity Center with AdminAccess (admin) and ReadOnly (not), and users ann, bob, carol. */
function ic(parts: Partial<IdentityCenterRead> = {}): IdentityCenterRead {
  return {
    status: 'read',
    instanceArn: INSTANCE,
    identityStoreId: 'd-1234567890',
    region: 'eu-west-1',
    permissionSets: [
      { arn: PS_ADMIN, name: 'AdminAccess', admin: true, via: ['AdministratorAccess (AWS managed)'], notes: [] },
      { arn: PS_OTHER, name: 'ReadOnly', admin: false, via: [], notes: [] },
    ],
    assignments: [],
    users: { u1: { userName: 'ann', displayName: 'Ann' }, u2: { userName: 'bob' }, u3: { userName: 'carol' } },
    groups: {},
    inUse: true,
    ...parts,
  };
}

const ids = (fs: Finding[], kind?: Finding['kind']) => fs.filter((f) => !kind || f.kind === kind).map((f) => f.id);

describe('judgePermissionSet: the same evaluator as IAM users', () => {
  it('AdministratorAccess, an inline *:*, or policies that together allow everything make an admin permission set', () => {
    expect(
      judgePermissionSet(PS_ADMIN, 'A', [{ label: 'AdministratorAccess (AWS managed)', document: json(allow('*')) }]),
    ).toMatchObject({ admin: true, via: ['AdministratorAccess (AWS managed)'] });
    // URL-encoded, as IAM returns managed policy documents.
    expect(
      judgePermissionSet(PS_ADMIN, 'B', [{ label: 'inline policy', document: encodeURIComponent(json(allow('*'))) }]),
    ).toMatchObject({ admin: true, via: ['inline policy'] });
    const together = judgePermissionSet(PS_ADMIN, 'C', [
      { label: 'p1', document: json({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }) },
      { label: 'p2', document: json(allow('iam:*')) },
    ]);
    expect(together).toMatchObject({ admin: true, via: ['together: p1 + p2'] });
  });

  it('power users, a Deny on a service, and missing or unreadable policies are not full admin', () => {
    expect(
      judgePermissionSet(PS_OTHER, 'Power', [
        { label: 'inline policy', document: json({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }) },
      ]).admin,
    ).toBe(false);
    const denied = judgePermissionSet(PS_OTHER, 'Denied', [
      { label: 'AdministratorAccess (AWS managed)', document: json(allow('*')) },
      { label: 'inline policy', document: json(deny('iam:*')) },
    ]);
    expect(denied).toMatchObject({ admin: false, via: [] });
    expect(denied.notes).toEqual(['its Allows grant every action, but an explicit Deny removes part of it']);
    const missing = judgePermissionSet(PS_OTHER, 'Missing', [
      { label: 'customer managed /Admin', missing: 'no such policy in this account' },
      { label: 'inline policy', document: 'not json' },
    ]);
    expect(missing.admin).toBe(false);
    expect(missing.notes).toEqual([
      'customer managed /Admin: no such policy in this account',
      'inline policy: policy document is neither JSON nor URL-encoded JSON',
    ]);
  });
});

describe('identityCenterAdmins: people, each once', () => {
  it('counts users assigned directly and through groups, once each, only for admin permission sets', () => {
    const state = ic({
      assignments: [
        { permissionSetArn: PS_ADMIN, principalType: 'USER', principalId: 'u1' },
        { permissionSetArn: PS_ADMIN, principalType: 'GROUP', principalId: 'g1' },
      ],
      groups: { g1: { displayName: 'Admins', members: ['u1', 'u2'] } },
    });
    expect(identityCenterAdmins(state)).toEqual([
      {
        userId: 'u1',
        userName: 'ann',
        displayName: 'Ann',
        via: ['group Admins: permission set AdminAccess', 'permission set AdminAccess'],
      },
      { userId: 'u2', userName: 'bob', via: ['group Admins: permission set AdminAccess'] },
    ]);
  });

  it('nobody when Identity Center was not read', () => {
    const notRead: IdentityCenterState = { status: 'not-read', why: 'denied', reason: 'refused' };
    expect(identityCenterAdmins(notRead)).toEqual([]);
    expect(identityCenterAdmins(undefined)).toEqual([]);
  });
});

describe('assessAdmins with Identity Center: the rule applies to people', () => {
  const withIc = (icState: IdentityCenterState, users = [groupAdmin('alice')], consoleUsers: string[] = []) => ({
    ...stateOf({ users }),
    identityCenter: icState,
    consoleUsers,
  });

  it('one IAM admin and one Identity Center admin pass; the details list them apart', () => {
    const a = assessAdmins(
      withIc(ic({ assignments: [{ permissionSetArn: PS_ADMIN, principalType: 'USER', principalId: 'u3' }] })),
      env,
    );
    expect(a.status).toBe('pass');
    expect(a.details.counted).toMatchObject({ admins: 1, identityCenterAdmins: 1, people: 2, total: 2 });
    expect(a.summary).toBe('2 people with full admin (IAM user alice; Identity Center user carol).');
    expect(a.details.identityCenter).toMatchObject({
      status: 'read',
      region: 'eu-west-1',
      admins: [{ userId: 'u3', userName: 'carol', displayName: null, via: ['permission set AdminAccess'] }],
      adminPermissionSets: [{ name: 'AdminAccess', arn: PS_ADMIN, via: ['AdministratorAccess (AWS managed)'] }],
    });
    expect(a.findings.find((f) => f.id === 'admins.identity-center')?.message).toBe(
      'IAM Identity Center (eu-west-1) gives full admin on this account to carol (permission set AdminAccess).',
    );
  });

  it('too few people fails with the Identity Center remediation; too many counts Identity Center admins', () => {
    const few = assessAdmins(withIc(ic()), env);
    expect(ids(few.findings, 'fail')).toEqual(['admins.too-few']);
    const f = few.findings.find((x) => x.id === 'admins.too-few')!;
    expect(f.message).toContain('1 person has full admin on this account (IAM user alice)');
    expect(f.remediation).toContain('Assign Identity Center users or groups an admin permission set');
    const many = assessAdmins(
      withIc(
        ic({
          assignments: [{ permissionSetArn: PS_ADMIN, principalType: 'GROUP', principalId: 'g1' }],
          groups: { g1: { displayName: 'Admins', members: ['u1', 'u2', 'u3'] } },
        }),
      ),
      env,
    );
    expect(ids(many.findings, 'fail')).toEqual(['admins.too-many']);
    expect(many.summary).toBe(
      '4 people can administer the account (1 IAM user, 3 Identity Center users): at most 3 are wanted.',
    );
  });

  it('IAM users with console access beside Identity Center: 1-2 are break-glass (info), more a warning', () => {
    const two = assessAdmins(withIc(ic(), [groupAdmin('alice')], ['alice', 'bg']), env);
    expect(two.findings.find((f) => f.id === 'admins.iam-console-users')).toMatchObject({ kind: 'info' });
    const three = assessAdmins(withIc(ic(), [groupAdmin('alice')], ['alice', 'x', 'y']), env);
    const w = three.findings.find((f) => f.id === 'admins.iam-console-users')!;
    expect(w).toMatchObject({ kind: 'warn', severity: 'medium' });
    expect(w.message).toContain('Keep at most 2 as break-glass users');
    // Identity Center not in use: IAM users are the path, nothing to report.
    const idle = assessAdmins(withIc(ic({ inUse: false }), [groupAdmin('alice')], ['alice', 'x', 'y']), env);
    expect(ids(idle.findings)).not.toContain('admins.iam-console-users');
  });

  it('not read: IAM users only, saying why; the old rule and wording stand', () => {
    const a = assessAdmins(
      withIc({ status: 'not-read', why: 'member', reason: 'a member account: ...' }, [groupAdmin('a')]),
      env,
    );
    expect(a.findings.find((f) => f.id === 'admins.identity-center')).toMatchObject({
      kind: 'info',
      message: 'Admins counted are IAM users only: IAM Identity Center was not read (a member account: ...).',
    });
    expect(a.findings.find((f) => f.id === 'admins.too-few')?.message).toContain(
      'Only 1 IAM user is a full administrator',
    );
    expect(a.details.identityCenter).toEqual({
      status: 'not-read',
      why: 'member',
      reason: 'a member account: ...',
      region: null,
    });
  });

  it('a permission set whose policy cannot be judged is reported, not counted', () => {
    const a = assessAdmins(
      withIc(
        ic({
          permissionSets: [
            {
              arn: PS_OTHER,
              name: 'Custom',
              admin: false,
              via: [],
              notes: ['customer managed /Admin: no such policy'],
            },
          ],
        }),
      ),
      env,
    );
    expect(a.findings.map((f) => f.message)).toContain(
      'Permission set Custom: customer managed /Admin: no such policy.',
    );
  });
});

describe('buildPlan: Identity Center assignments', () => {
  it('one CreateAccountAssignment per principal, to the instance region, with a read-back and stable ids', () => {
    const plan = buildPlan({
      identityCenter: {
        instanceArn: INSTANCE,
        region: 'eu-west-1',
        accountId: ACCOUNT,
        permissionSet: { name: 'AdminAccess', arn: PS_ADMIN },
        principals: [
          { type: 'GROUP', id: 'g1', name: 'Admins' },
          { type: 'USER', id: 'u2', name: 'bob' },
        ],
      },
    });
    expect(plan.map((c) => c.id)).toEqual([
      changeIds.identityCenterAssign('AdminAccess', 'GROUP', 'Admins'),
      'admins/identity-center-assign/AdminAccess/user/bob',
    ]);
    expect(plan[0]).toMatchObject({
      service: 'sso-admin',
      operation: 'CreateAccountAssignment',
      region: 'eu-west-1',
      description: `Assign Identity Center group Admins the permission set AdminAccess on account ${ACCOUNT}`,
      params: {
        InstanceArn: INSTANCE,
        TargetId: ACCOUNT,
        TargetType: 'AWS_ACCOUNT',
        PermissionSetArn: PS_ADMIN,
        PrincipalType: 'GROUP',
        PrincipalId: 'g1',
      },
    });
    expect(typeof plan[0]!.readBack).toBe('function');
    expect(plan[0]!.idempotent).toBeUndefined();
  });

  it('the read-back finds the principal among the assignments, across pages', async () => {
    const plan = buildPlan({
      identityCenter: {
        instanceArn: INSTANCE,
        region: 'eu-west-1',
        accountId: ACCOUNT,
        permissionSet: { name: 'AdminAccess', arn: PS_ADMIN },
        principals: [{ type: 'USER', id: 'u2', name: 'bob' }],
      },
    });
    const seen: Array<[string, unknown]> = [];
    const pages = [
      { AccountAssignments: [{ PrincipalType: 'USER', PrincipalId: 'u1' }], NextToken: 't' },
      { AccountAssignments: [{ PrincipalType: 'USER', PrincipalId: 'u2' }] },
    ];
    const read = async (_s: string, _o: string, p: Record<string, unknown>, region?: string) => {
      seen.push([String(p.NextToken ?? ''), region]);
      return pages[seen.length - 1];
    };
    const ctx = { region: 'eu-west-1', since: new Date() };
    expect(await plan[0]!.readBack!(read, plan[0]!.params, ctx)).toBe('in-place');
    expect(seen).toEqual([
      ['', 'eu-west-1'],
      ['t', 'eu-west-1'],
    ]);
    const none = async () => ({ AccountAssignments: [{ PrincipalType: 'GROUP', PrincipalId: 'u2' }] });
    expect(await plan[0]!.readBack!(none, plan[0]!.params, ctx)).toBe('absent');
  });
});

describe('readIdentityCenter: paging, refusals, account types', () => {
  const ADMIN_DOC = JSON.stringify({ Version: '2012-10-17', Statement: [allow('*')] });

  /** A context whose pool answers from `answer` and records every call. */
  function ctxWith(answer: (op: string, p: Record<string, unknown>) => unknown, type?: string) {
    const calls: string[] = [];
    let memory: object | undefined;
    const ctx = {
      pool: {
        async call(service: string, op: string, p: Record<string, unknown> = {}, region?: string) {
          calls.push(`${service}:${op}${p.NextToken ? `#${String(p.NextToken)}` : ''}@${region ?? ''}`);
          return answer(op, p);
        },
      },
      options: { region: 'eu-west-1', yes: false, adminGroup: 'Administrators' },
      account: { id: ACCOUNT, ...(type ? { type } : {}) },
      output: { warn: () => {} },
      clock: { now: () => new Date(), sleep: async () => {} },
      memory: <T extends object>(init: () => T): T => (memory ??= init()) as T,
    } as unknown as StepContext;
    return { ctx, calls };
  }

  it('reads every page, in the session region, and counts the people of admin permission sets', async () => {
    const { ctx, calls } = ctxWith((op, p) => {
      switch (op) {
        case 'ListInstances':
          return { Instances: [{ InstanceArn: INSTANCE, IdentityStoreId: 'd-1', OwnerAccountId: ACCOUNT }] };
        case 'ListPermissionSets':
          return p.NextToken ? { PermissionSets: [PS_OTHER] } : { PermissionSets: [PS_ADMIN], NextToken: 'n' };
        case 'DescribePermissionSet':
          return { PermissionSet: { Name: p.PermissionSetArn === PS_ADMIN ? 'AdminAccess' : 'ReadOnly' } };
        case 'ListManagedPoliciesInPermissionSet':
          return p.PermissionSetArn === PS_ADMIN
            ? {
                AttachedManagedPolicies: [
                  { Arn: 'arn:aws:iam::aws:policy/AdministratorAccess', Name: 'AdministratorAccess' },
                ],
              }
            : {};
        case 'ListCustomerManagedPolicyReferencesInPermissionSet':
          return {};
        case 'GetInlinePolicyForPermissionSet':
          return { InlinePolicy: '' };
        case 'ListAccountAssignments':
          return { AccountAssignments: [{ PrincipalType: 'GROUP', PrincipalId: 'g1' }] };
        case 'DescribeGroup':
          return { DisplayName: 'Admins' };
        case 'ListGroupMemberships':
          return p.NextToken
            ? { GroupMemberships: [{ MemberId: { UserId: 'u2' } }] }
            : { GroupMemberships: [{ MemberId: { UserId: 'u1' } }], NextToken: 'm' };
        case 'DescribeUser':
          return { UserName: p.UserId === 'u1' ? 'ann' : 'bob' };
        default:
          throw new Error(`unexpected ${op}`);
      }
    });
    const known = [
      {
        Arn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        DefaultVersionId: 'v1',
        PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: ADMIN_DOC }],
      },
    ];
    const state = await readIdentityCenter(ctx, known);
    expect(state.status).toBe('read');
    expect(identityCenterAdmins(state).map((a) => a.userName)).toEqual(['ann', 'bob']);
    expect(calls).toContain('sso-admin:ListPermissionSets#n@eu-west-1');
    expect(calls).toContain('identitystore:ListGroupMemberships#m@eu-west-1');
    // The AWS managed policy came from the authorization details: no IAM read.
    expect(calls.filter((c) => c.startsWith('iam:'))).toEqual([]);
    // Assignments are listed only for the admin permission set.
    expect(calls.filter((c) => c.startsWith('sso-admin:ListAccountAssignments'))).toHaveLength(1);
  });

  it('a refusal is "not read", with the action; never an error', async () => {
    const denied = Object.assign(new Error('User is not authorized'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
      $rootlockCall: { service: 'sso-admin', operation: 'ListInstances' },
    });
    const { ctx } = ctxWith(() => {
      throw denied;
    });
    const state = await readIdentityCenter(ctx, []);
    expect(state).toMatchObject({ status: 'not-read', why: 'denied', region: 'eu-west-1' });
    expect(state.status === 'not-read' && state.reason).toContain('refused (sso:ListInstances)');
  });

  it('standalone and member accounts are not read at all; no instance is said so', async () => {
    for (const type of ['standalone', 'member'] as const) {
      const { ctx, calls } = ctxWith(() => ({}), type);
      expect(await readIdentityCenter(ctx, [])).toMatchObject({ status: 'not-read', why: type });
      expect(calls).toEqual([]);
    }
    const { ctx } = ctxWith(() => ({ Instances: [] }), 'management');
    const none = await readIdentityCenter(ctx, []);
    expect(none).toMatchObject({ status: 'not-read', why: 'no-instance' });
    expect(none.status === 'not-read' && none.reason).toContain('--region');
  });
});
