/**
 * Fixing an organization (`fix --org`, `plan --org`, `apply` of an organization plan), one
 * account at a time within a bounded pool, from the management account.
 *
 * Each step that can act across the organization has an `org` hook (src/engine/step.ts): the
 * account is read with the step's own `read` (a member from the management side, through
 * `options.targetAccount`: root credentials with an audit root session, contacts with the Account
 * API's AccountId; the operator's own account with its own session), and the hook turns that
 * state and the organization-level decisions into the account's changes. Every change goes
 * through a gate of its own per account (its own journal); one account's failure is never the run's.
 *
 * Preflight before any root credential of a member is deleted: the service control policies on
 * the account's path must not deny the root session's actions; such an account is refused, with
 * the policy and statement named. Apply re-reads each account and sends its recorded changes only
 * while the account still needs exactly those (or fewer); otherwise it is skipped as drifted.
 *
 * Memory: an account's states and sessions live only while it is planned or applied; what the
 * run keeps per account is its plan entry (a few changes) or its outcome line.
 */
import { describeAwsError, explainFailure } from '../aws/errors.js';
import type { OrgAccessState, OrganizationInfo, OrgAccount } from '../aws/organization.js';
import { AUDIT_ROOT_CREDENTIAL_ACTIONS } from '../iam/scp.js';
import { sanitize } from '../util/text.js';
import { mapLimit, withTimeLimit } from '../util/concurrency.js';
import type { MutationGate } from './gate.js';
import type { Journal } from './journal.js';
import { type OrgCapabilities, SILENT_OUTPUT } from './org-check.js';
import { compareWithPlan, type OrgPlannedAccount } from './org-plan-file.js';
import { accountContext, forStep, type EngineContext } from './runner.js';
import type { OrgAccountRef, OrgDecisions, StepDefinition } from './step.js';
import type { AccountsProgress, Assessment, Change, ChangeResult, StepId } from './types.js';

/** What the SCP preflight says about one account's root session. */
export type ScpVerdict = { ok: true } | { ok: false; reason: string };

/** The SCP preflight: whether the account's SCPs let a root session call these actions. */
export type ScpPreflight = (account: OrgAccountRef, actions: string[]) => Promise<ScpVerdict>;

export interface OrgFixInput {
  ctx: EngineContext;
  org: OrganizationInfo;
  /** The steps with an `org` hook that this run covers. */
  steps: readonly StepDefinition[];
  capabilities: OrgCapabilities;
  decisions: OrgDecisions;
  concurrency: number;
  /** Per-account time limit for reading (and, in apply, for the whole account). */
  accountTimeoutMs: number;
  preflight?: ScpPreflight;
  /** Days within which a root credential's use counts as recent (shown, and confirmed separately). */
  recentDays: number;
}

export function accountRef(org: Pick<OrganizationInfo, 'managementAccountId'>, a: OrgAccount): OrgAccountRef {
  return { id: a.id, name: a.name, ou: a.ou, ouIds: a.ouIds, management: a.id === org.managementAccountId };
}

interface StepRead {
  step: StepDefinition;
  state: unknown;
  assessment: Assessment;
}

/** Why a step cannot reach this account from here, or undefined when it can. */
function reachProblem(input: OrgFixInput, step: StepDefinition, account: OrgAccountRef): string | undefined {
  const self = account.id === input.ctx.account.id;
  if (self) return undefined;
  if (account.management)
    return (
      'the management account cannot be acted on from a delegated administrator: run rootlock signed in to the ' +
      'management account for it'
    );
  const reach = step.meta.orgReach ?? 'member-role';
  if (reach === 'root-session')
    return input.capabilities.rootSessions === true ? undefined : input.capabilities.rootSessions.reason;
  if (reach === 'account-api')
    return input.capabilities.accountApi === true ? undefined : input.capabilities.accountApi.reason;
  return 'this step reaches member accounts only through a member role, which fix --org does not use';
}

/** Reads each step's state for one account, with fresh reads (a verification reads again). */
async function readAccount(
  input: OrgFixInput,
  account: OrgAccountRef,
  only?: ReadonlySet<StepId>,
): Promise<{ reads: StepRead[]; notes: string[] }> {
  const { ctx } = input;
  const self = account.id === ctx.account.id;
  const pool = ctx.pool.withCounter(ctx.pool.counter.child());
  const actx = accountContext(
    ctx,
    {
      pool,
      reads: ctx.reads.scoped(pool),
      caller: ctx.caller,
      account: ctx.account,
      options: { ...ctx.options, orgMember: true, targetAccount: self ? undefined : account.id },
      output: SILENT_OUTPUT,
    },
    new Map<StepId, Assessment>(),
  );
  const reads: StepRead[] = [];
  const notes: string[] = [];
  for (const step of input.steps) {
    if (only && !only.has(step.meta.id)) continue;
    const problem = reachProblem(input, step, account);
    if (problem) {
      notes.push(`${step.meta.id}: not planned: ${problem}`);
      continue;
    }
    const sctx = forStep(actx, step.meta.id);
    const state = await step.read(sctx);
    reads.push({ step, state, assessment: step.assess(state, sctx) });
  }
  return { reads, notes };
}

