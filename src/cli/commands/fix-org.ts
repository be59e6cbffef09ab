/**
 * `rootlock fix --org`, `rootlock plan --org --out FILE` and `rootlock apply FILE` of an
 * organization plan: members' root credentials deleted through centralized root access and
 * contacts set from a policy file, across the selected accounts of an organization, from its
 * management account. Everything an account needs is sent through that account's own gate and
 * journal; the organization journal records the run, the decisions and each account's outcome.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunError } from '../../aws/errors.js';
import {
  listOrganizationAccounts,
  type OrgAccessState,
  type OrganizationInfo,
  type OrgAccount,
  readOrganization,
  readOrgAccess,
  selectAccounts,
} from '../../aws/organization.js';
import { MutationGate } from '../../engine/gate.js';
import { defaultJournalDir, type Journal, openJournal, readJournalFile } from '../../engine/journal.js';
import type { OrgCapabilities } from '../../engine/org-check.js';
import {
  type AccountGate,
  accountRef,
  applyAccount,
  type OrgAppliedAccount,
  type OrgFixInput,
  organizationChanges,
  planOrganization,
  type ScpPreflight,
  withhold,
} from '../../engine/org-fix.js';
import { ORG_PLAN_SCHEMA, type OrgPlanFile, type OrgPlannedAccount } from '../../engine/org-plan-file.js';
import { showPlan } from '../../engine/runner.js';
import type { OrgDecisions, RootCredentialKinds, StepDefinition } from '../../engine/step.js';
import type { AccountsProgress, Change, Output, Prompter } from '../../engine/types.js';
import { factsText, orgFixMarkdown, outcomeCounts, sortRows } from '../../report/org-fix.js';
import { writeOwnerOnly } from '../../report/write.js';
import { safeJson } from '../../util/json.js';
import { mapLimit } from '../../util/concurrency.js';
import { sanitize } from '../../util/text.js';
import type { CliArgs, OrgArgs } from '../args.js';
import { EXIT } from '../exit-codes.js';
import type { LiveSession, RunDeps, RunSession } from '../session.js';
import { version } from '../version.js';
import { scpPreflight } from '../org-preflight.js';
import { plainProgress } from './check-org.js';

/** Days within which a root credential's use counts as recent. */
export const RECENT_DAYS = 30;
/** At most this many accounts have their exact calls printed on screen (all are journaled and in plan files). */
const SHOW_CALLS_UP_TO = 20;

const KIND_CHOICES: Array<{ value: keyof RootCredentialKinds; name: string }> = [
  { value: 'accessKeys', name: 'access keys' },
  { value: 'signingCertificates', name: 'signing certificates (X.509)' },
  { value: 'password', name: 'console password' },
  { value: 'mfaDevices', name: 'MFA devices (deactivated)' },
];

const BILLING_STATEMENT =
  '"IAM user and role access to Billing information" has no API. Once an account\'s root password is deleted, ' +
  'it can be turned on only by recovering the root password first (rootlock --only root-keys --target-account ID ' +
  'offers that, one account at a time).';

/** The organization and what it has turned on, read from the management side. */
interface OrgSetup {
  org: OrganizationInfo;
  selected: OrgAccount[];
  skipped: Array<{ account: OrgAccount; reason: string }>;
  access: OrgAccessState;
}

/** The steps an organization fix covers: those with an `org` hook, contacts only with a policy. */
export function orgFixSteps(steps: readonly StepDefinition[], decisions: OrgDecisions): StepDefinition[] {
  return steps.filter((s) => s.org && (s.meta.id !== 'billing-recovery' || decisions.contactsPolicy !== undefined));
}

/** Checks an organization plan's decisions (its contacts policy) with the steps, before any AWS call. */
export function validatePlanDecisions(plan: OrgPlanFile, steps: readonly StepDefinition[]): void {
  const problems = steps.flatMap((s) => s.org?.validate?.(plan.decisions) ?? []);
  if (problems.length > 0)
    throw new RunError(
      'BAD_PLAN',
      `The plan's contacts policy has ${problems.length} problem(s); nothing was read or changed:\n` +
        problems.map((p) => `  - ${sanitize(p, { maxLength: 300 })}`).join('\n'),
      'Make a new plan with rootlock plan --org --out FILE.',
    );
}

/** Reads and validates `--contacts FILE` with the steps that use it, before any AWS call. */
export function readContactsPolicy(file: string | undefined, steps: readonly StepDefinition[]): unknown {
  if (file === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RunError('BAD_CONTACTS', `Cannot read the contacts policy ${sanitize(file)}: ${(err as Error).message}`);
  }
  const decisions: OrgDecisions = { rootCredentials: allKinds(), contactsPolicy: value };
  const problems = steps.flatMap((s) => s.org?.validate?.(decisions) ?? []);
  if (problems.length > 0)
    throw new RunError(
      'BAD_CONTACTS',
      `The contacts policy ${sanitize(file)} has ${problems.length} problem(s); nothing was read or changed:\n` +
        problems.map((p) => `  - ${sanitize(p, { maxLength: 300 })}`).join('\n'),
      'See docs/contacts-policy.md for the format.',
    );
  return value;
}

