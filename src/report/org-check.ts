/**
 * What `check --org` writes: the `rootlock.org-check/v1` document (streamed, one account at a
 * time, so a run over thousands of accounts never holds them all), the terminal's summary table,
 * and with `--out-dir` a `rootlock.check/v1` document and ASFF files per account, a CSV and an
 * aggregate Markdown report. See docs/org-check-json.md.
 */
import type { SummaryJson } from './org-summary.js';
import type { OrgAccountResult, OrgStepStatus } from '../engine/org-check.js';
import { controlRefs } from '../engine/controls.js';
import { findingRecord } from '../engine/types.js';
import { escapeJsonForTerminal } from '../util/json.js';
import { sanitize } from '../util/text.js';
import { accountRecord, type CheckDocument } from './check-json.js';

export const ORG_SCHEMA = 'rootlock.org-check/v1';

/** One account's `rootlock.check/v1` document (steps may also be `not-checked` in an organization run). */
export interface AccountDocument extends Omit<CheckDocument, 'steps' | 'account'> {
  account: CheckDocument['account'] & {
    name: string;
    ou: string;
    status: OrgAccountResult['status'];
    error?: string;
  };
  steps: Array<Omit<CheckDocument['steps'][number], 'status'> & { status: OrgStepStatus }>;
  nextStepsNote?: string;
}

/** The document of one account, for its file in --out-dir and its entry in the organization document. */
export function accountDocument(
  row: OrgAccountResult,
  now: Date,
  principal: { arn: string; type: string },
): AccountDocument {
  return {
    schema: 'rootlock.check/v1',
    generatedAt: now.toISOString(),
    account: {
      ...accountRecord(row.info),
      alias: null,
      name: row.account.name,
      ou: row.account.ou,
      status: row.status,
      ...(row.error ? { error: row.error } : {}),
    },
    principal: row.principal ?? principal,
    steps: row.steps.map((s) => ({
      id: s.id,
      title: s.title,
      status: s.status,
      summary: s.summary,
      findings: s.findings.map(findingRecord),
      details: s.details,
    })),
    nextSteps: row.nextSteps.map((n) => ({
      id: n.id,
      status: n.status,
      message: n.message,
      controls: [...n.controls],
      controlRefs: controlRefs(n.controls),
      resources: [...n.resources],
    })),
    ...(row.nextStepsNote ? { nextStepsNote: row.nextStepsNote } : {}),
    apiCalls: row.apiCalls,
  };
}

/** The entry of one account in the organization document. */
export function orgAccountEntry(doc: AccountDocument): Record<string, unknown> {
  return {
    id: doc.account.id,
    name: doc.account.name,
    ou: doc.account.ou,
    type: doc.account.type,
    status: doc.account.status,
    ...(doc.account.error ? { error: doc.account.error } : {}),
    ...(doc.principal ? { principal: doc.principal } : {}),
    steps: doc.steps,
    nextSteps: doc.nextSteps,
    ...(doc.nextStepsNote ? { nextStepsNote: doc.nextStepsNote } : {}),
    apiCalls: doc.apiCalls,
  };
}

/** Where the streamed document goes. */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * Writes the organization document piece by piece: the head, each account as it comes, then
 * the skipped accounts, the summary and the run's API calls. Parsed, it is one JSON object.
 */
export class OrgDocumentWriter {
  private count = 0;

  constructor(
    private readonly out: TextSink,
    head: { organization: { id: string; managementAccountId: string }; principal: { arn: string; type: string } },
  ) {
    const headJson = JSON.stringify({ schema: ORG_SCHEMA, ...head }, null, 2);
    // Open the accounts array inside the head object.
    out.write(`${escapeJsonForTerminal(headJson.slice(0, -2))},\n  "accounts": [`);
  }

  account(entry: Record<string, unknown>): void {
    const json = JSON.stringify(entry, null, 2).replace(/\n/g, '\n    ');
    this.out.write(`${this.count === 0 ? '\n' : ',\n'}    ${escapeJsonForTerminal(json)}`);
    this.count += 1;
  }

  finish(rest: { summary: SummaryJson; apiCalls: unknown }): void {
    const tail = JSON.stringify(rest, null, 2);
    this.out.write(`${this.count === 0 ? '' : '\n  '}],\n${escapeJsonForTerminal(tail.slice(2))}\n`);
  }
}

/** A CSV field, quoted when it must be, with formula-leading characters neutralised for spreadsheets. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const CSV_HEADER = 'account_id,account_name,ou,account_status,step,step_status,summary';

/** The CSV lines of one account: one per step. */
export function csvLines(doc: AccountDocument): string[] {
  return doc.steps.map((s) =>
    [doc.account.id, doc.account.name, doc.account.ou, doc.account.status, s.id, s.status, s.summary]
      .map((v) => csvField(sanitize(String(v), { maxLength: 2000 })))
      .join(','),
  );
}
