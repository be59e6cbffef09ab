/**
 * What the root-keys step remembers within one rootlock session, between the runner's
 * rounds (read -> ask -> plan -> apply -> verify -> ask again). Keyed by the session's
 * shared reads object, which lives exactly as long as the session; nothing here outlives
 * the process (the journal is the record across sessions).
 */
import type { StepContext } from '../../engine/step.js';
import type { Prerequisite } from './analysis.js';

export interface SessionNotes {
  /** Prerequisites as first read (assessing them again every round would repeat their reads). */
  prerequisites?: Prerequisite[];
  /** The operator's answer to the prerequisites override, once given. */
  override?: 'granted' | 'declined';
  /** Set when a plan deletes or deactivates the key this session signs with. */
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
}

const notes = new WeakMap<object, SessionNotes>();

/** The notes of the session `ctx` belongs to. */
export function sessionNotes(ctx: Pick<StepContext, 'reads'>): SessionNotes {
  let n = notes.get(ctx.reads);
  if (!n) {
    n = { reactivated: new Set(), planned: new Set() };
    notes.set(ctx.reads, n);
  }
  return n;
}
