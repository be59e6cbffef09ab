/**
 * Bounded concurrency for fan-out reads (one call per region, per account...): AWS
 * throttles bursts, and an unbounded Promise.all over 30 regions opens 30 sockets at once.
 */

/**
 * Maps `items` through `fn` with at most `limit` calls in flight, and resolves to the
 * results in input order (like Promise.all).
 *
 * If a call rejects, no further items are started and the returned promise rejects with
 * that error once the calls already in flight have settled (so nothing keeps running
 * unobserved after the caller has moved on). Callers that want every item attempted
 * should catch inside `fn` and return the failure as a value.
 *
 * @param limit a positive integer; `Infinity` means no bound.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!(limit >= 1) || (!Number.isInteger(limit) && limit !== Infinity)) {
    throw new RangeError(`mapLimit: limit must be a positive integer, got ${String(limit)}`);
  }
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;

  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        // Keep the first failure; later ones are usually consequences of the same cause.
        failure ??= { error };
      }
    }
  };

  const workers = Math.min(limit, items.length);
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure) throw failure.error;
  return results;
}

/**
 * Runs `work` with a time limit: resolves to its result, or to `'timeout'` once `ms` have passed
 * (the work itself is not cancelled; calls in flight finish on their own and are ignored).
 */
export async function withTimeLimit<T>(ms: number, work: Promise<T>): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