/** The changes each step's hook gives for the states read, and why a step could change nothing. */
function changesFor(
  input: OrgFixInput,
  reads: StepRead[],
  account: OrgAccountRef,
): { changes: Change[]; notes: string[] } {
  const changes: Change[] = [];
  const notes: string[] = [];
  for (const r of reads) {
    const hook = r.step.org;
    if (!hook) continue;
    const why = hook.unreachable?.(r.state, account);
    if (why) notes.push(`${r.step.meta.id}: ${why}`);
    changes.push(...hook.plan(r.state, input.decisions, account));
  }
  return { changes, notes };
}

/** The IAM actions of the changes sent in the account's root session. */
function rootSessionActions(changes: readonly Change[]): string[] {
  const sent = changes.filter((c) => c.session?.assumeRoot).map((c) => `${c.service}:${c.operation}`);
  return sent.length === 0 ? [] : [...new Set([...sent, ...AUDIT_ROOT_CREDENTIAL_ACTIONS])];
}

/** The SCP verdict for an account's root-session changes (none: nothing to check). */
async function scpVerdict(input: OrgFixInput, account: OrgAccountRef, changes: readonly Change[]): Promise<ScpVerdict> {
  const actions = rootSessionActions(changes);
  if (actions.length === 0 || !input.preflight) return { ok: true };
  try {
    return await input.preflight(account, actions);
  } catch (err) {
    const f = describeAwsError(err);
    return {
      ok: false,
      reason: sanitize(`the service control policies on its path could not be read: ${explainFailure(f)}`, {
        maxLength: 400,
      }),
    };
  }
}

function errorText(err: unknown): string {
  return sanitize(explainFailure(describeAwsError(err)), { maxLength: 400 });
}

function factsOf(reads: StepRead[]): OrgPlannedAccount['before'] {
  const out: OrgPlannedAccount['before'] = {};
  for (const r of reads) if (r.step.org) out[r.step.meta.id] = r.step.org.facts(r.state);
  return out;
}

/**
 * Plans one account: reads it, asks each step's hook for its changes, runs the SCP preflight for
 * the root session. Never throws: an account that cannot be read has `error` and no changes.
 */
export async function planAccount(input: OrgFixInput, account: OrgAccount): Promise<OrgPlannedAccount> {
  const ref = accountRef(input.org, account);
  const base: OrgPlannedAccount = { ...ref, before: {}, changes: [], notes: [] };
  const work = (async (): Promise<OrgPlannedAccount> => {
    const { reads, notes } = await readAccount(input, ref);
    const failed = reads.find((r) => r.assessment.status === 'error');
    if (failed)
      return {
        ...base,
        notes,
        error: `${failed.step.meta.id}: ${sanitize(failed.assessment.summary, { maxLength: 300 })}`,
      };
    const planned = changesFor(input, reads, ref);
    const entry: OrgPlannedAccount = {
      ...base,
      before: factsOf(reads),
      changes: planned.changes,
      notes: [...notes, ...planned.notes],
    };
    const recent = reads.flatMap(
      (r) => r.step.org?.recentUse?.(r.state, input.ctx.clock.now(), input.recentDays, input.decisions) ?? [],
    );
    if (recent.length > 0) entry.recentUse = recent;
    const verdict = await scpVerdict(input, ref, entry.changes);
    if (!verdict.ok) {
      entry.refused = verdict.reason;
      withhold(entry, (c) => c.session?.assumeRoot !== undefined, `root credentials not deleted: ${verdict.reason}`);
    }
    return entry;
  })();
  try {
    const r = await withTimeLimit(input.accountTimeoutMs, work);
    if (r === 'timeout')
      return {
        ...base,
        error: `did not finish within ${Math.round(input.accountTimeoutMs / 1000)} s (--account-timeout)`,
      };
    return r;
  } catch (err) {
    return { ...base, error: errorText(err) };
  }
}

