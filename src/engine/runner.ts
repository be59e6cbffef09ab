/**
 * Runs steps: `runCheck` for check mode (read-only, no prompts), `runWizard` for the
 * interactive modes and `applyRecordedPlan` for plan files. The runner never writes to a stream:
 * everything goes through the injected Output and Prompter. It alone knows the order of phases,
 * a step's requirements (`meta.requires`), handoff points (`meta.handoff`) and whether this run
 * sends changes (the gate's dry-run fact).
 */
import {
  CredentialsLostError,
  describeAwsError,
  explainFailure,
  isCredentialProblem,
  UngatedMutationError,
} from '../aws/errors.js';
import { formatParams, isSecretPlaceholder, redact, sanitize } from '../util/text.js';
import type { CallerIdentity } from '../aws/identity.js';
import type { ClientPool } from '../aws/pool.js';
import type { AccountReads } from '../aws/reads.js';
import type { MutationGate } from './gate.js';
import type { Journal } from './journal.js';
import { manualActions } from './manual.js';
import { secretLabels } from './secrets.js';
import { planDrift, findingKeys, type PlannedStep } from './plan-file.js';
import type { Registry } from './registry.js';
import type { SessionFactory } from './session.js';
import type { InteractiveContext, StepContext, StepDefinition } from './step.js';
import {
  findingRecord,
  type Assessment,
  type Change,
  type ChangeResult,
  type Finding,
  type Output,
  type Prompter,
  type StepId,
  type StepStatus,
} from './types.js';

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

/** Per-session engine state carried on the context (steps see only `memory()`). */
const SESSION = Symbol('rootlock.session');

interface SessionState {
  /** Each step's memory, by step id (see StepContext.memory). */
  memories: Map<StepId, object>;
}

/** A session's context as the engine holds it: the step context plus the registry and sessions. */
export interface EngineContext extends StepContext {
  registry: Registry;
  factory: SessionFactory;
  [SESSION]: SessionState;
}

/** What a session context is built from. */
export interface SessionParts
  extends Omit<StepContext, 'assessments' | 'metaOf' | 'memory' | 'sessions' | 'assessedAsRequirement'> {
  registry: Registry;
  factory: SessionFactory;
}

/** The context of a new session: empty assessments and memories, metadata from the registry. */
export function sessionContext(parts: SessionParts): EngineContext {
  return {
    ...parts,
    assessments: new Map<StepId, Assessment>(),
    assessedAsRequirement: new Set<StepId>(),
    metaOf: (id) => parts.registry.meta(id),
    memory: () => {
      throw new Error('memory() is for steps: the runner binds it to the step it runs');
    },
    sessions: parts.factory.forSteps(parts.pool),
    [SESSION]: { memories: new Map() },
  };
}

/**
 * A fresh session context for one account of an organization run: its own principal, pool,
 * reads and options, empty memories, and the assessments map the account's steps share (so
 * root-keys sees the same account's prerequisites whichever session read them).
 */
export function accountContext(
  ctx: EngineContext,
  parts: Pick<StepContext, 'pool' | 'reads' | 'caller' | 'account' | 'options' | 'output'>,
  assessments: Map<StepId, Assessment>,
): EngineContext {
  return {
    ...ctx,
    ...parts,
    assessments,
    assessedAsRequirement: new Set<StepId>(),
    sessions: ctx.factory.forSteps(parts.pool),
    [SESSION]: { memories: new Map() },
  };
}

/**
 * Reads and assesses one step on its own (an organization run): its requirements are not
 * assessed here, since they may need another session of the same account; a requirement the
 * run did not assess stays absent. Never throws (a failure is an `error` assessment).
 */
export async function assessAlone(step: StepDefinition, ctx: EngineContext): Promise<Assessment> {
  const { assessment } = await readAndAssess(step, forStep(ctx, step.meta.id));
  (ctx.assessments as Map<StepId, Assessment>).set(step.meta.id, assessment);
  return assessment;
}

