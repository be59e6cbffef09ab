/**
 * `check --org`: every selected account of an organization read and assessed, a bounded number
 * at a time, from the management account (or a delegated administrator).
 *
 * Each step says how it reaches a member (`StepMeta.orgReach`):
 * - `root-session` steps run with the operator's session and `options.targetAccount`, through
 *   sts:AssumeRoot; they need the organization's RootCredentialsManagement feature;
 * - `account-api` steps run with the operator's session and `options.targetAccount`, through the
 *   Account API's `AccountId`; they need trusted access for account.amazonaws.com;
 * - `member-role` steps (and the next steps) run in the member, through `--member-role`.
 * Where a step cannot be read, it is `not-checked` with the reason and the way to fix it; where
 * reading fails, the account's row says `error` with the reason. One account's failure is never
 * the run's. The account the operator signs in to is read like `rootlock check` reads it.
 *
 * Memory: each account's sessions, reads and assessments live only until its row is handed to
 * `onRow`; what the run keeps per account is a summary line.
 */
import { describeAwsError, explainFailure } from '../aws/errors.js';
import type { AccountInfo, CallerIdentity } from '../aws/identity.js';
import type { OrganizationInfo, OrgAccount } from '../aws/organization.js';
import type { CallCounter } from '../aws/pool.js';
import { mapLimit, withTimeLimit } from '../util/concurrency.js';
import { sanitize } from '../util/text.js';
import { runAdvisories } from './advisories.js';
import type { AdvisoryEntry } from './registry.js';
import { accountContext, assessAlone, type EngineContext } from './runner.js';
import type { StepDefinition } from './step.js';
import type {
  AccountsProgress,
  AdvisoryResult,
  Assessment,
  Finding,
  OrgReach,
  Output,
  Progress,
  StepId,
  StepStatus,
} from './types.js';

/** A step's verdict in an organization run: a step status, or not read at all (with why). */
export type OrgStepStatus = StepStatus | 'not-checked';

export interface OrgStepResult {
  id: StepId;
  title: string;
  status: OrgStepStatus;
  summary: string;
  findings: Finding[];
  details: Record<string, unknown>;
}

/** An account's overall verdict: `pass` also when only manual or not-checked items remain. */
export type OrgAccountStatus = 'pass' | 'fail' | 'error' | 'skipped';

export interface OrgAccountResult {
  account: OrgAccount;
  /** The account's kind and its organization, as the run knows them (see {@link orgAccountInfo}). */
  info: AccountInfo;
  status: OrgAccountStatus;
  /** Who read the account (the member role's session, or the operator for their own account). */
  principal?: Pick<CallerIdentity, 'arn' | 'type'>;
  steps: OrgStepResult[];
  nextSteps: AdvisoryResult[];
  /** Why the next steps were not read, when they were not. */
  nextStepsNote?: string;
  /** An account-level failure (time limit, role refused) in one line. */
  error?: string;
  apiCalls: ReturnType<CallCounter['toJSON']>;
}

/** What the organization allows the management side to read (read once per run). */
export interface OrgCapabilities {
  /** RootCredentialsManagement on (AssumeRoot works), or why not. */
  rootSessions: true | { reason: string };
  /** Trusted access for account.amazonaws.com on (Account API with AccountId works), or why not. */
  accountApi: true | { reason: string };
}

export interface OrgCheckInput {
  ctx: EngineContext;
  org: OrganizationInfo;
  accounts: readonly OrgAccount[];
  steps: readonly StepDefinition[];
  advisories: readonly AdvisoryEntry[];
  capabilities: OrgCapabilities;
  memberRole?: { name: string; externalId?: string };
  concurrency: number;
  /** Per-account time limit; the account's row is `error` when it is exceeded. */
  accountTimeoutMs: number;
  /** Where progress goes (a task list, plain lines, or nothing). */
  progress: AccountsProgress;
  /** Each row as soon as it is known (written out and dropped by the caller). */
  onRow(row: OrgAccountResult): void | Promise<void>;
}

/** An Output that shows nothing: member accounts run without spinners (the run draws its own progress). */
export const SILENT_OUTPUT: Output = {
  heading: () => {},
  info: () => {},
  success: () => {},
  warn: () => {},
  error: () => {},
  detail: () => {},
  progress: (): Progress => ({ update: () => {}, stop: () => {}, succeed: () => {}, fail: () => {} }),
  secret: () => {},
  canShowSecrets: false,
};

/** RoleSessionName of member-role sessions: visible in each member's CloudTrail. */
export const MEMBER_SESSION_NAME = 'rootlock-org-check';

/**
 * An account of the organization as the run knows it, without reading anything in it: the
 * operator's own account as its session classified it; the management account; any other a
 * member (a delegated administrator among them shows as a member: only its own session can tell).
 * Centralized root access is known from the management side's capabilities.
 */
