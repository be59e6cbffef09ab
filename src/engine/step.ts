/**
 * The step life cycle: read state -> assess (findings) -> ask -> plan -> apply through
 * the gate -> verify (read and assess again). Steps are plain objects in one registry.
 */
import type { AccountInfo, CallerIdentity } from '../aws/identity.js';
import type { ClientPool } from '../aws/pool.js';
import type { AccountReads } from '../aws/reads.js';
import type { Journal } from './journal.js';
import type { MutationGate } from './gate.js';
import type { Assessment, Change, Clock, Output, Prompter, StepId, StepMeta } from './types.js';

/** Options from flags that steps may read. */
export interface RunOptions {
  dryRun: boolean;
  /**
   * True for `rootlock check`: nothing will be asked or changed, so a step may skip reads
   * that only planning or verifying a change needs (fewer API calls).
   */
  assessOnly?: boolean;
  yes: boolean;
  /** Region the session uses for regional calls (STS, EC2 discovery). */
  region: string;
  /** A member account to act on from a management account (root-keys path 2, billing contacts). */
  targetAccount?: string;
  /** A second profile used to verify after the session's own key is deleted. */
  verifyProfile?: string;
  /** Admin group name for the admins step. */
  adminGroup: string;
  /** Regions to scan for EC2 (default: every enabled region). */
  regions?: string[];
}

/** What every step phase can use. */
export interface StepContext {
  pool: ClientPool;
  reads: AccountReads;
  caller: CallerIdentity;
  account: AccountInfo;
  clock: Clock;
  output: Output;
  options: RunOptions;
  /** Assessments of the steps already run in this session, by id (root-keys checks its prerequisites). */
  assessments: ReadonlyMap<StepId, Assessment>;
}

/** What the asking phase can use in addition. */
export interface InteractiveContext extends StepContext {
  prompter: Prompter;
  journal: Journal;
  gate: MutationGate;
}

/**
 * A step. `S` is the state it reads, `A` the answers it collects.
 * `ask` returning undefined means nothing to change. After apply, the runner verifies
 * (read + assess) and calls `ask` again with the new state, so a step can stage work
 * over several rounds (deactivate a key, then delete it); it stops when `ask` returns
 * undefined, a round changes nothing, or after a few rounds.
 */
export interface StepDefinition<S = any, A = any> {
  meta: StepMeta;
  read(ctx: StepContext): Promise<S>;
  assess(state: S, ctx: StepContext): Assessment;
  ask?(state: S, assessment: Assessment, ctx: InteractiveContext): Promise<A | undefined>;
  plan?(state: S, answers: A, ctx: StepContext): Change[] | Promise<Change[]>;
  /**
   * After a round in which a change failed, verify and call `ask` again (within the round
   * limit) instead of stopping, so the step can offer to complete or roll back what the
   * failed round left half-done. Default false: a failure ends the step's rounds.
   */
  continueAfterFailure?: boolean;
  /**
   * Called after apply and verification, to tell the operator what remains (e.g. MFA enrolment).
   * It may return a new assessment when it learned more since the last one (for example a
   * console re-check loop that read AWS again): the runner records it as the step's final state.
   */
  after?(state: S, assessment: Assessment, ctx: InteractiveContext): Promise<void | Assessment | undefined>;
}
