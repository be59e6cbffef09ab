/**
 * The mutation gate: the one place that sends mutating AWS calls. `--dry-run`
 * stops every one of them here. Each call is journaled before and after; secrets
 * are filled in at the last moment and shown once; eventual-consistency errors are
 * retried within bounds; "already exists" answers count as done (reruns and
 * retried calls whose first response was lost converge on AWS's state).
 */
import { withinGate, type ClientPool } from '../aws/pool.js';
import { describeAwsError, explainFailure } from '../aws/errors.js';
import { redact } from '../util/text.js';
import type { Change, ChangeResult, Clock, Output } from './types.js';
import type { Journal } from './journal.js';
import type { SessionFactory } from './session.js';
import { fillSecrets, generatePassword, secretLabels } from './secrets.js';
import { classifyAttempt, isIdempotent, verifyChange, type AttemptFailure, type Verdict } from './reconcile.js';

export interface GateOptions {
  pool: ClientPool;
  dryRun: boolean;
  journal: Journal;
  output: Output;
  clock: Clock;
  /** Opens the root sessions that changes name (`Change.session.assumeRoot`). */
  sessions: SessionFactory;
  /** Generates secret values (tests may inject a known generator to search for leaks). */
  generateSecret?: () => string;
  /** The access key `pool` signs with, if any: once this gate removed it, nothing more is sent with it. */
  signingKeyId?: string;
}

/** A retry the gate is about to make (see Change.retryOn), for progress shown while it waits. */
export interface RetryNotice {
  /** The attempt that just failed (1 = the first call). */
  attempt: number;
  /** Attempts allowed in all. */
  attempts: number;
  /** The error code that makes it worth retrying. */
  code: string;
  /** How long the gate waits before the next attempt. */
  delayMs: number;
}

/** Optional callbacks and credentials for one {@link MutationGate.execute}. */
export interface ExecuteHooks {
  /** Called before each wait between attempts, so the operator sees the gate is waiting and for how long. */
  onRetry?: (notice: RetryNotice) => void;
  /**
   * The credentials to send with, when the step runs as another principal than the session
   * began with (root handing the rest of the session to an admin profile). Default: the gate's own.
   */
  pool?: ClientPool;
}

/**
 * How many times the gate sends one change while AWS throttles it or its answer is lost
 * (the same budget the pool gives reads: 5 attempts in the SDK's standard mode).
 */
const MAX_SENDS = 5;

/** What the gate counted while sending one change. */
interface SendTally {
  sends: number;
  lost: number;
  reconciled: boolean;
}

/** A lost answer that no read could settle, for a call that must not be sent blindly again. */
class OutcomeUnknownError extends Error {
  override name = 'OutcomeUnknown';
  readonly $metadata = {};
}

/** Jittered exponential backoff (as the SDK's standard mode): longer after throttling. */
function backoffMs(kind: AttemptFailure, n: number): number {
  const base = kind === 'throttled' ? 500 : 100;
  return Math.floor(Math.random() * Math.min(base * 2 ** (n - 1), 20_000));
}

export class MutationGate {
  /** Every change this gate was asked to send, in order, with its outcome. */
  readonly results: ChangeResult[] = [];
  private readonly removedKeys = new Set<string>();
  /** The change being sent right now, if any (an interruption reports it). */
  inFlight: Change | undefined;

  constructor(private readonly opts: GateOptions) {}

  get dryRun(): boolean {
    return this.opts.dryRun;
  }

  /** True once this gate deleted or deactivated the access key `keyId` (asked for the session's own). */
  removedSigningKey(keyId: string | undefined): boolean {
    return keyId !== undefined && this.removedKeys.has(keyId);
  }

