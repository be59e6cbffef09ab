/**
 * The `rootlock check --json` document (schema rootlock.check/v1, see docs/check-json.md).
 */
import type { AccountInfo, CallerIdentity } from '../aws/identity.js';
import type { CallCounter } from '../aws/pool.js';
import type { StepOutcome } from '../engine/runner.js';
import { type ControlRef, controlRefs } from '../engine/controls.js';
import { type AdvisoryResult, findingRecord, type StepStatus } from '../engine/types.js';
import { escapeJsonForTerminal } from '../util/json.js';

export interface CheckDocument {
  schema: 'rootlock.check/v1';
  generatedAt: string;
  account: {
    id: string;
    alias: string | null;
    /** standalone, management, member, delegated-admin, or unknown (src/aws/account-type.ts). */
    type: string | null;
    /** The organization the account belongs to; null for a standalone account or when unreadable. */
    organization: {
      id: string;
      managementAccountId: string;
      rootCredentialsManagement: boolean | null;
      rootSessions: boolean | null;
      delegatedAdministratorFor?: string[];
    } | null;
    /** What limited the classification, when something did. */
    typeNote?: string;
  };
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
      /** `controls` as structured references, in the same order (docs/check-json.md, "Controls"). */
      controlRefs: ControlRef[];
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
    controlRefs: ControlRef[];
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
    account: accountRecord(account),
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
      controlRefs: controlRefs(n.controls),
      resources: [...n.resources],
    })),
    apiCalls: counter.toJSON(),
  };
}

/** The document's account object: id, alias, its kind and organization. */
export function accountRecord(account: AccountInfo): CheckDocument['account'] {
  const org = account.organization;
  return {
    id: account.id,
    alias: account.alias ?? null,
    type: account.type ?? null,
    organization: org
      ? {
          id: org.id,
          managementAccountId: org.managementAccountId,
          rootCredentialsManagement: org.rootCredentialsManagement ?? null,
          rootSessions: org.rootSessions ?? null,
          ...(org.delegatedAdministratorFor ? { delegatedAdministratorFor: [...org.delegatedAdministratorFor] } : {}),
        }
      : null,
    ...(account.typeNote ? { typeNote: account.typeNote } : {}),
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
