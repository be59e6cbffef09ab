/**
 * Mutating calls whose answer never arrives. Through the fault proxy, the first attempt of
 * every change of a full onboarding is lost in three ways (connection dropped before the
 * request reached AWS; applied and then the connection dropped; applied and then an HTTP 500).
 * rootlock must end in the same state as without faults, create nothing twice, show each
 * secret once, and journal what happened on the wire: the gate reads AWS back after a lost
 * answer instead of blindly sending the call again.
 */
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.js';
import type { FaultKind } from '../support/fault-proxy.js';
import { runRootlock } from '../support/harness.js';
import { NO_STATEMENT_NEEDED, policyActions, readPolicy } from './iam-policy.js';
import {
  changeEnds,
  fastClock,
  isMutatingOperation,
  journalVersusWire,
  onboardedProblems,
  onboardingAnswers,
  REGION_FLAGS,
  seedAccount,
  snapshot,
  useFaultProxy,
} from './support.js';

const emu = useEmulator();
const proxy = useFaultProxy(emu);

/** Operations the run sent that docs/iam/wizard-policy.json does not allow (and that need a statement). */
function outsideWizardPolicy(): string[] {
  const allowed = policyActions(readPolicy('wizard-policy.json'));
  return [...new Set(proxy().calls.map((c) => `${c.service}:${c.operation}`))].filter(
    (a) => !allowed.has(a) && !(a in NO_STATEMENT_NEEDED),
  );
}

async function onboard(acct: Awaited<ReturnType<typeof seedAccount>>, extraAnswers: Record<string, unknown> = {}) {
  return runRootlock(proxy().url, REGION_FLAGS, {
    credentials: acct.root,
    answers: { ...onboardingAnswers(acct.instanceIds), ...extraAnswers },
    deps: { clock: fastClock },
  });
}

describe('lost answers of mutating calls', { timeout: 180_000 }, () => {
  it('without faults: the onboarded state, and a journal that matches the wire', async () => {
    const acct = await seedAccount(emu());
    const r = await onboard(acct);
    expect(onboardedProblems(await snapshot(emu(), acct.instanceIds, acct.root), acct)).toEqual([]);
    expect(journalVersusWire(r.journalPath, proxy().calls)).toEqual([]);
    expect(r.output.secrets.map((s) => s.label)).toEqual(['one-time console password for second-admin']);
    const mutating = proxy().calls.filter((c) => isMutatingOperation(c.operation));
    expect(mutating).toHaveLength(19);
    expect(outsideWizardPolicy()).toEqual([]);
  });

  it.each<[FaultKind, boolean]>([
    ['drop-after', true],
    ['error-after', true],
    ['drop-before', false],
  ])(
    'the first attempt of every change is lost (%s): same state, nothing twice, secret shown once',
    async (kind, appliedBeforeLoss) => {
      const acct = await seedAccount(emu());
      proxy().configure([{ kind, match: (c) => isMutatingOperation(c.operation), firstOfEach: true }]);
      const r = await onboard(acct);

      expect(onboardedProblems(await snapshot(emu(), acct.instanceIds, acct.root), acct)).toEqual([]);
      expect(journalVersusWire(r.journalPath, proxy().calls)).toEqual([]);
      const ends = [...changeEnds(r.journalPath).values()];
      expect(ends.length).toBe(19);
      for (const e of ends) {
        expect(e.outcome, e.change).toBe('applied');
        expect(e.lostAnswers, e.change).toBe(1);
        // Applied before the loss: read back and found in place, not sent again.
        if (appliedBeforeLoss) expect(e.reconciled, e.change).toBe(true);
        if (!appliedBeforeLoss) expect(e.reconciled, e.change).toBeUndefined();
      }
      // Non-idempotent creates were never sent a second time after a loss that AWS shows applied.
      const creates = proxy().calls.filter((c) => /^Create|^Associate|^AddRole/.test(c.operation));
      const perCreate = appliedBeforeLoss ? 1 : 2;
      expect(creates.length).toBe(8 * perCreate);
      // Every change was sent once (applied, answer lost, read back) or twice (never arrived, sent again).
      expect(proxy().calls.filter((c) => isMutatingOperation(c.operation))).toHaveLength(19 * perCreate);
      expect(r.output.secrets).toHaveLength(1);
      expect(r.output.text).not.toMatch(/EntityAlreadyExists|IncorrectState|Stopped here/);
      // The read-backs too are covered by the wizard policy.
      expect(outsideWizardPolicy()).toEqual([]);
      if (appliedBeforeLoss)
        expect(r.output.text).toContain(
          "Create IAM user second-admin: AWS's answer was lost (connection dropped or server error), so rootlock read it back: it is in place.",
        );
    },
  );

  it('a lost create that cannot be read back is not sent again; the next round finishes the half-done user', async () => {
    const acct = await seedAccount(emu());
    proxy().configure([
      { kind: 'drop-after', match: 'iam:CreateUser', limit: 1 },
      // The read-back of the lost CreateUser is refused, so nobody knows whether it was applied.
      { kind: 'deny', match: (c) => c.operation === 'GetUser' && c.body.includes('UserName=second-admin'), limit: 1 },
    ]);
    const r = await onboard(acct, { 'admins.pending.action': 'complete' });

    expect(proxy().calls.filter((c) => c.operation === 'CreateUser')).toHaveLength(1);
    const end = changeEnds(r.journalPath).get('admins/create-user/second-admin');
    expect(end).toMatchObject({ outcome: 'failed', lostAnswers: 1, error: { code: 'OutcomeUnknown' } });
    expect(r.output.text).toContain(
      "AWS's answer to iam:CreateUser was lost and reading the account back did not settle whether it was applied, so it was not sent again.",
    );
    // The next round found the user rootlock had created (tagged as not set up) and completed it.
    expect(r.prompter.asked.map((q) => q.id)).toContain('admins.pending.action');
    expect(onboardedProblems(await snapshot(emu(), acct.instanceIds, acct.root), acct)).toEqual([]);
    expect(journalVersusWire(r.journalPath, proxy().calls)).toEqual([]);
    expect(r.output.secrets).toHaveLength(1);
  });
});
