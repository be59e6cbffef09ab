/**
 * What the root-keys step remembers within one rootlock session, between the runner's
 * rounds (read -> ask -> plan -> apply -> verify -> ask again): the step's memory from its
 * context. Nothing here outlives the process (the journal is the record across sessions).
 */
import type { StepContext } from '../../engine/step.js';
import type { Prerequisite } from './analysis.js';

export interface SessionNotes {
  /** Prerequisites as first read (kept for the state reported after the session's key is gone). */
  prerequisites?: Prerequisite[];
  /** The operator's answer to the prerequisites override, once given. */
  override?: 'granted' | 'declined';
  /**
   * Set once AWS answered a request to delete or deactivate the key this session signs with
   * (applied, or NoSuchEntity: already gone). From then on nothing is signed with that key: IAM is
   * eventually consistent, so it may still work for a few seconds, and an answer it gets then proves
   * nothing about the removal.
   */
  sessionKeyRemoval?: { keyId: string; action: 'delete' | 'deactivate' };
  /** The operator chose to wait before deleting deactivated keys. */
  revisit?: { after: Date; days: number; keyIds: string[] };
  /** Keys reactivated in this session: not proposed for deactivation again in it. */
  reactivated: Set<string>;
  /** Change ids this step planned in this session (to explain their results afterwards). */
  planned: Set<string>;
  /** The console path's re-check loop ran (so the final state must be read again). */
  rechecked?: { checks: number; lastKeysPresent?: boolean };
  /** Prerequisites were already shown this session. */
  prerequisitesShown?: boolean;
  /** Results already explained to the operator (by change id). */
  explained: Set<string>;
}

/** The notes of the session `ctx` belongs to. */
export function sessionNotes(ctx: Pick<StepContext, 'memory'>): SessionNotes {
  return ctx.memory<SessionNotes>(() => ({ reactivated: new Set(), planned: new Set(), explained: new Set() }));
}