function allKinds(): RootCredentialKinds {
  return { accessKeys: true, signingCertificates: true, password: true, mfaDevices: true };
}

async function readSetup(run: RunSession, opts: OrgArgs): Promise<OrgSetup> {
  const { ctx } = run;
  if (ctx.caller.type === 'root')
    throw new RunError(
      'ROOT_CALLER',
      'An organization fix cannot run as the root user: AWS refuses sts:AssumeRoot to root credentials.',
      'Run with an IAM principal of the management account (docs/organizations.md lists the permissions).',
    );
  const org = await readOrganization(ctx.pool, ctx.account.id, ctx.reads);
  const [all, access] = await Promise.all([
    listOrganizationAccounts(ctx.pool, { fromOu: opts.ou, tags: opts.tags !== undefined, root: org.root }),
    readAccess(run),
  ]);
  const { selected, skipped } = selectAccounts(all, opts);
  return { org, selected, skipped, access };
}

/** Trusted access and the centralized root access features; `fresh` after this run turned some on. */
async function readAccess(run: RunSession, fresh = false): Promise<OrgAccessState> {
  const access = await readOrgAccess(run.ctx.pool, run.ctx.reads, { fresh });
  // Anything but "IAM's trusted access is off" stops the run, as AWS said it.
  if (access.featuresError) throw access.featuresError.error;
  return access;
}

function capabilitiesOf(access: OrgAccessState): OrgCapabilities {
  return {
    rootSessions: access.rootCredentialsManagement
      ? true
      : {
          reason:
            "centralized root access (RootCredentialsManagement) is off for this organization, so members' root " +
            'credentials cannot be read; turn it on (rootlock fix --org offers it) and plan again',
        },
    accountApi:
      access.accountTrustedAccess === false
        ? {
            reason:
              "trusted access for AWS Account Management is off, so members' contacts cannot be read or set; turn " +
              'it on (rootlock fix --org --contacts FILE offers it) and plan again',
          }
        : true,
  };
}

/** The journal of the organization run, and a journal per account on demand. */
class Journals {
  readonly org: Journal;
  private readonly sid: string;

  constructor(
    private readonly dir: string,
    private readonly run: RunSession,
    private readonly command: string,
    private readonly dryRun: boolean,
  ) {
    this.sid = randomUUID().slice(0, 8);
    try {
      this.org = openJournal({ dir, sessionId: `org-${this.sid}`, now: run.ctx.clock.now() });
    } catch (err) {
      throw new RunError(
        'BAD_JOURNAL_DIR',
        `Cannot write the session journal in ${sanitize(dir, { maxLength: 200 })}: ` +
          `${sanitize((err as Error).message, { maxLength: 200 })}. Nothing was changed.`,
        'Use --journal-dir DIR (or ROOTLOCK_HOME) to choose a directory you can write to.',
      );
    }
  }

  start(org: OrganizationInfo): void {
    const { ctx } = this.run;
    const account = ctx.account.id;
    this.org.write({
      type: 'session-start',
      command: this.command,
      dryRun: this.dryRun,
      account,
      principal: ctx.caller.arn,
      version: version(),
      principalType: ctx.caller.type,
      region: this.run.region,
      accountType: ctx.account.type ?? (account === org.managementAccountId ? 'management' : 'member'),
      organizationId: org.id,
      managementAccountId: org.managementAccountId,
    });
  }

  account(org: OrganizationInfo, accountId: string): Journal {
    const j = openJournal({ dir: this.dir, sessionId: `${this.sid}-${accountId}`, now: this.run.ctx.clock.now() });
    const { ctx } = this.run;
    j.write({
      type: 'session-start',
      command: `${this.command} (organization ${org.id})`,
      dryRun: this.dryRun,
      account: accountId,
      principal: ctx.caller.arn,
      version: version(),
      principalType: ctx.caller.type,
      region: this.run.region,
      accountType: accountId === org.managementAccountId ? 'management' : 'member',
      organizationId: org.id,
      managementAccountId: org.managementAccountId,
    });
    return j;
  }
}

function progressFor(output: Output, total: number, concurrency: number, verb: string): AccountsProgress {
  return output.accounts?.(total, concurrency) ?? plainProgress(output, total, verb);
}

/** The SCP preflight for this run: one reader, so every OU and policy is read once. */
function preflightFor(run: RunSession, org: OrganizationInfo): ScpPreflight {
  return scpPreflight(run.ctx.pool, org);
}

