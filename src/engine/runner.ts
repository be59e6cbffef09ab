/**
 * Runs steps: `assess` for check mode (read-only, no prompts) and `runWizard` for the
 * interactive modes. The runner never writes to a stream: everything goes through
 * the injected Output and Prompter.
 */
import { CredentialsLostError, describeAwsError, explainFailure, isCredentialProblem, UngatedMutationError } from '../aws/errors.js';
import { formatParams, isSecretPlaceholder, sanitize } from '../util/text.js';
import { redact } from '../util/text.js';
import type { CallerIdentity } from '../aws/identity.js';
import type { ClientPool } from '../aws/pool.js';
import type { AccountReads } from '../aws/reads.js';
import type { MutationGate } from './gate.js';
import type { Journal } from './journal.js';
import type { InteractiveContext, StepContext, StepDefinition } from './step.js';
import { findingRecord, type Assessment, type Change, type ChangeResult, type Finding, type Output, type Prompter, type StepId } from './types.js';

/** The record of one step in a run. */
export interface StepOutcome {
  id: StepId;
  step: StepDefinition;
  before: Assessment;
  after?: Assessment;
  plan: Change[];
  results: ChangeResult[];
  /** The answers of each round, in order. */
  answers: unknown[];
}

const MAX_ROUNDS = 4;

/** An assessment for a step whose read or analysis failed. */
export function errorAssessment(err: unknown): Assessment {
  if (err instanceof UngatedMutationError) throw err;
  const f = describeAwsError(err);
  return {
    status: 'error',
    summary: explainFailure(f),
    findings: [],
    details: { error: { code: f.code, message: f.message, deniedAction: f.deniedAction } },
  };
}

/** Reads and assesses one step; any failure becomes an `error` assessment so the other steps still run. */
export async function assessStep(step: StepDefinition, ctx: StepContext): Promise<{ state?: unknown; assessment: Assessment }> {
  try {
    const state = await step.read(ctx);
    return { state, assessment: step.assess(state, ctx) };
  } catch (err) {
    return { assessment: errorAssessment(err) };
  }
}

/**
 * The credential refusal that ended a step, if any: the step ended in `error` and the cause
 * (its `details.error`, every region of a regional scan, or a failed change) says the
 * credentials no longer work (expired, deleted, deactivated). Other refusals (access denied)
 * are the step's own, and a step that ends well (root-keys after deleting the key this session
 * signs with) does not stop the run.
 */
export function credentialFailure(outcome: Pick<StepOutcome, 'before' | 'after' | 'results'>): { code: string; message: string } | undefined {
  const final = outcome.after ?? outcome.before;
  if (final.status !== 'error') return undefined;
  const lost = (e: { code?: unknown; message?: unknown } | undefined) =>
    e && typeof e.code === 'string' && isCredentialProblem({ code: e.code, message: String(e.message ?? '') })
      ? { code: e.code, message: String(e.message ?? '') }
      : undefined;
  const d = final.details as { error?: { code?: unknown; message?: unknown }; regionErrors?: Array<{ code?: unknown; message?: unknown }> };
  const regional = Array.isArray(d.regionErrors) && d.regionErrors.length > 0 && d.regionErrors.every((e) => lost(e)) ? lost(d.regionErrors[0]) : undefined;
  return lost(d.error) ?? regional ?? outcome.results.map((r) => lost(r.error)).find(Boolean);
}

/** Check mode: every step read and assessed, no prompts, no changes. */
export async function runCheck(steps: StepDefinition[], ctx: StepContext): Promise<StepOutcome[]> {
  const assessments = ctx.assessments as Map<StepId, Assessment>;
  const out: StepOutcome[] = [];
  for (const [i, step] of steps.entries()) {
    const progress = ctx.output.progress(`Checking ${step.meta.title}`);
    const { assessment } = await assessStep(step, ctx);
    progress.stop();
    assessments.set(step.meta.id, assessment);
    const outcome: StepOutcome = { id: step.meta.id, step, before: assessment, plan: [], results: [], answers: [] };
    out.push(outcome);
    const lost = credentialFailure(outcome);
    if (lost) throw new CredentialsLostError(lost, step.meta.id, steps.slice(i + 1).map((s) => s.meta.id));
  }
  return out;
}