/** The same session acting as another principal (a handoff): its pool, reads and caller. */
export function asPrincipal<C extends EngineContext>(
  ctx: C,
  who: { pool: ClientPool; reads: AccountReads; caller: CallerIdentity },
): C {
  return { ...ctx, pool: who.pool, reads: who.reads, caller: who.caller, sessions: ctx.factory.forSteps(who.pool) };
}

/** The context a step's phases get: its own memory bound. */
export function forStep<C extends EngineContext>(ctx: C, id: StepId): C {
  const memories = ctx[SESSION].memories;
  return {
    ...ctx,
    memory<T extends object>(init: () => T): T {
      let m = memories.get(id) as T | undefined;
      if (!m) {
        m = init();
        memories.set(id, m);
      }
      return m;
    },
  };
}

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

/**
 * Assesses every step `step` requires that this session has not assessed yet (once per
 * session), so the step finds them in `ctx.assessments`.
 */
async function assessRequirements(step: StepDefinition, ctx: EngineContext): Promise<void> {
  const assessments = ctx.assessments as Map<StepId, Assessment>;
  for (const id of step.meta.requires ?? []) {
    if (assessments.has(id)) continue;
    const required = await ctx.registry.load(id);
    // assessStep turns any read failure into an `error` assessment, so this never throws.
    const { assessment } = await readAndAssess(required, forStep(ctx, id));
    assessments.set(id, assessment);
    (ctx.assessedAsRequirement as Set<StepId>).add(id);
  }
}

async function readAndAssess(
  step: StepDefinition,
  ctx: StepContext,
): Promise<{ state?: unknown; assessment: Assessment }> {
  try {
    const state = await step.read(ctx);
    return { state, assessment: step.assess(state, ctx) };
  } catch (err) {
    return { assessment: errorAssessment(err) };
  }
}

/**
 * Reads and assesses one step (its requirements first); any failure becomes an `error`
 * assessment so the other steps still run.
 */
export async function assessStep(
  step: StepDefinition,
  ctx: EngineContext,
): Promise<{ state?: unknown; assessment: Assessment }> {
  await assessRequirements(step, ctx);
  const result = await readAndAssess(step, forStep(ctx, step.meta.id));
  (ctx.assessments as Map<StepId, Assessment>).set(step.meta.id, result.assessment);
  (ctx.assessedAsRequirement as Set<StepId>).delete(step.meta.id);
  return result;
}

/**
 * The credential refusal that ended a step, if any: the step ended in `error` and the cause
 * (its `details.error`, every region of a regional scan, or a failed change) says the
 * credentials no longer work (expired, deleted, deactivated). Other refusals (access denied)
 * are the step's own, and a step that ends well (root-keys after deleting the key this session
 * signs with) does not stop the run.
 */
export function credentialFailure(
  outcome: Pick<StepOutcome, 'before' | 'after' | 'results'>,
): { code: string; message: string } | undefined {
  const final = outcome.after ?? outcome.before;
  if (final.status !== 'error') return undefined;
  const lost = (e: { code?: unknown; message?: unknown } | undefined) =>
    e && typeof e.code === 'string' && isCredentialProblem({ code: e.code, message: String(e.message ?? '') })
      ? { code: e.code, message: String(e.message ?? '') }
      : undefined;
  const d = final.details as {
    error?: { code?: unknown; message?: unknown };
    regionErrors?: Array<{ code?: unknown; message?: unknown }>;
  };
  const regional =
    Array.isArray(d.regionErrors) && d.regionErrors.length > 0 && d.regionErrors.every((e) => lost(e))
      ? lost(d.regionErrors[0])
      : undefined;
  return lost(d.error) ?? regional ?? outcome.results.map((r) => lost(r.error)).find(Boolean);
}

