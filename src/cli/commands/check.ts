/**
 * `rootlock check`: every selected step read and assessed, then the next steps; no prompts, no
 * changes. `--json` prints one document, `--asff FILE` writes the findings for Security Hub.
 */
import { runAdvisories } from '../../engine/advisories.js';
import { runCheck } from '../../engine/runner.js';
import { asffFromCheck } from '../../report/asff.js';
import { buildCheckDocument, serializeCheckDocument } from '../../report/check-json.js';
import { writeOwnerOnly } from '../../report/write.js';
import { safeJson } from '../../util/json.js';
import type { CliArgs } from '../args.js';
import { exitForSteps } from '../exit-codes.js';
import { printSummary, showNextSteps, type RunDeps, type RunSession } from '../session.js';
import { version } from '../version.js';

export async function checkCommand(run: RunSession, args: CliArgs, deps: RunDeps): Promise<number> {
  const { ctx } = run;
  const outcomes = await runCheck(run.steps, ctx);
  const next = await runAdvisories(run.advisories, ctx);
  const doc = buildCheckDocument(ctx.account, ctx.caller, outcomes, ctx.pool.counter, ctx.clock.now(), next);
  if (args.asff) writeOwnerOnly(args.asff, safeJson(asffFromCheck(doc, run.region, version())));
  if (args.json) (deps.stdout ?? process.stdout).write(`${serializeCheckDocument(doc)}\n`);
  else {
    printSummary(ctx.output, outcomes);
    showNextSteps(run, next);
  }
  if (args.asff) ctx.output.info(`Findings for AWS Security Hub (ASFF) written to ${args.asff}`);
  return exitForSteps(doc.steps.map((s) => s.status));
}
