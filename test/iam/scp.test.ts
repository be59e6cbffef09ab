/**
 * The SCP preflight's evaluator (src/iam/scp.ts): SCP evaluation over the levels of an account's
 * path for an AssumeRoot session, on the SCPs organizations actually write.
 */
import { describe, expect, it } from 'vitest';
import {
  assumeRootContext,
  describePreflight,
  evaluateScps,
  rootSessionActions,
  type ScpDocument,
  type ScpLevel,
  type ScpRequestContext,
} from '../../src/iam/scp.js';

const A = '111122223333';
const ROOT = { type: 'ROOT', id: 'r-ab12', name: 'Root' } as const;
const OU = { type: 'ORGANIZATIONAL_UNIT', id: 'ou-ab12-cd34ef56', name: 'Workloads' } as const;
const ACCOUNT = { type: 'ACCOUNT', id: A } as const;
const CTX = assumeRootContext(A);
const DELETE_KEYS = ['iam:ListAccessKeys', 'iam:DeleteAccessKey'];

const doc = (...statements: unknown[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const FULL: ScpDocument = {
  id: 'p-FullAWSAccess',
  name: 'FullAWSAccess',
  document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }),
};
const policy = (id: string, ...statements: unknown[]): ScpDocument => ({ id, name: id, document: doc(...statements) });

/** Root, one OU, the account: FullAWSAccess at each level, plus `extra` where named. */
function path(extra: { root?: ScpDocument[]; ou?: ScpDocument[]; account?: ScpDocument[] } = {}): ScpLevel[] {
  return [
    { target: ROOT, policies: [FULL, ...(extra.root ?? [])] },
    { target: OU, policies: [FULL, ...(extra.ou ?? [])] },
    { target: ACCOUNT, policies: [FULL, ...(extra.account ?? [])] },
  ];
}

const DENY_ROOT = {
  Sid: 'DenyRootUser',
  Effect: 'Deny',
  Action: '*',
  Resource: '*',
  Condition: { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } },
};

describe('the AssumeRoot request context', () => {
  it('is the member root user, in an AssumeRoot session, in its account, in us-east-1 (IAM)', () => {
    expect(CTX.values).toEqual({
      'aws:PrincipalArn': `arn:aws:iam::${A}:root`,
      'aws:AssumedRoot': 'true',
      'aws:PrincipalAccount': A,
      'aws:RequestedRegion': 'us-east-1',
    });
    expect(CTX.unknown).toContain('aws:PrincipalOrgID');
    const cn = assumeRootContext(A, 'aws-cn');
    expect(cn.values['aws:PrincipalArn']).toBe(`arn:aws-cn:iam::${A}:root`);
    expect(cn.values['aws:RequestedRegion']).toBeUndefined();
    expect(cn.unknown).toContain('aws:RequestedRegion');
  });

  it('lists the session actions for the credential kinds deleted, with the audit reads', () => {
    expect(
      rootSessionActions({ accessKeys: true, signingCertificates: false, password: false, mfaDevices: false }),
    ).toEqual([
      'iam:ListAccessKeys',
      'iam:DeleteAccessKey',
      'iam:ListSigningCertificates',
      'iam:GetLoginProfile',
      'iam:ListMFADevices',
    ]);
    expect(
      rootSessionActions({ accessKeys: false, signingCertificates: true, password: true, mfaDevices: true }),
    ).toEqual(
      expect.arrayContaining(['iam:DeleteSigningCertificate', 'iam:DeleteLoginProfile', 'iam:DeactivateMFADevice']),
    );
    expect(
      rootSessionActions({ accessKeys: false, signingCertificates: false, password: false, mfaDevices: false }),
    ).toEqual([]);
  });
});