/** Check mode: every step read and assessed, no prompts, no changes. */
export async function runCheck(steps: StepDefinition[], ctx: EngineContext): Promise<StepOutcome[]> {
  // Large SDK modules load first, while the process is still small (StepDefinition.preload).
  await ctx.pool.preload([...new Set(steps.flatMap((s) => s.preload ?? []))]);
  const out: StepOutcome[] = [];
  for (const [i, step] of steps.entries()) {
    const progress = ctx.output.progress(`Checking ${step.meta.title}`);
    const { assessment } = await assessStep(step, ctx);
    progress.stop();
    const outcome: StepOutcome = { id: step.meta.id, step, before: assessment, plan: [], results: [], answers: [] };
    out.push(outcome);
    const lost = credentialFailure(outcome);
    if (lost)
      throw new CredentialsLostError(
        lost,
        step.meta.id,
        steps.slice(i + 1).map((s) => s.meta.id),
      );
  }
  return out;
}

export interface WizardContext extends EngineContext, InteractiveContext {
  gate: MutationGate;
  /**
   * `rootlock plan`: each step's first plan is recorded for a plan file; nothing is sent (the gate
   * is a dry run) and, unlike a preview, changes of later rounds (`planAhead`) are not added.
   */
  recording?: boolean;
  /** Remediation mode: steps that pass are reported and skipped. */
  onlyFailing?: boolean;
  /** Offers a root session the switch to another principal at a handoff point (absent in tests of the runner alone). */
  handoff?: AdminHandoff;
}

/** What a wizard context is built from, beyond the session. */
export interface WizardParts {
  prompter: Prompter;
  journal: Journal;
  gate: MutationGate;
  recording?: boolean;
  onlyFailing?: boolean;
  handoff?: AdminHandoff;
}

/** The interactive context of a session: the gate's results and console-only actions wired in. */
export function wizardContext(ctx: EngineContext, parts: WizardParts): WizardContext {
  return {
    ...ctx,
    ...parts,
    results: parts.gate.results,
    manual: manualActions({
      dryRun: parts.gate.dryRun,
      prompter: parts.prompter,
      output: ctx.output,
      journal: parts.journal,
      clock: ctx.clock,
    }),
  };
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
 * Root's offer to hand the rest of the session to another principal. Asked once, when a step
 * with `meta.handoff` passes as the root user and steps that do not need root are left; resolves
 * to that principal's session, or undefined to go on as root. `session` holds the accepted one.
 */
export interface AdminHandoff {
  offer(
    ctx: WizardContext,
    rest: StepDefinition[],
    candidates: ReturnType<NonNullable<StepDefinition['handoffCandidates']>>,
  ): Promise<HandoffSession | undefined>;
  session?: HandoffSession;
}

/** The wizard: each step in order through the whole life cycle. */
export async function runWizard(steps: StepDefinition[], ctx: WizardContext): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  let other: WizardContext | undefined;
  let previous: WizardContext = ctx;
  for (const [i, step] of steps.entries()) {
    const sctx = other && !step.meta.needsRoot ? other : ctx;
    // Root-keys removed the key this principal signs with: nothing is sent with it again.
    if (ctx.gate.removedSigningKey(sctx.caller.accessKeyId)) {
      outcomes.push(notRunWithRemovedKey(step, sctx, 'run'));
      continue;
    }
    // The other principal may have changed the account since this one last read it.
    if (sctx !== previous) sctx.reads.invalidate();
    previous = sctx;
    const outcome = await runStep(step, sctx);
    outcomes.push(outcome);
    // Expired or revoked credentials: every later call would fail the same way. Stop cleanly.
    const lost = credentialFailure(outcome);
    if (lost)
      throw new CredentialsLostError(
        lost,
        step.meta.id,
        steps.slice(i + 1).map((s) => s.meta.id),
      );
    const rest = steps.slice(i + 1);
    const passed = (outcome.after ?? outcome.before).status === 'pass';
    if (!other && step.meta.handoff && ctx.caller.type === 'root' && passed && rest.length > 0) {
      other = await handOff(step, outcome, ctx, rest);
    }
  }
  return outcomes;
}