/** Plans every account, at most `concurrency` at once, handing each entry on as soon as it is known. */
export async function planOrganization(
  input: OrgFixInput,
  accounts: readonly OrgAccount[],
  progress: AccountsProgress,
  onAccount: (entry: OrgPlannedAccount) => void,
): Promise<void> {
  try {
    await mapLimit(accounts, input.concurrency, async (a) => {
      progress.started(a);
      const entry = await planAccount(input, a);
      progress.finished(a, entry.error ? 'error' : entry.changes.length > 0 ? 'to fix' : 'nothing to do');
      onAccount(entry);
    });
  } finally {
    progress.close();
  }
}

/** How applying one account ended. */
export type OrgApplyOutcome =
  | 'done'
  | 'nothing-to-do'
  | 'done-earlier'
  | 'drifted'
  | 'refused'
  | 'failed'
  | 'incomplete'
  | 'error'
  | 'dry-run';

export interface OrgAppliedAccount {
  id: string;
  name: string;
  ou: string;
  outcome: OrgApplyOutcome;
  reason?: string;
  before: OrgPlannedAccount['before'];
  after?: OrgPlannedAccount['before'];
  /** The account's changes as sent (or shown), with their outcome and API call (`iam:DeleteLoginProfile`). */
  results: Array<Pick<ChangeResult, 'changeId' | 'outcome' | 'error'> & { operation: string }>;
  /** Recorded changes already in place when the account was re-read (not sent again). */
  alreadyInPlace: string[];
  /** Changes still needed after verification (an incomplete account). */
  remaining?: string[];
}

/** What apply needs per account beyond the plan: a gate (and its journal) of its own. */
export interface AccountGate {
  gate: MutationGate;
  journal: Journal;
}

/**
 * Applies one account's recorded changes: re-reads it, compares what it needs now with the plan
 * (drift: skipped with the reason), re-runs the SCP preflight, sends what is still needed through
 * the account's gate (stopping at a failure), then re-reads it to verify. Never throws.
 */
export async function applyAccount(
  input: OrgFixInput,
  recorded: OrgPlannedAccount,
  openGate: () => AccountGate,
): Promise<OrgAppliedAccount> {
  const base: OrgAppliedAccount = {
    id: recorded.id,
    name: recorded.name,
    ou: recorded.ou,
    outcome: 'nothing-to-do',
    before: recorded.before,
    results: [],
    alreadyInPlace: [],
  };
  if (recorded.error) return { ...base, outcome: 'error', reason: `not planned: ${recorded.error}` };
  if (recorded.changes.length === 0)
    return recorded.refused ? { ...base, outcome: 'refused', reason: recorded.refused } : base;
  const ref: OrgAccountRef = {
    id: recorded.id,
    name: recorded.name,
    ou: recorded.ou,
    ouIds: recorded.ouIds,
    management: recorded.management,
  };
  // Only the steps the plan has work for are read again (apply does what the plan showed, no more).
  const planned = new Set<StepId>(recorded.changes.map((c) => c.step));
  const work = async (): Promise<OrgAppliedAccount> => {
    const { reads } = await readAccount(input, ref, planned);
    const failed = reads.find((r) => r.assessment.status === 'error');
    if (failed) return { ...base, outcome: 'error', reason: `${failed.step.meta.id}: ${failed.assessment.summary}` };
    const withheld = new Set(recorded.withheld ?? []);
    const now = changesFor(input, reads, ref).changes.filter((c) => !withheld.has(c.id));
    const cmp = compareWithPlan(recorded.changes, now);
    const alreadyInPlace = cmp.done.map((c) => c.id);
    if (cmp.drift.length > 0)
      return { ...base, outcome: 'drifted', reason: cmp.drift.join('; '), alreadyInPlace, before: factsOf(reads) };
    if (cmp.send.length === 0) return { ...base, outcome: 'done', alreadyInPlace, after: factsOf(reads) };
    // The SCPs again: one attached since the plan refuses the root session's changes (the others go ahead).
    const verdict = await scpVerdict(input, ref, cmp.send);
    const toSend = verdict.ok ? cmp.send : cmp.send.filter((c) => !c.session?.assumeRoot);
    const refused = verdict.ok ? undefined : verdict.reason;
    if (toSend.length === 0) return { ...base, outcome: 'refused', reason: refused, alreadyInPlace };
    const { gate } = openGate();
    const results: OrgAppliedAccount['results'] = [];
    for (const change of toSend) {
      const r = await gate.execute(change);
      results.push({
        changeId: r.changeId,
        operation: `${change.service}:${change.operation}`,
        outcome: r.outcome,
        ...(r.error ? { error: r.error } : {}),
      });
      if (r.outcome === 'failed') break;
    }
    if (gate.dryRun)
      return { ...base, outcome: refused ? 'refused' : 'dry-run', reason: refused, results, alreadyInPlace };
    const failedChange = results.find((r) => r.outcome === 'failed');
    // Verification: the account read again, with new reads and sessions.
    const after = await readAccount(input, ref, planned);
    const refusedIds = new Set(refused ? cmp.send.filter((c) => c.session?.assumeRoot).map((c) => c.id) : []);
    const left = changesFor(input, after.reads, ref).changes.filter(
      (c) => !withheld.has(c.id) && !refusedIds.has(c.id),
    );
    const afterFacts = factsOf(after.reads);
    if (failedChange)
      return {
        ...base,
        outcome: 'failed',
        reason: `${failedChange.changeId}: ${failedChange.error?.message ?? 'failed'}`,
        results,
        alreadyInPlace,
        after: afterFacts,
        remaining: left.map((c) => c.description),
      };
    if (left.length > 0)
      return {
        ...base,
        outcome: 'incomplete',
        reason: 'AWS still shows work left after the changes were sent',
        results,
        alreadyInPlace,
        after: afterFacts,
        remaining: left.map((c) => c.description),
      };
    if (refused) return { ...base, outcome: 'refused', reason: refused, results, alreadyInPlace, after: afterFacts };
    return { ...base, outcome: 'done', results, alreadyInPlace, after: afterFacts };
  };
  try {
    const r = await withTimeLimit(input.accountTimeoutMs, work());
    if (r === 'timeout')
      return {
        ...base,
        outcome: 'error',
        reason:
          `did not finish within ${Math.round(input.accountTimeoutMs / 1000)} s (--account-timeout); run again ` +
          'to continue',
      };
    return r;
  } catch (err) {
    return { ...base, outcome: 'error', reason: errorText(err) };
  }
}

