import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../src/util/concurrency.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapLimit', () => {
  it('returns results in input order whatever order the calls finish in', async () => {
    const out = await mapLimit([30, 5, 20, 1], 2, async (ms, i) => {
      await tick(ms);
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:30', '1:5', '2:20', '3:1']);
  });

  it('never has more than `limit` calls in flight, and uses all of them', async () => {
    let inFlight = 0;
    let peak = 0;
    await mapLimit(
      Array.from({ length: 20 }, (_, i) => i),
      8,
      async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await tick(2);
        inFlight--;
      },
    );
    expect(peak).toBe(8);
  });

  it('handles an empty list and a limit above the list length', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
    expect(await mapLimit([1, 2], 100, async (x) => x * 2)).toEqual([2, 4]);
    expect(await mapLimit([1, 2, 3], Infinity, async (x) => x)).toEqual([1, 2, 3]);
  });

  it('rejects with the first error, starts nothing after it, and waits for calls in flight', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const p = mapLimit([0, 1, 2, 3, 4, 5], 2, async (x) => {
      started.push(x);
      if (x === 1) throw new Error('boom 1');
      await tick(10);
      finished.push(x);
      return x;
    });
    await expect(p).rejects.toThrow('boom 1');
    // 0 was in flight when 1 failed: it finished before mapLimit settled; nothing else started.
    expect(finished).toEqual([0]);
    expect(started).toEqual([0, 1]);
  });

  it('refuses a limit that is not a positive integer', async () => {
    await expect(mapLimit([1], 0, async (x) => x)).rejects.toThrow(RangeError);
    await expect(mapLimit([1], 1.5, async (x) => x)).rejects.toThrow(RangeError);
    await expect(mapLimit([1], Number.NaN, async (x) => x)).rejects.toThrow(RangeError);
  });
});
