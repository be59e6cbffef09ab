/**
 * The wizard (`rootlock`), remediation (`rootlock fix`: only the failing steps) and `rootlock
 * plan --out FILE` (the questions and the exact changes recorded, nothing sent): the runner takes
 * every selected step through its life cycle; then the next steps, the summary and the reports.
 */
import { findingKeys, PLAN_SCHEMA, type PlanFile } from '../../engine/plan-file.js';
import { asPrincipal, runWizard, wizardContext } from '../../engine/runner.js';
import type { Prompter } from '../../engine/types.js';
import { writeOwnerOnly } from '../../report/write.js';
import { safeJson } from '../../util/json.js';
import type { CliArgs } from '../args.js';
import { EXIT, exitForSteps } from '../exit-codes.js';
import { profileHandoff } from '../handoff.js';
import {
  journaledNextSteps,
  openChangeSession,
  printSummary,
  showNextSteps,
  writeReports,
  type LiveSession,
  type RunDeps,
  type RunSession,
} from '../session.js';
import { version } from '../version.js';

export async function wizardCommand(
  run: RunSession,
  args: CliArgs,
  deps: RunDeps,
  live: LiveSession,
  prompter: Prompter,
): Promise<number> {
  const { ctx } = run;
  const { output, caller, account, clock } = ctx;
  const { journal, gate } = openChangeSession(run, args, deps, live);
  const recording = args.command === 'plan';
  // Root onboarding: once the admins exist, offer to go on with an admin's profile.
  const handoff =
    caller.type === 'root'
      ? profileHandoff(ctx.factory, { region: run.region, endpoint: args.endpointUrl })
      : undefined;
  const wctx = wizardContext(ctx, {
    prompter,
    journal,
    gate,
    recording,
    // fix and plan walk only what fails: offers to improve what passes are the onboarding wizard's.
    onlyFailing: args.command === 'fix' || recording,
    handoff,
  });
  if (args.dryRun) output.warn('Dry run: every change is shown and none is sent.');
  const outcomes = await runWizard(run.steps, wctx);
  // After a handoff the admin reads the next steps (root may have just removed the key it signs with).
  const after = handoff?.session ? asPrincipal(ctx, handoff.session) : ctx;
  // Root's last steps changed the account after the admin's last reads.
  if (after !== ctx) after.reads.invalidate();
  const next = recording ? [] : await journaledNextSteps(run, after, journal, gate);
  journal.write({ type: 'session-end', outcome: 'completed' });
  if (recording && args.out) {
    const plan: PlanFile = {
      schema: PLAN_SCHEMA,
      createdAt: clock.now().toISOString(),
      rootlockVersion: version(),
      account: { id: account.id, alias: account.alias ?? null },
      principal: caller.arn,
      steps: outcomes
        .filter((o) => o.plan.length > 0)
        .map((o) => ({ id: o.id, answers: o.answers[0], findings: findingKeys(o.before.findings), changes: o.plan })),
    };
    // Owner-only even when the file was already there; account data in it escaped like the journal's.
    writeOwnerOnly(args.out, safeJson(plan));
    output.success(
      `Plan written to ${args.out}: ${outcomes.reduce((n, o) => n + o.plan.length, 0)} change(s). Apply it with: ` +
        `rootlock apply ${args.out}`,
    );
    return EXIT.ok;
  }
  printSummary(output, outcomes);
  showNextSteps(run, next);
  if (journal.path) output.info(`Journal of this session: ${journal.path}`);
  writeReports(journal, output, run.region);
  return exitForSteps(outcomes.map((o) => (o.after ?? o.before).status));
}