function fixInput(
  run: RunSession,
  setup: Pick<OrgSetup, 'org' | 'access'>,
  steps: StepDefinition[],
  opts: OrgArgs,
  decisions: OrgDecisions,
): OrgFixInput {
  return {
    ctx: run.ctx,
    org: setup.org,
    steps,
    capabilities: capabilitiesOf(setup.access),
    decisions,
    concurrency: opts.concurrency,
    accountTimeoutMs: opts.accountTimeout * 1000,
    preflight: preflightFor(run, setup.org),
    recentDays: RECENT_DAYS,
  };
}

/** One line per account for the plan table. */
function planLine(a: OrgPlannedAccount): string {
  const ops = a.changes.map((c) => c.operation);
  const counted = [...new Set(ops)].map(
    (op) => `${op}${ops.filter((o) => o === op).length > 1 ? ` x${ops.filter((o) => o === op).length}` : ''}`,
  );
  const status = a.error ? `error: ${a.error}` : a.changes.length === 0 ? 'nothing to change' : counted.join(', ');
  const where = `${a.id} ${sanitize(a.name, { maxLength: 30 })} [${sanitize(a.ou, { maxLength: 40 })}]`;
  return `${where} ${factsText(a.before)} -> ${status}${a.refused ? ` (refused: ${a.refused})` : ''}`;
}

/** Shows the aggregate, the per-account table and (for a few accounts) the exact calls. */
function showOrgPlan(
  output: Output,
  plan: Pick<OrgPlanFile, 'organizationChanges' | 'accounts'>,
  dryRun: boolean,
): void {
  const with_ = plan.accounts.filter((a) => a.changes.length > 0);
  const calls = with_.reduce((n, a) => n + a.changes.length, 0);
  output.heading(
    `Organization plan${dryRun ? ' (dry run: nothing will be sent)' : ''}: ${plan.organizationChanges.length} ` +
      `organization change(s); ${calls} call(s) in ${with_.length} of ${plan.accounts.length} account(s)`,
  );
  const byOp = new Map<string, number>();
  for (const a of with_)
    for (const c of a.changes)
      byOp.set(`${c.service}:${c.operation}`, (byOp.get(`${c.service}:${c.operation}`) ?? 0) + 1);
  if (byOp.size > 0) output.detail([...byOp].map(([op, n]) => `${op}: ${n}`));
  const refused = plan.accounts.filter((a) => a.refused);
  const errors = plan.accounts.filter((a) => a.error);
  if (refused.length > 0) {
    output.warn(`${refused.length} account(s) refused by the SCP preflight (their root credentials are kept):`);
    output.detail(refused.map((a) => `${a.id}: ${sanitize(a.refused ?? '', { maxLength: 300 })}`));
  }
  if (errors.length > 0) {
    output.warn(`${errors.length} account(s) could not be read (nothing is planned for them):`);
    output.detail(errors.map((a) => `${a.id}: ${sanitize(a.error ?? '', { maxLength: 300 })}`));
  }
  if (plan.organizationChanges.length > 0) showPlan(output, plan.organizationChanges, dryRun);
  output.heading('Per account: facts now -> the calls planned');
  for (const a of plan.accounts) output.info(planLine(a));
  if (with_.length > 0 && with_.length <= SHOW_CALLS_UP_TO) {
    for (const a of with_) {
      output.heading(`Account ${a.id} (${sanitize(a.name, { maxLength: 40 })})`);
      showPlan(output, a.changes, dryRun);
    }
  } else if (with_.length > SHOW_CALLS_UP_TO) {
    output.info(
      `The exact calls of every account (API, parameters, session) are in the organization journal and in plan files ` +
        `(rootlock plan --org --out FILE).`,
    );
  }
}

/** Asks which root credentials go (default all). */
async function askKinds(prompter: Prompter): Promise<RootCredentialKinds> {
  const chosen = await prompter.checkbox({
    id: 'org.root-credentials',
    message: 'Which root credentials of member accounts should be deleted? (default: all)',
    choices: KIND_CHOICES.map((c) => ({ ...c, checked: true })),
  });
  const kinds: RootCredentialKinds = {
    accessKeys: false,
    signingCertificates: false,
    password: false,
    mfaDevices: false,
  };
  for (const k of chosen) {
    if (!(k in kinds)) throw new RunError('BAD_ANSWERS', `org.root-credentials: unknown kind ${sanitize(String(k))}.`);
    kinds[k] = true;
  }
  return kinds;
}

/**
 * The preflight questions, after the plan is known: billing access (per account, or one explicit
 * acceptance for the rest), and recently used root credentials (a separate confirmation).
 * Declining leaves those changes out of the plan, recorded as withheld.
 */
