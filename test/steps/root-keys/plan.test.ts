import { describe, expect, it } from 'vitest';
import type { RootKey, RootKeysState } from '../../../src/steps/root-keys/analysis.js';
import { buildPlan, planAhead, orgEnableChanges } from '../../../src/steps/root-keys/plan.js';

const OWN = 'AKIAOWNOWNOWNOWN0001';
const OTHER = 'AKIAOTHEROTHEROT0002';
const MEMBER = '210987654321';

function state(keys: RootKey[]): RootKeysState {
  return {
    now: new Date('2026-11-28T12:00:00Z'),
    path: 'root-own',
    pathReason: '',
    account: '123456789012',
    sessionAccount: '123456789012',
    callerType: 'root',
    temporary: false,
    keys,
    keysSource: 'api',
    prerequisites: [],
    reactivated: [],
  };
}

const own: RootKey = { id: OWN, active: true, sessionKey: true };
const other: RootKey = { id: OTHER, active: true, sessionKey: false };
const calls = (changes: ReturnType<typeof buildPlan>) =>
  changes.map((c) =>
    `${c.operation} ${String(c.params.AccessKeyId ?? '')}${c.params.Status ? ` ${String(c.params.Status)}` : ''}`.trim(),
  );

describe('buildPlan (root user, own keys)', () => {
  it('deactivates first, without UserName (IAM infers the root user)', () => {
    const plan = buildPlan(state([own, other]), { action: 'deactivate', keyIds: [OTHER] });
    expect(calls(plan)).toEqual([`UpdateAccessKey ${OTHER} Inactive`]);
    expect(plan[0]).toMatchObject({
      id: `root-keys/deactivate/${OTHER}`,
      service: 'iam',
      destructive: true,
      alreadyDoneCodes: ['NoSuchEntity'],
    });
    expect(plan[0]!.params).not.toHaveProperty('UserName');
    expect(plan[0]!.description).toBe('Deactivate root access key AKIA************0002');
  });

  it('in dry-run shows the whole path at once: deactivate, delete, the session key last', () => {
    const s = state([own, other, { id: 'AKIAINACTIVEINACT003', active: false, sessionKey: false }]);
    const answers = { action: 'deactivate', keyIds: [OTHER] } as const;
    // What a dry run shows: this round's changes, then the later rounds' (the runner adds planAhead).
    const plan = [
      ...buildPlan(s, { ...answers, keyIds: [...answers.keyIds] }),
      ...planAhead(s, { ...answers, keyIds: [...answers.keyIds] }),
    ];
    expect(calls(plan)).toEqual([
      `UpdateAccessKey ${OTHER} Inactive`,
      `DeleteAccessKey ${OTHER}`,
      'DeleteAccessKey AKIAINACTIVEINACT003',
      `DeleteAccessKey ${OWN}`,
    ]);
    expect(plan.at(-1)!.warning).toContain('this session signs with');
  });

  it('deletes (treating a key already gone as done); the session key only when asked for', () => {
    const plan = buildPlan(state([own, { ...other, active: false }]), { action: 'delete', keyIds: [OTHER] });
    expect(calls(plan)).toEqual([`DeleteAccessKey ${OTHER}`]);
    expect(plan[0]).toMatchObject({
      destructive: true,
      alreadyDoneCodes: ['NoSuchEntity'],
      warning: 'A deleted key cannot be restored.',
    });
  });

  it('removes the session key alone, with the warning that the session ends', () => {
    for (const mode of ['delete', 'deactivate'] as const) {
      const plan = buildPlan(state([own]), { action: 'session-key', mode, keyId: OWN });
      expect(plan).toHaveLength(1);
      expect(plan[0]!.operation).toBe(mode === 'delete' ? 'DeleteAccessKey' : 'UpdateAccessKey');
      expect(plan[0]!.destructive).toBe(true);
      expect(plan[0]!.warning).toMatch(/this session signs with.*--verify-profile/);
    }
  });

  it('reactivates without calling it destructive', () => {
    const plan = buildPlan(state([{ ...other, active: false }]), { action: 'reactivate', keyIds: [OTHER] });
    expect(calls(plan)).toEqual([`UpdateAccessKey ${OTHER} Active`]);
    expect(plan[0]!.destructive).toBeUndefined();
  });

  it('sends nothing for "come back later"', () => {
    expect(
      buildPlan(state([{ ...other, active: false }]), {
        action: 'wait',
        keyIds: [OTHER],
        waitDays: 14,
        revisitAfter: '2026-12-12T12:00:00.000Z',
      }),
    ).toEqual([]);
  });
});

describe('buildPlan (organizations)', () => {
  it('enables trusted access for IAM first when it is off, then root credentials management', () => {
    expect(orgEnableChanges(true).map((c) => `${c.service}:${c.operation}`)).toEqual([
      'organizations:EnableAWSServiceAccess',
      'iam:EnableOrganizationsRootCredentialsManagement',
    ]);
    expect(orgEnableChanges(true)[0]!.params).toEqual({ ServicePrincipal: 'iam.amazonaws.com' });
    expect(orgEnableChanges(false).map((c) => c.operation)).toEqual(['EnableOrganizationsRootCredentialsManagement']);
    expect(orgEnableChanges(false).some((c) => c.destructive)).toBe(false);
  });

  it('deletes member keys in an AssumeRoot session scoped to IAMDeleteRootUserCredentials', () => {
    const plan = buildPlan(state([]), { action: 'org-delete', accountId: MEMBER, keyIds: [OTHER, OWN] });
    expect(calls(plan)).toEqual([`DeleteAccessKey ${OTHER}`, `DeleteAccessKey ${OWN}`]);
    for (const c of plan) {
      expect(c.session).toEqual({ assumeRoot: { accountId: MEMBER, taskPolicy: 'IAMDeleteRootUserCredentials' } });
      expect(c.warning).toContain('does not allow iam:UpdateAccessKey');
      expect(c.id).toMatch(new RegExp(`^root-keys/org-delete/${MEMBER}/`));
    }
  });
});
