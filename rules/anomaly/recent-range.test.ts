import { describe, expect, it } from 'vitest';
import { RecentRange } from './recent-range.js';

describe('recent range', () => {
  it('is empty (NaN) before any number, and after every number was dropped', () => {
    const range = new RecentRange();
    expect(range.low).toBeNaN();
    expect(range.high).toBeNaN();
    range.add(1, 5);
    range.dropBefore(2);
    expect(range.low).toBeNaN();
    expect(range.high).toBeNaN();
  });

  it('answers the smallest and largest of the numbers added since the start, as a direct scan does', () => {
    let seed = 3;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 10 - 5;
    const range = new RecentRange();
    const values: number[] = [];
    for (let step = 1; step <= 2000; step++) {
      const value = Math.round(random() * 4) / 4; // ties, to check they are kept
      values.push(value);
      range.add(step, value);
      const start = Math.ceil(step * 0.75);
      range.dropBefore(start);
      const kept = values.slice(start - 1);
      expect(range.low).toBe(Math.min(...kept));
      expect(range.high).toBe(Math.max(...kept));
    }
  });
});