async function askPreflight(
  prompter: Prompter,
  output: Output,
  accounts: OrgPlannedAccount[],
  journal: Journal,
  by: string,
): Promise<OrgPlanFile['preflight']> {
  const preflight: OrgPlanFile['preflight'] = {
    recentDays: RECENT_DAYS,
    recentUseConfirmed: [],
    billingAccess: { attested: [], acceptedForRest: false, statement: BILLING_STATEMENT },
    refused: Object.fromEntries(accounts.filter((a) => a.refused).map((a) => [a.id, a.refused as string])),
  };
  const isPassword = (c: Change) => c.operation === 'DeleteLoginProfile';
  const losing = accounts.filter((a) => a.changes.some(isPassword));
  if (losing.length > 0) {
    output.warn(`The root password of ${losing.length} account(s) would be deleted. ${BILLING_STATEMENT}`);
    const raw = await prompter.input({
      id: 'org.billing-access-attested',
      message:
        'Account ids (comma-separated) where you have turned on IAM user and role access to Billing information ' +
        '(empty for none):',
      default: '',
      optional: true,
      validate: (v) => {
        const ids = v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
        const bad = ids.find((id) => !losing.some((a) => a.id === id));
        return bad ? `${sanitize(bad, { maxLength: 20 })} is not one of the accounts whose password is deleted` : true;
      },
    });
    preflight.billingAccess.attested = raw
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const rest = losing.filter((a) => !preflight.billingAccess.attested.includes(a.id));
    if (rest.length > 0) {
      preflight.billingAccess.acceptedForRest = await prompter.confirm({
        id: 'org.billing-access-accept',
        message:
          `For the other ${rest.length} account(s), accept that IAM access to billing can be turned on only after a ` +
          `root password recovery? (No keeps their root password and MFA.)`,
        default: false,
        safeDefault: false,
      });
      if (!preflight.billingAccess.acceptedForRest)
        for (const a of rest)
          withhold(
            a,
            (c) => c.operation === 'DeleteLoginProfile' || c.operation === 'DeactivateMFADevice',
            'root password and MFA kept: IAM access to billing was neither attested nor accepted',
          );
    }
    journal.write({
      type: 'attestation',
      step: 'root-keys',
      item: 'org-billing-access',
      by,
      statement:
        `${BILLING_STATEMENT} Attested for: ${preflight.billingAccess.attested.join(', ') || 'none'}; accepted ` +
        'for the ' +
        `other ${rest.length}: ${preflight.billingAccess.acceptedForRest ? 'yes' : 'no'}.`,
    });
  }
  const recent = accounts.filter((a) => a.recentUse && a.changes.some((c) => c.session?.assumeRoot));
  if (recent.length > 0) {
    output.warn(`Root credentials used in the last ${RECENT_DAYS} days, in ${recent.length} account(s):`);
    output.detail(
      recent.map((a) => `${a.id} ${sanitize(a.name, { maxLength: 40 })}: ${(a.recentUse ?? []).join('; ')}`),
    );
    const ok = await prompter.confirm({
      id: 'org.recent-use',
      message: `Delete them anyway in these ${recent.length} account(s)? (No keeps their root credentials.)`,
      default: false,
      safeDefault: false,
    });
    if (ok) preflight.recentUseConfirmed = recent.map((a) => a.id);
    else
      for (const a of recent)
        withhold(a, (c) => c.session?.assumeRoot !== undefined, 'recently used root credentials kept (not confirmed)');
    journal.write({
      type: 'attestation',
      step: 'root-keys',
      item: 'org-recent-root-use',
      by,
      statement:
        `Recently used root credentials in ${recent.map((a) => a.id).join(', ')}: delete ` +
        `${ok ? 'confirmed' : 'declined'}.`,
    });
  }
  return preflight;
}

/**
 * The confirmation before anything is sent: a deletion across accounts needs the number of those
 * accounts typed; changes that delete nothing (contacts) a plain yes, which --yes may give.
 */
async function confirmCount(prompter: Prompter, accounts: readonly OrgPlannedAccount[]): Promise<boolean> {
  const destructive = accounts.filter((a) => a.changes.some((c) => c.destructive));
  if (destructive.length === 0) {
    const calls = accounts.reduce((n, a) => n + a.changes.length, 0);
    if (calls === 0) return true;
    return prompter.confirm({
      id: 'org.apply',
      message: `Send these ${calls} change(s) in ${accounts.filter((a) => a.changes.length > 0).length} account(s)?`,
      default: true,
      safeDefault: true,
    });
  }
  const want = String(destructive.length);
  const typed = await prompter.input({
    id: 'org.confirm-count',
    message: `This deletes root credentials in ${want} account(s). Type ${want} to go on, or leave it empty to stop:`,
    validate: (v) =>
      v.trim() === want || v.trim() === ''
        ? true
        : `type the number of accounts, ${want}, to go on (or leave it empty to stop); ` +
          `"${sanitize(v, { maxLength: 12 })}" is not it`,
  });
  return typed.trim() === want;
}

