import { describe, expect, it } from 'vitest';
import {
  compilePolicy,
  ESCALATION_ACTIONS,
  evaluatePolicies,
  grantsFullAccess,
  type PolicyEvaluation,
} from '../../src/iam/evaluate.js';
import { actionMatches } from '../../src/iam/patterns.js';

type Stmt = Record<string, unknown>;
const doc = (...Statement: Stmt[]) => ({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Stmt = {}): Stmt => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});
const allowNot = (NotAction: string | string[], Resource: string | string[] = '*', extra: Stmt = {}): Stmt => ({
  Effect: 'Allow',
  NotAction,
  Resource,
  ...extra,
});
const deny = (Action: string | string[], Resource: string | string[] = '*', extra: Stmt = {}): Stmt => ({
  Effect: 'Deny',
  Action,
  Resource,
  ...extra,
});
const ADMIN = doc(allow('*'));
const mfa = { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } };

/** Given identity policy documents (and a boundary), when evaluated, then this. */
function evaluate(identity: object[], boundary?: object): PolicyEvaluation {
  return evaluatePolicies(
    identity.map((d) => compilePolicy(d as Record<string, unknown>)),
    boundary ? compilePolicy(boundary as Record<string, unknown>) : null,
  );
}

const IAM_ESCALATIONS = ESCALATION_ACTIONS.filter((a) => a !== 'iam:*');
const COMBOS = ['iam:PassRole+ec2:RunInstances', 'iam:PassRole+lambda:CreateFunction'];
const EVERY_ESCALATION = [...ESCALATION_ACTIONS, ...COMBOS];

