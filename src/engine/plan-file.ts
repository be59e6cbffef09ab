/**
 * Plan files: `rootlock plan --out plan.json` records, per step, the operator's answers
 * and the exact changes they produce; `rootlock apply plan.json` re-reads the account,
 * re-derives the plan from the same answers, refuses when the account drifted (the
 * same answers now give different changes, or the findings changed), and otherwise
 * sends exactly the recorded changes. Plans hold no secrets: generated passwords stay
 * `{ $secret }` placeholders until apply.
 */
import type { Change, StepId } from './types.js';

export const PLAN_SCHEMA = 'rootlock.plan/v1';

export interface PlannedStep {
  id: StepId;
  /** What the step asked and the operator answered (the input of `plan`). */
  answers: unknown;
  /** Finding ids (with their resources) when the plan was made. */
  findings: string[];
  changes: Change[];
}

export interface PlanFile {
  schema: typeof PLAN_SCHEMA;
  createdAt: string;
  rootlockVersion: string;
  account: { id: string; alias: string | null };
  principal: string;
  steps: PlannedStep[];
}

/** Why a plan file was refused. */
export class PlanFileError extends Error {
  override name = 'PlanFileError';
}

/** Parses and validates a plan file's text against the registry's step ids. Every problem names what is wrong. */
export function parsePlanFile(text: string, source: string, stepIds: readonly StepId[]): PlanFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new PlanFileError(
      `${source} is not valid JSON (${(err as Error).message}); it may be truncated. Make a new plan with rootlock ` +
        `plan --out FILE.`,
    );
  }
  const p = v as Partial<PlanFile>;
  if (!p || typeof p !== 'object' || Array.isArray(p))
    throw new PlanFileError(`${source} is not a rootlock plan (expected a JSON object).`);
  if (p.schema !== PLAN_SCHEMA)
    throw new PlanFileError(
      `${source} is not a rootlock plan (schema ${JSON.stringify(p.schema)}, expected ${PLAN_SCHEMA}).`,
    );
  if (!p.account || typeof p.account.id !== 'string' || !/^\d{12}$/.test(p.account.id)) {
    throw new PlanFileError(`${source} has no valid account id.`);
  }
  if (!Array.isArray(p.steps)) throw new PlanFileError(`${source} has no steps.`);
  for (const s of p.steps) {
    if (!s || !stepIds.includes(s.id))
      throw new PlanFileError(`${source} names an unknown step ${JSON.stringify(s?.id)}.`);
    if (!Array.isArray(s.changes) || !Array.isArray(s.findings))
      throw new PlanFileError(`${source}: step ${s.id} is incomplete.`);
    for (const c of s.changes) {
      if (
        !c ||
        typeof c.id !== 'string' ||
        typeof c.operation !== 'string' ||
        typeof c.service !== 'string' ||
        typeof c.params !== 'object'
      ) {
        throw new PlanFileError(`${source}: step ${s.id} holds a malformed change.`);
      }
    }
  }
  return p as PlanFile;
}

/** A stable text form of a change list, for comparison. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** The differences between a recorded plan step and what the account gives now; empty when none. */
export function planDrift(recorded: PlannedStep, now: { findings: string[]; changes: Change[] }): string[] {
  const diffs: string[] = [];
  const was = new Set(recorded.findings);
  const is = new Set(now.findings);
  for (const f of is) if (!was.has(f)) diffs.push(`new finding: ${f}`);
  for (const f of was) if (!is.has(f)) diffs.push(`finding gone: ${f}`);
  const before = new Map(recorded.changes.map((c) => [canonical(c), c]));
  const after = new Map(now.changes.map((c) => [canonical(c), c]));
  for (const [k, c] of before)
    if (!after.has(k)) diffs.push(`planned change no longer right: ${c.description} (${c.service}:${c.operation})`);
  for (const [k, c] of after)
    if (!before.has(k))
      diffs.push(`change now needed that the plan lacks: ${c.description} (${c.service}:${c.operation})`);
  return diffs;
}

/** Finding keys as recorded in plans: id and resource. */
export function findingKeys(findings: Array<{ id: string; resource: string }>): string[] {
  return findings.map((f) => `${f.id} @ ${f.resource}`).sort();
}
