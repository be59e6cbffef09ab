/**
 * The shared API limiter of an organization run (src/aws/limiter.ts), on a fake clock: spacing by
 * rate, the cap on calls in flight, halving on throttling and the climb back, and calls of no
 * family passing straight through.
 */
import {
  AccessDeniedException,
  AWSOrganizationsNotInUseException,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import {
  type ApiFamily,
  ApiLimiter,
  isThrottling,
  type LimiterTime,
  organizationFamilies,
} from '../../src/aws/limiter.js';

/** A clock that moves only when told to; sleeps resolve as it passes their end. */
class FakeTime implements LimiterTime {
  current = 0;
  readonly sleeps: number[] = [];
  private timers: Array<{ at: number; resolve: () => void }> = [];

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => this.timers.push({ at: this.current + ms, resolve }));
  }

  /** Moves the clock by `ms`, waking each sleeper in time order and letting it run. */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      await flush();
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.resolve();
    }
    this.current = end;
    await flush();
  }
}

/** Lets every promise continuation that is ready run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
}

function family(overrides: Partial<ApiFamily> = {}): ApiFamily {
  return {
    name: 'organizations',
    matches: (service) => service === 'organizations',
    ratePerSecond: 10,
    concurrency: 10,
    ...overrides,
  };
}

const throttled = () =>
  new TooManyRequestsException({ message: 'AWS Organizations can not complete your request.', $metadata: {} });

describe('ApiLimiter', () => {
  it('spaces the calls of a family by its rate', async () => {
    const time = new FakeTime();
    const limiter = new ApiLimiter([family({ ratePerSecond: 10 })], time);
    const starts: number[] = [];
    const calls = [0, 1, 2, 3].map(() =>
      limiter.run('organizations', 'ListAccountsForParent', async () => {
        starts.push(time.now());
        return 'ok';
      }),
    );
    await time.advance(1000);
    expect(await Promise.all(calls)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(starts).toEqual([0, 100, 200, 300]);
    // A call after a quiet spell starts at once.
    await time.advance(5000);
    const sleeps = time.sleeps.length;
    await limiter.run('organizations', 'ListRoots', async () => starts.push(time.now()));
    expect(starts.at(-1)).toBe(6000);
    expect(time.sleeps.length).toBe(sleeps);
    expect(limiter.stats()).toEqual({ organizations: { calls: 5, throttled: 0, rate: 10 } });
  });

  it('never has more than `concurrency` calls of a family in flight; a freed slot goes to the next', async () => {
    const time = new FakeTime();
    const limiter = new ApiLimiter([family({ ratePerSecond: 1000, concurrency: 2 })], time);
    let inFlight = 0;
    let most = 0;
    const answers: Array<() => void> = [];
    const calls = Array.from({ length: 6 }, (_, i) =>
      limiter.run('organizations', 'ListTagsForResource', async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => answers.push(resolve));
        inFlight -= 1;
        return i;
      }),
    );
    await time.advance(100);
    expect(inFlight).toBe(2);
    while (answers.length > 0) {
      answers.shift()?.();
      await time.advance(100);
    }
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
    expect(limiter.stats().organizations?.calls).toBe(6);
  });

  it('a failed call frees its slot too', async () => {
    const time = new FakeTime();
    const limiter = new ApiLimiter([family({ ratePerSecond: 1000, concurrency: 1 })], time);
    const denied = new AccessDeniedException({ message: 'no', $metadata: { httpStatusCode: 403 } });
    const first = limiter.run('organizations', 'ListRoots', async () => {
      throw denied;
    });
    const second = limiter.run('organizations', 'ListRoots', async () => 'second');
    await time.advance(100);
    await expect(first).rejects.toBe(denied);
    await expect(second).resolves.toBe('second');
  });

  it('halves the rate on each throttled attempt, down to a floor, and spaces the next calls by it', async () => {
    const time = new FakeTime();
    const limiter = new ApiLimiter([family({ ratePerSecond: 8 })], time);
    const error = throttled();
    await expect(
      limiter.run('organizations', 'ListAccountsForParent', async () => {
        throw error;
      }),
    ).rejects.toBe(error);
    expect(limiter.stats().organizations).toEqual({ calls: 1, throttled: 1, rate: 4 });
    // The first call was due at 0 (next at 125 ms, at 8/s); the ones after it are 250 ms apart.
    const starts: number[] = [];
    const calls = [0, 1].map(() => limiter.run('organizations', 'ListRoots', async () => starts.push(time.now())));
    await time.advance(1000);
    await Promise.all(calls);
    expect(starts).toEqual([125, 375]);
    for (let i = 0; i < 10; i += 1) {
      await expect(
        limiter.run('organizations', 'ListRoots', async () => {
          throw throttled();
        }),
      ).rejects.toBeInstanceOf(TooManyRequestsException);
      await time.advance(10_000);
    }
    expect(limiter.stats().organizations).toMatchObject({ throttled: 11, rate: 0.5 });
  });

  it('climbs back on successes (a twentieth of the full rate each), never above the full rate', async () => {
    const time = new FakeTime();
    const limiter = new ApiLimiter([family({ ratePerSecond: 10 })], time);
    const fail = limiter.run('organizations', 'ListRoots', async () => {
      throw throttled();
    });
    await expect(fail).rejects.toBeInstanceOf(TooManyRequestsException);
    expect(limiter.stats().organizations?.rate).toBe(5);
    const succeed = async () => {
      const call = limiter.run('organizations', 'ListRoots', async () => 'ok');
      await time.advance(1000);
      await call;
    };
    await succeed();
    expect(limiter.stats().organizations?.rate).toBe(5.5);
    for (let i = 0; i < 9; i += 1) await succeed();
    expect(limiter.stats().organizations?.rate).toBe(10);
    await succeed();
    expect(limiter.stats().organizations?.rate).toBe(10);
  });

  it('an error that is not throttling leaves the rate as it is', async () => {
    const time = new FakeTime();
    const limiter = new ApiLimiter([family({ ratePerSecond: 10 })], time);
    const error = new AWSOrganizationsNotInUseException({ message: 'not in use', $metadata: {} });
    await expect(
      limiter.run('organizations', 'DescribeOrganization', async () => {
        throw error;
      }),
    ).rejects.toBe(error);
    expect(limiter.stats().organizations).toEqual({ calls: 1, throttled: 0, rate: 10 });
  });

  it('calls of no family pass straight through: at once, unspaced, uncounted', async () => {
    const time = new FakeTime();
    const limiter = new ApiLimiter([family({ ratePerSecond: 1, concurrency: 1 })], time);
    let started = 0;
    const answers: Array<() => void> = [];
    const calls = Array.from({ length: 5 }, () =>
      limiter.run('iam', 'ListUsers', () => {
        started += 1;
        return new Promise<string>((resolve) => answers.push(() => resolve('users')));
      }),
    );
    // Started in the same tick, all five in flight, no clock involved.
    expect(started).toBe(5);
    for (const answer of answers) answer();
    expect(await Promise.all(calls)).toEqual(['users', 'users', 'users', 'users', 'users']);
    // A throttled call of no family slows nothing down.
    await expect(
      limiter.run('sts', 'GetCallerIdentity', async () => {
        throw throttled();
      }),
    ).rejects.toBeInstanceOf(TooManyRequestsException);
    expect(time.sleeps).toEqual([]);
    expect(limiter.stats()).toEqual({ organizations: { calls: 0, throttled: 0, rate: 1 } });
  });

  it('families are separate: throttling one does not slow another', async () => {
    const time = new FakeTime();
    const limiter = new ApiLimiter(organizationFamilies(8), time);
    await expect(
      limiter.run('account', 'GetAlternateContact', async () => {
        throw throttled();
      }),
    ).rejects.toBeInstanceOf(TooManyRequestsException);
    await limiter.run('sts', 'AssumeRole', async () => 'creds');
    expect(limiter.stats()).toEqual({
      organizations: { calls: 0, throttled: 0, rate: 5 },
      'account:GetAlternateContact': { calls: 1, throttled: 1, rate: 4 },
      'account:GetContactInformation': { calls: 0, throttled: 0, rate: 8 },
      'account:PutAlternateContact': { calls: 0, throttled: 0, rate: 4 },
      'account:PutContactInformation': { calls: 0, throttled: 0, rate: 4 },
      account: { calls: 0, throttled: 0, rate: 1 },
      sts: { calls: 1, throttled: 0, rate: 20 },
    });
  });
});

describe('organizationFamilies', () => {
  it('Organizations, the Account API (its reads one family each, as AWS counts them), and STS Assume*', () => {
    const families = organizationFamilies(16);
    const of = (service: string, operation: string) => families.find((f) => f.matches(service, operation))?.name;
    expect(of('organizations', 'ListAccountsForParent')).toBe('organizations');
    expect(of('account', 'GetContactInformation')).toBe('account:GetContactInformation');
    expect(of('account', 'GetAlternateContact')).toBe('account:GetAlternateContact');
    // The writes of fix --org: one family each, 4 a second of AWS's 5; anything else the lowest rate.
    expect(of('account', 'PutAlternateContact')).toBe('account:PutAlternateContact');
    expect(of('account', 'PutContactInformation')).toBe('account:PutContactInformation');
    expect(of('account', 'DeleteAlternateContact')).toBe('account');
    expect(of('sts', 'AssumeRoot')).toBe('sts');
    expect(of('sts', 'AssumeRole')).toBe('sts');
    expect(of('sts', 'GetCallerIdentity')).toBeUndefined();
    expect(of('iam', 'ListUsers')).toBeUndefined();
    expect(families.map((f) => [f.name, f.concurrency])).toEqual([
      ['organizations', 4],
      ['account:GetAlternateContact', 16],
      ['account:GetContactInformation', 16],
      ['account:PutAlternateContact', 16],
      ['account:PutContactInformation', 16],
      ['account', 16],
      ['sts', 16],
    ]);
    expect(organizationFamilies(0).every((f) => f.concurrency >= 1)).toBe(true);
  });
});

describe('isThrottling', () => {
  it.each([
    ['the SDK exception TooManyRequestsException', throttled()],
    ['name Throttling (IAM, STS)', Object.assign(new Error('Rate exceeded'), { name: 'Throttling' })],
    ['name ThrottlingException', { name: 'ThrottlingException', message: 'Rate exceeded' }],
    ['Code RequestLimitExceeded', { Code: 'RequestLimitExceeded' }],
    ['HTTP 429 with any code', { name: 'SomethingNew', $metadata: { httpStatusCode: 429 } }],
  ])('%s: throttling', (_what, err) => expect(isThrottling(err)).toBe(true));

  it.each([
    ['AccessDeniedException', new AccessDeniedException({ message: 'denied', $metadata: { httpStatusCode: 403 } })],
    ['a 500', { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }],
    ['a network error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a plain Error', new Error('Throttling')],
    ['undefined', undefined],
    ['null', null],
    ['a string', 'Throttling'],
  ])('%s: not throttling', (_what, err) => expect(isThrottling(err)).toBe(false));
});

describe('burst', () => {
  it('lets `burst` calls start at once, then spaces the rest by the rate', async () => {
    const time = new FakeTime();
    const limiter = new ApiLimiter(
      [{ name: 'f', matches: () => true, ratePerSecond: 10, burst: 3, concurrency: 10 }],
      time,
    );
    const starts: number[] = [];
    const all = Promise.all(
      Array.from({ length: 5 }, () => limiter.run('x', 'Y', async () => starts.push(time.now()))),
    );
    await time.advance(500);
    await all;
    expect(starts.sort((a, b) => a - b)).toEqual([0, 0, 0, 100, 200]);
  });
});
