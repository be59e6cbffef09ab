/**
 * docs/iam/check-policy.json and docs/iam/wizard-policy.json against the code: every AWS
 * operation rootlock's source can call is allowed (or needs no statement, for a stated
 * reason), and nothing else is: least privilege derived from the code, not from memory.
 * The emulator runs (permissions.test.ts for check, lost-answers.test.ts for the wizard)
 * also assert that every operation a real run sends is in the policy.
 */
import { AUDIT_ROOT_CREDENTIAL_ACTIONS, DELETE_ROOT_CREDENTIAL_ACTIONS } from '../../src/iam/scp.js';
import { describe, expect, it } from 'vitest';
import { isReadOnlyOperation } from '../../src/aws/pool.js';
import { actionsInCode, ALSO_AUTHORIZED, NO_STATEMENT_NEEDED, policyActions, readPolicy } from './iam-policy.js';

const sorted = (s: Iterable<string>) => [...s].sort();

describe('the IAM policies in docs/iam', () => {
  it('are well-formed allow-only policies with no wildcard actions', () => {
    for (const name of ['check-policy.json', 'wizard-policy.json'] as const) {
      const doc = readPolicy(name);
      expect(doc.Version).toBe('2012-10-17');
      const sids = doc.Statement.map((s) => s.Sid);
      expect(new Set(sids).size, name).toBe(sids.length);
      for (const s of doc.Statement) {
        expect(s.Effect, `${name} ${s.Sid}`).toBe('Allow');
        const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
        for (const a of actions) expect(a, `${name} ${s.Sid}`).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
        expect(s.Resource, `${name} ${s.Sid}`).toBeDefined();
      }
    }
  });

  it('check: exactly the read-only operations the code calls outside the gate', async () => {
    const code = await actionsInCode();
    const wanted = sorted([...code.reads].filter((a) => !(a in NO_STATEMENT_NEEDED)));
    const got = sorted(policyActions(readPolicy('check-policy.json')));
    expect(got).toEqual(wanted);
    for (const a of got) expect(isReadOnlyOperation(a.split(':')[1]!), a).toBe(true);
  });

  it('wizard: exactly the operations the code calls, and what AWS authorizes with them', async () => {
    const code = await actionsInCode();
    const called = [...code.all.keys()].filter((a) => !(a in NO_STATEMENT_NEEDED));
    const wanted = sorted(new Set([...called, ...called.flatMap((a) => ALSO_AUTHORIZED[a] ?? [])]));
    expect(sorted(policyActions(readPolicy('wizard-policy.json')))).toEqual(wanted);
  });

  it('check --org: the organization reads and the member role, plus everything check calls', async () => {
    const code = await actionsInCode();
    const org = policyActions(readPolicy('org-check-policy.json'));
    for (const a of [...code.org, ...code.reads].filter((x) => !(x in NO_STATEMENT_NEEDED)))
      expect(org, a).toContain(a);
    expect(code.org).toContain('organizations:ListAccountsForParent');
    expect(code.org).toContain('organizations:ListTagsForResource');
  });

  it('fix --org: the SCP preflight and the organization-wide changes, plus the organization reads', async () => {
    const code = await actionsInCode();
    const fix = policyActions(readPolicy('org-fix-policy.json'));
    // What the root sessions send is governed by their task policies, not by the operator's policy.
    const inRootSession = new Set<string>([
      ...Object.values(DELETE_ROOT_CREDENTIAL_ACTIONS).flat(),
      ...AUDIT_ROOT_CREDENTIAL_ACTIONS,
    ]);
    for (const a of [...code.orgFix].filter((x) => !(x in NO_STATEMENT_NEEDED) && !inRootSession.has(x)))
      expect(fix, a).toContain(a);
    for (const a of ['organizations:ListPoliciesForTarget', 'organizations:DescribePolicy'])
      expect(code.orgFix, a).toContain(a);
    for (const a of [...code.org].filter(
      (x) => x.startsWith('organizations:') && x !== 'organizations:DescribeAccount',
    ))
      expect(fix, a).toContain(a);
  });

  it('the source scan sees the calls it should (a guard against a scan that finds nothing)', async () => {
    const code = await actionsInCode();
    for (const a of [
      'iam:GetAccountAuthorizationDetails',
      'iam:CreateUser',
      'ec2:AssociateIamInstanceProfile',
      'account:PutAlternateContact',
      'sts:AssumeRoot',
      'iam:GetRole',
    ]) {
      expect(code.all.has(a), a).toBe(true);
    }
    expect(code.reads.has('iam:GetRole')).toBe(false); // read back by the gate only
    expect(code.all.size).toBeGreaterThan(40);
  });
});
