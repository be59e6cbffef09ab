/**
 * The session report (schema `rootlock.report/v1`), built from a session's journal and nothing
 * else: the report written at the end of a session and the one `rootlock report <journal>`
 * rebuilds later are the same document. Every string is redacted and escaped on the way in.
 */
import { basename } from 'node:path';
import { readJournalFile, type JournalRecord } from '../engine/journal.js';
import { REGISTRY } from '../engine/registry.js';
import type { AdvisoryResult } from '../engine/types.js';
import { maskKeyId, redact, sanitize } from '../util/text.js';

export const REPORT_SCHEMA = 'rootlock.report/v1';

export interface ReportFinding {
  id: string;
  kind: string;
  severity: string;
  resource: string;
  message: string;
  controls: string[];
  remediation?: string;
}

export interface ReportAssessment {
  status: string;
  summary: string;
  findings: ReportFinding[];
  /** When the assessment was made (journal time). */
  at: string;
}

/**
 * How a change ended; `in-flight` means its start was journaled and its end was not (the session
 * stopped while it was sent).
 */
export type ReportChangeOutcome = 'applied' | 'already-done' | 'dry-run' | 'failed' | 'in-flight';

export interface ReportChange {
  step: string;
  /** The change's id, e.g. "admins/create-user/alice". */
  change: string;
  /** The change in words, from the journaled plan (empty if the plan entry is missing). */
  description: string;
  /** `service:Operation`. */
  operation: string;
  /** Redacted parameters (secrets stay `{ "$secret": ... }` placeholders or `<redacted>`). */
  params: unknown;
  outcome: ReportChangeOutcome;
  error?: { code: string; message: string; deniedAction?: string };
  startedAt: string;
  endedAt?: string;
}

export interface ReportAttestation {
  step: string;
  item: string;
  by: string;
  statement: string;
  at?: string;
}

export interface ReportStep {
  id: string;
  title: string;
  /** Control ids of the step as a whole (its metadata). */
  controls: string[];
  /** The first assessment of the session, before any change. */
  before: ReportAssessment | null;
  /** The last assessment after a change (verification); null when nothing was applied. */
  after: ReportAssessment | null;
}

export interface SessionReport {
  schema: typeof REPORT_SCHEMA;
  /** The time of the journal's last entry: rebuilding the report later gives the same document. */
  generatedAt: string;
  session: {
    id: string;
    /** File name of the journal the report was built from. */
    journal: string;
    command: string;
    /** onboarding, fix, apply or plan. */
    mode: string;
    dryRun: boolean;
    startedAt: string;
    endedAt: string | null;
    /** completed, refused, interrupted: …, stopped: …, or "unfinished" when the journal has no end. */
    outcome: string;
    rootlockVersion: string;
    region: string | null;
  };
  account: {
    id: string;
    alias: string | null;
    /** standalone, management, member, delegated-admin or unknown; null in journals from before it was recorded. */
    type: string | null;
    organizationId: string | null;
  };
  /** Who ran it: the AWS principal the session acted as. */
  principal: { arn: string; type: string | null };
  /** Set when root handed the rest of the session to an admin profile: who acted for which steps. */
  handoff: { arn: string; type: string | null; profile: string; steps: string[] } | null;
  steps: ReportStep[];
  changes: ReportChange[];
  attestations: ReportAttestation[];
  /** The next steps beyond the four; null when the session did not check them (e.g. with --only). */
  nextSteps: AdvisoryResult[] | null;
  totals: Record<ReportChangeOutcome, number>;
}

/** Thrown when a file is not a rootlock journal. */
export class JournalFormatError extends Error {
  override name = 'JournalFormatError';
}

type Entry = JournalRecord;

const KEY_ID = /\b(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA)[A-Z0-9]{16}\b/g;
// 40 characters of base64 with upper, lower case and a digit: the shape of a secret access key.
const SECRET_LIKE = new RegExp(
  /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z])/.source +
    /(?=[A-Za-z0-9/+]*\d)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/.source,
  'g',
);

/**
 * Makes one string from the journal safe for a report: control characters and bidi overrides
 * escaped (text the steps already escaped keeps its single backslashes), access key ids masked,
 * anything shaped like a secret access key redacted, and length bounded.
 */
