/**
 * Reading a change back: the shared vocabulary and helpers of the reads that tell whether a
 * mutating call whose answer was lost is in place. When a connection drops after the request
 * left (or AWS answers 5xx), the call may or may not have been applied; the gate asks AWS with
 * a read before sending it again. Each step attaches its own reads to the changes it builds
 * (src/steps/<id>/read-back.ts); what they share lives here, so nothing in src/aws needs
 * src/engine or src/steps.
 */
import { describeAwsError, isNotFound } from './errors.js';
import type { ServiceName } from './pool.js';

/** What AWS shows about a change: done, not done, or something else in the way (not ours). */
export type Verdict = 'in-place' | 'absent' | 'conflict';

/** A read-only call (Get/List/Describe), as the pool sends it. */
export type ReadCall = (
  service: ServiceName,
  operation: string,
  params: Record<string, unknown>,
  region?: string,
) => Promise<any>;

/** What a read-back knows besides the parameters sent: where the change went and when sending began. */
export interface ReadBackContext {
  /** The change's region (undefined: the session's; IAM and Account are global). */
  region?: string;
  /** When the gate began sending, by the wall clock (compared with AWS's CreateDate). */
  since: Date;
}

/**
 * Reads AWS to tell whether a change sent with `params` is in place. Throws when the read
 * fails or cannot settle the question; the gate then treats the outcome as unknown.
 */
export type ReadBack = (read: ReadCall, params: Record<string, any>, ctx: ReadBackContext) => Promise<Verdict>;

/**
 * How far AWS's clock may be behind ours when judging "created by this call" from a
 * CreateDate (SigV4 itself tolerates 5 minutes of skew).
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Runs a read; not-found becomes `undefined`. */
export async function orMissing<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(describeAwsError(err))) return undefined;
    throw err;
  }
}

/** All pages of a marker-based IAM list. */
export async function allMarkerPages<T>(
  read: ReadCall,
  operation: string,
  params: Record<string, unknown>,
  pick: (page: any) => T[] | undefined,
): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  do {
    const page = await read('iam', operation, marker ? { ...params, Marker: marker } : params);
    out.push(...(pick(page) ?? []));
    marker = page?.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return out;
}

/** A resource tag, as IAM lists it and as a change sends it. */
export type Tag = { Key?: string; Value?: string };

/** True when every tag in `want` is among `have` (same key and value). */
export const tagsInclude = (have: Tag[] | undefined, want: Tag[] | undefined): boolean =>
  (want ?? []).every((w) => (have ?? []).some((h) => h.Key === w.Key && h.Value === w.Value));

/** A policy document as IAM returns it (URL-encoded JSON) or as sent (JSON), parsed. */
export function policyJson(doc: unknown): unknown {
  if (typeof doc !== 'string') return doc;
  let text = doc;
  try {
    if (text.trim().startsWith('%')) text = decodeURIComponent(text);
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(decodeURIComponent(doc));
    } catch {
      return doc;
    }
  }
}

/** True when two policy documents (URL-encoded or not) parse to the same JSON. */
export const sameJson = (a: unknown, b: unknown): boolean =>
  JSON.stringify(policyJson(a)) === JSON.stringify(policyJson(b));
