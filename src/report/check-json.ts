/**
 * The `rootlock check --json` document (schema rootlock.check/v1, see docs/check-json.md).
 */
import type { AccountInfo, CallerIdentity } from '../aws/identity.js';
import type { CallCounter } from '../aws/pool.js';
import type { StepOutcome } from '../engine/runner.js';
import { type AdvisoryResult, findingRecord, type StepStatus } from '../engine/types.js';
import { escapeJsonForTerminal } from '../util/json.js';

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
    findings: Array<{
      id: string;
      kind: string;
      severity: string;
      resource: string;
      message: string;
      controls: string[];
      remediation?: string;
    }>;
    details: Record<string, unknown>;
  }>;
  /** The read-only next steps beyond the four; empty when they were not checked (with --only). */
  nextSteps: Array<{
    id: AdvisoryResult['id'];
    status: AdvisoryResult['status'];
    message: string;
    controls: string[];
    resources: string[];
  }>;
  apiCalls: { total: number; attempts: number; byOperation: Record<string, number> };
}

export function buildCheckDocument(
  account: AccountInfo,
  caller: CallerIdentity,
  outcomes: StepOutcome[],
  counter: CallCounter,
  now: Date,
  nextSteps: readonly AdvisoryResult[] = [],
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
    nextSteps: nextSteps.map((n) => ({
      id: n.id,
      status: n.status,
      message: n.message,
      controls: [...n.controls],
      resources: [...n.resources],
    })),
    apiCalls: counter.toJSON(),
  };
}

/** 0 when no step fails or errors, 1 otherwise. */
export function exitCodeFor(statuses: StepStatus[]): number {
  return statuses.some((s) => s === 'fail' || s === 'error') ? 1 : 0;
}

/**
 * The document as indented JSON that is safe to print on a terminal: characters a terminal
 * could act on are written as `\uNNNN` escapes, so the parsed document is unchanged.
 */
export function serializeCheckDocument(doc: CheckDocument): string {
  // Account data (contact names, aliases) reaches the document and may hold such characters.
  return escapeJsonForTerminal(JSON.stringify(doc, null, 2));
}
