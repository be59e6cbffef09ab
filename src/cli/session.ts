/**
 * What every command that talks to AWS shares: opening the operator's session through the
 * session factory (and saying who acts on which account), the journal and the gate of a session
 * that can change something, the next steps, the summary and the reports.
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { describeAccountType } from '../aws/account-type.js';
import { RunError } from '../aws/errors.js';
import { describePrincipal } from '../aws/identity.js';
import { ApiLimiter, organizationFamilies } from '../aws/limiter.js';
import type { Credentials } from '../aws/pool.js';
import { runAdvisories, showAdvisories } from '../engine/advisories.js';
import { MutationGate } from '../engine/gate.js';
import { defaultJournalDir, findInterrupted, openJournal, type Journal } from '../engine/journal.js';
import type { AdvisoryEntry, Registry } from '../engine/registry.js';
import { sessionContext, type EngineContext, type StepOutcome } from '../engine/runner.js';
import { SessionFactory } from '../engine/session.js';
import type { RunOptions, StepDefinition } from '../engine/step.js';
import { systemClock, type AdvisoryResult, type Clock, type Output, type Prompter } from '../engine/types.js';
import { writeSessionReports } from '../report/write.js';
import { sanitize } from '../util/text.js';
import type { CliArgs } from './args.js';
import { version } from './version.js';

/** What a command needs from outside; tests inject their own. */
export interface RunDeps {
  ui?: { output: Output; prompter: Prompter; close(): void };
  credentials?: Credentials;
  stdout?: { write(s: string): unknown };
  clock?: Clock;
  generateSecret?: () => string;
  /** The steps to run (tests register fixture steps with `REGISTRY.with(...)`). */
  registry?: Registry;
  /** Called with the gate and journal once created (tests inspect them). */
  onSession?: (s: { gate: MutationGate; journal: Journal; pool: EngineContext['pool'] }) => void;
}

/** What an interruption needs to report: filled in as the session is built. */
export interface LiveSession {
  journal?: Journal;
  gate?: MutationGate;
  /** An organization run: where it stood, in a sentence, instead of one gate's changes. */
  progress?: () => string;
}

/** The operator's session, opened and introduced, with the steps and next steps selected. */
export interface RunSession {
  ctx: EngineContext;
  steps: StepDefinition[];
  advisories: AdvisoryEntry[];
  region: string;
}

/** Selects the steps, opens the session (identity read) and says who acts on which account. */
export async function openRunSession(
  args: CliArgs,
  deps: RunDeps,
  output: Output,
  registry: Registry,
): Promise<RunSession> {
  const clock = deps.clock ?? systemClock;
  const region = args.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  let steps: StepDefinition[];
  try {
    registry.selectEntries(args.only, args.skip);
  } catch (err) {
    throw new RunError('BAD_FLAGS', (err as Error).message);
  }
  const factory = new SessionFactory(clock);
  const who = output.progress('Checking who is signed in');
  let session;
  try {
    [session, steps] = await Promise.all([
      factory.open({
        region,
        profile: args.profile,
        endpoint: args.endpointUrl,
        credentials: deps.credentials,
        // An organization run: every session counts against the management account's quotas.
        limiter: args.org ? new ApiLimiter(organizationFamilies(args.org.concurrency)) : undefined,
        classify: true,
      }),
      registry.select(args.only, args.skip),
    ]);
  } finally {
    who.stop();
  }
  const { caller, account } = session;
  const options: RunOptions = {
    assessOnly: args.command === 'check',
    yes: args.yes,
    region,
    targetAccount: args.targetAccount,
    verifyProfile: args.verifyProfile,
    adminGroup: args.adminGroup,
    regions: args.regions,
  };
  const ctx = sessionContext({ ...session, clock, output, options, registry, factory });
  const accountLabel = account.alias ? `${account.id} (${sanitize(account.alias)})` : account.id;
  const kind = account.type
    ? `, ${describeAccountType({ type: account.type, organization: account.organization })}`
    : '';
  output.info(
    `Acting as ${sanitize(caller.arn)}, ${describePrincipal(caller.type)}, on account ${accountLabel}${kind}.`,
  );
  if (account.typeNote) output.detail([account.typeNote]);
  if (caller.type === 'root' && !args.org) {
    output.warn(
      args.command === 'check'
        ? 'You are signed in as the root user. For checks, an IAM principal with the read-only policy in ' +
            'docs/iam/check-policy.json is enough.'
        : 'You are signed in as the root user. rootlock uses root only for what needs it: once the account has its ' +
            "admins, it offers to go on with an admin's AWS profile.",
    );
  }
  return { ctx, steps, advisories: registry.selectAdvisories(args.only, args.skip), region };
}