export interface WizardContext extends InteractiveContext {
  prompter: Prompter;
  journal: Journal;
  gate: MutationGate;
  /** Remediation mode: steps that pass are reported and skipped. */
  onlyFailing?: boolean;
  /** Offers a root session the switch to an admin profile once the admins exist (the CLI's; absent in tests of the runner alone). */
  handoff?: AdminHandoff;
}

/** The principal the rest of a session acts as, after root handed over (see {@link AdminHandoff}). */
export interface HandoffSession {
  pool: ClientPool;
  reads: AccountReads;
  caller: CallerIdentity;
  /** The AWS profile the operator named. */
  profile: string;
}

/**
 * Root's offer to hand the rest of the session to an admin. Asked once, when the admins step
 * passes as the root user and steps that do not need root are left; resolves to the admin's
 * session, or undefined to go on as root. `session` holds the accepted one afterwards.
 */
export interface AdminHandoff {
  offer(ctx: WizardContext, rest: StepDefinition[]): Promise<HandoffSession | undefined>;
  session?: HandoffSession;
}

/** The wizard: each step in order through the whole life cycle. */
export async function runWizard(steps: StepDefinition[], ctx: WizardContext): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  let admin: WizardContext | undefined;
  let previous: WizardContext = ctx;
  for (const [i, step] of steps.entries()) {
    const sctx = admin && !step.meta.needsRoot ? admin : ctx;
    // The other principal may have changed the account since this one last read it.
    if (sctx !== previous) sctx.reads.invalidate();
    previous = sctx;
    const outcome = await runStep(step, sctx);
    outcomes.push(outcome);
    // Expired or revoked credentials: every later call would fail the same way. Stop cleanly.
    const lost = credentialFailure(outcome);
    if (lost) throw new CredentialsLostError(lost, step.meta.id, steps.slice(i + 1).map((s) => s.meta.id));
    const rest = steps.slice(i + 1);
    if (!admin && ctx.caller.type === 'root' && step.meta.id === 'admins' && (outcome.after ?? outcome.before).status === 'pass' && rest.length > 0) {
      admin = await handOff(ctx, rest);
    }
  }
  return outcomes;
}

/**
 * Root should do only what needs root. Once the account has its admins, offer to go on as one
 * of them (an AWS profile) for every remaining step that does not need root; the steps that do
 * (root-keys) stay with root. Without an offer to make (a dry run, or no handoff), say how.
 */
async function handOff(ctx: WizardContext, rest: StepDefinition[]): Promise<WizardContext | undefined> {
  const movable = rest.filter((s) => !s.meta.needsRoot).map((s) => s.meta.id);
  const rootOnly = rest.filter((s) => s.meta.needsRoot).map((s) => s.meta.id);
  if (movable.length === 0) return undefined;
  ctx.output.info("The account has its administrators now, so the rest does not need the root user, except removing root's own keys.");
  if (!ctx.handoff || ctx.gate.dryRun) {
    ctx.output.detail([
      `To use root as little as possible, run the rest as an admin: rootlock --profile ADMIN --only ${movable.join(',')}`,
      ...(rootOnly.length ? [`and, as root: rootlock --only ${rootOnly.join(',')} (and the billing-access console setting, which only root can change).`] : []),
    ]);
    return undefined;
  }
  const session = await ctx.handoff.offer(ctx, rest);
  if (!session) {
    ctx.output.info('Going on as the root user.');
    return undefined;
  }
  ctx.handoff.session = session;
  ctx.journal.write({ type: 'session-switch', principal: session.caller.arn, principalType: session.caller.type, profile: session.profile, steps: movable });
  ctx.output.success(`From here on rootlock acts as ${sanitize(session.caller.arn)} (profile ${sanitize(session.profile)}) for ${movable.join(', ')}.`);
  if (rootOnly.length) ctx.output.detail([`${rootOnly.join(', ')} stays with the root user: ${rest.filter((s) => s.meta.needsRoot).map((s) => s.meta.needsRoot).join('; ')}.`]);
  return { ...ctx, pool: session.pool, reads: session.reads, caller: session.caller };
}


