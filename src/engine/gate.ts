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
import { fillSecrets, generatePassword } from './secrets.js';
import { isSecretPlaceholder } from '../util/text.js';

function hasSecret(v: unknown): boolean {
  if (isSecretPlaceholder(v)) return true;
  if (Array.isArray(v)) return v.some(hasSecret);
  if (v && typeof v === 'object') return Object.values(v).some(hasSecret);
  return false;
}

export interface GateOptions {
  pool: ClientPool;
  dryRun: boolean;
  journal: Journal;
  output: Output;
  clock: Clock;
  /** Generates secret values (tests may inject a known generator to search for leaks). */
  generateSecret?: () => string;
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

/** Optional callbacks for one {@link MutationGate.execute}. */
export interface ExecuteHooks {
  /** Called before each wait between attempts, so the operator sees the gate is waiting and for how long. */
  onRetry?: (notice: RetryNotice) => void;
}

/** Task policies that allow each root-session operation; see AWS "Perform a privileged task". */
const ROOT_TASK_POLICY_PREFIX = 'arn:aws:iam::aws:policy/root-task/';

export class MutationGate {
  /** Every change this gate was asked to send, in order, with its outcome. */
  readonly results: ChangeResult[] = [];
  private readonly rootSessions = new Map<string, Promise<ClientPool>>();

  constructor(private readonly opts: GateOptions) {}

  get dryRun(): boolean {
    return this.opts.dryRun;
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
    if (output.canShowSecrets === false && hasSecret(change.params)) {
      return this.finish(change, {
        changeId: change.id,
        outcome: 'failed',
        error: {
          code: 'SecretNotShowable',
          message: `${change.description} needs a one-time secret, and this output is not a terminal, so nobody would see it. Nothing was sent. Run this step in a terminal.`,
        },
      });
    }
    const { params, secrets } = fillSecrets(change.params, this.opts.generateSecret ?? generatePassword);
    let result: ChangeResult;
    try {
      const pool = await this.poolFor(change);
      const response = await this.sendWithRetry(pool, change, params, hooks);
      result = { changeId: change.id, outcome: 'applied', response: summarize(response) };
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
    // A secret whose call failed was never set in AWS: it is dropped unseen.
    if (result.outcome === 'applied') for (const s of secrets) output.secret(s.label, s.value);
    if (result.outcome === 'already-done' && secrets.length > 0) {
      output.warn(`${change.description}: already in place, so no new secret was set.`);
    }
    return this.finish(change, result);
  }

  private finish(change: Change, result: ChangeResult): ChangeResult {
    this.opts.journal.write({
      type: 'change-end',
      step: change.step,
      change: change.id,
      operation: `${change.service}:${change.operation}`,
      outcome: result.outcome,
      response: result.response,
      error: result.error,
    });
    this.results.push(result);
    return result;
  }

  private async sendWithRetry(pool: ClientPool, change: Change, params: Record<string, unknown>, hooks: ExecuteHooks): Promise<unknown> {
    const retry = change.retryOn;
    for (let attempt = 1; ; attempt++) {
      try {
        return await withinGate(() => pool.call(change.service, change.operation, params, change.region));
      } catch (err) {
        const f = describeAwsError(err);
        const retryable =
          retry && retry.codes.includes(f.code) && (!retry.messageIncludes || f.message.includes(retry.messageIncludes));
        if (!retryable || attempt >= retry.attempts) throw err;
        hooks.onRetry?.({ attempt, attempts: retry.attempts, code: f.code, delayMs: retry.delayMs * attempt });
        await this.opts.clock.sleep(retry.delayMs * attempt);
      }
    }
  }

  /** The session's own pool, or a short root session for a member account (sts:AssumeRoot). */
  private poolFor(change: Change): Promise<ClientPool> {
    const target = change.session?.assumeRoot;
    if (!target) return Promise.resolve(this.opts.pool);
    return assumeRootPool(this.opts.pool, target.accountId, target.taskPolicy, this.rootSessions);
  }
}

/**
 * Obtains (once per account and task policy) a root session for a member account with
 * sts:AssumeRoot. AssumeRoot changes nothing in the account, so reads may use it too.
 */
export function assumeRootPool(
  pool: ClientPool,
  accountId: string,
  taskPolicy: string,
  cache?: Map<string, Promise<ClientPool>>,
): Promise<ClientPool> {
  const key = `${accountId}/${taskPolicy}`;
  const hit = cache?.get(key);
  if (hit) return hit;
  const p = (async () => {
    const res = await pool.call<{
      Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date };
    }>('sts', 'AssumeRoot', {
      TargetPrincipal: accountId,
      TaskPolicyArn: { arn: taskPolicy.startsWith('arn:') ? taskPolicy : `${ROOT_TASK_POLICY_PREFIX}${taskPolicy}` },
      DurationSeconds: 900,
    });
    const c = res.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('sts:AssumeRoot returned no credentials');
    return pool.withCredentials({
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    });
  })();
  cache?.set(key, p);
  p.catch(() => cache?.delete(key));
  return p;
}

/** Keeps what is useful from a response for the journal, minus metadata; secrets are redacted later. */
function summarize(response: unknown): Record<string, unknown> | undefined {
  if (!response || typeof response !== 'object') return undefined;
  const { $metadata: _m, ...rest } = response as Record<string, unknown>;
  return redact(rest) as Record<string, unknown>;
}