/** Sends organization-wide changes through a gate of the organization journal; false when one failed. */
async function sendOrganizationChanges(
  run: RunSession,
  changes: Change[],
  journal: Journal,
  dryRun: boolean,
  deps: RunDeps,
): Promise<boolean> {
  if (changes.length === 0) return true;
  const gate = new MutationGate({
    pool: run.ctx.pool,
    dryRun,
    journal,
    output: run.ctx.output,
    clock: run.ctx.clock,
    sessions: run.ctx.factory,
    generateSecret: deps.generateSecret,
  });
  for (const c of changes) {
    const r = await gate.execute(c);
    if (r.outcome === 'failed') {
      run.ctx.output.error(`${c.description}: ${r.error?.message ?? 'failed'}`);
      return false;
    }
    if (!dryRun)
      run.ctx.output.success(r.outcome === 'already-done' ? `${c.description} (already in place)` : c.description);
  }
  return true;
}

/** Applies (or, in a dry run, shows) every account's changes, a bounded number at once. */
async function applyAccounts(
  run: RunSession,
  input: OrgFixInput,
  org: OrganizationInfo,
  accounts: readonly OrgPlannedAccount[],
  journals: Journals,
  dryRun: boolean,
  deps: RunDeps,
  live: LiveSession,
  doneEarlier: ReadonlySet<string>,
  planId: string,
  /** Re-read each account before sending (apply of a plan file); false right after planning (fix --org --dry-run). */
  reread: boolean,
): Promise<OrgAppliedAccount[]> {
  const rows: OrgAppliedAccount[] = [];
  const progress = progressFor(run.ctx.output, accounts.length, input.concurrency, dryRun ? 'shown' : 'applied');
  const openGate = (accountId: string) => (): AccountGate => {
    const journal = journals.account(org, accountId);
    const gate = new MutationGate({
      pool: run.ctx.pool,
      dryRun,
      journal,
      output: { ...run.ctx.output, info: () => {}, success: () => {}, detail: () => {} },
      clock: run.ctx.clock,
      sessions: run.ctx.factory,
      generateSecret: deps.generateSecret,
    });
    return { gate, journal };
  };
  let started = 0;
  live.progress = () =>
    `${rows.length} of ${accounts.length} account(s) had finished ` +
    `(${rows.filter((r) => r.outcome === 'done').length} done), ` +
    `${started - rows.length} were in progress; each account's changes and their outcome are in its ` +
    'journal. Run the same command again: it re-reads the accounts and sends only what is still needed (an ' +
    'apply of the same plan file skips the accounts it finished).';
  try {
    await mapLimit(accounts, input.concurrency, async (a) => {
      started += 1;
      progress.started(a);
      let row: OrgAppliedAccount;
      if (doneEarlier.has(a.id)) {
        row = {
          id: a.id,
          name: a.name,
          ou: a.ou,
          outcome: 'done-earlier',
          reason: 'done by an earlier apply of this plan (organization journal)',
          before: a.before,
          results: [],
          alreadyInPlace: [],
        };
      } else if (dryRun && !reread) {
        const results: OrgAppliedAccount['results'] = [];
        if (a.changes.length > 0) {
          const { gate, journal } = openGate(a.id)();
          for (const c of a.changes) {
            const r = await gate.execute(c);
            results.push({ changeId: r.changeId, operation: `${c.service}:${c.operation}`, outcome: r.outcome });
          }
          journal.write({ type: 'session-end', outcome: 'completed' });
        }
        row = {
          id: a.id,
          name: a.name,
          ou: a.ou,
          outcome: a.error ? 'error' : a.changes.length > 0 ? 'dry-run' : a.refused ? 'refused' : 'nothing-to-do',
          ...(a.error || a.refused ? { reason: a.error ?? a.refused } : {}),
          before: a.before,
          results,
          alreadyInPlace: [],
        };
      } else {
        let opened: AccountGate | undefined;
        row = await applyAccount(input, a, () => {
          opened = openGate(a.id)();
          return opened;
        });
        opened?.journal.write({ type: 'session-end', outcome: row.outcome === 'done' ? 'completed' : row.outcome });
      }
      journals.org.write({
        type: 'org-account',
        planId,
        account: a.id,
        outcome: row.outcome,
        ...(row.reason ? { reason: row.reason } : {}),
        results: row.results,
        ...(row.alreadyInPlace.length > 0 ? { alreadyInPlace: row.alreadyInPlace } : {}),
      });
      // The counter counts `fail` and `error`: an account left with work (failed, incomplete, drifted) is a fail.
      progress.finished(a, ['failed', 'incomplete', 'drifted'].includes(row.outcome) ? 'fail' : row.outcome);
      rows.push(row);
    });
  } finally {
    progress.close();
  }
  return rows;
}

