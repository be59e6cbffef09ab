/**
 * Organization plan files: `rootlock plan --org --out FILE` records the organization-level
 * decisions (which root credentials go, the contacts policy), what the preflight found and the
 * operator accepted, the organization-wide changes (turning on centralized root access), and per
 * account the facts before and the exact changes. `rootlock apply FILE` re-reads each account,
 * re-derives its changes from the same decisions and sends them only when they are the recorded
 * ones or fewer (fewer: some are already in place, from an interrupted apply or done by hand); an
 * account that now needs a change the plan lacks has drifted and is skipped with the reason,
 * without stopping the others. Plans hold no secrets (no call here carries one).
 */
import { canonical } from './plan-file.js';
import type { OrgDecisions } from './step.js';
import type { Change, StepId } from './types.js';

export const ORG_PLAN_SCHEMA = 'rootlock.org-plan/v1';

/** One account's part of the plan. */
export interface OrgPlannedAccount {
  id: string;
  name: string;
  ou: string;
  ouIds: string[];
  management: boolean;
  /** Per step: the facts read when the plan was made (counts, set/missing). */
  before: Partial<Record<StepId, Record<string, string | number | boolean>>>;
  /** The changes for this account, in the order they are sent. */
  changes: Change[];
  /**
   * Ids of changes the account needs but the plan deliberately leaves out (refused by the SCP
   * preflight, recent use not confirmed, passwords kept): apply does not count them as drift.
   */
  withheld?: string[];
  /** Why some of the account's work is not planned (SCP refusal, recent use not confirmed, unreachable). */
  notes: string[];
  /** Root credential deletions refused for this account (an SCP would deny the root session), with why. */
  refused?: string;
  /** The account could not be read; nothing is planned for it. */
  error?: string;
  /** Root credentials used recently (in words), as the plan saw them. */
  recentUse?: string[];
}

/** What the preflight showed and the operator accepted, recorded with the plan. */
export interface OrgPreflight {
  /** Days within which a root credential's use counts as recent. */
  recentDays: number;
  /** Accounts whose recently used root credentials the operator confirmed deleting. */
  recentUseConfirmed: string[];
  /** "IAM user and role access to Billing information": who attested which accounts, or accepted the batch. */
  billingAccess: {
    /** Accounts the operator attested have IAM access to billing turned on. */
    attested: string[];
    /** One explicit acceptance for every other account whose root password is deleted. */
    acceptedForRest: boolean;
    statement: string;
  };
  /** Accounts refused by the SCP preflight (id -> the policy and statement). */
  refused: Record<string, string>;
}

export interface OrgPlanFile {
  schema: typeof ORG_PLAN_SCHEMA;
  /** Ties the organization journals of every apply of this plan together (resume). */
  planId: string;
  createdAt: string;
  rootlockVersion: string;
  organization: { id: string; managementAccountId: string };
  principal: string;
  steps: StepId[];
  decisions: OrgDecisions;
  preflight: OrgPreflight;
  /** Organization-wide changes, sent first (trusted access, centralized root access). */
  organizationChanges: Change[];
  accounts: OrgPlannedAccount[];
}

/** Whether a parsed JSON value is an organization plan (rather than a single-account plan). */
export function isOrgPlan(value: unknown): boolean {
  return !!value && typeof value === 'object' && (value as { schema?: unknown }).schema === ORG_PLAN_SCHEMA;
}

function badChange(c: unknown): boolean {
  const x = c as Partial<Change> | undefined;
  return (
    !x ||
    typeof x.id !== 'string' ||
    typeof x.service !== 'string' ||
    typeof x.operation !== 'string' ||
    !x.params ||
    typeof x.params !== 'object'
  );
}

/** Validates an organization plan; every problem names what is wrong. */
export function parseOrgPlan(value: unknown, source: string, stepIds: readonly StepId[]): OrgPlanFile {
  const p = value as Partial<OrgPlanFile>;
  const fail = (why: string): never => {
    throw new Error(`${source}: ${why} Make a new plan with rootlock plan --org --out FILE.`);
  };
  if (!isOrgPlan(p)) fail(`not an organization plan (expected schema ${ORG_PLAN_SCHEMA}).`);
  if (typeof p.planId !== 'string' || !/^[\w-]{4,64}$/.test(p.planId)) fail('has no valid planId.');
  if (!p.organization || !/^o-[a-z0-9]{10,32}$/.test(String(p.organization.id))) fail('has no valid organization id.');
  if (!/^\d{12}$/.test(String(p.organization?.managementAccountId))) fail('has no valid management account id.');
  if (!Array.isArray(p.steps) || p.steps.some((s) => !stepIds.includes(s))) fail('names an unknown step.');
  const rc = p.decisions?.rootCredentials as unknown as Record<string, unknown> | undefined;
  if (!rc || ['accessKeys', 'signingCertificates', 'password', 'mfaDevices'].some((k) => typeof rc[k] !== 'boolean'))
    fail('has no valid root credential decisions.');
  if (!p.preflight?.billingAccess || !Array.isArray(p.preflight.recentUseConfirmed)) fail('has no preflight record.');
  if (!Array.isArray(p.organizationChanges) || p.organizationChanges.some(badChange))
    fail('holds a malformed organization change.');
  if (!Array.isArray(p.accounts)) fail('has no accounts.');
  const seen = new Set<string>();
  for (const a of p.accounts ?? []) {
    if (!a || !/^\d{12}$/.test(String(a.id))) fail('holds an account without a valid id.');
    if (seen.has(a.id)) fail(`lists account ${a.id} twice.`);
    seen.add(a.id);
    if (!Array.isArray(a.changes) || a.changes.some(badChange)) fail(`account ${a.id} holds a malformed change.`);
    for (const c of a.changes) {
      const target = c.session?.assumeRoot?.accountId ?? (c.params as { AccountId?: unknown }).AccountId;
      // A change must act on the account it is listed under: a hand-edited plan cannot move it elsewhere.
      if (target !== undefined && target !== a.id) fail(`account ${a.id} holds a change for account ${target}.`);
      if (target === undefined && !a.management) fail(`account ${a.id} holds a change without a target account.`);
    }
  }
  return p as OrgPlanFile;
}

/**
 * What makes two changes the same: the call and what it is sent with (id, API, parameters,
 * session), not its wording, which follows the account's state ("Set" or "Update" a contact).
 */
function callKey(c: Change): string {
  const { description: _d, warning: _w, ...call } = c;
  return canonical(call);
}

/**
 * How the changes an account needs now compare with the recorded ones: `send` are the recorded
 * changes still needed (in the recorded order); `done` the recorded ones no longer needed (in
 * place already); `drift` the needed changes the plan lacks (the account is then skipped).
 */
export function compareWithPlan(
  recorded: readonly Change[],
  now: readonly Change[],
): { send: Change[]; done: Change[]; drift: string[] } {
  const needed = new Map(now.map((c) => [callKey(c), c]));
  const planned = new Set(recorded.map((c) => callKey(c)));
  const send: Change[] = [];
  const done: Change[] = [];
  for (const c of recorded) {
    const current = needed.get(callKey(c));
    if (current) send.push(current);
    else done.push(c);
  }
  const drift = now
    .filter((c) => !planned.has(callKey(c)))
    .map((c) => `needs a change the plan lacks: ${c.description} (${c.service}:${c.operation})`);
  return { send, done, drift };
}