/**
 * Root should do only what needs root. Once a handoff point passes, offer to go on as one of the
 * principals it found (an AWS profile) for every remaining step that does not need root; the
 * steps that do stay with root. Without an offer to make (a dry run, or no handoff), say how.
 */
async function handOff(
  from: StepDefinition,
  outcome: StepOutcome,
  ctx: WizardContext,
  rest: StepDefinition[],
): Promise<WizardContext | undefined> {
  const movable = rest.filter((s) => !s.meta.needsRoot).map((s) => s.meta.id);
  const rootOnly = rest.filter((s) => s.meta.needsRoot).map((s) => s.meta.id);
  if (movable.length === 0) return undefined;
  ctx.output.info(from.meta.handoff?.message ?? '');
  if (!ctx.handoff || ctx.gate.dryRun) {
    ctx.output.detail([
      'To use root as little as possible, run the rest as an admin: ' +
        `rootlock --profile ADMIN --only ${movable.join(',')}`,
      ...(rootOnly.length
        ? [
            `and, as root: rootlock --only ${rootOnly.join(',')} ` +
              '(and the billing-access console setting, which only root can change).',
          ]
        : []),
    ]);
    return undefined;
  }
  const candidates = from.handoffCandidates?.(outcome.after ?? outcome.before) ?? { users: [], roles: [] };
  const session = await ctx.handoff.offer(ctx, rest, candidates);
  if (!session) {
    ctx.output.info('Going on as the root user.');
    return undefined;
  }
  ctx.handoff.session = session;
  ctx.journal.write({
    type: 'session-switch',
    principal: session.caller.arn,
    principalType: session.caller.type,
    profile: session.profile,
    steps: movable,
  });
  ctx.output.success(
    `From here on rootlock acts as ${sanitize(session.caller.arn)} (profile ${sanitize(session.profile)}) ` +
      `for ${movable.join(', ')}.`,
  );
  if (rootOnly.length)
    ctx.output.detail([
      `${rootOnly.join(', ')} stays with the root user: ${rest
        .filter((s) => s.meta.needsRoot)
        .map((s) => s.meta.needsRoot)
        .join('; ')}.`,
    ]);
  return asPrincipal(ctx, session);
}

/**
 * A step left out because this session removed the access key it signs with (root-keys deleted
 * or deactivated it). IAM is eventually consistent: the key may still work for a few seconds,
 * so an answer would prove nothing, and a read could stop halfway. Nothing is sent with it; the
 * step is reported as a manual item, with how to run it.
 */
function notRunWithRemovedKey(step: StepDefinition, ctx: WizardContext, what: 'run' | 'verified'): StepOutcome {
  const assessment: Assessment = {
    status: 'manual',
    summary:
      `Not ${what}: this session removed the access key it signs with. Run \`rootlock check --only ` +
      `${step.meta.id}\` with other credentials.`,
    findings: [],
    details: {},
  };
  ctx.output.heading(step.meta.title);
  showAssessment(ctx.output, assessment);
  journalAssessment(ctx.journal, step.meta.id, what === 'run' ? 'before' : 'after', assessment);
  return { id: step.meta.id, step, before: assessment, plan: [], results: [], answers: [] };
}