/** What is left for people, from the plan and the run. */
function manualItems(
  plan: Pick<OrgPlanFile, 'accounts' | 'preflight' | 'organization'>,
  rows: readonly OrgAppliedAccount[],
): string[] {
  const out: string[] = [];
  const mgmt = plan.accounts.find((a) => a.management);
  if (mgmt)
    out.push(
      `The management account ${mgmt.id}: its own root user is out of reach of sts:AssumeRoot; run rootlock --only ` +
        'root-keys signed in to it.',
    );
  const passwords = rows.filter((r) =>
    r.results.some(
      (x) => x.operation === 'iam:DeleteLoginProfile' && (x.outcome === 'applied' || x.outcome === 'already-done'),
    ),
  );
  if (passwords.length > 0)
    out.push(
      `${passwords.length} account(s) lost their root password: ${BILLING_STATEMENT} Attested: ` +
        `${plan.preflight.billingAccess.attested.join(', ') || 'none'}.`,
    );
  for (const r of rows.filter((x) => ['drifted', 'refused', 'failed', 'incomplete', 'error'].includes(x.outcome)))
    out.push(`${r.id} (${r.outcome}): ${r.reason ?? ''}`);
  return out;
}

/** The run's API calls, and the Account API writes among them (what AWS's write quotas bound). */
function showCalls(run: RunSession): void {
  const calls = run.ctx.pool.counter.toJSON();
  const account = Object.entries(calls.byOperation).filter(([op]) => op.startsWith('account:'));
  const writes = account.filter(([op]) => op.startsWith('account:Put')).reduce((n, [, v]) => n + v, 0);
  // AWS's Account API quotas are per operation: the busiest read and write set the floor under the run.
  const busiest = (prefix: string) => Math.max(0, ...account.filter(([op]) => op.startsWith(prefix)).map(([, v]) => v));
  run.ctx.output.info(
    `API calls: ${calls.total} (${calls.attempts} attempts); Account API writes: ${writes}; busiest Account API ` +
      `read ${busiest('account:Get')}, write ${busiest('account:Put')}.`,
  );
}

/** Writes the report beside the organization journal, shows the summary, and returns the exit code. */
function finish(
  run: RunSession,
  journals: Journals,
  plan: Pick<OrgPlanFile, 'accounts' | 'preflight' | 'organization' | 'planId'>,
  rows: OrgAppliedAccount[],
  dryRun: boolean,
): number {
  const { output } = run.ctx;
  const counts = outcomeCounts(rows);
  const manual = manualItems(plan, rows);
  const markdown = orgFixMarkdown(
    {
      organizationId: plan.organization.id,
      managementAccountId: plan.organization.managementAccountId,
      principal: run.ctx.caller.arn,
      generatedAt: run.ctx.clock.now().toISOString(),
      dryRun,
      planId: plan.planId,
      manual,
    },
    rows,
  );
  const path = journals.org.path ? journals.org.path.replace(/\.jsonl$/, '.org-report.md') : undefined;
  if (path) writeOwnerOnly(path, markdown);
  output.heading('Organization fix: outcome per account');
  for (const r of sortRows(rows).filter((x) => x.outcome !== 'nothing-to-do'))
    output.info(
      `${r.id} ${sanitize(r.name, { maxLength: 30 })}: ${r.outcome}` +
        `${r.reason ? `: ${sanitize(r.reason, { maxLength: 200 })}` : ''}`,
    );
  output.info(
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([o, n]) => `${o} ${n}`)
      .join(', '),
  );
  if (dryRun) {
    const shown = rows.reduce((n, r) => n + r.results.length, 0);
    output.info(`Dry run: ${shown} call(s) shown, none sent.`);
  }
  if (manual.length > 0) output.detail(manual.map((m) => sanitize(m, { maxLength: 400 })));
  showCalls(run);
  journals.org.write({ type: 'session-end', outcome: 'completed' });
  if (journals.org.path) output.info(`Organization journal: ${journals.org.path}`);
  if (path) output.info(`Report: ${path}`);
  const bad = counts.failed + counts.error + counts.incomplete + counts.drifted;
  return bad > 0 ? EXIT.stepFailed : EXIT.ok;
}