  /** Sends one change (or, in dry-run, records that it would have been sent). */
  async execute(change: Change, hooks: ExecuteHooks = {}): Promise<ChangeResult> {
    const { journal, output } = this.opts;
    const shownParams = redact(change.params);
    journal.write({
      type: 'change-start',
      step: change.step,
      change: change.id,
      operation: `${change.service}:${change.operation}`,
      params: shownParams,
      dryRun: this.opts.dryRun,
    });
    if (this.opts.dryRun) {
      return this.finish(change, { changeId: change.id, outcome: 'dry-run' });
    }
    // IAM may accept a removed key for a few seconds: an answer then would prove nothing.
    const ownPool = (hooks.pool ?? this.opts.pool) === this.opts.pool;
    if (ownPool && !change.session && this.removedSigningKey(this.opts.signingKeyId)) {
      return this.finish(change, {
        changeId: change.id,
        outcome: 'failed',
        error: {
          code: 'SigningKeyRemoved',
          message:
            `${change.description}: not sent, because this session removed the access key it signs with. Run ` +
            `again with other credentials.`,
        },
      });
    }
    if (output.canShowSecrets === false && secretLabels(change.params).length > 0) {
      return this.finish(change, {
        changeId: change.id,
        outcome: 'failed',
        error: {
          code: 'SecretNotShowable',
          message:
            `${change.description} needs a one-time secret, and this output is not a terminal, so nobody ` +
            `would see it. Nothing was sent. Run this step in a terminal.`,
        },
      });
    }
    const { params, secrets } = fillSecrets(change.params, this.opts.generateSecret ?? generatePassword);
    this.inFlight = change;
    let result: ChangeResult;
    const tally: SendTally = { sends: 0, lost: 0, reconciled: false };
    try {
      const pool = await this.poolFor(change, hooks.pool);
      const response = await this.sendWithRetry(pool, change, params, hooks, tally);
      result = { changeId: change.id, outcome: 'applied', response: summarize(response) };
      if (tally.reconciled) {
        output.info(
          `${change.description}: AWS's answer was lost (connection dropped or server error), so rootlock read it ` +
            `back: it is in place.`,
        );
      }
    } catch (err) {
      // Name the call that failed: for an AssumeRoot change that may be sts:AssumeRoot, not the change itself.
      const call = (err as { $rootlockCall?: { service: string; operation: string } } | undefined)?.$rootlockCall;
      const f = describeAwsError(err, call?.service ?? change.service, call?.operation ?? change.operation);
      if (change.alreadyDoneCodes?.includes(f.code)) {
        result = { changeId: change.id, outcome: 'already-done' };
      } else {
        result = {
          changeId: change.id,
          outcome: 'failed',
          error: { code: f.code, message: explainFailure(f), deniedAction: f.deniedAction },
        };
      }
    }
    if (tally.sends > 1) result.sends = tally.sends;
    if (tally.lost > 0) result.lostAnswers = tally.lost;
    if (tally.reconciled) result.reconciled = true;
    // A secret whose call failed was never set in AWS: it is dropped unseen. (When the answer was
    // lost, the read-back decided: every attempt carried the same value, so "in place" means this one.)
    if (result.outcome === 'applied') for (const s of secrets) output.secret(s.label, s.value);
    if (result.outcome === 'failed' && tally.lost > 0 && secrets.length > 0) {
      output.warn(
        `${change.description}: AWS's answer was lost and could not be confirmed, so the one-time secret was not ` +
          `shown. If AWS did apply it, nobody knows that secret: reset it (for a console password: aws iam ` +
          `update-login-profile) before handing the account over.`,
      );
    }
    if (result.outcome === 'already-done' && secrets.length > 0) {
      output.warn(`${change.description}: already in place, so no new secret was set.`);
    }
    return this.finish(change, result);
  }

  private finish(change: Change, result: ChangeResult): ChangeResult {
    this.inFlight = undefined;
    const keyId = change.params.AccessKeyId;
    const removesKey =
      change.service === 'iam' &&
      !change.session &&
      (change.operation === 'DeleteAccessKey' ||
        (change.operation === 'UpdateAccessKey' && change.params.Status === 'Inactive'));
    if (
      removesKey &&
      typeof keyId === 'string' &&
      (result.outcome === 'applied' || result.outcome === 'already-done')
    ) {
      this.removedKeys.add(keyId);
    }
    this.opts.journal.write({
      type: 'change-end',
      step: change.step,
      change: change.id,
      operation: `${change.service}:${change.operation}`,
      outcome: result.outcome,
      response: result.response,
      error: result.error,
      ...(result.sends !== undefined ? { sends: result.sends } : {}),
      ...(result.lostAnswers !== undefined ? { lostAnswers: result.lostAnswers } : {}),
      ...(result.reconciled ? { reconciled: true } : {}),
    });
    this.results.push(result);
    return result;
  }

