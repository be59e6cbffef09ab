/**
 * The step contract. A step is a plain object in the registry: its metadata and its life cycle,
 * read state -> assess (findings) -> ask -> plan -> apply through the gate -> verify (read and
 * assess again). Everything a step needs comes through the context below or its metadata: it
 * imports no other step, nor the registry, the runner or the CLI.
 */
import type { AccountInfo, CallerIdentity } from '../aws/identity.js';
import type { ClientPool, ServiceName } from '../aws/pool.js';
import type { AccountReads } from '../aws/reads.js';
import type { Journal } from './journal.js';
import type { ManualActions } from './manual.js';
import type {
  AdvisoryMeta,
  AdvisoryResult,
  Assessment,
  Change,
  ChangeResult,
  Clock,
  Output,
  Prompter,
  StepId,
  StepMeta,
} from './types.js';

/** Options from flags that steps may read. */
export interface RunOptions {
  /**
   * True for `rootlock check`: nothing will be asked or changed, so a step may skip reads
   * that only planning or verifying a change needs (fewer API calls).
   */
  assessOnly?: boolean;
  yes: boolean;
  /** Region the session uses for regional calls (STS, EC2 discovery). */
  region: string;
  /** A member account to act on from a management account (root-keys path 2, billing contacts). */
  targetAccount?: string;
  /**
   * Set by `check --org` for each member account: the run reads many accounts, so per-account
   * noise about the session's own account is left out.
   */
  orgMember?: boolean;
  /** A second profile used to verify after the session's own key is deleted. */
  verifyProfile?: string;
  /** Admin group name for the admins step. */
  adminGroup: string;
  /** Regions to scan for EC2 (default: every enabled region). */
  regions?: string[];
}

/** Other credentials a step may need, opened by the engine's session factory. */
export interface StepSessions {
  /**
   * A short root session for a member account (sts:AssumeRoot with the named task policy, from a
   * management or delegated administrator account), cached for the session and renewed before it
   * expires. AssumeRoot changes nothing in the account, so reads may use it.
   */
  rootSession(accountId: string, taskPolicy: string): Promise<ClientPool>;
  /** A pool for a named AWS profile, on the same endpoint and call counter (its identity is not read). */
  profilePool(profile: string): ClientPool;
}

/** What every step phase can use. */
export interface StepContext {
  pool: ClientPool;
  reads: AccountReads;
  caller: CallerIdentity;
  account: AccountInfo;
  clock: Clock;
  output: Output;
  options: RunOptions;
  /**
   * Assessments of the steps already assessed in this session, by id. A step's `meta.requires`
   * are always here when it reads (the runner assesses them first).
   */
  assessments: ReadonlyMap<StepId, Assessment>;
  /** Ids in `assessments` the runner assessed only because a step requires them (they did not run as steps). */
  assessedAsRequirement: ReadonlySet<StepId>;
  /** Metadata of any registry entry, by id (for example the titles of required steps). */
  metaOf(id: StepId): StepMeta | AdvisoryMeta | undefined;
  /**
   * This step's memory for the session: created by `init` on first use, the same object for every
   * later phase and round of the same session (whichever principal runs the step). The journal
   * is the record across sessions; nothing here outlives the process.
   */
  memory<T extends object>(init: () => T): T;
  /** Root sessions for member accounts and named profiles. */
  sessions: StepSessions;
}

/** What the asking phase can use in addition. */
export interface InteractiveContext extends StepContext {
  prompter: Prompter;
  journal: Journal;
  /** Every change sent (or shown, in a dry run) in this session so far, with its outcome. */
  results: readonly ChangeResult[];
  /** Console-only actions: attestations and waiting for the operator, which a dry run skips. */
  manual: ManualActions;
}

/** Principals a handoff may go on with (see {@link StepMeta.handoff}). */
export interface HandoffCandidates {
  /** IAM users, by ARN and name. */
  users: Array<{ arn: string; name: string }>;
  /** Roles (SSO permission-set roles included), by name. */
  roles: Array<{ name: string }>;
}

/** One account of an organization fix, as the plan knows it (see {@link OrgFix}). */
export interface OrgAccountRef {
  id: string;
  name: string;
  /** OU path from the root, names joined by `/` (`Root/Workloads/Prod`). */
  ou: string;
  /** The OU ids on the path, root first (r-..., ou-...). */
  ouIds: string[];
  /** The organization's management account (acted on with its own session: no AccountId, no AssumeRoot). */
  management: boolean;
}