export function orgAccountInfo(
  input: Pick<OrgCheckInput, 'ctx' | 'org' | 'capabilities'>,
  account: OrgAccount,
): AccountInfo {
  if (account.id === input.ctx.account.id && input.ctx.account.type) return input.ctx.account;
  const rootAccess =
    input.capabilities.rootSessions === true ? true : input.ctx.account.organization?.rootCredentialsManagement;
  return {
    id: account.id,
    alias: account.name,
    type: account.id === input.org.managementAccountId ? 'management' : 'member',
    organization: {
      id: input.org.id,
      managementAccountId: input.org.managementAccountId,
      ...(rootAccess === undefined ? {} : { rootCredentialsManagement: rootAccess }),
    },
  };
}

/** The verdict of an account from its steps. */
export function accountStatus(steps: readonly Pick<OrgStepResult, 'status'>[], error?: string): OrgAccountStatus {
  if (error || steps.some((s) => s.status === 'error')) return 'error';
  if (steps.some((s) => s.status === 'fail')) return 'fail';
  return 'pass';
}

/** The account-level error of a member none of whose steps could be read: it must not look like a pass. */
function nothingChecked(steps: readonly OrgStepResult[]): string | undefined {
  if (steps.length === 0 || steps.some((s) => s.status !== 'not-checked')) return undefined;
  const reasons = [...new Set(steps.map((s) => String(s.details.notChecked ?? s.summary)))];
  return `nothing could be checked in this account: ${reasons.join('; ')}`;
}

function notChecked(step: StepDefinition, reason: string): OrgStepResult {
  return {
    id: step.meta.id,
    title: step.meta.title,
    status: 'not-checked',
    summary: `Not checked: ${reason}`,
    findings: [],
    details: { notChecked: reason },
  };
}

function fromAssessment(step: StepDefinition, a: Assessment): OrgStepResult {
  return {
    id: step.meta.id,
    title: step.meta.title,
    status: a.status,
    summary: a.summary,
    findings: a.findings,
    details: a.details,
  };
}

function errored(step: StepDefinition, reason: string): OrgStepResult {
  return {
    id: step.meta.id,
    title: step.meta.title,
    status: 'error',
    summary: reason,
    findings: [],
    details: { error: { message: reason } },
  };
}

/** The reach of a step (StepMeta.orgReach, member-role when unset). */
function reachOf(step: StepDefinition): OrgReach {
  return step.meta.orgReach ?? 'member-role';
}

/** Member-role steps first, so root-keys finds the same account's prerequisites assessed. */
const REACH_ORDER: Record<OrgReach, number> = { 'member-role': 0, 'account-api': 1, 'root-session': 2 };

/**
 * Reads one account. The operator's own account is read with the operator's session, every
 * other account as a member. Never throws: a failure is the row's `error`.
 */