describe('SCP evaluation for an AssumeRoot session', () => {
  it('allows everything under FullAWSAccess alone, and when no SCP applies (no levels)', () => {
    const r = evaluateScps(path(), DELETE_KEYS, CTX);
    expect(r).toEqual({
      allowed: true,
      blocks: [],
      verdicts: DELETE_KEYS.map((action) => ({ action, allowed: true })),
    });
    expect(evaluateScps([], DELETE_KEYS, CTX).allowed).toBe(true);
    expect(describePreflight(A, r)).toBeUndefined();
  });

  it('"deny root user actions" without an AssumeRoot exception blocks, naming policy, level and statement', () => {
    const r = evaluateScps(path({ ou: [policy('p-denyroot', DENY_ROOT)] }), DELETE_KEYS, CTX);
    expect(r.allowed).toBe(false);
    expect(r.blocks).toHaveLength(2);
    expect(r.blocks[0]).toEqual({
      action: 'iam:ListAccessKeys',
      reason: 'explicit-deny',
      level: OU,
      policyId: 'p-denyroot',
      policyName: 'p-denyroot',
      statementSid: 'DenyRootUser',
      statementIndex: 0,
      message:
        'SCP "p-denyroot" (p-denyroot) attached to OU Workloads (ou-ab12-cd34ef56) denies iam:ListAccessKeys to the ' +
        'AssumeRoot session: its statement "DenyRootUser" (Statement[0]) applies.',
    });
    expect(describePreflight(A, r)).toBe(
      `Account ${A} is left out: its service control policies would refuse the root session. ` +
        `${r.blocks[0]?.message} (1 more action refused.)`,
    );
  });

  it('the same SCP with a BoolIfExists aws:AssumedRoot false exception lets the session through', () => {
    const withException = {
      ...DENY_ROOT,
      Condition: { ...DENY_ROOT.Condition, BoolIfExists: { 'aws:AssumedRoot': 'false' } },
    };
    const levels = path({ ou: [policy('p-denyroot', withException)] });
    expect(evaluateScps(levels, DELETE_KEYS, CTX).allowed).toBe(true);
    // The exception is evaluated, not ignored: the member root user signing with its own keys is denied.
    const rootUser: ScpRequestContext = {
      values: { 'aws:PrincipalArn': `arn:aws:iam::${A}:root`, 'aws:PrincipalAccount': A },
      unknown: [],
    };
    expect(evaluateScps(levels, DELETE_KEYS, rootUser).blocks[0]?.reason).toBe('explicit-deny');
  });

  it("AWS's example (ArnLike aws:PrincipalArn root, Null aws:AssumedRoot true) exempts AssumeRoot sessions only", () => {
    const sample = {
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { ArnLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:root'] }, Null: { 'aws:AssumedRoot': 'true' } },
    };
    const levels = path({ account: [policy('p-sample', sample)] });
    expect(evaluateScps(levels, DELETE_KEYS, CTX).allowed).toBe(true);
    const rootUser: ScpRequestContext = { values: { 'aws:PrincipalArn': `arn:aws:iam::${A}:root` }, unknown: [] };
    const denied = evaluateScps(levels, DELETE_KEYS, rootUser);
    expect(denied.blocks.map((b) => [b.reason, b.level.type, b.statementIndex, b.statementSid])).toEqual([
      ['explicit-deny', 'ACCOUNT', 0, undefined],
      ['explicit-deny', 'ACCOUNT', 0, undefined],
    ]);
    expect(denied.blocks[0]?.message).toContain(`attached to the account ${A} denies iam:ListAccessKeys`);
    expect(denied.blocks[0]?.message).toContain('its Statement[0] applies');
  });

  it('a Deny on iam:Delete* blocks the deletions and not the reads', () => {
    const r = evaluateScps(
      path({
        root: [policy('p-nodelete', { Sid: 'NoIamDeletes', Effect: 'Deny', Action: 'iam:Delete*', Resource: '*' })],
      }),
      [...DELETE_KEYS, 'iam:DeleteLoginProfile', 'iam:DeactivateMFADevice'],
      CTX,
    );
    expect(r.verdicts.map((v) => [v.action, v.allowed])).toEqual([
      ['iam:ListAccessKeys', true],
      ['iam:DeleteAccessKey', false],
      ['iam:DeleteLoginProfile', false],
      ['iam:DeactivateMFADevice', true],
    ]);
    expect(r.blocks[0]).toMatchObject({ level: ROOT, policyId: 'p-nodelete', statementSid: 'NoIamDeletes' });
    expect(r.blocks[0]?.message).toContain('attached to the root (r-ab12)');
  });

  it('an allow-list SCP at an OU that omits iam blocks with no-allow-at-level, naming the OU and its policies', () => {
    const allowList = policy('p-allowlist', { Effect: 'Allow', Action: ['ec2:*', 's3:*', 'sts:*'], Resource: '*' });
    const levels: ScpLevel[] = [
      { target: ROOT, policies: [FULL] },
      { target: OU, policies: [allowList] },
      { target: ACCOUNT, policies: [FULL] },
    ];
    const r = evaluateScps(levels, ['iam:DeleteAccessKey', 'sts:GetSessionToken'], CTX);
    expect(r.verdicts.map((v) => v.allowed)).toEqual([false, true]);
    expect(r.blocks[0]).toEqual({
      action: 'iam:DeleteAccessKey',
      reason: 'no-allow-at-level',
      level: OU,
      policiesAtLevel: [{ id: 'p-allowlist', name: 'p-allowlist' }],
      message:
        'No SCP attached to OU Workloads (ou-ab12-cd34ef56) allows iam:DeleteAccessKey (attached: ' +
        'SCP "p-allowlist" (p-allowlist)), so SCPs deny it there.',
    });
    // The same allow-list with iam:* in it lets the session through.
    const withIam = policy('p-allowlist', { Effect: 'Allow', Action: ['ec2:*', 'iam:*'], Resource: '*' });
    expect(evaluateScps([levels[0]!, { target: OU, policies: [withIam] }, levels[2]!], DELETE_KEYS, CTX).allowed).toBe(
      true,
    );
  });

  it('a level with no SCP attached allows nothing', () => {
    const r = evaluateScps(
      [
        { target: ROOT, policies: [FULL] },
        { target: ACCOUNT, policies: [] },
      ],
      DELETE_KEYS,
      CTX,
    );
    expect(r.blocks[0]).toMatchObject({ reason: 'no-allow-at-level', level: ACCOUNT, policiesAtLevel: [] });
  });

  it('reports an explicit Deny before a level without an Allow, and the first Deny from the root down', () => {
    const onlyEc2 = policy('p-ec2', { Effect: 'Allow', Action: 'ec2:*', Resource: '*' });
    const levels: ScpLevel[] = [
      { target: ROOT, policies: [FULL] },
      { target: OU, policies: [onlyEc2] },
      { target: ACCOUNT, policies: [FULL, policy('p-account-deny', DENY_ROOT)] },
    ];
    expect(evaluateScps(levels, ['iam:DeleteAccessKey'], CTX).blocks[0]).toMatchObject({
      reason: 'explicit-deny',
      policyId: 'p-account-deny',
    });
    const two = path({ root: [policy('p-root-deny', DENY_ROOT)], account: [policy('p-account-deny', DENY_ROOT)] });
    expect(evaluateScps(two, ['iam:DeleteAccessKey'], CTX).blocks[0]).toMatchObject({ policyId: 'p-root-deny' });
  });

  it('never blocks sts:GetCallerIdentity', () => {
    const r = evaluateScps(
      path({ root: [policy('p-all', { Effect: 'Deny', Action: '*', Resource: '*' })] }),
      ['sts:GetCallerIdentity', 'iam:ListAccessKeys'],
      CTX,
    );
    expect(r.verdicts.map((v) => v.allowed)).toEqual([true, false]);
  });

  it('matches actions without regard to case, and statements with several actions', () => {
    const r = evaluateScps(
      path({ ou: [policy('p', { Effect: 'Deny', Action: ['s3:*', 'IAM:deleteaccess*'], Resource: '*' })] }),
      DELETE_KEYS,
      CTX,
    );
    expect(r.verdicts.map((v) => v.allowed)).toEqual([true, false]);
  });
});

describe('NotAction, Resource and NotResource', () => {
  it('a Deny with NotAction applies to every action but those listed', () => {
    const exceptIam = policy('p', { Effect: 'Deny', NotAction: ['iam:*', 'sts:*'], Resource: '*' });
    expect(evaluateScps(path({ root: [exceptIam] }), DELETE_KEYS, CTX).allowed).toBe(true);
    const exceptReads = policy('p', { Effect: 'Deny', NotAction: 'iam:List*', Resource: '*' });
    expect(evaluateScps(path({ root: [exceptReads] }), DELETE_KEYS, CTX).verdicts.map((v) => v.allowed)).toEqual([
      true,
      false,
    ]);
  });

  it('an Allow with NotAction allows every action but those listed', () => {
    const levels: ScpLevel[] = [
      { target: ROOT, policies: [FULL] },
      { target: ACCOUNT, policies: [policy('p', { Effect: 'Allow', NotAction: 'iam:Delete*', Resource: '*' })] },
    ];
    expect(evaluateScps(levels, DELETE_KEYS, CTX).verdicts.map((v) => v.allowed)).toEqual([true, false]);
  });

  it('a Deny applies only when its Resource names the root user', () => {
    const roles = policy('p', { Effect: 'Deny', Action: 'iam:*', Resource: 'arn:aws:iam::*:role/*' });
    expect(evaluateScps(path({ ou: [roles] }), DELETE_KEYS, CTX).allowed).toBe(true);
    const root = policy('p', {
      Effect: 'Deny',
      Action: 'iam:*',
      Resource: ['arn:aws:iam::*:role/*', 'arn:aws:iam::*:root'],
    });
    expect(evaluateScps(path({ ou: [root] }), DELETE_KEYS, CTX).allowed).toBe(false);
    const exact = policy('p', { Effect: 'Deny', Action: 'iam:*', Resource: `arn:aws:iam::${A}:root` });
    expect(evaluateScps(path({ ou: [exact] }), DELETE_KEYS, CTX).allowed).toBe(false);
    const other = policy('p', { Effect: 'Deny', Action: 'iam:*', Resource: 'arn:aws:iam::999999999999:root' });
    expect(evaluateScps(path({ ou: [other] }), DELETE_KEYS, CTX).allowed).toBe(true);
  });

  it('a Deny with NotResource applies unless the root user is excluded', () => {
    const exceptRoot = policy('p', { Effect: 'Deny', Action: 'iam:*', NotResource: 'arn:aws:iam::*:root' });
    expect(evaluateScps(path({ ou: [exceptRoot] }), DELETE_KEYS, CTX).allowed).toBe(true);
    const exceptRoles = policy('p', { Effect: 'Deny', Action: 'iam:*', NotResource: 'arn:aws:iam::*:role/*' });
    expect(evaluateScps(path({ ou: [exceptRoles] }), DELETE_KEYS, CTX).allowed).toBe(false);
  });

  it('an Allow counts only when its Resource surely covers the resource', () => {
    const rolesOnly = policy('p-roles', { Effect: 'Allow', Action: '*', Resource: 'arn:aws:iam::*:role/*' });
    const levels: ScpLevel[] = [
      { target: ROOT, policies: [FULL] },
      { target: OU, policies: [rolesOnly] },
    ];
    expect(evaluateScps(levels, DELETE_KEYS, CTX).blocks[0]).toMatchObject({ reason: 'no-allow-at-level', level: OU });
    const rootOnly = policy('p-root', { Effect: 'Allow', Action: 'iam:*', Resource: 'arn:aws:iam::*:root' });
    expect(evaluateScps([levels[0]!, { target: OU, policies: [rootOnly] }], DELETE_KEYS, CTX).allowed).toBe(true);
  });

  it('a request on a resource pattern: a Deny that may meet it blocks, an Allow must cover it', () => {
    const mfa = { action: 'iam:DeleteVirtualMFADevice', resource: `arn:aws:iam::${A}:mfa/*` };
    const denyUsers = policy('p', { Effect: 'Deny', Action: 'iam:*', Resource: `arn:aws:iam::${A}:user/admin` });
    expect(evaluateScps(path({ ou: [denyUsers] }), [mfa], CTX).allowed).toBe(true);
    const denySome = policy('p', { Effect: 'Deny', Action: 'iam:*', Resource: 'arn:aws:iam::*:mfa/root-*' });
    expect(evaluateScps(path({ ou: [denySome] }), [mfa], CTX).allowed).toBe(false);
    const allowSome = policy('p', { Effect: 'Allow', Action: 'iam:*', Resource: 'arn:aws:iam::*:mfa/root-*' });
    expect(evaluateScps([{ target: ROOT, policies: [allowSome] }], [mfa], CTX).allowed).toBe(false);
  });

  it('an action without a resource (requested on *) is named only by Resource "*"', () => {
    const summary = { action: 'iam:GetAccountSummary', resource: '*' };
    const denyRoot = policy('p', { Effect: 'Deny', Action: 'iam:*', Resource: 'arn:aws:iam::*:root' });
    expect(evaluateScps(path({ ou: [denyRoot] }), [summary], CTX).allowed).toBe(true);
    const denyAll = policy('p', { Effect: 'Deny', Action: 'iam:*', Resource: '*' });
    expect(evaluateScps(path({ ou: [denyAll] }), [summary], CTX).allowed).toBe(false);
  });
});

describe('conditions', () => {
  const deny = (Condition: Record<string, unknown>, Sid = 'Conditional') =>
    policy('p-cond', { Sid, Effect: 'Deny', Action: 'iam:*', Resource: '*', Condition });
  const verdict = (Condition: Record<string, unknown>, ctx = CTX) =>
    evaluateScps(path({ ou: [deny(Condition)] }), ['iam:DeleteAccessKey'], ctx).blocks[0];

  it('StringEquals / StringNotEquals on aws:PrincipalAccount', () => {
    expect(verdict({ StringEquals: { 'aws:PrincipalAccount': [A, '444455556666'] } })?.reason).toBe('explicit-deny');
    expect(verdict({ StringEquals: { 'aws:PrincipalAccount': '444455556666' } })).toBeUndefined();
    expect(verdict({ StringNotEquals: { 'aws:PrincipalAccount': A } })).toBeUndefined();
    expect(verdict({ StringNotEquals: { 'aws:PrincipalAccount': '444455556666' } })?.reason).toBe('explicit-deny');
  });

  it('StringLike is case-sensitive on values, condition key names are not', () => {
    expect(verdict({ StringLike: { 'AWS:PRINCIPALARN': 'arn:aws:iam::*:root' } })?.reason).toBe('explicit-deny');
    expect(verdict({ StringLike: { 'aws:PrincipalArn': 'ARN:AWS:IAM::*:ROOT' } })).toBeUndefined();
    expect(verdict({ StringEqualsIgnoreCase: { 'aws:PrincipalArn': `ARN:AWS:IAM::${A}:ROOT` } })?.reason).toBe(
      'explicit-deny',
    );
    expect(verdict({ StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } })?.reason).toBe('explicit-deny');
    expect(verdict({ StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } })).toBeUndefined();
  });

  it('ArnLike / ArnEquals match part by part; ArnNotLike exempting a role still denies the root session', () => {
    expect(verdict({ ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${A}:*` } })?.reason).toBe('explicit-deny');
    expect(verdict({ ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${A}:root` } })?.reason).toBe('explicit-deny');
    expect(verdict({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } })).toBeUndefined();
    // Fewer than six parts never matches.
    expect(verdict({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam' } })).toBeUndefined();
    expect(verdict({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Admin' } })?.reason).toBe('explicit-deny');
    expect(verdict({ ArnNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${A}:root` } })).toBeUndefined();
  });

  it('Bool and Null on aws:AssumedRoot', () => {
    expect(verdict({ Bool: { 'aws:AssumedRoot': 'true' } })?.reason).toBe('explicit-deny');
    expect(verdict({ Bool: { 'aws:AssumedRoot': 'false' } })).toBeUndefined();
    expect(verdict({ Bool: { 'aws:AssumedRoot': true } })?.reason).toBe('explicit-deny');
    expect(verdict({ Null: { 'aws:AssumedRoot': 'false' } })?.reason).toBe('explicit-deny');
    expect(verdict({ Null: { 'aws:AssumedRoot': 'true' } })).toBeUndefined();
  });

  it('a key absent from the request: IfExists and negated operators match, Null true matches, others do not', () => {
    const key = 'aws:PrincipalTag/team';
    expect(verdict({ StringEquals: { [key]: 'blue' } })).toBeUndefined();
    expect(verdict({ StringLike: { [key]: '*' } })).toBeUndefined();
    expect(verdict({ Bool: { 'aws:SomeFlag': 'true' } })).toBeUndefined();
    expect(verdict({ StringEqualsIfExists: { [key]: 'blue' } })?.reason).toBe('explicit-deny');
    expect(verdict({ BoolIfExists: { 'aws:SomeFlag': 'false' } })?.reason).toBe('explicit-deny');
    expect(verdict({ ArnLikeIfExists: { 'aws:SourceArn': 'arn:aws:s3:::x' } })?.reason).toBe('explicit-deny');
    expect(verdict({ StringNotEquals: { [key]: 'blue' } })?.reason).toBe('explicit-deny');
    expect(verdict({ ArnNotLike: { 'aws:SourceArn': 'arn:aws:s3:::x' } })?.reason).toBe('explicit-deny');
    expect(verdict({ Null: { [key]: 'true' } })?.reason).toBe('explicit-deny');
    expect(verdict({ Null: { [key]: 'false' } })).toBeUndefined();
  });

  it('IfExists on a present key compares as the plain operator', () => {
    expect(verdict({ BoolIfExists: { 'aws:AssumedRoot': 'false' } })).toBeUndefined();
    expect(verdict({ BoolIfExists: { 'aws:AssumedRoot': 'true' } })?.reason).toBe('explicit-deny');
    expect(verdict({ StringNotEqualsIfExists: { 'aws:PrincipalAccount': A } })).toBeUndefined();
  });

  it('conditions are ANDed across operators and keys, values ORed', () => {
    const both = {
      StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' },
      StringEquals: { 'aws:PrincipalAccount': A },
    };
    expect(verdict(both)?.reason).toBe('explicit-deny');
    expect(verdict({ ...both, StringEquals: { 'aws:PrincipalAccount': '444455556666' } })).toBeUndefined();
    expect(
      verdict({ StringEquals: { 'aws:PrincipalAccount': A, 'aws:RequestedRegion': 'eu-west-1' } }),
    ).toBeUndefined();
  });

  it('a region-restricting SCP: IAM requests are in us-east-1', () => {
    expect(verdict({ StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } })).toBeUndefined();
    expect(verdict({ StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1'] } })?.reason).toBe('explicit-deny');
  });

  it('an operator it does not know blocks as unsupported-condition, naming the operator, policy and statement', () => {
    const b = verdict({ DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } });
    expect(b).toMatchObject({
      reason: 'unsupported-condition',
      policyId: 'p-cond',
      statementSid: 'Conditional',
      statementIndex: 0,
      level: OU,
      unsupported: 'condition operator DateGreaterThan',
    });
    expect(b?.message).toBe(
      'SCP "p-cond" (p-cond) attached to OU Workloads (ou-ab12-cd34ef56) may deny iam:DeleteAccessKey: its ' +
        'statement "Conditional" (Statement[0]) uses condition operator DateGreaterThan, which the preflight ' +
        'cannot evaluate.',
    );
    expect(verdict({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-x/*' } })?.unsupported).toContain(
      'ForAnyValue:StringLike',
    );
    expect(verdict({ NullIfExists: { 'aws:AssumedRoot': 'true' } })?.unsupported).toBe(
      'condition operator NullIfExists',
    );
  });

  it('a condition on a key the request carries with an unknown value blocks as unsupported-condition', () => {
    expect(verdict({ StringNotEquals: { 'aws:PrincipalOrgID': 'o-abc' } })).toMatchObject({
      reason: 'unsupported-condition',
      unsupported: 'StringNotEquals aws:PrincipalOrgID (the value of aws:PrincipalOrgID is not known)',
    });
    expect(verdict({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } })?.reason).toBe('unsupported-condition');
    expect(verdict({ Null: { 'aws:SourceIp': 'true' } })?.reason).toBe('unsupported-condition');
  });

  it('a policy variable blocks as unsupported-condition', () => {
    expect(verdict({ StringNotEquals: { 'aws:PrincipalAccount': `\${aws:ResourceAccount}` } })).toMatchObject({
      reason: 'unsupported-condition',
      unsupported: expect.stringContaining('policy variable'),
    });
  });

  it('an unknown operator does not block when another condition surely fails', () => {
    expect(
      verdict({
        DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' },
        ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' },
      }),
    ).toBeUndefined();
  });

  it('a certain Deny elsewhere is reported before an undecided one', () => {
    const levels = path({
      root: [deny({ DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } }, 'Undecided')],
      account: [policy('p-certain', DENY_ROOT)],
    });
    expect(evaluateScps(levels, ['iam:DeleteAccessKey'], CTX).blocks[0]).toMatchObject({
      reason: 'explicit-deny',
      policyId: 'p-certain',
    });
  });

  it('an Allow whose condition cannot be decided leaves its level undecided; a sure Allow beside it settles it', () => {
    const timed = policy('p-timed', {
      Sid: 'TimedAllow',
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
    });
    const levels: ScpLevel[] = [
      { target: ROOT, policies: [FULL] },
      { target: OU, policies: [timed] },
    ];
    expect(evaluateScps(levels, ['iam:DeleteAccessKey'], CTX).blocks[0]).toMatchObject({
      reason: 'unsupported-condition',
      level: OU,
      policyId: 'p-timed',
      statementSid: 'TimedAllow',
    });
    expect(
      evaluateScps([levels[0]!, { target: OU, policies: [timed, FULL] }], ['iam:DeleteAccessKey'], CTX).allowed,
    ).toBe(true);
    // A level where nothing allows is certain, so it wins over the undecided one.
    const none = policy('p-ec2', { Effect: 'Allow', Action: 'ec2:*', Resource: '*' });
    expect(
      evaluateScps(
        [
          { target: ROOT, policies: [timed] },
          { target: OU, policies: [none] },
        ],
        ['iam:DeleteAccessKey'],
        CTX,
      ).blocks[0],
    ).toMatchObject({ reason: 'no-allow-at-level', level: OU });
  });

  it('a conditional Allow that holds counts', () => {
    const forRoot = policy('p', {
      Effect: 'Allow',
      Action: 'iam:*',
      Resource: '*',
      Condition: { Bool: { 'aws:AssumedRoot': 'true' } },
    });
    expect(evaluateScps([{ target: ROOT, policies: [forRoot] }], DELETE_KEYS, CTX).allowed).toBe(true);
    const notForRoot = policy('p', {
      ...JSON.parse(forRoot.document).Statement[0],
      Condition: { Bool: { 'aws:AssumedRoot': 'false' } },
    });
    expect(evaluateScps([{ target: ROOT, policies: [notForRoot] }], DELETE_KEYS, CTX).blocks[0]?.reason).toBe(
      'no-allow-at-level',
    );
  });
});

describe('documents the evaluator cannot read', () => {
  it('an unparseable document blocks as unreadable-policy, naming it', () => {
    const broken: ScpDocument = { id: 'p-broken', name: 'broken', document: '{"Statement": [{"Effect": "Maybe"}]}' };
    const r = evaluateScps(path({ ou: [broken] }), ['iam:DeleteAccessKey'], CTX);
    expect(r.blocks[0]).toMatchObject({ reason: 'unreadable-policy', policyId: 'p-broken', level: OU });
    expect(r.blocks[0]?.message).toContain('SCP "broken" (p-broken) attached to OU Workloads');
  });

  it('a Principal element (not valid in an SCP) blocks as unsupported-condition', () => {
    const withPrincipal = policy('p', { Effect: 'Deny', Principal: '*', Action: 'iam:*', Resource: '*' });
    expect(evaluateScps(path({ ou: [withPrincipal] }), ['iam:DeleteAccessKey'], CTX).blocks[0]?.unsupported).toContain(
      'Principal',
    );
  });

  it('reads URL-encoded documents as IAM returns them', () => {
    const encoded: ScpDocument = { id: 'p-enc', name: 'enc', document: encodeURIComponent(doc(DENY_ROOT)) };
    expect(evaluateScps(path({ ou: [encoded] }), ['iam:DeleteAccessKey'], CTX).blocks[0]?.policyId).toBe('p-enc');
  });
});
