/**
 * The commands that talk to AWS, behind one entry: the terminal UI, Ctrl-C, the command, and the
 * one handler that turns whatever ended the run into its message and exit code.
 */
import { readFileSync } from 'node:fs';
import { CredentialsLostError, RunError, toRunError, UngatedMutationError } from '../aws/errors.js';
import { REGISTRY } from '../engine/registry.js';
import type { Output, Prompter } from '../engine/types.js';
import { sanitize } from '../util/text.js';
import type { CliArgs } from './args.js';
import { applyCommand, readPlanFile } from './commands/apply.js';
import { applyOrgCommand, fixOrgCommand, readContactsPolicy, validatePlanDecisions } from './commands/fix-org.js';
import { checkCommand } from './commands/check.js';
import { checkOrgCommand } from './commands/check-org.js';
import { reportCommand } from './commands/report.js';
import { wizardCommand } from './commands/wizard.js';
import { EXIT, exitForError } from './exit-codes.js';
import { defaultOrgArgs } from './args.js';
import { openRunSession, type LiveSession, type RunDeps } from './session.js';
import { planOutWritable } from './plan-out.js';

export type { RunDeps } from './session.js';

export async function runCommand(args: CliArgs, deps: RunDeps = {}): Promise<number> {
  const ui = deps.ui ?? (await defaultUi(args));
  const live: LiveSession = {};
  // Ctrl-C at a prompt arrives as CancelledError (the prompt holds the terminal in raw mode);
  // at any other moment it is a SIGINT, handled here for real terminal runs.
  const onSigint = () => {
    interrupted(ui.output, live, 'SIGINT');
    ui.close();
    process.exit(EXIT.interrupted);
  };
  if (!deps.ui) process.once('SIGINT', onSigint);
  try {
    return await dispatch(args, deps, ui, live);
  } catch (err) {
    return handleError(err, ui.output, live);
  } finally {
    process.removeListener('SIGINT', onSigint);
    ui.close();
  }
}

/** Says what was done and how to go on, and closes the journal's record of the session. */
function interrupted(output: Output, live: LiveSession, why: string): void {
  const applied = live.gate?.results.filter((r) => r.outcome === 'applied' || r.outcome === 'already-done') ?? [];
  live.journal?.write({ type: 'session-end', outcome: `interrupted: ${why}` });
  output.warn(
    live.progress
      ? `Interrupted. ${live.progress()}`
      : `Interrupted. ${applied.length} change(s) had been ` +
          `applied${applied.length ? `: ${applied.map((r) => r.changeId).join(', ')}` : ''}.`,
  );
  const inFlight = live.progress ? undefined : live.gate?.inFlight;
  if (inFlight) {
    output.warn(
      `In flight when interrupted: ${inFlight.description} (${inFlight.service}:${inFlight.operation}). It may or ` +
        `may not have reached AWS; the next run reads AWS and finishes it if needed.`,
    );
  }
  output.detail([
    'Changes already sent stay in place. Run the same rootlock command again: it re-reads AWS and continues from the ' +
      "account's actual state.",
    ...(live.journal?.path
      ? [
          `Journal of this session: ${live.journal.path}`,
          `Its report (what was done, what was in flight): rootlock report ${live.journal.path}`,
        ]
      : []),
  ]);
}

async function defaultUi(args: CliArgs): Promise<{ output: Output; prompter: Prompter; close(): void }> {
  const { createTerminalUi } = await import('../ui/index.js');
  let answers: Record<string, unknown> = {};
  if (args.answersFile) answers = readAnswersFile(args.answersFile);
  return createTerminalUi({
    color: args.color,
    // check asks nothing and draws nothing (scripts, CI); check --org draws its progress on a terminal.
    interactive: args.command === 'check' && !args.org ? false : undefined,
    answers: { ...answers, ...args.answers },
    yes: args.yes,
  });
}

function readAnswersFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RunError('BAD_ANSWERS', `Cannot read answers file ${path}: ${(err as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new RunError('BAD_ANSWERS', `Answers file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new RunError('BAD_ANSWERS', `Answers file ${path} must hold a JSON object of question id -> answer.`);
  }
  return v as Record<string, unknown>;
}