/**
 * The record and the gate of a session that can change something: warns about an earlier
 * session left unfinished, opens the journal (no session starts without its record) and builds
 * the gate, a dry run for --dry-run and for `rootlock plan`.
 */
export function openChangeSession(
  run: RunSession,
  args: CliArgs,
  deps: RunDeps,
  live: LiveSession,
): { journal: Journal; gate: MutationGate } {
  const { ctx } = run;
  const { output, account, caller, clock } = ctx;
  const journalDir = args.journalDir ?? defaultJournalDir();
  const earlier = args.dryRun ? undefined : findInterrupted(journalDir, account.id);
  if (earlier) {
    output.warn(
      `An earlier session on this account did not finish (${earlier.path}). rootlock re-reads AWS and continues from ` +
        `the account's actual state.`,
    );
    if (earlier.inFlight.length > 0) {
      output.detail(
        earlier.inFlight.map(
          (c) =>
            `In flight when it stopped (it may or may not have reached AWS; the steps below ` +
            `check): ${c.step}: ${c.operation} (${c.change})`,
        ),
      );
    }
  }
  let journal: Journal;
  try {
    journal = openJournal({ dir: journalDir, sessionId: randomUUID().slice(0, 8), now: clock.now() });
  } catch (err) {
    throw new RunError(
      'BAD_JOURNAL_DIR',
      `Cannot write the session journal ` +
        `in ${sanitize(journalDir, { maxLength: 200 })}: ${sanitize((err as Error).message, { maxLength: 200 })}. ` +
        `Nothing was changed.`,
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
    region: run.region,
    ...(account.type ? { accountType: account.type } : {}),
    ...(account.organization
      ? { organizationId: account.organization.id, managementAccountId: account.organization.managementAccountId }
      : {}),
  });
  const gate = new MutationGate({
    pool: ctx.pool,
    dryRun: args.dryRun || args.command === 'plan',
    journal,
    output,
    clock,
    sessions: ctx.factory,
    generateSecret: deps.generateSecret,
    signingKeyId: caller.accessKeyId,
  });
  live.journal = journal;
  live.gate = gate;
  deps.onSession?.({ gate, journal, pool: ctx.pool });
  return { journal, gate };
}

/** Runs the next steps (read-only, never throwing) and journals them for the session report. */
export async function journaledNextSteps(
  run: RunSession,
  ctx: EngineContext,
  journal: Journal,
  gate: MutationGate,
): Promise<AdvisoryResult[]> {
  if (run.advisories.length === 0) return [];
  if (gate.removedSigningKey(ctx.caller.accessKeyId)) {
    ctx.output.info(
      'Next steps not checked: this session removed the key it signs with. Run `rootlock check` with other ' +
        'credentials.',
    );
    return [];
  }
  const next = await runAdvisories(run.advisories, ctx);
  journal.write({ type: 'next-steps', items: next });
  return next;
}

/** Prints the next steps. */
export function showNextSteps(run: RunSession, items: AdvisoryResult[]): void {
  showAdvisories(run.ctx.output, items, (id) => run.ctx.metaOf(id));
}

/** Writes the session's reports beside its journal; a failure to write is a warning, never the session's failure. */
export function writeReports(journal: Journal, output: Output, region: string): void {
  if (!journal.path) return;
  try {
    const w = writeSessionReports(journal.path, { region });
    output.info(
      `Report of this session: ${w.markdown} (also ${basename(w.json)}, and ${basename(w.asff)} for AWS Security Hub)`,
    );
  } catch (err) {
    output.warn(
      `The session report could not be written (${sanitize((err as Error).message, { maxLength: 300 })}). Make it ` +
        `later with: rootlock report ${journal.path}`,
    );
  }
}

/** Each step's final status and summary. */
export function printSummary(output: Output, outcomes: StepOutcome[]): void {
  output.heading('Summary');
  for (const o of outcomes) {
    const a = o.after ?? o.before;
    const line = `${o.step.meta.title}: ${a.status.toUpperCase()}: ${a.summary}`;
    if (a.status === 'pass') output.success(line);
    else if (a.status === 'manual') output.warn(line);
    else output.error(line);
  }
}
