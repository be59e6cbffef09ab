/**
 * What the admins step remembers within one session (one gate). A step has one memory object
 * per session (StepContext.memory), so every phase that remembers something uses this one.
 */
export interface SessionMemo {
  /** Offers the operator declined (not repeated every round). */
  declined: Set<string>;
  rolledBack: boolean;
  /** Half-done users a completion was already planned for in this session (not retried in a loop). */
  completionTried: Set<string>;
  /**
   * Identity Center assignment creations this session sent, still to confirm: AWS creates them
   * asynchronously, so the next read polls their status (a bounded number of times) first.
   */
  idcPending: Array<{ requestId: string; instanceArn: string; region: string }>;
}

export const newMemo = (): SessionMemo => ({
  declined: new Set(),
  rolledBack: false,
  completionTried: new Set(),
  idcPending: [],
});
