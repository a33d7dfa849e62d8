import { describe, expect, it } from 'vitest';
import { RetryLaterError } from './sink-errors.js';
import { RetryDelay } from './retry-delay.js';

describe('RetryDelay', () => {
  it('doubles up to the maximum, each wait drawn from the upper half of its step', () => {
    const lowest = new RetryDelay(100, 800, () => 0);
    const highest = new RetryDelay(100, 800, () => 0.999_999);
    const failure = new Error('connection refused');
    expect(Array.from({ length: 6 }, () => lowest.after(failure))).toEqual([50, 100, 200, 400, 400, 400]);
    expect(Array.from({ length: 6 }, () => Math.round(highest.after(failure)))).toEqual([100, 200, 400, 800, 800, 800]);
  });

  it('spreads agents that failed together over the step instead of one instant', () => {
    const waits = Array.from({ length: 200 }, () => new RetryDelay(1_000, 30_000).after(new Error('down')));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...waits)).toBeLessThan(1_000);
    expect(new Set(waits).size).toBeGreaterThan(150);
  });

  it('waits at least what Retry-After asked for, and starts over after a success', () => {
    const delay = new RetryDelay(100, 800, () => 0);
    expect(delay.after(new RetryLaterError('HTTP 429', 5_000))).toBe(5_000);
    expect(delay.after(new Error('down'))).toBe(100);
    delay.reset();
    expect(delay.after(new Error('down'))).toBe(50);
    // An absurd Retry-After (a year) is capped at an hour: the backlog must not be forgotten.
    expect(delay.after(new RetryLaterError('HTTP 503', 365 * 86_400_000))).toBe(3_600_000);
  });
});

describe('RetryDelay.doubling', () => {
  it('waits exactly: the initial wait, doubled up to the maximum, from the start after a reset', () => {
    const delay = RetryDelay.doubling(5_000, 300_000);
    expect(Array.from({ length: 8 }, () => delay.after())).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    delay.reset();
    expect(delay.upcomingMs).toBe(5_000);
    expect(delay.after(new Error('down'))).toBe(5_000);
  });
});