/** One step through read -> assess -> ask -> plan -> apply -> verify, in rounds. */
export async function runStep(step: StepDefinition, wctx: WizardContext): Promise<StepOutcome> {
  const { output } = wctx;
  const ctx = forStep(wctx, step.meta.id);
  output.heading(`${step.meta.title}`);
  output.detail([step.meta.why]);

  const progress = output.progress(`Reading ${step.meta.title.toLowerCase()}`);
  let { state, assessment } = await assessStep(step, wctx);
  progress.stop();
  const outcome: StepOutcome = { id: step.meta.id, step, before: assessment, plan: [], results: [], answers: [] };
  showAssessment(output, assessment, { inWizard: true });
  journalAssessment(ctx.journal, step.meta.id, 'before', assessment);

  if (assessment.status === 'error' || !step.ask || !step.plan) return outcome;
  if (ctx.onlyFailing && assessment.status === 'pass') return outcome;

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const answers = await step.ask(state, assessment, ctx);
    if (answers === undefined) break;
    ctx.journal.write({ type: 'answers', step: step.meta.id, answers });
    outcome.answers.push(answers);
    const preview = ctx.gate.dryRun && !ctx.recording;
    const plan = [...step.plan(state, answers), ...(preview && step.planAhead ? step.planAhead(state, answers) : [])];
    if (plan.length === 0) {
      output.info('Nothing to change.');
      break;
    }
    outcome.plan.push(...plan);
    const sent = await confirmAndApply([{ step, changes: plan }], ctx, `${step.meta.id}.apply`);
    if (sent === undefined) break;
    outcome.results.push(...sent);
    if (ctx.gate.dryRun) break;
    step.applied?.(state, answers, sent, ctx);

    const verifying = output.progress('Verifying against AWS');
    ({ state, assessment } = await assessStep(step, wctx));
    verifying.stop();
    ctx.journal.write({ type: 'verify', step: step.meta.id, status: assessment.status, summary: assessment.summary });
    journalAssessment(ctx.journal, step.meta.id, 'after', assessment);
    showAssessment(output, assessment, { inWizard: true });
    outcome.after = assessment;
    if ((sent.some((r) => r.outcome === 'failed') && !step.continueAfterFailure) || assessment.status === 'error')
      break;
  }
  if (step.after && state !== undefined) {
    const fresh = await step.after(state, assessment, ctx);
    if (fresh) {
      ctx.journal.write({ type: 'verify', step: step.meta.id, status: fresh.status, summary: fresh.summary });
      journalAssessment(ctx.journal, step.meta.id, 'after', fresh);
      if (fresh.status !== assessment.status || fresh.summary !== assessment.summary)
        showAssessment(output, fresh, { inWizard: true });
      (wctx.assessments as Map<StepId, Assessment>).set(step.meta.id, fresh);
      outcome.after = fresh;
    }
  }
  return outcome;
}

/**
 * The one path from a plan to AWS, for the wizard's rounds and for plan files: journal and show
 * the plan; in a dry run, record each change as shown and stop; otherwise confirm (question
 * `confirmId`; a destructive change makes "no" the default), send each change through the gate
 * in order (stopping at the first failure) and return the results. Undefined: declined.
 */
export async function confirmAndApply(
  planned: Array<{ step: StepDefinition; changes: Change[] }>,
  ctx: WizardContext,
  confirmId: string,
): Promise<ChangeResult[] | undefined> {
  const { output } = ctx;
  const plan = planned.flatMap((p) => p.changes);
  showPlan(output, plan, ctx.gate.dryRun);
  for (const p of planned) {
    ctx.journal.write({
      type: 'plan',
      step: p.step.meta.id,
      changes: p.changes.map((c) => ({ ...c, params: redact(c.params) })),
    });
  }
  if (ctx.gate.dryRun) {
    const results: ChangeResult[] = [];
    for (const change of plan) results.push(await ctx.gate.execute(change));
    output.info(`Dry run: ${plan.length} change${plan.length === 1 ? '' : 's'} shown, none sent.`);
    return results;
  }
  // Decided before the first change: a plan whose one-time secret nobody would see is not started
  // (a user created without the password shown would be left half done).
  const unseen = output.canShowSecrets === false ? plan.flatMap((c) => secretLabels(c.params)) : [];
  if (unseen.length > 0) {
    output.error(
      `This plan sets a one-time secret (${unseen.join('; ')}), and this output is not a terminal, ` +
        'so nobody would see it. Nothing was sent.',
    );
    output.detail(['Run rootlock in a terminal to apply it: the secret is shown there once, and nowhere else.']);
    return undefined;
  }
  const destructive = plan.some((c) => c.destructive);
  const go = await ctx.prompter.confirm({
    id: confirmId,
    message: `Apply ${plan.length === 1 ? 'this change' : `these ${plan.length} changes`}?`,
    default: !destructive,
    safeDefault: !destructive,
  });
  if (!go) {
    output.info('Nothing was changed.');
    return undefined;
  }
  const results = await applyPlan(plan, ctx);
  ctx.reads.invalidate();
  return results;
}