/** One step through read -> assess -> ask -> plan -> apply -> verify, in rounds. */
export async function runStep(step: StepDefinition, ctx: WizardContext): Promise<StepOutcome> {
  const { output } = ctx;
  const assessments = ctx.assessments as Map<StepId, Assessment>;
  output.heading(`${step.meta.title}`);
  output.detail([step.meta.why]);

  const progress = output.progress(`Reading ${step.meta.title.toLowerCase()}`);
  let { state, assessment } = await assessStep(step, ctx);
  progress.stop();
  const outcome: StepOutcome = { id: step.meta.id, step, before: assessment, plan: [], results: [], answers: [] };
  showAssessment(output, assessment);
  assessments.set(step.meta.id, assessment);
  journalAssessment(ctx.journal, step.meta.id, 'before', assessment);

  if (assessment.status === 'error' || !step.ask || !step.plan) return outcome;
  if (ctx.onlyFailing && assessment.status === 'pass') return outcome;

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const answers = await step.ask(state, assessment, ctx);
    if (answers === undefined) break;
    ctx.journal.write({ type: 'answers', step: step.meta.id, answers });
    outcome.answers.push(answers);
    const plan = await step.plan(state, answers, ctx);
    if (plan.length === 0) {
      output.info('Nothing to change.');
      break;
    }
    showPlan(output, plan, ctx.gate.dryRun);
    ctx.journal.write({ type: 'plan', step: step.meta.id, changes: plan.map((c) => ({ ...c, params: redact(c.params) })) });
    outcome.plan.push(...plan);
    if (ctx.gate.dryRun) {
      for (const change of plan) outcome.results.push(await ctx.gate.execute(change));
      output.info(`Dry run: ${plan.length} change${plan.length === 1 ? '' : 's'} shown, none sent.`);
      break;
    }
    const destructive = plan.some((c) => c.destructive);
    const go = await ctx.prompter.confirm({
      id: `${step.meta.id}.apply`,
      message: `Apply ${plan.length === 1 ? 'this change' : `these ${plan.length} changes`}?`,
      default: !destructive,
      safeDefault: !destructive,
    });
    if (!go) {
      output.info('Nothing was changed.');
      break;
    }
    const roundResults = await applyPlan(plan, ctx);
    outcome.results.push(...roundResults);

    ctx.reads.invalidate();
    const verifying = output.progress('Verifying against AWS');
    ({ state, assessment } = await assessStep(step, ctx));
    verifying.stop();
    ctx.journal.write({ type: 'verify', step: step.meta.id, status: assessment.status, summary: assessment.summary });
    journalAssessment(ctx.journal, step.meta.id, 'after', assessment);
    showAssessment(output, assessment);
    assessments.set(step.meta.id, assessment);
    outcome.after = assessment;
    if ((roundResults.some((r) => r.outcome === 'failed') && !step.continueAfterFailure) || assessment.status === 'error') break;
  }
  if (step.after && state !== undefined) {
    const fresh = await step.after(state, assessment, ctx);
    if (fresh) {
      ctx.journal.write({ type: 'verify', step: step.meta.id, status: fresh.status, summary: fresh.summary });
      journalAssessment(ctx.journal, step.meta.id, 'after', fresh);
      if (fresh.status !== assessment.status || fresh.summary !== assessment.summary) showAssessment(output, fresh);
      assessments.set(step.meta.id, fresh);
      outcome.after = fresh;
    }
  }
  return outcome;
}

/**
 * Journals a step's assessment (what session reports are rebuilt from): status, summary and
 * findings with their controls; never `details`, which may hold more account data than a
 * report needs. The journal redacts on the way in.
 */
