import { describe, expect, it } from 'vitest';
import { withhold } from '../../src/engine/org-fix.js';
import {
  compareWithPlan,
  isOrgPlan,
  ORG_PLAN_SCHEMA,
  type OrgPlanFile,
  type OrgPlannedAccount,
  parseOrgPlan,
} from '../../src/engine/org-plan-file.js';
import type { Change } from '../../src/engine/types.js';

const STEPS = ['admins', 'ec2-roles', 'billing-recovery', 'root-keys'];

function del(account: string, key: string): Change {
  return {
    id: `root-keys/org-delete/${account}/${key}`,
    step: 'root-keys',
    description: `Delete root access key ${key} of member account ${account}`,
    service: 'iam',
    operation: 'DeleteAccessKey',
    params: { AccessKeyId: key },
    session: { assumeRoot: { accountId: account, taskPolicy: 'IAMDeleteRootUserCredentials' } },
    destructive: true,
  };
}

function contact(account: string | undefined): Change {
  return {
    id: `billing-recovery/put-alternate-contact/SECURITY/${account ?? 'self'}`,
    step: 'billing-recovery',
    description: 'Set the SECURITY alternate contact',
    service: 'account',
    operation: 'PutAlternateContact',
    params: { AlternateContactType: 'SECURITY', Name: 'Sec', ...(account ? { AccountId: account } : {}) },
  };
}

function entry(id: string, changes: Change[], management = false): OrgPlannedAccount {
  return { id, name: `n-${id}`, ou: 'Root', ouIds: ['r-ab12'], management, before: {}, changes, notes: [] };
}

function plan(accounts: OrgPlannedAccount[]): OrgPlanFile {
  return {
    schema: ORG_PLAN_SCHEMA,
    planId: 'abcd-1234',
    createdAt: '2026-12-06T00:00:00.000Z',
    rootlockVersion: '0.0.0',
    organization: { id: 'o-abcdefghij', managementAccountId: '111111111111' },
    principal: 'arn:aws:iam::111111111111:user/op',
    steps: ['root-keys', 'billing-recovery'],
    decisions: { rootCredentials: { accessKeys: true, signingCertificates: true, password: true, mfaDevices: true } },
    preflight: {
      recentDays: 30,
      recentUseConfirmed: [],
      billingAccess: { attested: [], acceptedForRest: true, statement: 's' },
      refused: {},
    },
    organizationChanges: [],
    accounts,
  };
}

/** A round trip through JSON, as a plan file is written and read. */
const written = (p: OrgPlanFile): unknown => JSON.parse(JSON.stringify(p));

describe('organization plan files', () => {
  it('accepts a well-formed plan and tells it from a single-account plan', () => {
    const p = plan([
      entry('222222222222', [del('222222222222', 'AKIA1'), contact('222222222222')]),
      entry('111111111111', [contact(undefined)], true),
    ]);
    expect(isOrgPlan(written(p))).toBe(true);
    expect(isOrgPlan({ schema: 'rootlock.plan/v1' })).toBe(false);
    expect(parseOrgPlan(written(p), 'p.json', STEPS).accounts).toHaveLength(2);
  });

  it('refuses a change moved to another account, or one without a target outside the management account', () => {
    const moved = plan([entry('222222222222', [del('333333333333', 'AKIA1')])]);
    expect(() => parseOrgPlan(written(moved), 'p.json', STEPS)).toThrow(
      /account 222222222222 holds a change for account 333333333333/,
    );
    const bare = plan([entry('222222222222', [contact(undefined)])]);
    expect(() => parseOrgPlan(written(bare), 'p.json', STEPS)).toThrow(/without a target account/);
  });

  it('refuses unknown steps, duplicate accounts, malformed decisions and changes', () => {
    const bad = (mutate: (p: Record<string, unknown>) => void, why: RegExp) => {
      const p = written(plan([entry('222222222222', [del('222222222222', 'AKIA1')])])) as Record<string, unknown>;
      mutate(p);
      expect(() => parseOrgPlan(p, 'p.json', STEPS)).toThrow(why);
    };
    bad((p) => (p.steps = ['nope']), /unknown step/);
    bad((p) => (p.accounts = [...(p.accounts as unknown[]), ...(p.accounts as unknown[])]), /twice/);
    bad(
      (p) => ((p.decisions as { rootCredentials: Record<string, unknown> }).rootCredentials.password = 'yes'),
      /root credential decisions/,
    );
    bad(
      (p) => (((p.accounts as Array<{ changes: unknown[] }>)[0] as { changes: unknown[] }).changes = [{ id: 1 }]),
      /malformed change/,
    );
    bad((p) => (p.planId = '../../etc'), /planId/);
    bad((p) => (p.organization = { id: 'x', managementAccountId: '111111111111' }), /organization id/);
  });

  it('compares what an account needs now with the recorded changes: fewer is fine, more is drift', () => {
    const a = del('222222222222', 'AKIA1');
    const b = del('222222222222', 'AKIA2');
    const c = contact('222222222222');
    // Same changes: send them all, in the recorded order.
    expect(compareWithPlan([a, b, c], [c, b, a])).toMatchObject({ send: [a, b, c], done: [], drift: [] });
    // One already in place (an interrupted apply): send the rest only.
    expect(compareWithPlan([a, b, c], [b, c])).toMatchObject({ send: [b, c], done: [a], drift: [] });
    // A change the plan lacks: drift, named.
    const d = del('222222222222', 'AKIA3');
    const r = compareWithPlan([a], [a, d]);
    expect(r.drift).toEqual([`needs a change the plan lacks: ${d.description} (iam:DeleteAccessKey)`]);
    // The same intent with other values (a contact changed by hand since) is drift too.
    const changed = { ...c, params: { ...c.params, Name: 'Other' } };
    expect(compareWithPlan([c], [changed]).drift).toHaveLength(1);
    // Code attached to a change (its read-back) does not count.
    expect(compareWithPlan([a], [{ ...a, readBack: async () => 'in-place' as const }]).drift).toEqual([]);
  });

  it('withholds changes the operator declined, recording them so apply does not take them for drift', () => {
    const e = entry('222222222222', [del('222222222222', 'AKIA1'), contact('222222222222')]);
    expect(withhold(e, (c) => c.session !== undefined, 'recent use not confirmed')).toBe(1);
    expect(e.changes.map((c) => c.operation)).toEqual(['PutAlternateContact']);
    expect(e.withheld).toEqual(['root-keys/org-delete/222222222222/AKIA1']);
    expect(e.notes).toEqual(['recent use not confirmed (1 change left out)']);
    expect(withhold(e, (c) => c.session !== undefined, 'again')).toBe(0);
  });
});
