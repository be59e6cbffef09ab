/**
 * `check --org` when AWS pushes back: throttling on the calls that count against the management
 * account (Organizations, the Account API, STS) slows the shared limiter down and the run still
 * gives every account the same verdict; an account that outlives its time limit is that
 * account's error, not the run's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { runRootlock } from '../support/harness.js';
import { buildOrgFixture, MEMBER_ROLE, type OrgFixture } from '../support/org-fixture.js';

const emu = useEmulator({ resetEach: false, env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } });
let org: OrgFixture;

beforeAll(async () => {
  org = await buildOrgFixture(emu(), { members: 12 });
}, 300_000);

interface Doc {
  accounts: Array<{ id: string; status: string; error?: string; steps: Array<{ id: string; status: string }> }>;
  apiCalls: {
    total: number;
    attempts: number;
    limits: Record<string, { calls: number; throttled: number; rate: number }>;
  };
}

const ARGS = ['check', '--org', '--json', '--member-role', MEMBER_ROLE, '--regions', 'us-east-1'];

function verdicts(doc: Doc): Record<string, string> {
  return Object.fromEntries(
    doc.accounts.map((a) => [a.id, `${a.status}:${a.steps.map((s) => `${s.id}=${s.status}`).join(',')}`]),
  );
}

describe('check --org under AWS pressure', () => {
  it('converges to the same verdicts under throttling, slowing the shared limits down', async () => {
    const calm = (await runRootlock(emu().endpoint, ARGS, { credentials: org.operator })).json as Doc;
    for (const seed of [11, 29]) {
      const proxy = await startFaultProxy({
        target: emu().endpoint,
        seed,
        // Each distinct call is throttled at most once (its retry gets through), so the verdicts must converge.
        rules: [
          { kind: 'throttle', match: ['organizations:*', 'account:*', 'sts:AssumeRo*'], rate: 0.3, firstOfEach: true },
        ],
      });
      try {
        const r = await runRootlock(proxy.url, ARGS, { credentials: org.operator });
        const doc = r.json as Doc;
        expect(proxy.faulted('throttle').length, `seed ${seed}`).toBeGreaterThan(5);
        expect(verdicts(doc), `seed ${seed}`).toEqual(verdicts(calm));
        const throttled = Object.values(doc.apiCalls.limits).reduce((n, f) => n + f.throttled, 0);
        // Every throttled answer was seen by the shared limiter, and retried.
        expect(throttled).toBe(proxy.faulted('throttle').length);
        expect(doc.apiCalls.attempts).toBe(doc.apiCalls.total + throttled);
      } finally {
        await proxy.close();
      }
    }
  }, 600_000);

  it("an account past its time limit is that account's error; the others are read", async () => {
    const slow = org.members.find((m) => m.kind === 'clean')?.id as string;
    const proxy = await startFaultProxy({
      target: emu().endpoint,
      rules: [
        {
          kind: 'slow',
          delayMs: 12_000,
          match: (c) => c.operation === 'AssumeRole' && c.body.includes(slow),
        },
      ],
    });
    try {
      const r = await runRootlock(proxy.url, [...ARGS, '--account-timeout', '10'], { credentials: org.operator });
      const doc = r.json as Doc;
      const row = doc.accounts.find((a) => a.id === slow);
      expect(row).toMatchObject({ status: 'error', error: 'did not finish within 10 s (--account-timeout)' });
      expect(doc.accounts.filter((a) => a.status === 'error' && a.error?.includes('--account-timeout'))).toHaveLength(
        1,
      );
      expect(doc.accounts.length).toBe(org.members.length + 1);
      expect(r.code).toBe(1);
    } finally {
      await proxy.close();
    }
  }, 120_000);
});