export function journalAssessment(journal: Journal, step: StepId, phase: 'before' | 'after', a: Assessment): void {
  journal.write({
    type: 'assessment',
    step,
    phase,
    status: a.status,
    summary: a.summary,
    findings: a.findings.map(findingRecord),
  });
}

/** Sends a plan through the gate in order; stops at the first failure and says what was and was not done. */
export async function applyPlan(plan: Change[], ctx: { gate: MutationGate; output: Output; pool?: ClientPool }): Promise<ChangeResult[]> {
  const results: ChangeResult[] = [];
  for (const [i, change] of plan.entries()) {
    const progress = ctx.output.progress(`${change.description}`);
    const r = await ctx.gate.execute(change, {
      pool: ctx.pool,
      // Eventual consistency (a new instance profile EC2 cannot see yet): say what the wait is for.
      onRetry: ({ attempt, attempts, code, delayMs }) =>
        progress.update(`${change.description}: AWS is not ready yet (${code}); attempt ${attempt + 1} of ${attempts} in ${Math.round(delayMs / 1000)} s`),
    });
    results.push(r);
    if (r.outcome === 'failed') {
      progress.fail(`${change.description}: failed`);
      ctx.output.error(r.error?.message ?? 'failed');
      const notSent = plan.slice(i + 1);
      if (notSent.length > 0) {
        ctx.output.warn(`Stopped here. Not sent: ${notSent.map((c) => c.description).join('; ')}. Run again to continue from AWS's current state.`);
      }
      break;
    }
    progress.succeed(r.outcome === 'already-done' ? `${change.description} (already in place)` : change.description);
  }
  return results;
}

const MARK: Record<Finding['kind'], 'error' | 'warn' | 'info' | 'success'> = {
  fail: 'error',
  warn: 'warn',
  info: 'info',
  manual: 'warn',
  retired: 'info',
};

/** Prints a step's status and findings. */
export function showAssessment(output: Output, a: Assessment): void {
  // Steps escape account data where they build messages; this is the safety net at the sink.
  const line = `${a.status.toUpperCase()}: ${sanitize(a.summary, { maxLength: 400, escapeBackslash: false })}`;
  if (a.status === 'pass') output.success(line);
  else if (a.status === 'manual') output.warn(line);
  else output.error(line);
  for (const f of a.findings) {
    const text = `${f.kind === 'manual' ? '[manual] ' : f.kind === 'retired' ? '[retired] ' : ''}${sanitize(f.message, { maxLength: 400, escapeBackslash: false })}`;
    output[MARK[f.kind]](text);
    const extra: string[] = [];
    if (f.remediation) extra.push(f.remediation);
    if (f.controls.length > 0) extra.push(`Controls: ${f.controls.join(', ')}`);
    if (extra.length) output.detail(extra);
  }
}

/** Shows a `{ $secret }` placeholder as what it will be, in words (the params were redacted before). */
function showSecrets(v: unknown): unknown {
  if (isSecretPlaceholder(v)) return '<generated when applied, shown once>';
  if (Array.isArray(v)) return v.map(showSecrets);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, showSecrets(x)]));
  return v;
}

/** Prints a plan: each change in words, then the exact API call with its (redacted) parameters. */
export function showPlan(output: Output, plan: Change[], dryRun: boolean): void {
  output.heading(dryRun ? `Plan (dry run: nothing will be sent), ${plan.length} change(s)` : `Plan: ${plan.length} change(s)`);
  for (const [i, c] of plan.entries()) {
    output.info(`${i + 1}. ${c.description}${c.destructive ? ' [destructive]' : ''}`);
    const lines = [`${c.service}:${c.operation} ${formatParams(showSecrets(redact(c.params)), { secretKeys: [] })}${c.region ? ` (region ${c.region})` : ''}`];
    if (c.session) lines.push(`as a root session of account ${c.session.assumeRoot.accountId} (sts:AssumeRoot, ${c.session.assumeRoot.taskPolicy})`);
    if (c.warning) lines.push(`Warning: ${c.warning}`);
    output.detail(lines);
  }
}
