/**
 * The `rootlock check --json` document (schema rootlock.check/v1, see docs/check-json.md).
 */
import type { AccountInfo, CallerIdentity } from '../aws/identity.js';
import type { CallCounter } from '../aws/pool.js';
import type { StepOutcome } from '../engine/runner.js';
import { findingRecord, type StepStatus } from '../engine/types.js';
import type { NextStep } from '../steps/next-steps/index.js';

export interface CheckDocument {
  schema: 'rootlock.check/v1';
  generatedAt: string;
  account: { id: string; alias: string | null };
  principal: { arn: string; type: string };
  steps: Array<{
    id: string;
    title: string;
    status: StepStatus;
    summary: string;
    findings: Array<{ id: string; kind: string; severity: string; resource: string; message: string; controls: string[]; remediation?: string }>;
    details: Record<string, unknown>;
  }>;
  /** The read-only next steps beyond the four; empty when they were not checked (with --only). */
  nextSteps: Array<{ id: NextStep['id']; status: NextStep['status']; message: string; controls: string[]; resources: string[] }>;
  apiCalls: { total: number; attempts: number; byOperation: Record<string, number> };
}

export function buildCheckDocument(
  account: AccountInfo,
  caller: CallerIdentity,
  outcomes: StepOutcome[],
  counter: CallCounter,
  now: Date,
  nextSteps: NextStep[] = [],
): CheckDocument {
  return {
    schema: 'rootlock.check/v1',
    generatedAt: now.toISOString(),
    account: { id: account.id, alias: account.alias ?? null },
    principal: { arn: caller.arn, type: caller.type },
    steps: outcomes.map((o) => {
      const a = o.after ?? o.before;
      return {
        id: o.id,
        title: o.step.meta.title,
        status: a.status,
        summary: a.summary,
        findings: a.findings.map(findingRecord),
        details: a.details,
      };
    }),
    nextSteps: nextSteps.map((n) => ({ id: n.id, status: n.status, message: n.message, controls: [...n.controls], resources: [...n.resources] })),
    apiCalls: counter.toJSON(),
  };
}

/** 0 when no step fails or errors, 1 otherwise. */
export function exitCodeFor(statuses: StepStatus[]): number {
  return statuses.some((s) => s === 'fail' || s === 'error') ? 1 : 0;
}

// JSON.stringify escapes C0 controls but leaves DEL, C1 controls (U+009B is a one-byte CSI),
// bidi controls and line separators raw; account data (contact names, aliases) may hold them.
const JSON_TERMINAL_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * The document as indented JSON that is safe to print on a terminal: characters a terminal
 * could act on are written as `\uNNNN` escapes, so the parsed document is unchanged.
 */
export function serializeCheckDocument(doc: CheckDocument): string {
  return JSON.stringify(doc, null, 2).replace(JSON_TERMINAL_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