/**
 * Leaves out of an account's plan the changes `which` picks, recording them as withheld (so apply
 * does not take them for drift) with the reason. Returns how many were left out.
 */
export function withhold(entry: OrgPlannedAccount, which: (c: Change) => boolean, note: string): number {
  const out = entry.changes.filter(which);
  if (out.length === 0) return 0;
  entry.changes = entry.changes.filter((c) => !which(c));
  entry.withheld = [...new Set([...(entry.withheld ?? []), ...out.map((c) => c.id)])];
  entry.notes.push(`${note} (${out.length} change${out.length === 1 ? '' : 's'} left out)`);
  return out.length;
}

/**
 * The organization-wide changes that turn on what the fix needs and the operator asked for, from
 * the management account only: trusted access for IAM and centralized root credentials
 * management (and RootSessions), trusted access for AWS Account Management. None removes anything.
 */
export function organizationChanges(
  s: OrgAccessState,
  want: { rootAccess: boolean; rootSessions: boolean; accountApi: boolean },
): Change[] {
  const out: Change[] = [];
  const trusted = (principal: string, step: StepId, what: string): Change => ({
    id: `org/enable-trusted-access/${principal}`,
    step,
    description: `Enable trusted access for ${what} (${principal}) in AWS Organizations`,
    service: 'organizations',
    operation: 'EnableAWSServiceAccess',
    params: { ServicePrincipal: principal },
    // Enabling it again succeeds and changes nothing.
    idempotent: true,
  });
  if (want.rootAccess || want.rootSessions) {
    if (s.iamTrustedAccess !== true && !(s.rootCredentialsManagement || s.rootSessions))
      out.push(trusted('iam.amazonaws.com', 'root-keys', 'IAM'));
    if (want.rootAccess && !s.rootCredentialsManagement)
      out.push({
        id: 'org/enable-root-credentials-management',
        step: 'root-keys',
        description:
          'Turn on centralized root credentials management (RootCredentialsManagement) for the organization; it ' +
          'removes nothing by itself',
        service: 'iam',
        operation: 'EnableOrganizationsRootCredentialsManagement',
        params: {},
        idempotent: true,
      });
    if (want.rootSessions && !s.rootSessions)
      out.push({
        id: 'org/enable-root-sessions',
        step: 'root-keys',
        description: 'Turn on privileged root actions in member accounts (RootSessions) for the organization',
        service: 'iam',
        operation: 'EnableOrganizationsRootSessions',
        params: {},
        idempotent: true,
      });
  }
  if (want.accountApi && s.accountTrustedAccess !== true)
    out.push(trusted('account.amazonaws.com', 'billing-recovery', 'AWS Account Management'));
  return out;
}
