import { describe, expect, it } from 'vitest';
import { analyzeAdmins } from '../../../src/iam/principals.js';
import {
  checkRemoval,
  groupsInVia,
  onlyThroughGroups,
  removalCandidates,
  simulateRemoval,
  withoutMemberships,
} from '../../../src/steps/admins/removal.js';
import { ADMIN_ARN, ADMINS_GROUP, allow, attach, document, group, groupAdmin, inline, stateOf, user } from './state.js';

describe('groupsInVia / onlyThroughGroups', () => {
  it('reads group names from the analysis wording', () => {
    expect(groupsInVia(['group Administrators: AdministratorAccess (AWS managed)'])).toEqual(['Administrators']);
    expect(
      groupsInVia(['together: inline policy a + group Ops: inline policy b', 'group x.y@z: inline policy c']),
    ).toEqual(['Ops', 'x.y@z']);
    expect(groupsInVia(['AdministratorAccess (AWS managed)', 'inline policy group'])).toEqual([]);
  });
  it('tells group-only paths from own policies', () => {
    expect(onlyThroughGroups(['group A: AdministratorAccess (AWS managed)', 'group B: inline policy p'])).toBe(true);
    expect(onlyThroughGroups(['together: group A: inline policy a + group B: inline policy b'])).toBe(true);
    expect(onlyThroughGroups(['group A: AdministratorAccess (AWS managed)', 'AdministratorAccess (AWS managed)'])).toBe(
      false,
    );
    expect(onlyThroughGroups(['together: inline policy a + group B: inline policy b'])).toBe(false);
    expect(onlyThroughGroups([])).toBe(false);
  });
});

describe('removalCandidates', () => {
  it('offers group-only admins with their groups; not those that are admins through their own policies', () => {
    const s = stateOf({
      users: [
        groupAdmin('ann'),
        groupAdmin('ben'),
        user('dan', { AttachedManagedPolicies: attach(ADMIN_ARN) }),
        groupAdmin('eve', { AttachedManagedPolicies: attach(ADMIN_ARN) }),
      ],
    });
    const { candidates, notRemovable } = removalCandidates(s.details, s.analysis, (n) =>
      n === 'ann' ? '2025-01-01T00:00:00.000Z' : undefined,
    );
    expect(candidates).toEqual([
      {
        name: 'ann',
        arn: expect.stringContaining('user/ann'),
        groups: ['Administrators'],
        lastActivity: '2025-01-01T00:00:00.000Z',
      },
      { name: 'ben', arn: expect.stringContaining('user/ben'), groups: ['Administrators'], lastActivity: undefined },
    ]);
    expect(notRemovable.map((n) => n.name)).toEqual(['dan', 'eve']);
  });

  it('an admin only through two groups together leaves both', () => {
    const half1 = group('Half1', {
      GroupPolicyList: [inline('a', document({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }))],
    });
    const half2 = group('Half2', { GroupPolicyList: [inline('b', document(allow('iam:*')))] });
    const s = stateOf({
      users: [user('zed', { GroupList: ['Half1', 'Half2'] })],
      groups: [ADMINS_GROUP, half1, half2],
    });
    expect(s.analysis.admins.map((a) => a.name)).toEqual(['zed']);
    const { candidates } = removalCandidates(s.details, s.analysis, () => undefined);
    expect(candidates.map((c) => [c.name, c.groups.sort()])).toEqual([['zed', ['Half1', 'Half2']]]);
  });
});

describe('withoutMemberships / simulateRemoval / checkRemoval', () => {
  const s = stateOf({
    users: [groupAdmin('ann'), groupAdmin('ben'), groupAdmin('cat', { GroupList: ['Administrators', 'Readers'] })],
    groups: [ADMINS_GROUP, group('Readers')],
  });
  const cands = removalCandidates(s.details, s.analysis, () => undefined).candidates;
  const pick = (...names: string[]) => cands.filter((c) => names.includes(c.name));

  it('does not modify its input and keeps other memberships', () => {
    const before = JSON.stringify(s.details);
    const d = withoutMemberships(s.details, new Map([['cat', ['Administrators']]]));
    expect(JSON.stringify(s.details)).toBe(before);
    expect(d.UserDetailList!.find((u) => u.UserName === 'cat')!.GroupList).toEqual(['Readers']);
    expect(analyzeAdmins(d).admins.map((a) => a.name)).toEqual(['ann', 'ben']);
  });

  it('allows removals that leave 2 full admins', () => {
    expect(checkRemoval(s.details, pick('cat'))).toBe(true);
    expect(simulateRemoval(s.details, pick('cat')).admins.map((a) => a.name)).toEqual(['ann', 'ben']);
    expect(checkRemoval(s.details, [])).toBe(true);
  });

  it('refuses removals that leave fewer than 2, naming who would remain', () => {
    expect(checkRemoval(s.details, pick('ann', 'cat'))).toBe(
      'Removing ann, cat would leave 1 full admin (ben); at least 2 must remain. Choose fewer.',
    );
    expect(checkRemoval(s.details, pick('ann', 'ben', 'cat'))).toBe(
      'Removing ann, ben, cat would leave 0 full admins; at least 2 must remain. Choose fewer.',
    );
  });

  it('a demoted admin whose group also grants an escalation stays a shadow admin', () => {
    const ops = group('Ops', { GroupPolicyList: [inline('iam', document(allow('iam:*')))] });
    const g = group('Administrators', { AttachedManagedPolicies: attach(ADMIN_ARN) });
    const st = stateOf({
      users: [groupAdmin('ann'), groupAdmin('ben'), user('cat', { GroupList: ['Administrators', 'Ops'] })],
      groups: [g, ops],
    });
    const c = removalCandidates(st.details, st.analysis, () => undefined).candidates.find((x) => x.name === 'cat')!;
    expect(c.groups).toEqual(['Administrators']);
    const out = simulateRemoval(st.details, [c]);
    expect(out.admins.map((a) => a.name)).toEqual(['ann', 'ben']);
    expect(out.shadowUsers.map((a) => a.name)).toEqual(['cat']);
  });
});
