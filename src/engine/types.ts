/**
 * The contracts every part of rootlock shares: steps, findings, changes and the
 * small interfaces (prompts, output, clock) that keep the engine testable without
 * a terminal.
 */

import type { ServiceName } from '../aws/pool.js';
import type { ReadBack } from '../aws/read-back.js';
import { type ControlRef, controlRefs } from './controls.js';

export type { ServiceName } from '../aws/pool.js';
export { systemClock, type Clock } from '../util/clock.js';

/**
 * A registry entry's id ("admins", "root-mfa"). The ids, their order and their metadata come
 * from the registry (src/engine/registry.ts), the one list of steps.
 */
export type StepId = string;

/** A step's overall outcome. */
export type StepStatus = 'pass' | 'fail' | 'manual' | 'error';

/** How bad a finding is. `info` never makes a step fail. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/**
 * What a finding says about the account:
 * - `fail`: the step cannot pass while it stands;
 * - `warn`: worth fixing, does not fail the step;
 * - `info`: context;
 * - `manual`: no API can check it; the operator must act or attest;
 * - `retired`: AWS no longer offers the feature (security questions).
 */
export type FindingKind = 'fail' | 'warn' | 'info' | 'manual' | 'retired';

/** One observation about the account, mapped to control ids ("CIS v5.0.0 1.3", "Security Hub IAM.4"). */
export interface Finding {
  id: string;
  kind: FindingKind;
  severity: Severity;
  /** ARN or other identifier of the resource the finding is about; the account id when it is account-wide. */
  resource: string;
  message: string;
  controls: string[];
  /** What to do about it, in one or two sentences, as `check`, `apply`, reports and Security Hub show it. */
  remediation?: string;
  /**
   * The remediation as the wizard says it while this step is on screen, when `remediation` would
   * read wrong there by sending the operator to run the very step they are in (`rootlock --only
   * root-keys`): "with this step" instead. Shown only by the wizard; never journaled.
   */
  wizardRemediation?: string;
}

/** A finding as JSON documents and journals carry it: its controls also as structured references. */
export interface FindingRecord extends Finding {
  /** `controls` as `{ framework, version, id }` (src/engine/controls.ts), in the same order. */
  controlRefs: ControlRef[];
}

/** A finding as plain data for JSON documents and journals (only its own fields, copied). */
export function findingRecord(f: Finding): FindingRecord {
  return {
    id: f.id,
    kind: f.kind,
    severity: f.severity,
    resource: f.resource,
    message: f.message,
    controls: [...f.controls],
    controlRefs: controlRefs(f.controls),
    ...(f.remediation ? { remediation: f.remediation } : {}),
  };
}

/** A console page the operator may need. */
export interface ConsoleLink {
  label: string;
  url: string;
}

/** Metadata every step carries beside its code. */
export interface StepMeta {
  id: StepId;
  /** A step of the wizard (the default), or an advisory check; see {@link AdvisoryMeta}. */
  kind?: 'step';
  title: string;
  /** Why the step exists, in a sentence or two. */
  why: string;
  /** What goes wrong while the step fails. */
  risk: string;
  /** Control ids, for example "CIS v5.0.0 1.3", "CIS v3.0.0 1.4", "Security Hub IAM.4". */
  controls: string[];
  consoleLinks: ConsoleLink[];
  /** Path of the step's page under docs/. */
  docs: string;
  /**
   * Set when a session that began as the root user must keep root for this step, with the
   * reason; a step without it may be handed to an admin profile once the admins exist.
   */
  needsRoot?: string;
  /**
   * Steps whose assessments this one needs (root-keys shows whether the account is prepared).
   * The runner assesses each one not yet assessed in the session into `ctx.assessments`
   * before this step reads, once per session.
   */
  requires?: StepId[];
  /**
   * A handoff point: once this step passes in a session that began as the root user, the
   * runner offers to go on as one of the principals it found (see `StepDefinition.handoff`),
   * for every later step without `needsRoot`. `message` says why root is no longer needed.
   */
  handoff?: { message: string };
  /**
   * How `check --org` reads this step for a member account (default `member-role`):
   * - `root-session`: from the management account through sts:AssumeRoot (the step's
   *   `options.targetAccount` path); needs the organization's RootCredentialsManagement feature;
   * - `account-api`: from the management account through the Account API with `AccountId`;
   *   needs trusted access for account.amazonaws.com;
   * - `member-role`: in the member account, through the role `--member-role` names.
   */
  orgReach?: OrgReach;
}