async function dispatch(
  args: CliArgs,
  deps: RunDeps,
  ui: { output: Output; prompter: Prompter },
  live: LiveSession,
): Promise<number> {
  if (args.command === 'report') return reportCommand(args, ui.output);
  if (args.command === 'plan' && !args.out) throw new RunError('BAD_FLAGS', '`rootlock plan` needs --out FILE.');
  if (args.command === 'plan' && args.out) planOutWritable(args.out);
  const registry = deps.registry ?? REGISTRY;
  // A plan file (and a contacts policy) is read and validated before any AWS call.
  const plan = args.command === 'apply' ? readPlanFile(args, registry) : undefined;
  if (plan?.kind === 'single' && args.org)
    throw new RunError('BAD_FLAGS', '--org: this plan is for one account, not an organization.');
  if (plan?.kind === 'org' && !args.org) args.org = defaultOrgArgs();
  if (plan?.kind === 'org') validatePlanDecisions(plan.plan, await selected(registry, args));
  const orgFix = args.org && (args.command === 'fix' || args.command === 'plan');
  const contacts =
    orgFix && args.org?.contacts ? readContactsPolicy(args.org.contacts, await selected(registry, args)) : undefined;
  const run = await openRunSession(args, deps, ui.output, registry);
  if (args.command === 'check') return args.org ? checkOrgCommand(run, args, deps) : checkCommand(run, args, deps);
  if (plan?.kind === 'org') return applyOrgCommand(run, plan.plan, args, deps, live, ui.prompter);
  if (plan) return applyCommand(run, plan.plan, args, deps, live, ui.prompter);
  if (orgFix) return fixOrgCommand(run, args, deps, live, ui.prompter, contacts);
  if (args.org) throw new RunError('BAD_FLAGS', '--org goes with `rootlock check`, `fix`, `plan` or `apply`.');
  return wizardCommand(run, args, deps, live, ui.prompter);
}

/** The steps --only/--skip select (an unknown id is a flag error). */
async function selected(registry: typeof REGISTRY, args: CliArgs) {
  try {
    registry.selectEntries(args.only, args.skip);
  } catch (err) {
    throw new RunError('BAD_FLAGS', (err as Error).message);
  }
  return registry.select(args.only, args.skip);
}

/** Says what ended the run; the exit code comes from the one map in exit-codes.ts. */
async function handleError(err: unknown, output: Output, live: LiveSession): Promise<number> {
  const { CancelledError, NeedsInputError, InvalidAnswerError } = await import('../ui/errors.js');
  if (err instanceof CancelledError) interrupted(output, live, 'cancelled at a prompt');
  else {
    live.journal?.write({ type: 'session-end', outcome: `stopped: ${(err as Error)?.name ?? 'error'}` });
    reportError(err, output, live, err instanceof NeedsInputError || err instanceof InvalidAnswerError);
  }
  return exitForError(err);
}

function reportError(err: unknown, output: Output, live: LiveSession, needsInput: boolean): void {
  if (needsInput) {
    output.error((err as Error).message);
    if (live.journal?.path) output.detail([`Journal of this session: ${live.journal.path}`]);
    return;
  }
  if (err instanceof UngatedMutationError) {
    output.error(`Internal error: ${err.message}`);
    return;
  }
  if (err instanceof CredentialsLostError) {
    const applied = live.gate?.results.filter((r) => r.outcome === 'applied' || r.outcome === 'already-done') ?? [];
    output.error(`${err.message} AWS said: ${sanitize(err.failure.message, { maxLength: 200 })}`);
    output.detail(
      [
        applied.length
          ? `Done before that, and kept in place: ${applied.map((r) => r.changeId).join(', ')}.`
          : 'No change had been applied in this session.',
        ...(err.notRun.length ? [`Not run: ${err.notRun.join(', ')}.`] : []),
        err.hint ?? '',
        ...(live.journal?.path ? [`Journal of this session: ${live.journal.path}`] : []),
      ].filter(Boolean),
    );
    return;
  }
  const e = err instanceof RunError ? err : toRunError(err);
  output.error(e.message);
  if (e.hint) output.detail([e.hint]);
}
