/**
 * Contexts for tests that drive the engine or a step directly, built the way the CLI builds them
 * (src/cli/session.ts): a session context from the registry and the session factory, and a
 * wizard context with its gate, journal and prompter.
 */
import type { AccountInfo, CallerIdentity } from '../../src/aws/identity.js';
import type { ClientPool } from '../../src/aws/pool.js';
import { AccountReads } from '../../src/aws/reads.js';
import { MutationGate } from '../../src/engine/gate.js';
import type { Journal } from '../../src/engine/journal.js';
import { REGISTRY, type Registry } from '../../src/engine/registry.js';
import {
  forStep,
  sessionContext,
  wizardContext,
  type EngineContext,
  type WizardContext,
} from '../../src/engine/runner.js';
import { SessionFactory } from '../../src/engine/session.js';
import type { RunOptions } from '../../src/engine/step.js';
import type { Assessment, Clock, Output, Prompter, StepId } from '../../src/engine/types.js';

export interface TestSessionParts {
  pool: ClientPool;
  caller: CallerIdentity;
  account: AccountInfo;
  clock: Clock;
  output: Output;
  options?: Partial<RunOptions>;
  /** Assessments already made in the session (a step's prerequisites, say). */
  assessments?: ReadonlyMap<StepId, Assessment>;
  registry?: Registry;
}

/** A session context as the CLI opens it. */
export function testSessionContext(p: TestSessionParts): EngineContext {
  const ctx = sessionContext({
    pool: p.pool,
    reads: new AccountReads(p.pool, p.clock),
    caller: p.caller,
    account: p.account,
    clock: p.clock,
    output: p.output,
    options: { yes: false, region: 'us-east-1', adminGroup: 'Administrators', ...p.options },
    registry: p.registry ?? REGISTRY,
    factory: new SessionFactory(p.clock),
  });
  for (const [id, a] of p.assessments ?? []) (ctx.assessments as Map<StepId, Assessment>).set(id, a);
  // Tests call a step's phases directly too: give them a memory, as the runner gives a step.
  return forStep(ctx, 'test');
}

/** A wizard context as the CLI builds it, with its own gate (a dry run when `dryRun`). */
export function testWizardContext(
  p: TestSessionParts & {
    prompter: Prompter;
    journal: Journal;
    dryRun?: boolean;
    recording?: boolean;
    generateSecret?: () => string;
  },
): WizardContext {
  const ctx = testSessionContext(p);
  const gate = new MutationGate({
    pool: p.pool,
    dryRun: p.dryRun ?? false,
    journal: p.journal,
    output: p.output,
    clock: p.clock,
    sessions: ctx.factory,
    generateSecret: p.generateSecret,
  });
  return wizardContext(ctx, { prompter: p.prompter, journal: p.journal, gate, recording: p.recording });
}