export async function checkAccount(input: OrgCheckInput, account: OrgAccount): Promise<OrgAccountResult> {
  const { ctx } = input;
  const counter = ctx.pool.counter.child();
  const assessments = new Map<StepId, Assessment>();
  const results = new Map<StepId, OrgStepResult>();
  const ordered = [...input.steps].sort((a, b) => REACH_ORDER[reachOf(a)] - REACH_ORDER[reachOf(b)]);
  const options = { ...ctx.options, orgMember: true, targetAccount: undefined as string | undefined };
  let principal: OrgAccountResult['principal'];
  let nextSteps: AdvisoryResult[] = [];
  let nextStepsNote: string | undefined;
  let accountError: string | undefined;

  if (account.id === ctx.account.id) {
    // The operator's own account: as `rootlock check` reads it (no target, its own session).
    const pool = ctx.pool.withCounter(counter);
    const self = accountContext(
      ctx,
      { pool, reads: ctx.reads.scoped(pool), caller: ctx.caller, account: ctx.account, options, output: SILENT_OUTPUT },
      assessments,
    );
    principal = { arn: ctx.caller.arn, type: ctx.caller.type };
    for (const step of ordered) {
      results.set(step.meta.id, fromAssessment(step, await assessAlone(step, self)));
    }
    nextSteps = await runAdvisories(input.advisories, self);
  } else {
    const managementPool = ctx.pool.withCounter(counter);
    const fromManagement = accountContext(
      ctx,
      {
        pool: managementPool,
        reads: ctx.reads.scoped(managementPool),
        caller: ctx.caller,
        account: ctx.account,
        options: { ...options, targetAccount: account.id },
        output: SILENT_OUTPUT,
      },
      assessments,
    );
    let member: EngineContext | undefined;
    let memberProblem: { reason: string; error: boolean } | undefined;
    const needsRole = ordered.some((s) => reachOf(s) === 'member-role') || input.advisories.length > 0;
    if (!input.memberRole) {
      memberProblem = {
        reason:
          'needs a read role in the member account: run with --member-role NAME (the role in ' +
          'docs/iam/member-read-role.yaml, deployed with a StackSet)',
        error: false,
      };
    } else if (needsRole) {
      try {
        const s = await ctx.factory.memberRole(
          ctx.pool,
          {
            accountId: account.id,
            roleName: input.memberRole.name,
            externalId: input.memberRole.externalId,
            sessionName: MEMBER_SESSION_NAME,
          },
          counter,
        );
        member = accountContext(
          ctx,
          { ...s, account: orgAccountInfo(input, account), options, output: SILENT_OUTPUT },
          assessments,
        );
        principal = { arn: s.caller.arn, type: s.caller.type };
      } catch (err) {
        const f = describeAwsError(err, 'sts', 'AssumeRole');
        memberProblem = {
          reason: sanitize(
            `sts:AssumeRole into arn:aws:iam::${account.id}:role/${input.memberRole.name} was refused ` +
              `(${f.code}): ${f.message}`,
            { maxLength: 400 },
          ),
          error: true,
        };
      }
    }
    for (const step of ordered) {
      const reach = reachOf(step);
      if (reach === 'member-role') {
        if (member) results.set(step.meta.id, fromAssessment(step, await assessAlone(step, member)));
        else if (memberProblem?.error) results.set(step.meta.id, errored(step, memberProblem.reason));
        else results.set(step.meta.id, notChecked(step, memberProblem?.reason ?? 'no member session'));
        continue;
      }
      const capability = reach === 'root-session' ? input.capabilities.rootSessions : input.capabilities.accountApi;
      if (account.id === input.org.managementAccountId && reach === 'root-session') {
        results.set(
          step.meta.id,
          notChecked(
            step,
            "sts:AssumeRoot cannot reach the management account's own root user; run `rootlock check` with the " +
              "management account's credentials for it",
          ),
        );
      } else if (capability !== true) {
        results.set(step.meta.id, notChecked(step, capability.reason));
      } else {
        results.set(step.meta.id, fromAssessment(step, await assessAlone(step, fromManagement)));
      }
    }
    if (member) {
      // The contacts the management side read (billing-recovery, Account API with AccountId) serve the
      // member's next steps too, rather than the same four Account API calls again in every member.
      if (input.capabilities.accountApi === true) await member.reads.adoptContacts(fromManagement.reads, account.id);
      nextSteps = await runAdvisories(input.advisories, member);
    } else if (input.advisories.length > 0) nextStepsNote = `Next steps not checked: ${memberProblem?.reason}`;
    if (memberProblem?.error) accountError = memberProblem.reason;
  }
  const steps = input.steps.map((s) => results.get(s.meta.id) as OrgStepResult);
  accountError ??= nothingChecked(steps);
  return {
    account,
    info: orgAccountInfo(input, account),
    status: accountStatus(steps, accountError),
    principal,
    steps,
    nextSteps,
    ...(nextStepsNote ? { nextStepsNote } : {}),
    ...(accountError ? { error: accountError } : {}),
    apiCalls: counter.toJSON(),
  };
}

/** The row of an account that did not finish in time, or whose reading threw. */
function failedRow(input: OrgCheckInput, account: OrgAccount, reason: string): OrgAccountResult {
  return {
    account,
    info: orgAccountInfo(input, account),
    status: 'error',
    steps: input.steps.map((s) => errored(s, reason)),
    nextSteps: [],
    error: reason,
    apiCalls: { total: 0, attempts: 0, byOperation: {} },
  };
}

/**
 * Reads every account, at most `concurrency` at once, each within its time limit, handing each
 * row to `onRow` as soon as it is known. Resolves when every account has a row.
 */
export async function runOrgCheck(input: OrgCheckInput): Promise<void> {
  await input.ctx.pool.preload([...new Set(input.steps.flatMap((s) => s.preload ?? []))]);
  try {
    await mapLimit(input.accounts, input.concurrency, async (account) => {
      input.progress.started(account);
      let row: OrgAccountResult;
      try {
        const r = await withTimeLimit(input.accountTimeoutMs, checkAccount(input, account));
        row =
          r === 'timeout'
            ? failedRow(
                input,
                account,
                `did not finish within ${Math.round(input.accountTimeoutMs / 1000)} s (--account-timeout)`,
              )
            : r;
      } catch (err) {
        row = failedRow(input, account, sanitize(explainFailure(describeAwsError(err)), { maxLength: 400 }));
      }
      input.progress.finished(account, row.status);
      await input.onRow(row);
    });
  } finally {
    input.progress.close();
  }
}