  /**
   * Sends one change, one HTTP attempt at a time (the SDK's blind retries are off for
   * mutating calls). Throttled or unsent attempts are sent again after a pause. An attempt
   * whose answer was lost (connection dropped after sending, HTTP 5xx) may have been applied:
   * AWS is read back first, and the call is sent again only when the read shows it is not in
   * place (or, when no read can tell, only if sending it twice is harmless). A later error
   * answer (EntityAlreadyExists, an existing association) is also checked against AWS when an
   * earlier answer was lost, since the lost attempt may be what it found.
   */
  private async sendWithRetry(
    pool: ClientPool,
    change: Change,
    params: Record<string, unknown>,
    hooks: ExecuteHooks,
    tally: SendTally,
  ): Promise<unknown> {
    const retry = change.retryOn;
    const single = pool.singleAttempt();
    // Compared with AWS's clock (CreateDate), so the wall clock, not the session's clock.
    const since = new Date();
    let transient = 0;
    let consistency = 0;
    for (;;) {
      tally.sends += 1;
      try {
        return await withinGate(() => single.call(change.service, change.operation, params, change.region));
      } catch (err) {
        const kind = classifyAttempt(err);
        if (kind === 'lost') tally.lost += 1;
        if (kind === 'lost' || (kind === 'final' && tally.lost > 0)) {
          const verdict = await this.readBack(pool, change, params, since);
          if (verdict === 'in-place') {
            tally.reconciled = true;
            return undefined;
          }
          if (kind === 'lost' && (verdict === 'conflict' || (verdict === undefined && !isIdempotent(change)))) {
            throw Object.assign(
              new OutcomeUnknownError(
                verdict === 'conflict'
                  ? `AWS's answer to ${change.service}:${change.operation} was lost, and AWS now shows something ` +
                      `else in its place. Nothing more was sent; run again to re-read the account.`
                  : `AWS's answer to ${change.service}:${change.operation} was lost and reading the account back did ` +
                      `not settle whether it was applied, so it was not sent again. Run again: rootlock re-reads AWS ` +
                      `and continues from what is there.`,
              ),
              { $rootlockCall: { service: change.service, operation: change.operation } },
            );
          }
        }
        if (kind === 'throttled' || kind === 'not-sent' || kind === 'lost') {
          transient += 1;
          if (transient >= MAX_SENDS)
            throw Object.assign(err as object, {
              $metadata: { ...(err as { $metadata?: object }).$metadata, attempts: tally.sends },
            });
          await this.opts.clock.sleep(backoffMs(kind, transient));
          continue;
        }
        const f = describeAwsError(err);
        const retryable =
          retry &&
          retry.codes.includes(f.code) &&
          (!retry.messageIncludes || f.message.includes(retry.messageIncludes));
        consistency += 1;
        if (!retryable || consistency >= retry.attempts) throw err;
        hooks.onRetry?.({
          attempt: consistency,
          attempts: retry.attempts,
          code: f.code,
          delayMs: retry.delayMs * consistency,
        });
        await this.opts.clock.sleep(retry.delayMs * consistency);
      }
    }
  }

  /** Whether AWS shows the change in place; undefined when no read can tell or the read failed. */
  private async readBack(
    pool: ClientPool,
    change: Change,
    params: Record<string, unknown>,
    since: Date,
  ): Promise<Verdict | undefined> {
    try {
      return await verifyChange(
        (service, operation, p, region) => pool.call(service, operation, p, region),
        change,
        params,
        since,
      );
    } catch {
      return undefined;
    }
  }

  /** The session's own pool (or the one given), or a short root session for a member account (sts:AssumeRoot). */
  private poolFor(change: Change, given?: ClientPool): Promise<ClientPool> {
    const base = given ?? this.opts.pool;
    const target = change.session?.assumeRoot;
    if (!target) return Promise.resolve(base);
    // Root sessions are opened per principal by the session factory, and renewed before they expire.
    return this.opts.sessions.rootSession(base, target.accountId, target.taskPolicy);
  }
}

/** Keeps what is useful from a response for the journal, minus metadata; secrets are redacted later. */
function summarize(response: unknown): Record<string, unknown> | undefined {
  if (!response || typeof response !== 'object') return undefined;
  const { $metadata: _m, ...rest } = response as Record<string, unknown>;
  return redact(rest) as Record<string, unknown>;
}