export function cleanText(v: unknown, maxLength = 1000): string {
  const s = typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
  return sanitize(s, { maxLength, escapeBackslash: false })
    .replace(SECRET_LIKE, '<redacted>')
    .replace(KEY_ID, (id) => maskKeyId(id));
}

/** Redacts secret fields, then cleans every string at any depth. */
export function cleanValue(v: unknown): unknown {
  const walk = (x: unknown): unknown => {
    if (typeof x === 'string') return cleanText(x, 500);
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object')
      return Object.fromEntries(Object.entries(x).map(([k, y]) => [cleanText(k, 100), walk(y)]));
    return x;
  };
  return walk(redact(v));
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function toFinding(v: unknown): ReportFinding {
  const f = (v ?? {}) as Record<string, unknown>;
  return {
    id: cleanText(f.id, 200),
    kind: cleanText(f.kind, 20),
    severity: cleanText(f.severity, 20),
    resource: cleanText(f.resource, 300),
    message: cleanText(f.message, 1000),
    controls: Array.isArray(f.controls) ? f.controls.map((c) => cleanText(c, 60)) : [],
    ...(typeof f.remediation === 'string' && f.remediation ? { remediation: cleanText(f.remediation, 1000) } : {}),
  };
}

function toAssessment(e: Entry): ReportAssessment {
  return {
    status: cleanText(e.status, 20),
    summary: cleanText(e.summary, 1000),
    findings: Array.isArray(e.findings) ? e.findings.map(toFinding) : [],
    at: str(e.ts),
  };
}

const MODES: Record<string, string> = { wizard: 'onboarding', fix: 'fix', apply: 'apply', plan: 'plan' };

function toNextStep(v: unknown): AdvisoryResult | undefined {
  const n = (v ?? {}) as Record<string, unknown>;
  // Only ids the registry lists as advisories: anything else in the journal is not reported.
  if (!REGISTRY.advisories.some((e) => e.meta.id === str(n.id))) return undefined;
  const status: AdvisoryResult['status'] = ['pass', 'fail', 'not-checked', 'not-applicable'].includes(str(n.status))
    ? (n.status as AdvisoryResult['status'])
    : 'not-checked';
  return {
    id: str(n.id),
    status,
    message: cleanText(n.message, 1000),
    controls: Array.isArray(n.controls) ? n.controls.map((c) => cleanText(c, 60)) : [],
    resources: Array.isArray(n.resources) ? n.resources.map((r) => cleanText(r, 300)) : [],
  };
}

function handoffOf(e: Entry | undefined): SessionReport['handoff'] {
  if (!e) return null;
  return {
    arn: cleanText(e.principal, 300),
    type: typeof e.principalType === 'string' ? cleanText(e.principalType, 40) : null,
    profile: cleanText(e.profile, 100),
    steps: Array.isArray(e.steps) ? e.steps.map((id) => cleanText(id, 40)) : [],
  };
}

/** Builds the report from a session's journal entries (in file order). */
export function buildSessionReport(entries: Entry[], journalName: string): SessionReport {
  const start = entries.find((e) => e.type === 'session-start');
  if (!start) throw new JournalFormatError(`${journalName} is not a rootlock journal (it has no session-start entry).`);
  const ends = entries.filter((e) => e.type === 'session-end');
  const end = ends[ends.length - 1];
  const last = entries[entries.length - 1] ?? start;

  const known = new Map(REGISTRY.steps.map((s) => [s.meta.id, s.meta]));
  const stepOrder: string[] = [];
  const steps = new Map<string, ReportStep>();
  const stepFor = (id: string): ReportStep => {
    let s = steps.get(id);
    if (!s) {
      const meta = known.get(id);
      s = {
        id: cleanText(id, 60),
        title: meta?.title ?? cleanText(id, 60),
        controls: meta ? [...meta.controls] : [],
        before: null,
        after: null,
      };
      steps.set(id, s);
      stepOrder.push(id);
    }
    return s;
  };

  const descriptions = new Map<string, string>();
  const changes: ReportChange[] = [];
  const open = new Map<string, ReportChange>();
  const attestations: ReportAttestation[] = [];
  let nextSteps: AdvisoryResult[] | null = null;

  for (const e of entries) {
    switch (e.type) {
      case 'assessment': {
        const s = stepFor(str(e.step));
        if (e.phase === 'before' && !s.before) s.before = toAssessment(e);
        else if (e.phase === 'after') s.after = toAssessment(e);
        break;
      }
      case 'plan':
        for (const c of Array.isArray(e.changes) ? e.changes : []) {
          const ch = (c ?? {}) as Record<string, unknown>;
          if (typeof ch.id === 'string') descriptions.set(ch.id, cleanText(ch.description, 300));
        }
        break;
      case 'change-start': {
        stepFor(str(e.step));
        const c: ReportChange = {
          step: cleanText(e.step, 60),
          change: cleanText(e.change, 300),
          description: descriptions.get(str(e.change)) ?? '',
          operation: cleanText(e.operation, 100),
          params: cleanValue(e.params ?? {}),
          outcome: 'in-flight',
          startedAt: str(e.ts),
        };
        changes.push(c);
        open.set(str(e.change), c);
        break;
      }
      case 'change-end': {
        const c = open.get(str(e.change));
        if (!c) break;
        open.delete(str(e.change));
        const outcome = str(e.outcome);
        c.outcome = (
          ['applied', 'already-done', 'dry-run', 'failed'].includes(outcome) ? outcome : 'failed'
        ) as ReportChangeOutcome;
        c.endedAt = str(e.ts);
        const err = e.error as { code?: unknown; message?: unknown; deniedAction?: unknown } | undefined;
        if (err && typeof err === 'object') {
          c.error = {
            code: cleanText(err.code, 100),
            message: cleanText(err.message, 1000),
            ...(typeof err.deniedAction === 'string' ? { deniedAction: cleanText(err.deniedAction, 200) } : {}),
          };
        }
        break;
      }
      case 'attestation':
        attestations.push({
          step: cleanText(e.step, 60),
          item: cleanText(e.item, 100),
          by: cleanText(e.by, 300),
          statement: cleanText(e.statement, 1000),
          ...(typeof e.at === 'string' ? { at: cleanText(e.at, 40) } : {}),
        });
        break;
      case 'next-steps':
        nextSteps = (Array.isArray(e.items) ? e.items : [])
          .map(toNextStep)
          .filter((x): x is AdvisoryResult => x !== undefined);
        break;
      default:
        break;
    }
  }

  // Steps in the wizard's order, then any the registry does not know.
  const order = [...REGISTRY.stepIds.filter((id) => steps.has(id)), ...stepOrder.filter((id) => !known.has(id))];
  const totals: Record<ReportChangeOutcome, number> = {
    applied: 0,
    'already-done': 0,
    'dry-run': 0,
    failed: 0,
    'in-flight': 0,
  };
  for (const c of changes) totals[c.outcome] += 1;
  const command = str(start.command);
  return {
    schema: REPORT_SCHEMA,
    generatedAt: str(last.ts),
    session: {
      id: cleanText(start.session, 60),
      journal: cleanText(journalName, 200),
      command: cleanText(command, 20),
      mode: MODES[command] ?? cleanText(command, 20),
      dryRun: start.dryRun === true,
      startedAt: str(start.ts),
      endedAt: end ? str(end.ts) : null,
      outcome: end ? cleanText(end.outcome, 200) : 'unfinished',
      rootlockVersion: cleanText(start.version, 40),
      region: typeof start.region === 'string' ? cleanText(start.region, 40) : null,
    },
    account: {
      id: cleanText(start.account, 20),
      alias: typeof start.alias === 'string' ? cleanText(start.alias, 100) : null,
      type: typeof start.accountType === 'string' ? cleanText(start.accountType, 40) : null,
      organizationId: typeof start.organizationId === 'string' ? cleanText(start.organizationId, 80) : null,
    },
    principal: {
      arn: cleanText(start.principal, 300),
      type: typeof start.principalType === 'string' ? cleanText(start.principalType, 40) : null,
    },
    handoff: handoffOf(entries.find((e) => e.type === 'session-switch')),
    steps: order.map((id) => steps.get(id) as ReportStep),
    changes,
    attestations,
    nextSteps,
    totals,
  };
}

/** Reads a journal file and builds its report. */
export function reportFromJournalFile(path: string): SessionReport {
  return buildSessionReport(readJournalFile(path), basename(path));
}
