/**
 * `rootlock apply PLAN`: re-read the account, refuse when it drifted from what the plan
 * assumed, otherwise send exactly the recorded changes (through the runner's one path from a
 * plan to AWS) and verify each step by reading AWS again.
 */
import { readFileSync } from 'node:fs';
import { RunError } from '../../aws/errors.js';
import { isOrgPlan, type OrgPlanFile, parseOrgPlan } from '../../engine/org-plan-file.js';
import { parsePlanFile, type PlanFile } from '../../engine/plan-file.js';
import type { Registry } from '../../engine/registry.js';
import { applyRecordedPlan, wizardContext } from '../../engine/runner.js';
import type { Prompter } from '../../engine/types.js';
import type { CliArgs } from '../args.js';
import { EXIT, exitForSteps } from '../exit-codes.js';
import {
  journaledNextSteps,
  openChangeSession,
  showNextSteps,
  writeReports,
  type LiveSession,
  type RunDeps,
  type RunSession,
} from '../session.js';

/** A plan file as read: one account's, or an organization's. */
export type ReadPlan = { kind: 'single'; plan: PlanFile } | { kind: 'org'; plan: OrgPlanFile };

/** Reads and validates the plan file named on the command line, before any AWS call. */
export function readPlanFile(args: CliArgs, registry: Registry): ReadPlan {
  const file = args.positionals[0];
  if (!file || args.positionals.length > 1) throw new RunError('BAD_FLAGS', 'Usage: rootlock apply PLAN.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RunError('BAD_PLAN', `Cannot read plan ${file}: ${(err as Error).message}`);
  }
  try {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined; // parsePlanFile says what is wrong with it
    }
    if (isOrgPlan(value)) return { kind: 'org', plan: parseOrgPlan(value, file, registry.stepIds) };
    return { kind: 'single', plan: parsePlanFile(text, file, registry.stepIds) };
  } catch (err) {
    throw new RunError('BAD_PLAN', (err as Error).message);
  }
}

export async function applyCommand(
  run: RunSession,
  plan: PlanFile,
  args: CliArgs,
  deps: RunDeps,
  live: LiveSession,
  prompter: Prompter,
): Promise<number> {
  const { ctx } = run;
  const { output, account } = ctx;
  if (plan.account.id !== account.id) {
    throw new RunError(
      'BAD_PLAN',
      `The plan is for account ${plan.account.id}, but these credentials act on account ${account.id}. Nothing was ` +
        `changed.`,
    );
  }
  const { journal, gate } = openChangeSession(run, args, deps, live);
  const wctx = wizardContext(ctx, { prompter, journal, gate });
  const chosen = plan.steps.filter((p) => run.steps.some((s) => s.meta.id === p.id));
  const result = await applyRecordedPlan(chosen, run.steps, wctx);
  const refused = result.drift.length > 0;
  const code = refused
    ? EXIT.runFailed
    : exitForSteps(
        result.statuses,
        result.results.some((r) => r.outcome === 'failed'),
      );
  const next = refused ? [] : await journaledNextSteps(run, ctx, journal, gate);
  journal.write({ type: 'session-end', outcome: refused ? 'refused' : 'completed' });
  showNextSteps(run, next);
  if (journal.path) output.info(`Journal of this session: ${journal.path}`);
  writeReports(journal, output, run.region);
  return code;
}