/** What applying a plan file came to. */
export interface RecordedPlanResult {
  /** Why nothing was applied (the account drifted, or it could not be read); empty when applied. */
  drift: string[];
  /** Each planned step's assessment after the changes. */
  statuses: StepStatus[];
  results: ChangeResult[];
}

/**
 * Applies a plan file's steps: for each, read and assess the account now and re-derive the plan
 * from the recorded answers; any difference is drift and nothing is sent. Otherwise the re-derived
 * changes (equal to the recorded ones, and carrying their read-backs) go through
 * {@link confirmAndApply} once for the whole plan, then each step is verified.
 */
export async function applyRecordedPlan(
  recorded: PlannedStep[],
  steps: StepDefinition[],
  ctx: WizardContext,
): Promise<RecordedPlanResult> {
  const { output } = ctx;
  const drift: string[] = [];
  const planned: Array<{ step: StepDefinition; changes: Change[]; state: unknown; answers: unknown }> = [];
  for (const entry of recorded) {
    const step = steps.find((s) => s.meta.id === entry.id);
    if (!step) continue;
    const { state, assessment } = await assessStep(step, ctx);
    journalAssessment(ctx.journal, entry.id, 'before', assessment);
    if (assessment.status === 'error' || state === undefined) {
      drift.push(`${entry.id}: cannot read the account: ${assessment.summary}`);
      continue;
    }
    const changes = step.plan ? step.plan(state, entry.answers) : [];
    for (const d of planDrift(entry, { findings: findingKeys(assessment.findings), changes }))
      drift.push(`${entry.id}: ${d}`);
    // Sent in the order the file lists them; each re-derived change is the recorded one's equal.
    const byId = new Map(changes.map((c) => [c.id, c]));
    planned.push({ step, changes: entry.changes.map((c) => byId.get(c.id) ?? c), state, answers: entry.answers });
  }
  if (drift.length > 0) {
    output.error('The account changed since the plan was made; nothing was applied.');
    output.detail(drift.map((d) => sanitize(d, { maxLength: 300 })));
    output.info('Make a new plan with rootlock plan --out FILE.');
    return { drift, statuses: [], results: [] };
  }
  if (planned.every((p) => p.changes.length === 0)) {
    output.success('The plan holds no changes.');
    return { drift, statuses: [], results: [] };
  }
  const results = await confirmAndApply(
    planned.filter((p) => p.changes.length > 0),
    ctx,
    'apply.confirm',
  );
  if (!results || ctx.gate.dryRun) return { drift, statuses: [], results: results ?? [] };
  for (const p of planned) {
    const ids = new Set(p.changes.map((c) => c.id));
    const mine = results.filter((r) => ids.has(r.changeId));
    if (mine.length > 0) p.step.applied?.(p.state, p.answers, mine, forStep(ctx, p.step.meta.id));
  }
  const statuses: StepStatus[] = [];
  const keyId = ctx.caller.accessKeyId;
  for (const { step, changes } of planned) {
    // Only the step that removed the session's key knows how to verify without it.
    if (ctx.gate.removedSigningKey(keyId) && !changes.some((c) => c.params.AccessKeyId === keyId)) {
      statuses.push(notRunWithRemovedKey(step, ctx, 'verified').before.status);
      continue;
    }
    const { assessment } = await assessStep(step, ctx);
    journalAssessment(ctx.journal, step.meta.id, 'after', assessment);
    output.heading(step.meta.title);
    showAssessment(output, assessment);
    statuses.push(assessment.status);
  }
  return { drift, statuses, results };
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

/**
 * Sends a plan through the gate in order; stops at the first failure and says what was and was not done.
 * Where the output draws task lists, the plan is one list (a task per change, those not sent shown as
 * skipped); elsewhere each change is a progress line.
 */
export async function applyPlan(
  plan: Change[],
  ctx: { gate: MutationGate; output: Output; pool?: ClientPool },
): Promise<ChangeResult[]> {
  const results: ChangeResult[] = [];
  const list = plan.length > 0 ? ctx.output.tasks?.(plan.map((c) => c.description)) : undefined;
  try {
    for (const [i, change] of plan.entries()) {
      const progress = list ? list.task(i) : ctx.output.progress(`${change.description}`);
      const r = await ctx.gate.execute(change, {
        pool: ctx.pool,
        // Eventual consistency (a new instance profile EC2 cannot see yet): say what the wait is for.
        onRetry: ({ attempt, attempts, code, delayMs }) => {
          const next = `attempt ${attempt + 1} of ${attempts} in ${Math.round(delayMs / 1000)} s`;
          progress.update(`${change.description}: AWS is not ready yet (${code}); ${next}`);
        },
      });
      results.push(r);
      if (r.outcome === 'failed') {
        progress.fail(`${change.description}: failed`);
        ctx.output.error(r.error?.message ?? 'failed');
        const notSent = plan.slice(i + 1);
        if (notSent.length > 0) {
          const names = notSent.map((c) => c.description).join('; ');
          ctx.output.warn(`Stopped here. Not sent: ${names}. Run again to continue from AWS's current state.`);
        }
        break;
      }
      progress.succeed(r.outcome === 'already-done' ? `${change.description} (already in place)` : change.description);
    }
  } finally {
    // Also when the gate throws: the list must leave the screen (and what it held back be written)
    // before the error is reported or anything else is drawn.
    await list?.close();
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

/** Prints a step's status and findings; `inWizard` while the wizard runs the step (`Finding.wizardRemediation`). */
export function showAssessment(output: Output, a: Assessment, { inWizard = false } = {}): void {
  // Steps escape account data where they build messages; this is the safety net at the sink.
  const line = `${a.status.toUpperCase()}: ${sanitize(a.summary, { maxLength: 400, escapeBackslash: false })}`;
  if (a.status === 'pass') output.success(line);
  else if (a.status === 'manual') output.warn(line);
  else output.error(line);
  for (const f of a.findings) {
    const tag = f.kind === 'manual' ? '[manual] ' : f.kind === 'retired' ? '[retired] ' : '';
    const text = `${tag}${sanitize(f.message, { maxLength: 400, escapeBackslash: false })}`;
    output[MARK[f.kind]](text);
    const extra: string[] = [];
    const remediation = (inWizard && f.wizardRemediation) || f.remediation;
    if (remediation) extra.push(remediation);
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
  output.heading(
    dryRun ? `Plan (dry run: nothing will be sent), ${plan.length} change(s)` : `Plan: ${plan.length} change(s)`,
  );
  for (const [i, c] of plan.entries()) {
    output.info(`${i + 1}. ${c.description}${c.destructive ? ' [destructive]' : ''}`);
    const lines = [
      `${c.service}:${c.operation} ${formatParams(showSecrets(redact(c.params)), { secretKeys: [] })}` +
        (c.region ? ` (region ${c.region})` : ''),
    ];
    if (c.session)
      lines.push(
        `as a root session of account ${c.session.assumeRoot.accountId} ` +
          `(sts:AssumeRoot, ${c.session.assumeRoot.taskPolicy})`,
      );
    if (c.warning) lines.push(`Warning: ${c.warning}`);
    output.detail(lines);
  }
}