/** Progress of an organization run, one account at a time. */
export interface AccountsProgress {
  started(account: { id: string; name: string }): void;
  finished(account: { id: string; name: string }, status: string): void;
  close(): void;
}

/** See {@link StepMeta.orgReach}. */
export type OrgReach = 'root-session' | 'account-api' | 'member-role';

/**
 * Metadata of an advisory entry: a read-only check reported after the steps ("next steps").
 * It asks nothing, changes nothing, never blocks a step and never changes the exit code.
 */
export interface AdvisoryMeta {
  id: StepId;
  kind: 'advisory';
  title: string;
  /** How bad a failure is (Security Hub's severity of the matching control, where there is one). */
  severity: Severity;
  controls: string[];
  /** What to do when it fails, in a sentence. */
  remediation: string;
  /** AWS documentation for the fix. */
  url: string;
}

/**
 * An advisory entry's verdict, as check documents, journals and reports carry it. `not-applicable`:
 * the check does not apply to this account (root MFA of a member account under centralized root
 * access whose root user has no credentials); never a failure.
 */
export interface AdvisoryResult {
  id: StepId;
  status: 'pass' | 'fail' | 'not-checked' | 'not-applicable';
  message: string;
  controls: string[];
  /** ARNs or ids the verdict is about (users without MFA, old keys). */
  resources: string[];
}

/** What a step concluded from the state it read. */
export interface Assessment {
  status: StepStatus;
  summary: string;
  findings: Finding[];
  /** Step-specific structured facts, documented in docs/check-json.md. */
  details: Record<string, unknown>;
}

/**
 * A placeholder in a change's parameters for a secret that is generated at apply
 * time, shown once to the operator and never stored (plans, journals and reports
 * keep the placeholder).
 */
export interface SecretPlaceholder {
  $secret: 'password';
  /** Shown with the secret, for example "one-time console password for alice". */
  label: string;
}

/**
 * One mutating AWS call, as data. Plans are lists of these; dry-run prints them;
 * apply sends exactly these through the mutation gate.
 */
export interface Change {
  /** Unique within a plan, stable across runs for the same intent, e.g. "admins/create-user/alice". */
  id: string;
  step: StepId;
  /** The change in words, for the operator. */
  description: string;
  service: ServiceName;
  /** The SDK operation name, e.g. "CreateUser" (sent as `${operation}Command`). */
  operation: string;
  params: Record<string, unknown>;
  /** Region to send it to; defaults to the session's region (IAM and Account are global). */
  region?: string;
  /**
   * Credentials to use. Omitted: the session's own. `{ assumeRoot }`: a short root
   * session for that member account, obtained with sts:AssumeRoot and the named task policy.
   */
  session?: { assumeRoot: { accountId: string; taskPolicy: string } };
  /** Error codes that mean the change is already in place (e.g. EntityAlreadyExists): treated as done. */
  alreadyDoneCodes?: string[];
  /**
   * Error codes worth retrying for eventual consistency (e.g. a new instance profile not yet usable),
   * with a bounded number of attempts.
   */
  retryOn?: { codes: string[]; messageIncludes?: string; attempts: number; delayMs: number };
  /** Deleting or ending something the operator relies on. The CLI asks again for these. */
  destructive?: boolean;
  /** A warning shown beside the change (e.g. "this deletes the key this session signs with"). */
  warning?: string;
  /**
   * The read that tells whether this change is in place when AWS's answer to it was lost
   * (src/aws/read-back.ts); the step that builds the change attaches it. Without one, the
   * gate sends a lost change again only when it is `idempotent`.
   *
   * Code, not data: `JSON.stringify` drops it, so plan files and journals never hold it and a
   * Change parsed back from a plan file has none. `rootlock apply` sends the plan re-derived
   * from the recorded answers (equal to the recorded one, which the drift check proves), and
   * that plan carries it.
   */
  readBack?: ReadBack;
  /**
   * True when sending it again after a success changes nothing (puts, attaches, tag removals,
   * key status updates) or is answered with one of its `alreadyDoneCodes` (deletes and
   * removals: NoSuchEntity): safe to send again after a lost answer no read could settle.
   * Set only when true, so plans of other changes serialise as they always did.
   */
  idempotent?: boolean;
}

