/**
 * Commands that talk to AWS: builds the session (client pool, identity, shared reads,
 * gate, journal), runs the steps, and maps the outcome to an exit code.
 */
import { randomUUID } from 'node:crypto';
import { accessSync, constants as fsConstants, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { CredentialsLostError, RunError, toRunError, UngatedMutationError } from '../aws/errors.js';
import { describePrincipal, readIdentity } from '../aws/identity.js';
import { ClientPool, type Credentials } from '../aws/pool.js';
import { AccountReads } from '../aws/reads.js';
import { MutationGate } from '../engine/gate.js';
import { defaultJournalDir, findInterrupted, openJournal, type Journal } from '../engine/journal.js';
import { findingKeys, parsePlanFile, planDrift, PLAN_SCHEMA, type PlanFile } from '../engine/plan-file.js';
import { selectSteps, stepById } from '../engine/registry.js';
import { applyPlan, assessStep, journalAssessment, runCheck, runWizard, showAssessment, showPlan, type StepOutcome, type WizardContext } from '../engine/runner.js';
import type { RunOptions, StepContext, StepDefinition } from '../engine/step.js';
import { systemClock, type Assessment, type Clock, type Output, type Prompter, type StepId, type StepStatus } from '../engine/types.js';
import { asffFromCheck } from '../report/asff.js';
import { buildCheckDocument, exitCodeFor, serializeCheckDocument } from '../report/check-json.js';
import { JournalFormatError } from '../report/session-report.js';
import { safeJson, writeOwnerOnly, writeSessionReports } from '../report/write.js';
import { runNextSteps, showNextSteps, type NextStep } from '../steps/next-steps/index.js';
import { sanitize } from '../util/text.js';
import type { CliArgs } from './args.js';
import { profileHandoff } from './handoff.js';

/** What a command needs from outside; tests inject their own. */
export interface RunDeps {
  ui?: { output: Output; prompter: Prompter; close(): void };
  credentials?: Credentials;
  stdout?: { write(s: string): unknown };
  clock?: Clock;
  generateSecret?: () => string;
  /** Called with the gate and journal once created (tests inspect them). */
  onSession?: (s: { gate: MutationGate; journal: Journal; pool: ClientPool }) => void;
}

function version(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

/** What an interruption needs to report: filled in as the session is built. */
interface LiveSession {
  journal?: Journal;
  gate?: MutationGate;
}

export async function runCommand(args: CliArgs, deps: RunDeps = {}): Promise<number> {
  const ui = deps.ui ?? (await defaultUi(args));
  const live: LiveSession = {};
  // Ctrl-C at a prompt arrives as CancelledError (the prompt holds the terminal in raw mode);
  // at any other moment it is a SIGINT, handled here for real terminal runs.
  const onSigint = () => {
    interrupted(ui.output, live, 'SIGINT');
    ui.close();
    process.exit(130);
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
  output.warn(`Interrupted. ${applied.length} change(s) had been applied${applied.length ? `: ${applied.map((r) => r.changeId).join(', ')}` : ''}.`);
  const inFlight = live.gate?.inFlight;
  if (inFlight) {
    output.warn(`In flight when interrupted: ${inFlight.description} (${inFlight.service}:${inFlight.operation}). It may or may not have reached AWS; the next run reads AWS and finishes it if needed.`);
  }
  output.detail([
    'Changes already sent stay in place. Run the same rootlock command again: it re-reads AWS and continues from the account\'s actual state.',
    ...(live.journal?.path ? [`Journal of this session: ${live.journal.path}`, `Its report (what was done, what was in flight): rootlock report ${live.journal.path}`] : []),
  ]);
}

async function defaultUi(args: CliArgs): Promise<{ output: Output; prompter: Prompter; close(): void }> {
  const { createTerminalUi } = await import('../ui/index.js');
  let answers: Record<string, unknown> = {};
  if (args.answersFile) answers = readAnswersFile(args.answersFile);
  return createTerminalUi({
    color: args.color,
    interactive: args.command === 'check' ? false : undefined,
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

async function dispatch(args: CliArgs, deps: RunDeps, ui: { output: Output; prompter: Prompter }, live: LiveSession): Promise<number> {
  if (args.command === 'report') return reportCommand(args, ui.output);
  if (args.command === 'plan' && !args.out) throw new RunError('BAD_FLAGS', '`rootlock plan` needs --out FILE.');
  if (args.command === 'plan' && args.out) planOutWritable(args.out);
  let planFile: PlanFile | undefined;
  if (args.command === 'apply') {
    const file = args.positionals[0];
    if (!file || args.positionals.length > 1) throw new RunError('BAD_FLAGS', 'Usage: rootlock apply PLAN.json');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new RunError('BAD_PLAN', `Cannot read plan ${file}: ${(err as Error).message}`);
    }
    try {
      planFile = parsePlanFile(text, file);
    } catch (err) {
      throw new RunError('BAD_PLAN', (err as Error).message);
    }
  }
  const clock = deps.clock ?? systemClock;
  const region = args.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const steps = (() => {
    try {
      return selectSteps(args.only, args.skip.filter((s) => s !== NEXT_STEPS_SKIP));
    } catch (err) {
      throw new RunError('BAD_FLAGS', (err as Error).message);
    }
  })();
  const pool = new ClientPool({ region, profile: args.profile, endpoint: args.endpointUrl, credentials: deps.credentials });
  const output = ui.output;
  const who = output.progress('Checking who is signed in');
  let identity;
  try {
    identity = await readIdentity(pool);
  } finally {
    who.stop();
  }
  const { caller, account } = identity;
  const options: RunOptions = {
    dryRun: args.dryRun,
    assessOnly: args.command === 'check',
    yes: args.yes,
    region,
    targetAccount: args.targetAccount,
    verifyProfile: args.verifyProfile,
    adminGroup: args.adminGroup,
    regions: args.regions,
  };
  const ctx: StepContext = {
    pool,
    reads: new AccountReads(pool, clock),
    caller,
    account,
    clock,
    output,
    options,
    assessments: new Map<StepId, Assessment>(),
  };
  const accountLabel = account.alias ? `${account.id} (${sanitize(account.alias)})` : account.id;
  output.info(`Acting as ${sanitize(caller.arn)}, ${describePrincipal(caller.type)}, on account ${accountLabel}.`);
  if (caller.type === 'root') {
    output.warn(
      args.command === 'check'
        ? 'You are signed in as the root user. For checks, an IAM principal with the read-only policy in docs/iam/check-policy.json is enough.'
        : "You are signed in as the root user. rootlock uses root only for what needs it: once the account has its admins, it offers to go on with an admin's AWS profile.",
    );
  }

  if (args.command === 'check') {
    const outcomes = await runCheck(steps, ctx);
    const next = withNextSteps(args) ? await runNextSteps(ctx) : [];
    const doc = buildCheckDocument(account, caller, outcomes, pool.counter, clock.now(), next);
    if (args.asff) writeOwnerOnly(args.asff, safeJson(asffFromCheck(doc, region, version())));
    if (args.json) (deps.stdout ?? process.stdout).write(`${serializeCheckDocument(doc)}\n`);
    else {
      printSummary(output, outcomes);
      showNextSteps(output, next);
    }
    if (args.asff) output.info(`Findings for AWS Security Hub (ASFF) written to ${args.asff}`);
    return exitCodeFor(doc.steps.map((s) => s.status));
  }

  if (planFile && planFile.account.id !== account.id) {
    throw new RunError('BAD_PLAN', `The plan is for account ${planFile.account.id}, but these credentials act on account ${account.id}. Nothing was changed.`);
  }

  const journalDir = args.journalDir ?? defaultJournalDir();
  const interrupted = args.dryRun ? undefined : findInterrupted(journalDir, account.id);
  if (interrupted) {
    output.warn(`An earlier session on this account did not finish (${interrupted.path}). rootlock re-reads AWS and continues from the account's actual state.`);
    if (interrupted.inFlight.length > 0) {
      output.detail(interrupted.inFlight.map((c) => `In flight when it stopped (it may or may not have reached AWS; the steps below check): ${c.step}: ${c.operation} (${c.change})`));
    }
  }
  const sessionId = randomUUID().slice(0, 8);
  let journal: Journal;
  try {
    journal = openJournal({ dir: journalDir, sessionId, now: clock.now() });
  } catch (err) {
    // Before anything is sent: no session starts without its record.
    throw new RunError(
      'BAD_JOURNAL_DIR',
      `Cannot write the session journal in ${sanitize(journalDir, { maxLength: 200 })}: ${sanitize((err as Error).message, { maxLength: 200 })}. Nothing was changed.`,
      'Use --journal-dir DIR (or ROOTLOCK_HOME) to choose a directory you can write to.',
    );
  }
  journal.write({
    type: 'session-start',
    command: args.command,
    dryRun: args.dryRun,
    account: account.id,
    principal: caller.arn,
    version: version(),
    alias: account.alias ?? null,
    principalType: caller.type,
    region,
  });
  const planning = args.command === 'plan';
  const gate = new MutationGate({ pool, dryRun: args.dryRun || planning, journal, output, clock, generateSecret: deps.generateSecret });
  live.journal = journal;
  live.gate = gate;
  deps.onSession?.({ gate, journal, pool });
  // Root onboarding: once the admins exist, offer to go on with an admin's profile (src/cli/handoff.ts).
  const handoff = caller.type === 'root' && !planFile ? profileHandoff({ region, endpoint: args.endpointUrl }) : undefined;
  const wctx: WizardContext = { ...ctx, prompter: ui.prompter, journal, gate, onlyFailing: args.command === 'fix', handoff };
  if (planFile) {
    const code = await applyPlanFile(planFile, steps, wctx);
    const next = code === 2 ? [] : await journaledNextSteps(ctx, journal, withNextSteps(args), gate);
    journal.write({ type: 'session-end', outcome: code === 2 ? 'refused' : 'completed' });
    showNextSteps(output, next);
    if (journal.path) output.info(`Journal of this session: ${journal.path}`);
    writeReports(journal, output, region);
    return code;
  }
  if (args.dryRun) output.warn('Dry run: every change is shown and none is sent.');
  const outcomes = await runWizard(steps, wctx);
  // After a handoff the admin reads the next steps (root may have just removed the key it signs with).
  const after = handoff?.session ? { ...ctx, ...handoff.session } : ctx;
  // Root's last steps changed the account after the admin's last reads.
  if (after !== ctx) after.reads.invalidate();
  const next = planning ? [] : await journaledNextSteps(after, journal, withNextSteps(args), gate);
  journal.write({ type: 'session-end', outcome: 'completed' });
  if (planning && args.out) {
    writePlanFile(args.out, {
      schema: PLAN_SCHEMA,
      createdAt: clock.now().toISOString(),
      rootlockVersion: version(),
      account: { id: account.id, alias: account.alias ?? null },
      principal: caller.arn,
      steps: outcomes
        .filter((o) => o.plan.length > 0)
        .map((o) => ({ id: o.id, answers: o.answers[0], findings: findingKeys(o.before.findings), changes: o.plan })),
    });
    output.success(`Plan written to ${args.out}: ${outcomes.reduce((n, o) => n + o.plan.length, 0)} change(s). Apply it with: rootlock apply ${args.out}`);
    return 0;
  }
  printSummary(output, outcomes);
  showNextSteps(output, next);
  if (journal.path) output.info(`Journal of this session: ${journal.path}`);
  writeReports(journal, output, region);
  return exitCodeFor(outcomes.map((o) => (o.after ?? o.before).status));
}

/** Refuses an --out the plan could not be written to, before any question is asked. */
function planOutWritable(out: string): void {
  const why = (() => {
    try {
      if (statSync(out).isDirectory()) return 'it is a directory';
    } catch {
      // does not exist yet: its directory must be writable
    }
    try {
      const parent = dirname(resolve(out));
      if (!statSync(parent).isDirectory()) return `${parent} is not a directory`;
      accessSync(parent, fsConstants.W_OK);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  })();
  if (why) throw new RunError('BAD_FLAGS', `Cannot write the plan to ${sanitize(out, { maxLength: 200 })}: ${sanitize(why, { maxLength: 200 })}.`, 'Give --out a file in a directory you can write to.');
}

function writePlanFile(path: string, plan: PlanFile): void {
  writeFileSync(path, `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Applies a plan file: for each planned step, read and assess the account now and re-derive
 * the plan from the recorded answers; any difference is drift and nothing is sent. Otherwise
 * confirm once, send exactly the recorded changes, and verify.
 */
async function applyPlanFile(plan: PlanFile, selected: StepDefinition[], ctx: WizardContext): Promise<number> {
  const { output } = ctx;
  const chosen = plan.steps.filter((p) => selected.some((s) => s.meta.id === p.id));
  const drift: string[] = [];
  const states = new Map<StepId, unknown>();
  for (const planned of chosen) {
    const step = stepById(planned.id);
    const { state, assessment } = await assessStep(step, ctx);
    journalAssessment(ctx.journal, planned.id, 'before', assessment);
    if (assessment.status === 'error' || state === undefined) {
      drift.push(`${planned.id}: cannot read the account: ${assessment.summary}`);
      continue;
    }
    states.set(planned.id, state);
    const now = { findings: findingKeys(assessment.findings), changes: step.plan ? await step.plan(state, planned.answers, ctx) : [] };
    for (const d of planDrift(planned, now)) drift.push(`${planned.id}: ${d}`);
  }
  if (drift.length > 0) {
    output.error('The account changed since the plan was made; nothing was applied.');
    output.detail(drift.map((d) => sanitize(d, { maxLength: 300 })));
    output.info('Make a new plan with rootlock plan --out FILE.');
    return 2;
  }
  const changes = chosen.flatMap((p) => p.changes);
  if (changes.length === 0) {
    output.success('The plan holds no changes.');
    return 0;
  }
  showPlan(output, changes, ctx.gate.dryRun);
  if (ctx.gate.dryRun) {
    for (const c of changes) await ctx.gate.execute(c);
    output.info(`Dry run: ${changes.length} change(s) shown, none sent.`);
    return 0;
  }
  const destructive = changes.some((c) => c.destructive);
  const go = await ctx.prompter.confirm({ id: 'apply.confirm', message: `Apply these ${changes.length} changes?`, default: !destructive, safeDefault: !destructive });
  if (!go) {
    output.info('Nothing was changed.');
    return 0;
  }
  const results = await applyPlan(changes, ctx);
  ctx.reads.invalidate();
  const statuses: StepStatus[] = [];
  for (const planned of chosen) {
    const { assessment } = await assessStep(stepById(planned.id), ctx);
    journalAssessment(ctx.journal, planned.id, 'after', assessment);
    output.heading(stepById(planned.id).meta.title);
    showAssessment(output, assessment);
    statuses.push(assessment.status);
  }
  if (results.some((r) => r.outcome === 'failed')) return 1;
  return exitCodeFor(statuses);
}

/** `--skip next-steps` leaves out the next steps; they are not a step of the registry. */
const NEXT_STEPS_SKIP = 'next-steps';

/** The next steps run after the four, unless the run was narrowed with --only or --skip next-steps. */
function withNextSteps(args: CliArgs): boolean {
  return args.only.length === 0 && !args.skip.includes(NEXT_STEPS_SKIP);
}

/** Runs the next steps (read-only, never throwing) and journals them for the session report. */
async function journaledNextSteps(ctx: StepContext, journal: Journal, enabled: boolean, gate: MutationGate): Promise<NextStep[]> {
  if (!enabled) return [];
  if (gate.removedSigningKey(ctx.caller.accessKeyId)) {
    ctx.output.info('Next steps not checked: this session removed the key it signs with. Run `rootlock check` with other credentials.');
    return [];
  }
  const next = await runNextSteps(ctx);
  journal.write({ type: 'next-steps', items: next });
  return next;
}

/** Writes the session's reports beside its journal; a failure to write is a warning, never the session's failure. */
function writeReports(journal: Journal, output: Output, region: string): void {
  if (!journal.path) return;
  try {
    const w = writeSessionReports(journal.path, { region });
    output.info(`Report of this session: ${w.markdown} (also ${basename(w.json)}, and ${basename(w.asff)} for AWS Security Hub)`);
  } catch (err) {
    output.warn(`The session report could not be written (${sanitize((err as Error).message, { maxLength: 300 })}). Make it later with: rootlock report ${journal.path}`);
  }
}

/** `rootlock report JOURNAL [--out-dir DIR]`: rebuilds a session's reports from its journal, without AWS. */
function reportCommand(args: CliArgs, output: Output): number {
  const file = args.positionals[0];
  if (!file || args.positionals.length > 1) throw new RunError('BAD_FLAGS', 'Usage: rootlock report JOURNAL.jsonl [--out-dir DIR]');
  let w;
  try {
    w = writeSessionReports(file, { outDir: args.outDir, region: args.region });
  } catch (err) {
    if (err instanceof JournalFormatError) throw new RunError('BAD_JOURNAL', err.message);
    throw new RunError('BAD_JOURNAL', `Cannot make a report from ${file}: ${(err as Error).message}`);
  }
  output.success(`Report of session ${w.report.session.id} (${w.report.session.mode}, account ${w.report.account.id}, outcome: ${w.report.session.outcome}):`);
  output.detail([w.markdown, w.json, `${w.asff} (${w.findings.length} findings; import with: aws securityhub batch-import-findings --findings file://${w.asff})`]);
  return 0;
}

function printSummary(output: Output, outcomes: StepOutcome[]): void {
  output.heading('Summary');
  for (const o of outcomes) {
    const a = o.after ?? o.before;
    const line = `${o.step.meta.title}: ${a.status.toUpperCase()}: ${a.summary}`;
    if (a.status === 'pass') output.success(line);
    else if (a.status === 'manual') output.warn(line);
    else output.error(line);
  }
}

async function handleError(err: unknown, output: Output, live: LiveSession): Promise<number> {
  const { CancelledError, NeedsInputError, InvalidAnswerError } = await import('../ui/errors.js');
  if (err instanceof CancelledError) {
    interrupted(output, live, 'cancelled at a prompt');
    return 130;
  }
  live.journal?.write({ type: 'session-end', outcome: `stopped: ${(err as Error)?.name ?? 'error'}` });
  if (err instanceof NeedsInputError || err instanceof InvalidAnswerError) {
    output.error(err.message);
    if (live.journal?.path) output.detail([`Journal of this session: ${live.journal.path}`]);
    return 2;
  }
  if (err instanceof UngatedMutationError) {
    output.error(`Internal error: ${err.message}`);
    return 2;
  }
  if (err instanceof CredentialsLostError) {
    const applied = live.gate?.results.filter((r) => r.outcome === 'applied' || r.outcome === 'already-done') ?? [];
    output.error(`${err.message} AWS said: ${sanitize(err.failure.message, { maxLength: 200 })}`);
    output.detail([
      applied.length ? `Done before that, and kept in place: ${applied.map((r) => r.changeId).join(', ')}.` : 'No change had been applied in this session.',
      ...(err.notRun.length ? [`Not run: ${err.notRun.join(', ')}.`] : []),
      err.hint ?? '',
      ...(live.journal?.path ? [`Journal of this session: ${live.journal.path}`] : []),
    ].filter(Boolean));
    return 2;
  }
  const e = err instanceof RunError ? err : toRunError(err);
  output.error(e.message);
  if (e.hint) output.detail([e.hint]);
  return 2;
}