/** `fix --org` (interactive, sends) and `plan --org --out FILE` (asks, writes the plan, sends nothing). */
export async function fixOrgCommand(
  run: RunSession,
  args: CliArgs,
  deps: RunDeps,
  live: LiveSession,
  prompter: Prompter,
  contactsPolicy: unknown,
): Promise<number> {
  const { ctx } = run;
  const { output } = ctx;
  const opts = args.org as OrgArgs;
  const planOnly = args.command === 'plan';
  const dryRun = args.dryRun || planOnly;
  const found = output.progress('Reading the organization');
  let setup: OrgSetup;
  try {
    setup = await readSetup(run, opts);
  } finally {
    found.stop();
  }
  const { org } = setup;
  const journals = new Journals(
    args.journalDir ?? defaultJournalDir(),
    run,
    planOnly ? 'plan --org' : 'fix --org',
    dryRun,
  );
  live.journal = journals.org;
  journals.start(org);
  output.info(
    `Organization ${org.id} (management account ${org.managementAccountId}): ${setup.selected.length} account(s) ` +
      `selected, ${setup.skipped.length} skipped.`,
  );
  const decisions: OrgDecisions = {
    rootCredentials: await askKinds(prompter),
    ...(contactsPolicy !== undefined ? { contactsPolicy } : {}),
  };
  journals.org.write({
    type: 'answers',
    step: 'organization',
    answers: { rootCredentials: decisions.rootCredentials, contacts: contactsPolicy !== undefined },
  });
  const steps = orgFixSteps(run.steps, decisions);
  const wantsRoot =
    steps.some((s) => s.meta.id === 'root-keys') && Object.values(decisions.rootCredentials).some(Boolean);
  const wantsContacts = steps.some((s) => s.meta.id === 'billing-recovery');

  // Organization-wide: turn on what the fix needs (management account only).
  let orgChanges: Change[] = [];
  const offers = organizationChanges(setup.access, {
    rootAccess: wantsRoot,
    rootSessions: opts.rootSessions,
    accountApi: wantsContacts,
  });
  if (offers.length > 0) {
    if (org.role !== 'management') {
      output.warn(
        'Not turned on from a delegated administrator (management account only): ' +
          `${offers.map((c) => c.description).join('; ')}.`,
      );
    } else {
      showPlan(output, offers, dryRun);
      const ok = await prompter.confirm({
        id: 'org.enable',
        message: `Turn these on for the whole organization (${offers.length} call(s); nothing is removed by them)?`,
        default: false,
        safeDefault: false,
      });
      if (ok) orgChanges = offers;
    }
  }
  if (orgChanges.length > 0 && !dryRun) {
    if (!(await sendOrganizationChanges(run, orgChanges, journals.org, false, deps))) {
      journals.org.write({ type: 'session-end', outcome: 'failed' });
      return EXIT.stepFailed;
    }
    setup.access = await readAccess(run, true);
    orgChanges = [];
  }

  const refs = setup.selected.map((a) => accountRef(org, a));
  for (const n of steps.flatMap((s) => s.org?.notices?.(decisions, refs) ?? []))
    output.warn(sanitize(n, { maxLength: 300 }));
  const input = fixInput(run, setup, steps, opts, decisions);
  const entries: OrgPlannedAccount[] = [];
  await planOrganization(
    input,
    setup.selected,
    progressFor(output, setup.selected.length, opts.concurrency, 'read'),
    (e) => entries.push(e),
  );
  entries.sort((a, b) => a.id.localeCompare(b.id));
  const preflight = await askPreflight(prompter, output, entries, journals.org, ctx.caller.arn);
  journals.org.write({
    type: 'org-preflight',
    refused: preflight.refused,
    recentUseConfirmed: preflight.recentUseConfirmed,
    billingAccess: {
      attested: preflight.billingAccess.attested,
      acceptedForRest: preflight.billingAccess.acceptedForRest,
    },
    withheld: Object.fromEntries(entries.filter((a) => a.withheld?.length).map((a) => [a.id, a.withheld ?? []])),
  });
  const plan: OrgPlanFile = {
    schema: ORG_PLAN_SCHEMA,
    planId: randomUUID(),
    createdAt: ctx.clock.now().toISOString(),
    rootlockVersion: version(),
    organization: { id: org.id, managementAccountId: org.managementAccountId },
    principal: ctx.caller.arn,
    steps: steps.map((s) => s.meta.id),
    decisions,
    preflight,
    organizationChanges: orgChanges,
    accounts: entries,
  };
  for (const s of setup.skipped) output.detail([`Skipped ${s.account.id}: ${s.reason}`]);
  showOrgPlan(output, plan, dryRun);
  journals.org.write({
    type: 'plan',
    step: 'organization',
    changes: [...orgChanges, ...entries.flatMap((a) => a.changes)],
  });
  if (planOnly) {
    writeOwnerOnly(args.out as string, safeJson(plan));
    showCalls(run);
    journals.org.write({ type: 'session-end', outcome: 'completed' });
    output.success(`Plan written to ${args.out}: apply it with rootlock apply ${args.out}`);
    return EXIT.ok;
  }
  const toApply = entries.filter((a) => a.changes.length > 0);
  if (!dryRun && toApply.length > 0 && !(await confirmCount(prompter, toApply))) {
    output.info('Nothing was changed.');
    journals.org.write({ type: 'session-end', outcome: 'declined' });
    return EXIT.ok;
  }
  if (dryRun) await sendOrganizationChanges(run, orgChanges, journals.org, true, deps);
  const rows = await applyAccounts(
    run,
    input,
    org,
    entries,
    journals,
    dryRun,
    deps,
    live,
    new Set(),
    plan.planId,
    !dryRun,
  );
  return finish(run, journals, plan, rows, dryRun);
}

