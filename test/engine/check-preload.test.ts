import { describe, expect, it, vi } from 'vitest';
import { ClientPool, type ServiceName } from '../../src/aws/pool.js';
import { runCheck } from '../../src/engine/runner.js';
import type { StepDefinition } from '../../src/engine/step.js';
import type { Clock, StepId } from '../../src/engine/types.js';
import { testSessionContext } from '../support/context.js';
import { RecordingOutput } from '../support/harness.js';

const clock: Clock = { now: () => new Date('2026-12-06T12:00:00Z'), sleep: async () => {} };

function step(id: StepId, events: string[], preload?: ServiceName[]): StepDefinition<object> {
  return {
    meta: { id, title: id, why: 'why', risk: 'risk', controls: [], consoleLinks: [], docs: '' },
    ...(preload ? { preload } : {}),
    async read() {
      events.push(`read ${id}`);
      return {};
    },
    assess: () => ({ status: 'pass', summary: 'ok', findings: [], details: {} }),
  };
}

describe('runCheck', () => {
  it("loads the steps' large SDK modules once, before the first step reads", async () => {
    const pool = new ClientPool({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x' },
    });
    const events: string[] = [];
    const preload = vi.spyOn(pool, 'preload').mockImplementation(async (services) => {
      events.push(`preload ${services.join(',')}`);
    });
    const ctx = testSessionContext({
      pool,
      caller: {
        accountId: '123456789012',
        arn: 'arn:aws:iam::123456789012:user/x',
        userId: 'x',
        type: 'iam-user',
        name: 'x',
        temporary: false,
      },
      account: { id: '123456789012' },
      clock,
      output: new RecordingOutput(),
    });
    const outcomes = await runCheck(
      [step('admins', events), step('ec2-roles', events, ['ec2']), step('billing-recovery', events, ['ec2'])],
      ctx,
    );
    expect(outcomes.map((o) => o.before.status)).toEqual(['pass', 'pass', 'pass']);
    expect(events).toEqual(['preload ec2', 'read admins', 'read ec2-roles', 'read billing-recovery']);
    expect(preload).toHaveBeenCalledTimes(1);
  });
});