/** The root credentials of members an organization fix deletes (`fix --org`, `plan --org`). */
export interface RootCredentialKinds {
  accessKeys: boolean;
  signingCertificates: boolean;
  /** The console password (iam:DeleteLoginProfile). */
  password: boolean;
  /** MFA devices (iam:DeactivateMFADevice). */
  mfaDevices: boolean;
}

/** What the operator decided once for the whole organization; a plan file records it. */
export interface OrgDecisions {
  rootCredentials: RootCredentialKinds;
  /** The parsed `--contacts FILE` (validated by the step that uses it); absent: contacts are left as they are. */
  contactsPolicy?: unknown;
}

/**
 * What an organization fix needs of a step. The engine reads each account with the step's own
 * `read` (members from the management side, `options.targetAccount` set; the management account
 * with its own session), then asks this hook for the account's changes. Everything here is pure.
 */
export interface OrgFix<S = any> {
  /** Problems with the decisions this step uses (a malformed contacts file), each a sentence; [] when none. */
  validate?(decisions: OrgDecisions): string[];
  /** The changes for this account, from its state and the decisions; [] when nothing is to be done. */
  plan(state: S, decisions: OrgDecisions, account: OrgAccountRef): Change[];
  /** Small facts for the per-account before/after table and the report (counts, set/missing). */
  facts(state: S): Record<string, string | number | boolean>;
  /**
   * Credentials the decisions would delete that were used within the last `days` days (in words,
   * one per credential); [] when none.
   */
  recentUse?(state: S, now: Date, days: number, decisions: OrgDecisions): string[];
  /** Sentences about the decisions for this run's accounts (a policy entry that matches none of them). */
  notices?(decisions: OrgDecisions, accounts: readonly OrgAccountRef[]): string[];
  /** Why this step can change nothing in this account from here (the management account's own root), if so. */
  unreachable?(state: S, account: OrgAccountRef): string | undefined;
}

/**
 * A step. `S` is the state it reads, `A` the answers it collects.
 * `ask` returning undefined means nothing to change. After apply, the runner verifies
 * (read + assess) and calls `ask` again with the new state, so a step can stage work
 * over several rounds (deactivate a key, then delete it); it stops when `ask` returns
 * undefined, a round changes nothing, or after a few rounds.
 */
export interface StepDefinition<S = any, A = any> {
  meta: StepMeta;
  /**
   * Services whose SDK module is large enough to load before any step reads (check mode does).
   * `@aws-sdk/client-ec2` is the largest rootlock loads: loaded while the process is still small,
   * the memory its loading needs is reused by the reads that follow instead of adding to their peak
   * (docs/performance.md).
   */
  preload?: ServiceName[];
  read(ctx: StepContext): Promise<S>;
  assess(state: S, ctx: StepContext): Assessment;
  ask?(state: S, assessment: Assessment, ctx: InteractiveContext): Promise<A | undefined>;
  /** The changes for the answers: pure (no memory writes, no output), so plan files can re-derive it. */
  plan?(state: S, answers: A): Change[];
  /**
   * The changes later rounds would propose once this round's are applied (a key deactivated now
   * is deleted in a later round). A dry run stops after its first plan, so it shows these too;
   * a real run and a plan file send only `plan`'s.
   */
  planAhead?(state: S, answers: A): Change[];
  /** Called once a round's changes were sent, with their results, before verification. */
  applied?(state: S, answers: A, results: readonly ChangeResult[], ctx: InteractiveContext): void;
  /**
   * After a round in which a change failed, verify and call `ask` again (within the round
   * limit) instead of stopping, so the step can offer to complete or roll back what the
   * failed round left half-done. Default false: a failure ends the step's rounds.
   */
  continueAfterFailure?: boolean;
  /**
   * Called after apply and verification, to tell the operator what remains (e.g. MFA enrolment).
   * It may return a new assessment when it learned more since the last one (for example a
   * console re-check loop that read AWS again): the runner records it as the step's final state.
   */
  after?(state: S, assessment: Assessment, ctx: InteractiveContext): Promise<void | Assessment | undefined>;
  /** How `fix --org` / `plan --org` plans this step for one account of an organization. */
  org?: OrgFix<S>;
  /** With `meta.handoff`: who, from this step's assessment, may take over from root. */
  handoffCandidates?(assessment: Assessment): HandoffCandidates;
}

/**
 * An advisory entry: read-only, no questions, no changes. Reported after the steps; it never
 * blocks a step nor changes the exit code, and a failure to read becomes `not-checked`.
 */
export interface AdvisoryDefinition<S = any> {
  meta: AdvisoryMeta;
  read(ctx: StepContext): Promise<S>;
  assess(state: S, ctx: StepContext): AdvisoryResult;
}