/** Accounts an earlier apply of the same plan finished (`done`), from the organization journals in `dir`. */
export function doneByEarlierApply(dir: string, planId: string): Set<string> {
  const done = new Set<string>();
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.includes('-org-') && f.endsWith('.jsonl'));
  } catch {
    return done;
  }
  for (const f of files) {
    try {
      for (const e of readJournalFile(join(dir, f)))
        if (e.type === 'org-account' && e.planId === planId && e.outcome === 'done' && typeof e.account === 'string')
          done.add(e.account);
    } catch {
      // an unreadable journal tells nothing
    }
  }
  return done;
}

/** `apply FILE` of an organization plan. */
export async function applyOrgCommand(
  run: RunSession,
  plan: OrgPlanFile,
  args: CliArgs,
  deps: RunDeps,
  live: LiveSession,
  prompter: Prompter,
): Promise<number> {
  const { ctx } = run;
  const { output } = ctx;
  const opts = args.org as OrgArgs;
  const org = await readOrganization(ctx.pool, ctx.account.id, ctx.reads);
  if (org.id !== plan.organization.id || org.managementAccountId !== plan.organization.managementAccountId)
    throw new RunError(
      'BAD_PLAN',
      `The plan is for organization ${plan.organization.id}, but these credentials act in ${org.id}. Nothing was ` +
        'changed.',
    );
  const steps = run.steps.filter((s) => plan.steps.includes(s.meta.id));
  const missing = plan.steps.filter((id) => !steps.some((s) => s.meta.id === id));
  if (missing.length > 0)
    throw new RunError(
      'BAD_PLAN',
      `The plan covers ${missing.join(', ')}, left out by --only/--skip. Nothing was changed.`,
    );
  const dir = args.journalDir ?? defaultJournalDir();
  const doneEarlier = args.dryRun ? new Set<string>() : doneByEarlierApply(dir, plan.planId);
  const journals = new Journals(dir, run, 'apply --org', args.dryRun);
  live.journal = journals.org;
  journals.start(org);
  journals.org.write({
    type: 'answers',
    step: 'organization',
    answers: {
      planId: plan.planId,
      decisions: {
        rootCredentials: plan.decisions.rootCredentials,
        contacts: plan.decisions.contactsPolicy !== undefined,
      },
      preflight: plan.preflight,
    },
  });
  let access = await readAccess(run);
  if (plan.organizationChanges.length > 0 && org.role !== 'management')
    throw new RunError(
      'BAD_PLAN',
      'The plan turns on organization-wide features, which only the management account can do; these credentials ' +
        'are a delegated administrator. Nothing was changed.',
      'Apply it with credentials of the management account.',
    );
  // Organization-wide changes: those of the plan still needed now (the rest are in place).
  const all = { rootAccess: true, rootSessions: true, accountApi: true };
  const neededNow = new Set(organizationChanges(access, all).map((c) => c.id));
  const orgChanges = plan.organizationChanges.filter((c) => neededNow.has(c.id));
  if (doneEarlier.size > 0)
    output.info(`${doneEarlier.size} account(s) were finished by an earlier apply of this plan; they are skipped.`);
  const remaining = plan.accounts.filter((a) => !doneEarlier.has(a.id) && a.changes.length > 0);
  showOrgPlan(
    output,
    { organizationChanges: orgChanges, accounts: plan.accounts.filter((a) => !doneEarlier.has(a.id)) },
    args.dryRun,
  );
  if (!args.dryRun && (remaining.length > 0 || orgChanges.length > 0)) {
    if (orgChanges.length > 0) {
      const ok = await prompter.confirm({
        id: 'org.enable',
        message: `Turn these on for the whole organization (${orgChanges.length} call(s))?`,
        default: false,
        safeDefault: false,
      });
      if (!ok) {
        output.info('Nothing was changed.');
        journals.org.write({ type: 'session-end', outcome: 'declined' });
        return EXIT.ok;
      }
    }
    if (!(await confirmCount(prompter, remaining))) {
      output.info('Nothing was changed.');
      journals.org.write({ type: 'session-end', outcome: 'declined' });
      return EXIT.ok;
    }
  }
  if (!(await sendOrganizationChanges(run, orgChanges, journals.org, args.dryRun, deps))) {
    journals.org.write({ type: 'session-end', outcome: 'failed' });
    return EXIT.stepFailed;
  }
  if (orgChanges.length > 0 && !args.dryRun) access = await readAccess(run, true);
  const input = fixInput(run, { org, access }, steps, opts, plan.decisions);
  const rows = await applyAccounts(
    run,
    input,
    org,
    plan.accounts,
    journals,
    args.dryRun,
    deps,
    live,
    doneEarlier,
    plan.planId,
    true,
  );
  return finish(run, journals, plan, rows, args.dryRun);
}