/** The outcome of sending one change. */
export interface ChangeResult {
  changeId: string;
  outcome: 'applied' | 'already-done' | 'dry-run' | 'failed';
  /** Redacted summary of what AWS answered. */
  response?: Record<string, unknown>;
  error?: { code: string; message: string; deniedAction?: string };
  /** How many times the gate sent the call, when more than once (throttling, lost answers, eventual consistency). */
  sends?: number;
  /** Attempts whose answer never came (connection dropped, HTTP 5xx): each may have been applied. */
  lostAnswers?: number;
  /** True when a lost answer was settled by reading AWS back: the change is in place. */
  reconciled?: boolean;
}

/** A question's identity: answers files, flags and scripted tests address questions by id. */
export interface QuestionBase {
  /** Stable id, e.g. "admins.create.count". */
  id: string;
  message: string;
}

export interface ConfirmQuestion extends QuestionBase {
  default?: boolean;
  /**
   * true when `yes` is the safe answer, so `--yes` may give it. Confirmations that delete
   * or deactivate something are never safe-by-default.
   */
  safeDefault?: boolean;
}

export interface InputQuestion extends QuestionBase {
  default?: string;
  /**
   * An offer the session can do without (its `default` changes nothing): with no terminal and
   * no answer supplied, the default is taken instead of stopping for input.
   */
  optional?: boolean;
  /** Returns true when valid, or the reason it is not (re-asked with that reason). */
  validate?: (value: string) => true | string;
}

export interface Choice<T> {
  value: T;
  name: string;
  description?: string;
  checked?: boolean;
}

export interface SelectQuestion<T> extends QuestionBase {
  choices: Choice<T>[];
  default?: T;
}

export interface CheckboxQuestion<T> extends QuestionBase {
  choices: Choice<T>[];
  validate?: (values: T[]) => true | string;
}

/** Everything the engine may ask. Implemented by the terminal UI, answer files and tests. */
export interface Prompter {
  confirm(q: ConfirmQuestion): Promise<boolean>;
  input(q: InputQuestion): Promise<string>;
  select<T>(q: SelectQuestion<T>): Promise<T>;
  checkbox<T>(q: CheckboxQuestion<T>): Promise<T[]>;
}

/** A progress indicator for a long operation. Never shown while a prompt is on screen. */
export interface Progress {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

/**
 * Tasks drawn together as one list, each with its own line (the changes of a plan being applied).
 * Started in order with {@link TaskList.task}; ended once with {@link TaskList.close}.
 */
export interface TaskList {
  /**
   * Starts task `index` (0-based, in order) and returns its progress: `update` while it waits,
   * `succeed` or `fail` when it ends (with the final text, or the latest one).
   */
  task(index: number): Progress;
  /**
   * Ends the list: tasks never started are shown as skipped, one left running as failed. Resolves
   * once the list is final on screen and everything printed meanwhile (held back so the list's
   * redraws cannot garble it) has been written after it, in order.
   */
  close(): Promise<void>;
}

/** Everything the engine prints. The engine never writes to a stream itself. */
export interface Output {
  heading(text: string): void;
  info(text: string): void;
  success(text: string): void;
  warn(text: string): void;
  error(text: string): void;
  /** Indented detail lines under the previous message. */
  detail(lines: string[]): void;
  progress(text: string): Progress;
  /**
   * Optional: a list of tasks with these titles, drawn while they run (an interactive terminal).
   * Absent, or returning undefined, where this output draws none: then show each with `progress`.
   * Whatever else is printed while the list is open appears after it, in order.
   */
  tasks?(titles: string[]): TaskList | undefined;
  /**
   * Optional: the progress of an organization run drawn on an interactive terminal (a line per
   * account in flight, a counter for the rest). Absent, or undefined, where this output draws
   * none: the run then prints a plain line per finished account.
   */
  accounts?(total: number, concurrency: number): AccountsProgress | undefined;
  /** Shows a secret once, to the operator's terminal only; never logged. */
  secret(label: string, value: string): void;
  /**
   * False when a secret could not be shown (output is not a terminal). The gate then
   * refuses to create a secret nobody would ever see. Undefined counts as true.
   */
  readonly canShowSecrets?: boolean;
}