describe('evaluatePolicies: full admin', () => {
  it.each([
    ['Action * on Resource *', [ADMIN], true],
    ['Action *:* on Resource *', [doc(allow('*:*'))], true],
    ['Action ["*"] among other resources, one of them *', [doc(allow(['*'], ['arn:aws:s3:::b', '*']))], true],
    ['Statement given as a single object', [{ Version: '2012-10-17', Statement: allow('*') }], true],
    ['Action * on a narrow Resource', [doc(allow('*', 'arn:aws:s3:::bucket/*'))], false],
    [
      'Action * on a service-wide Resource (not every resource)',
      [doc(allow('*', 'arn:aws:iam::123456789012:*'))],
      false,
    ],
    ['Action * on NotResource', [doc({ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:s3:::x' })], false],
    ['iam:* only', [doc(allow('iam:*'))], false],
    ['NotAction iam:*', [doc(allowNot('iam:*'))], false],
    ['NotAction of a service that does not exist', [doc(allowNot('nosuchservice:*'))], false],
    ['NotAction *', [doc(allowNot('*'))], false],
    ['NotAction iam:* plus Action iam:* in another policy', [doc(allowNot('iam:*')), doc(allow('iam:*'))], true],
    ['NotAction iam:* plus Action IAM:* (case)', [doc(allowNot('iam:*')), doc(allow('IAM:*'))], true],
    ['NotAction iam:* plus only iam:Get*', [doc(allowNot('iam:*')), doc(allow('iam:Get*'))], false],
    [
      'NotAction [iam:*, s3:*] plus iam:* and two slices of s3',
      [doc(allowNot(['iam:*', 's3:*'])), doc(allow(['iam:*', 's3:Get*', 's3:Put*']))],
      false,
    ],
    [
      'NotAction [iam:*, s3:*] plus iam:* and s3:*',
      [doc(allowNot(['iam:*', 's3:*'])), doc(allow(['iam:*', 's3:*']))],
      true,
    ],
    ['NotAction iam:* and NotAction s3:* (disjoint)', [doc(allowNot('iam:*')), doc(allowNot('s3:*'))], true],
    [
      'NotAction iam:* and NotAction iam:Get* (overlap left out)',
      [doc(allowNot('iam:*')), doc(allowNot('iam:Get*'))],
      false,
    ],
    [
      'NotAction iam:* plus iam:* only on a narrow resource',
      [doc(allowNot('iam:*')), doc(allow('iam:*', 'arn:aws:iam::1:user/x'))],
      false,
    ],
    ['no statements', [{ Version: '2012-10-17', Statement: [] }], false],
    ['no policies', [], false],
  ])('%s -> %s', (_name, identity, expected) => {
    expect(evaluate(identity).fullAdmin).toBe(expected);
  });

  describe('conditions', () => {
    it('an MFA-gated admin is an admin, and the assumption is reported', () => {
      const ev = evaluate([doc(allow('*', '*', mfa))]);
      expect(ev.fullAdmin).toBe(true);
      expect(ev.assumedConditionKeys).toEqual(['aws:MultiFactorAuthPresent']);
    });

    it.each([
      ['aws:SourceIp', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }],
      ['aws:PrincipalTag/team', { StringEquals: { 'aws:PrincipalTag/team': 'platform' } }],
      ['aws:CurrentTime', { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } }],
    ])('a gate on %s still counts', (key, Condition) => {
      const ev = evaluate([doc(allow('*', '*', { Condition }))]);
      expect(ev.fullAdmin).toBe(true);
      expect(ev.assumedConditionKeys).toEqual([key]);
    });

    it.each([
      ['aws:RequestedRegion', { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } }],
      ['aws:ResourceTag', { StringEquals: { 'aws:ResourceTag/env': 'dev' } }],
      [
        'a gate mixed with a narrowing key',
        { Bool: { 'aws:MultiFactorAuthPresent': 'true' }, StringLike: { 's3:prefix': 'home/' } },
      ],
    ])('a condition on %s narrows: not an admin, and no escalation', (_key, Condition) => {
      const ev = evaluate([doc(allow('*', '*', { Condition }))]);
      expect(ev.fullAdmin).toBe(false);
      expect(ev.escalation).toEqual([]);
    });

    it('unconditional Allows need no assumption even beside a gated one', () => {
      const ev = evaluate([ADMIN, doc(allow('*', '*', mfa))]);
      expect(ev.fullAdmin).toBe(true);
      expect(ev.assumedConditionKeys).toEqual([]);
    });

    it('a conditional Deny (force-MFA) is assumed not to hold, and reported', () => {
      const forceMfa = deny('*', '*', { Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } });
      const ev = evaluate([ADMIN, doc(forceMfa)]);
      expect(ev.fullAdmin).toBe(true);
      expect(ev.assumedConditionKeys).toEqual(['aws:MultiFactorAuthPresent']);
    });
  });

  describe('explicit Deny', () => {
    it.each([
      ['Deny * on *', [ADMIN, doc(deny('*'))], false, 'deny'],
      ['Deny iam:* on *', [ADMIN, doc(deny('iam:*'))], false, 'deny'],
      ['Deny of one action on *', [ADMIN, doc(deny('organizations:LeaveOrganization'))], false, 'deny'],
      ['Deny s3:* on every bucket (service-wide)', [ADMIN, doc(deny('s3:*', 'arn:aws:s3:::*'))], false, 'deny'],
      [
        'Deny * with NotResource',
        [ADMIN, doc({ Effect: 'Deny', Action: '*', NotResource: 'arn:aws:s3:::only' })],
        false,
        'deny',
      ],
      [
        'Deny NotAction iam:ChangePassword',
        [ADMIN, doc({ Effect: 'Deny', NotAction: 'iam:ChangePassword', Resource: '*' })],
        false,
        'deny',
      ],
      [
        'Deny NotAction * (denies nothing)',
        [ADMIN, doc({ Effect: 'Deny', NotAction: '*', Resource: '*' })],
        true,
        undefined,
      ],
      [
        'Deny on one named bucket (guardrail)',
        [ADMIN, doc(deny('s3:DeleteBucket', 'arn:aws:s3:::audit-logs'))],
        true,
        undefined,
      ],
      ['Deny inside the same policy', [doc(allow('*'), deny('iam:*'))], false, 'deny'],
    ])('%s -> fullAdmin %s', (_name, identity, expected, limitedBy) => {
      const ev = evaluate(identity);
      expect(ev.fullAdmin).toBe(expected);
      expect(ev.limitedBy).toBe(limitedBy);
    });

    it('a Deny of iam:* also removes every IAM escalation', () => {
      expect(evaluate([ADMIN, doc(deny('iam:*'))]).escalation).toEqual([]);
    });

    it('a Deny of one action leaves the others as escalation paths', () => {
      const ev = evaluate([ADMIN, doc(deny('iam:CreateAccessKey'))]);
      expect(ev.escalation).toEqual(EVERY_ESCALATION.filter((a) => a !== 'iam:*' && a !== 'iam:CreateAccessKey'));
    });
  });

  describe('permissions boundary', () => {
    it.each([
      ['allowing everything', doc(allow('*')), true, undefined],
      ['allowing s3 only', doc(allow('s3:*')), false, 'boundary'],
      ['allowing all but IAM (NotAction)', doc(allowNot('iam:*')), false, 'boundary'],
      ['allowing * but denying iam:*', doc(allow('*'), deny('iam:*')), false, 'boundary'],
      ['allowing * on a narrow resource', doc(allow('*', 'arn:aws:s3:::b/*')), false, 'boundary'],
      ['allowing * behind MFA', doc(allow('*', '*', mfa)), true, undefined],
    ])('AdministratorAccess within a boundary %s -> %s', (_name, boundary, expected, limitedBy) => {
      const ev = evaluate([ADMIN], boundary);
      expect(ev.fullAdmin).toBe(expected);
      expect(ev.limitedBy).toBe(limitedBy);
    });

    it('the boundary alone grants nothing', () => {
      expect(evaluate([doc(allow('s3:*'))], ADMIN).fullAdmin).toBe(false);
      expect(evaluate([], ADMIN).escalation).toEqual([]);
    });

    it('escalation is the intersection of identity and boundary', () => {
      const ev = evaluate([ADMIN], doc(allow(['iam:AttachUserPolicy', 's3:*'])));
      expect(ev.escalation).toEqual(['iam:AttachUserPolicy']);
    });
  });
});

