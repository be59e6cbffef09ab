import { describe, expect, it } from 'vitest';
import { canonical, parsePlanFile, planDrift, PlanFileError, type PlannedStep } from '../../src/engine/plan-file.js';
import { REGISTRY } from '../../src/engine/registry.js';

const change = (user: string) => ({
  id: `admins/create-user/${user}`,
  step: 'admins' as const,
  description: `Create ${user}`,
  service: 'iam' as const,
  operation: 'CreateUser',
  params: { UserName: user },
});
const good = {
  schema: 'rootlock.plan/v1',
  createdAt: '2026-11-28T12:00:00Z',
  rootlockVersion: '0.1.0',
  account: { id: '123456789012', alias: null },
  principal: 'arn:aws:iam::123456789012:root',
  steps: [{ id: 'admins', answers: {}, findings: [], changes: [change('a')] }],
};

describe('parsePlanFile', () => {
  it('accepts a well-formed plan', () => {
    expect(parsePlanFile(JSON.stringify(good), 'p.json', REGISTRY.stepIds).steps[0]?.changes).toHaveLength(1);
  });
  it.each([
    ['truncated', JSON.stringify(good).slice(0, 80), /not valid JSON.*truncated/],
    ['not JSON', 'hello', /not valid JSON/],
    ['an array', '[]', /not a rootlock plan/],
    ['another schema', JSON.stringify({ ...good, schema: 'rootlock.check/v1' }), /schema "rootlock.check\/v1"/],
    ['a bad account', JSON.stringify({ ...good, account: { id: '1234' } }), /account id/],
    [
      'an unknown step',
      JSON.stringify({ ...good, steps: [{ id: 'rm-rf', changes: [], findings: [] }] }),
      /unknown step "rm-rf"/,
    ],
    [
      'a malformed change',
      JSON.stringify({ ...good, steps: [{ id: 'admins', changes: [{ id: 1 }], findings: [] }] }),
      /malformed change/,
    ],
  ])('refuses %s', (_what, text, reason) => {
    expect(() => parsePlanFile(text, 'p.json', REGISTRY.stepIds)).toThrow(PlanFileError);
    expect(() => parsePlanFile(text, 'p.json', REGISTRY.stepIds)).toThrow(reason);
  });
});

describe('planDrift', () => {
  const recorded: PlannedStep = {
    id: 'admins',
    answers: {},
    findings: ['admins.too-few @ 123456789012'],
    changes: [change('a'), change('b')],
  };
  it('is empty when the account gives the same plan', () => {
    expect(
      planDrift(recorded, { findings: ['admins.too-few @ 123456789012'], changes: [change('a'), change('b')] }),
    ).toEqual([]);
  });
  it('names changes and findings that differ', () => {
    expect(planDrift(recorded, { findings: [], changes: [change('a')] })).toEqual([
      'finding gone: admins.too-few @ 123456789012',
      'planned change no longer right: Create b (iam:CreateUser)',
    ]);
  });
  it('compares parameters regardless of key order', () => {
    expect(canonical({ b: 1, a: { d: 2, c: 3 } })).toBe(canonical({ a: { c: 3, d: 2 }, b: 1 }));
  });
});
