/**
 * The next steps as the registry's advisory entries, run by the engine over a fake pool (no
 * emulator): the same verdicts, in the same order, from the same API calls as one read of
 * their shared input.
 */
import { describe, expect, it } from 'vitest';
import type { ClientPool } from '../../../src/aws/pool.js';
import { AccountReads } from '../../../src/aws/reads.js';
import { runAdvisories } from '../../../src/engine/advisories.js';
import { REGISTRY } from '../../../src/engine/registry.js';
import type { StepContext } from '../../../src/engine/step.js';
import type { Clock, Output } from '../../../src/engine/types.js';
import { analyzeNextSteps } from '../../../src/steps/next-steps/analysis.js';
import { advisories, NEXT_STEP_IDS, NEXT_STEPS } from '../../../src/steps/next-steps/index.js';
import { readNextStepsInput } from '../../../src/steps/next-steps/read.js';

const ACCT = '123456789012';
const clock: Clock = { now: () => new Date('2026-11-28T12:00:00Z'), sleep: async () => {} };

const REPORT = [
  'user,arn,user_creation_time,password_enabled,password_last_used,mfa_active,access_key_1_active,access_key_2_active',
  `<root_account>,arn:aws:iam::${ACCT}:root,2026-01-01T00:00:00+00:00,not_supported,N/A,true,false,false`,
  `carol,arn:aws:iam::${ACCT}:user/carol,2026-11-01T00:00:00+00:00,true,N/A,false,false,false`,
].join('\n');

/** A pool answering the next steps' reads, counting every call as `service:Operation`. */
function fakePool(calls: string[]): ClientPool {
  const answers: Record<string, unknown> = {
    'iam:GetAccountSummary': { SummaryMap: { AccountMFAEnabled: 1 } },
    'iam:GenerateCredentialReport': { State: 'COMPLETE' },
    'iam:GetCredentialReport': { Content: REPORT },
    'iam:GetAccountPasswordPolicy': { PasswordPolicy: { MinimumPasswordLength: 8 } },
    'iam:ListVirtualMFADevices': { VirtualMFADevices: [], IsTruncated: false },
    's3control:GetPublicAccessBlock': {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    },
  };
  return {
    call: async (service: string, operation: string) => {
      const key = `${service}:${operation}`;
      calls.push(key);
      if (!(key in answers)) throw new Error(`unexpected call ${key}`);
      return answers[key];
    },
  } as unknown as ClientPool;
}

const quietOutput = { progress: () => ({ update() {}, succeed() {}, fail() {}, stop() {} }) } as unknown as Output;

/** What the next steps use of a step context; `now` may differ from the shared reads' clock. */
function context(calls: string[], ctxClock: Clock = clock): StepContext {
  const pool = fakePool(calls);
  return {
    pool,
    reads: new AccountReads(pool, clock),
    account: { id: ACCT },
    clock: ctxClock,
    output: quietOutput,
  } as unknown as StepContext;
}

describe('the next steps as registry advisories', () => {
  it('the registry lists them in their order, with their metadata, as advisory entries', () => {
    expect(REGISTRY.advisories.map((e) => e.meta.id)).toEqual([...NEXT_STEP_IDS]);
    for (const e of REGISTRY.advisories) expect(e.meta).toBe(NEXT_STEPS[e.meta.id as keyof typeof NEXT_STEPS]);
    for (const id of NEXT_STEP_IDS) {
      expect(NEXT_STEPS[id].kind).toBe('advisory');
      expect(advisories[id].meta).toBe(NEXT_STEPS[id]);
    }
    expect(Object.keys(advisories)).toEqual([...NEXT_STEP_IDS]);
  });

  it('give the verdicts of one analysis of one read, with the same API calls', async () => {
    const alone: string[] = [];
    const expected = analyzeNextSteps(await readNextStepsInput(context(alone)));
    const viaRegistry: string[] = [];
    const results = await runAdvisories(REGISTRY.advisories, context(viaRegistry));
    expect(results).toEqual(expected);
    expect(results.map((r) => r.id)).toEqual([...NEXT_STEP_IDS]);
    expect(viaRegistry.sort()).toEqual(alone.sort());
    expect(viaRegistry).toEqual([
      'iam:GenerateCredentialReport',
      'iam:GetAccountPasswordPolicy',
      'iam:GetAccountSummary',
      'iam:GetCredentialReport',
      'iam:ListVirtualMFADevices',
      's3control:GetPublicAccessBlock',
    ]);
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    expect(byId['console-mfa']).toMatchObject({ status: 'fail', resources: [`arn:aws:iam::${ACCT}:user/carol`] });
    expect(byId['password-policy']!.status).toBe('fail');
    expect(byId['s3-public-access-block']!.status).toBe('pass');
  });

  it('a read that fails makes every next step not-checked with the same reason, and is tried once', async () => {
    const calls: string[] = [];
    // The shared reads keep a working clock; only the next steps' own read of the time fails.
    const broken: Clock = {
      now: () => {
        throw new Error('clock broken');
      },
      sleep: clock.sleep,
    };
    const results = await runAdvisories(REGISTRY.advisories, context(calls, broken));
    expect(results).toEqual(
      NEXT_STEP_IDS.map((id) => ({
        id,
        status: 'not-checked',
        message: 'Not checked: clock broken',
        controls: NEXT_STEPS[id].controls,
        resources: [],
      })),
    );
    // S3 Control is not a memoized shared read: once, not once per next step.
    expect(calls.filter((c) => c === 's3control:GetPublicAccessBlock')).toHaveLength(1);
  });
});
