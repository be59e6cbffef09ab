/**
 * Shared API limits for a run that reads many accounts from one management account. AWS counts
 * some calls against the caller's account whatever account they are about (Organizations, the
 * Account API with `AccountId`, sts:AssumeRoot and sts:AssumeRole), so every session of an
 * organization run shares one limiter: each family of calls gets a bounded number in flight and
 * a request rate, and the rate halves whenever AWS answers one of them with throttling, then
 * climbs back slowly (additive increase, multiplicative decrease). The limiter works per HTTP
 * attempt, under the SDK's own retries and backoff.
 */

/** One family of calls that share a quota. */
export interface ApiFamily {
  name: string;
  /** Which calls belong to it. */
  matches(service: string, operation: string): boolean;
  /** Requests per second it starts at and never exceeds. */
  ratePerSecond: number;
  /** Calls in flight at once. */
  concurrency: number;
  /** Calls that may start at once before the rate applies (AWS's "burst"); default 1. */
  burst?: number;
}

/** What the limiter needs of time (tests pass their own). */
export interface LimiterTime {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realTime: LimiterTime = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A rate never falls below this (requests per second), so a run always moves. */
const MIN_RATE = 0.5;

/** How much of the family's full rate each call that was not throttled adds back. */
const RECOVERY = 0.05;

class FamilyState {
  rate: number;
  inFlight = 0;
  /** The token bucket's virtual time (ms): when the next call would start without a burst. */
  nextStart = 0;
  throttled = 0;
  calls = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly family: ApiFamily) {
    this.rate = family.ratePerSecond;
  }

  async acquire(time: LimiterTime): Promise<void> {
    if (this.inFlight >= this.family.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.inFlight += 1;
    }
    // A token bucket as virtual time: each call moves the bucket's time on by 1/rate, and may
    // start once that time is less than `burst` intervals ahead of the clock.
    const now = time.now();
    const interval = 1000 / this.rate;
    const due = Math.max(this.nextStart, now);
    const start = Math.max(now, due - ((this.family.burst ?? 1) - 1) * interval);
    this.nextStart = due + interval;
    if (start > now) await time.sleep(start - now);
    this.calls += 1;
  }

  release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so inFlight stays the same.
    if (next) next();
    else this.inFlight -= 1;
  }

  onThrottle(): void {
    this.throttled += 1;
    this.rate = Math.max(MIN_RATE, this.rate / 2);
  }

  onSuccess(): void {
    this.rate = Math.min(this.family.ratePerSecond, this.rate + this.family.ratePerSecond * RECOVERY);
  }
}

/** What a limiter reports about a run. */
export interface LimiterStats {
  [family: string]: { calls: number; throttled: number; rate: number };
}

/** The limits of one run, shared by every session that counts against the same account's quotas. */
export class ApiLimiter {
  private readonly states: FamilyState[];

  constructor(
    families: readonly ApiFamily[],
    private readonly time: LimiterTime = realTime,
  ) {
    this.states = families.map((f) => new FamilyState(f));
  }

  private stateFor(service: string, operation: string): FamilyState | undefined {
    return this.states.find((s) => s.family.matches(service, operation));
  }

  /** Runs one HTTP attempt of a call within its family's limits (calls of no family run at once). */
  async run<T>(service: string, operation: string, attempt: () => Promise<T>): Promise<T> {
    const state = this.stateFor(service, operation);
    if (!state) return attempt();
    await state.acquire(this.time);
    try {
      const result = await attempt();
      state.onSuccess();
      return result;
    } catch (err) {
      if (isThrottling(err)) state.onThrottle();
      throw err;
    } finally {
      state.release();
    }
  }

  stats(): LimiterStats {
    const out: LimiterStats = {};
    for (const s of this.states)
      out[s.family.name] = { calls: s.calls, throttled: s.throttled, rate: Math.round(s.rate * 100) / 100 };
    return out;
  }
}

/** Error codes AWS services use for throttling (the SDK's own list, plus the Organizations/Account 429). */
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'EC2ThrottledException',
  'ProvisionedThroughputExceededException',
]);

/** Whether an SDK error (or a raw HTTP answer's error) is AWS throttling the caller. */
export function isThrottling(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: unknown; Code?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
  const code = [e.name, e.Code, e.code].find((c) => typeof c === 'string') as string | undefined;
  if (code && THROTTLING_CODES.has(code)) return true;
  return e.$metadata?.httpStatusCode === 429;
}

/**
 * The families an organization run shares, with AWS's published default quotas where there are
 * some. The Account API's quotas are per operation: GetAlternateContact and
 * GetContactInformation 10 requests a second each, burst 15 ("Quotas for AWS Account
 * Management"); rootlock keeps to 8, burst 8, leaving room for others. Organizations publishes
 * no rate and throttles management-account bursts: 5 a second, 4 in flight. STS (AssumeRoot,
 * AssumeRole): 20 a second. Throttling slows each family down further.
 */
export function organizationFamilies(concurrency: number): ApiFamily[] {
  const inFlight = Math.max(1, concurrency);
  const accountOperation = (operation: string): ApiFamily => ({
    name: `account:${operation}`,
    matches: (service, op) => service === 'account' && op === operation,
    ratePerSecond: 8,
    burst: 8,
    concurrency: inFlight,
  });
  const accountWrite = (operation: string): ApiFamily => ({
    ...accountOperation(operation),
    ratePerSecond: 4,
    burst: 4,
  });
  return [
    {
      name: 'organizations',
      matches: (service) => service === 'organizations',
      ratePerSecond: 5,
      burst: 5,
      concurrency: Math.min(inFlight, 4),
    },
    accountOperation('GetAlternateContact'),
    accountOperation('GetContactInformation'),
    // The writes of fix --org: AWS allows 5 a second (burst 8) of each; rootlock keeps to 4.
    accountWrite('PutAlternateContact'),
    accountWrite('PutContactInformation'),
    // Any other Account API operation: one family, AWS's lowest write rate.
    { name: 'account', matches: (service) => service === 'account', ratePerSecond: 1, burst: 2, concurrency: inFlight },
    {
      name: 'sts',
      matches: (service, operation) => service === 'sts' && operation.startsWith('Assume'),
      ratePerSecond: 20,
      burst: 20,
      concurrency: inFlight,
    },
  ];
}
