import { describe, expect, it } from 'vitest';
import { daysAfter, daysSince, isoDay, parseTime } from '../../src/util/time.js';

const NOW = new Date('2026-11-28T12:00:00Z');

describe('time', () => {
  it('counts whole days, never negative, and keeps "no date" apart from 0', () => {
    expect(daysSince('2026-11-18T12:00:00Z', NOW)).toBe(10);
    expect(daysSince(new Date('2026-11-28T00:00:01Z'), NOW)).toBe(0);
    expect(daysSince('2027-01-01T00:00:00Z', NOW)).toBe(0);
    expect(daysSince(undefined, NOW)).toBeUndefined();
  });

  it('adds days at the same time of day, and shows the UTC day', () => {
    expect(daysAfter(NOW, 14).toISOString()).toBe('2026-12-12T12:00:00.000Z');
    expect(isoDay(NOW)).toBe('2026-11-28');
    expect(isoDay('2026-11-28T23:59:59+00:00')).toBe('2026-11-28');
  });

  it('reads a time or gives undefined', () => {
    expect(parseTime('2026-11-28T12:00:00Z')).toEqual(NOW);
    expect(parseTime('garbage')).toBeUndefined();
    expect(parseTime(undefined)).toBeUndefined();
  });
});