describe('evaluatePolicies: escalation (shadow admins)', () => {
  it.each(IAM_ESCALATIONS)('Allow %s on * alone is escalation via that action', (action) => {
    const ev = evaluate([doc(allow(action))]);
    expect(ev.fullAdmin).toBe(false);
    expect(ev.escalation).toEqual([action]);
    expect(ev.escalationBy[action]).toEqual([0]);
  });

  it('iam:* reports the whole service and every IAM escalation action', () => {
    const ev = evaluate([doc(allow('iam:*'))]);
    expect(ev.escalation).toEqual([...ESCALATION_ACTIONS]);
  });

  it.each([
    [['iam:PassRole', 'ec2:RunInstances'], ['iam:PassRole+ec2:RunInstances']],
    [['iam:PassRole', 'lambda:CreateFunction'], ['iam:PassRole+lambda:CreateFunction']],
    [['iam:PassRole', 'ec2:*', 'lambda:*'], COMBOS],
    [['iam:PassRole'], []],
    [['ec2:RunInstances', 'lambda:CreateFunction'], []],
  ])('%j -> %j', (actions, expected) => {
    expect(evaluate([doc(allow(actions))]).escalation).toEqual(expected);
  });

  it('a combo may come from two policies, and both are credited', () => {
    const ev = evaluate([doc(allow('s3:*')), doc(allow('iam:PassRole')), doc(allow('ec2:RunInstances'))]);
    expect(ev.escalation).toEqual(['iam:PassRole+ec2:RunInstances']);
    expect(ev.escalationBy['iam:PassRole+ec2:RunInstances']).toEqual([1, 2]);
  });

  it.each([
    [
      'on a single user ARN (not detected: resource must be * or service-wide)',
      doc(allow('iam:AttachUserPolicy', 'arn:aws:iam::123456789012:user/alice')),
      [],
    ],
    [
      'on every IAM resource of the account',
      doc(allow('iam:AttachUserPolicy', 'arn:aws:iam::123456789012:*')),
      ['iam:AttachUserPolicy'],
    ],
    [
      'on NotResource of an S3 bucket',
      doc({ Effect: 'Allow', Action: 'iam:*', NotResource: 'arn:aws:s3:::b' }),
      [...ESCALATION_ACTIONS],
    ],
    [
      'on NotResource of an IAM user',
      doc({ Effect: 'Allow', Action: 'iam:*', NotResource: 'arn:aws:iam::1:user/x' }),
      [],
    ],
    [
      'with a narrowing condition',
      doc(
        allow('iam:AttachUserPolicy', '*', {
          Condition: { ArnEquals: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/ReadOnlyAccess' } },
        }),
      ),
      [],
    ],
    ['behind MFA', doc(allow('iam:CreateAccessKey', '*', mfa)), ['iam:CreateAccessKey']],
    ['matched by ? wildcards', doc(allow('iam:Attach????Policy')), ['iam:AttachUserPolicy', 'iam:AttachRolePolicy']],
    ['in mixed case', doc(allow('IAM:createaccesskey')), ['iam:CreateAccessKey']],
    [
      'by iam:Put* (three inline-policy actions and two boundary ones)',
      doc(allow('iam:Put*')),
      [
        'iam:PutUserPolicy',
        'iam:PutGroupPolicy',
        'iam:PutRolePolicy',
        'iam:PutUserPermissionsBoundary',
        'iam:PutRolePermissionsBoundary',
      ],
    ],
    ['read-only IAM', doc(allow(['iam:Get*', 'iam:List*'])), []],
  ])('an Allow %s', (_name, policy, expected) => {
    expect(evaluate([policy]).escalation).toEqual(expected);
  });

  it('reports only the gate keys of the statements that grant the action', () => {
    const ev = evaluate([
      doc(
        allow(['s3:*', 'iam:Get*'], '*', mfa),
        allow('iam:CreateAccessKey', '*', { Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }),
      ),
    ]);
    expect(ev.escalation).toEqual(['iam:CreateAccessKey']);
    expect(ev.assumedConditionKeys).toEqual(['aws:SourceIp']);
  });

  it('NotAction iam:Get* leaves every escalation but the whole of iam:*', () => {
    const ev = evaluate([doc(allowNot('iam:Get*'))]);
    expect(ev.fullAdmin).toBe(false);
    expect(ev.escalation).toEqual(EVERY_ESCALATION.filter((a) => a !== 'iam:*'));
  });

  it('NotAction iam:* leaves no escalation (iam:PassRole is excluded too)', () => {
    expect(evaluate([doc(allowNot('iam:*'))])).toMatchObject({ fullAdmin: false, escalation: [] });
  });

  it('NotAction of a non-existent service: not proven full admin, but every escalation is reported', () => {
    const ev = evaluate([doc(allowNot('nosuchservice:*'))]);
    expect(ev.fullAdmin).toBe(false);
    expect(ev.escalation).toEqual(EVERY_ESCALATION);
  });

  it('a full admin has no escalation list, only its granting policies', () => {
    const ev = evaluate([doc(allow('s3:*')), ADMIN, doc(allow('*:*'))]);
    expect(ev).toMatchObject({ fullAdmin: true, escalation: [], fullAdminBy: [1, 2], fullAdminTogether: [] });
  });

  it('policies that only together grant everything are reported as such', () => {
    const ev = evaluate([doc(allow('s3:*')), doc(allowNot('iam:*')), doc(allow('iam:*'))]);
    expect(ev).toMatchObject({ fullAdmin: true, fullAdminBy: [], fullAdminTogether: [1, 2] });
  });
});

describe('grantsFullAccess', () => {
  it.each([
    [ADMIN, true],
    [doc(allow('*:*')), true],
    [doc(allowNot('iam:*'), allow('iam:*')), true],
    [doc(allow('*'), deny('iam:*')), false],
    [doc(allow('iam:*')), false],
  ])('%j -> %s', (policy, expected) => {
    expect(grantsFullAccess(compilePolicy(policy))).toBe(expected);
  });

  it('accepts the URL-encoded string IAM returns', () => {
    expect(grantsFullAccess(compilePolicy(encodeURIComponent(JSON.stringify(ADMIN))))).toBe(true);
  });
});

// Given random Allow/Deny statements built from pieces of real action names, when
// compared with brute force over a sample of actions, then: a "full admin" verdict is
// never contradicted by a sampled action; each literal escalation action is reported
// exactly when brute force allows it; "iam:*" is never reported while a sampled IAM
// action is refused.
describe('evaluatePolicies against brute force', () => {
  it('agrees with a direct reading of random statements', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const services = ['iam', 'i*', '*', 'ec2', 'lambda', '?am', 's3'];
    const names = [
      '*',
      'Attach*',
      '*Policy',
      'Put*',
      'Create*',
      '*User*',
      'PassRole',
      'AttachUserPolicy',
      '?reate*',
      'Get*',
    ];
    const pattern = () => (rand(10) === 0 ? '*' : `${services[rand(services.length)]}:${names[rand(names.length)]}`);
    const patterns = () => Array.from({ length: 1 + rand(3) }, pattern);
    const sample = [
      ...IAM_ESCALATIONS,
      'iam:PassRole',
      'iam:GetUser',
      'iam:ListRoles',
      'ec2:RunInstances',
      'lambda:CreateFunction',
      's3:GetObject',
      'sts:AssumeRole',
      'newservice:DoThing',
    ];
    const counts = { admins: 0, gaps: 0, escalations: 0, iamStar: 0 };
    for (let i = 0; i < 1500; i++) {
      const statements = Array.from({ length: 1 + rand(4) }, () => {
        const effect = rand(5) === 0 ? 'Deny' : 'Allow';
        return rand(2) === 0
          ? { Effect: effect, Action: patterns(), Resource: '*' }
          : { Effect: effect, NotAction: patterns(), Resource: '*' };
      });
      const hit = (s: Stmt, a: string) =>
        s['Action']
          ? (s['Action'] as string[]).some((p) => actionMatches(p, a))
          : !(s['NotAction'] as string[]).some((p) => actionMatches(p, a));
      const allowed = (a: string) =>
        statements.some((s) => s['Effect'] === 'Allow' && hit(s, a)) &&
        !statements.some((s) => s['Effect'] === 'Deny' && hit(s, a));
      const what = JSON.stringify(statements);
      const ev = evaluate([doc(...statements)]);
      if (ev.fullAdmin) counts.admins++;
      if (sample.some((a) => !allowed(a))) {
        counts.gaps++;
        expect(ev.fullAdmin, what).toBe(false);
      }
      if (ev.fullAdmin) continue;
      for (const action of IAM_ESCALATIONS)
        expect(ev.escalation.includes(action), `${action} in ${what}`).toBe(allowed(action));
      for (const combo of COMBOS) {
        const [a, b] = combo.split('+') as [string, string];
        expect(ev.escalation.includes(combo), `${combo} in ${what}`).toBe(allowed(a) && allowed(b));
      }
      if (ev.escalation.includes('iam:*')) {
        counts.iamStar++;
        for (const a of sample.filter((x) => x.startsWith('iam:'))) expect(allowed(a), `${a} in ${what}`).toBe(true);
      }
      if (ev.escalation.length > 0) counts.escalations++;
    }
    // The random mix must exercise every branch, or this test proves little.
    expect(counts.admins).toBeGreaterThan(20);
    expect(counts.gaps).toBeGreaterThan(300);
    expect(counts.escalations).toBeGreaterThan(300);
    expect(counts.iamStar).toBeGreaterThan(10);
  });
});
