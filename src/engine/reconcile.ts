/**
 * Reconciling a mutating call whose answer was lost. When a connection drops after the
 * request left (or AWS answers 5xx), the call may or may not have been applied. Sending a
 * non-idempotent create again would either fail ("already exists", "existing association")
 * or, worse, act twice; so the gate first asks AWS, with a read, whether the change is in
 * place. The change itself says how: the step that builds it attaches its read-back
 * (`Change.readBack`, src/steps/<id>/read-back.ts) and marks it `idempotent` when sending it
 * again blindly is safe. This module holds only the generic part: asking those, and
 * classifying how an attempt failed.
 */
import type { ReadCall, Verdict } from '../aws/read-back.js';
import type { Change } from './types.js';

export type { ReadCall, Verdict } from '../aws/read-back.js';

/** True when the gate may send the change again without first knowing whether it was applied. */
export function isIdempotent(change: Pick<Change, 'idempotent'>): boolean {
  return change.idempotent === true;
}

/** True when a read can tell whether the change is in place. */
export function canVerify(change: Pick<Change, 'readBack'>): boolean {
  return typeof change.readBack === 'function';
}

/**
 * Asks AWS whether `change` (sent with `params`) is in place. Returns `undefined` when no
 * read can tell (the change has no read-back, as one parsed from a plan file), and throws
 * when the read itself fails.
 */
export async function verifyChange(
  read: ReadCall,
  change: Pick<Change, 'readBack' | 'region'>,
  params: Record<string, unknown>,
  since: Date,
): Promise<Verdict | undefined> {
  const { readBack } = change;
  if (typeof readBack !== 'function') return undefined;
  return readBack(read, params as Record<string, any>, { region: change.region, since });
}

/** How a single attempt of a mutating call ended, for the gate's decisions. */
export type AttemptFailure =
  /** AWS refused to process it (throttling): certainly not applied; send again after a pause. */
  | 'throttled'
  /** The request never left (connection refused, name not resolved): not applied; send again. */
  | 'not-sent'
  /**
   * The answer never came (connection dropped or timed out after sending) or AWS failed (5xx):
   * it may have been applied.
   */
  | 'lost'
  /** A final answer: AWS's own error, or a failure before anything was sent (credentials, a bug). */
  | 'final';

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
]);
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Socket errors after the request was written: the server may have acted on it. */
const LOST_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);
const LOST_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/** Classifies the error of one attempt. */
export function classifyAttempt(err: unknown): AttemptFailure {
  const e = (err ?? {}) as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: { throttling?: boolean };
  };
  const status = e.$metadata?.httpStatusCode;
  const code = e.Code ?? e.name ?? '';
  if (THROTTLING_CODES.has(code) || status === 429 || e.$retryable?.throttling) return 'throttled';
  if (status !== undefined) return status >= 500 ? 'lost' : 'final';
  if (typeof e.code === 'string' && NOT_SENT_CODES.has(e.code)) return 'not-sent';
  const lostSocket = typeof e.code === 'string' && LOST_CODES.has(e.code);
  if (lostSocket || LOST_NAMES.has(code) || /socket hang up/i.test(e.message ?? '')) return 'lost';
  return 'final';
}
