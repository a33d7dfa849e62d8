import { describe, expect, it } from 'vitest';
import { RangeDetector } from './range.js';

describe('out-of-physical-range detector', () => {
  it('fires on values a sensor cannot measure and on NaN', () => {
    const detector = new RangeDetector({ min: -55, max: 125 });
    expect(detector.update(0, 21).active).toBe(false);
    expect(detector.update(1, 125).active).toBe(false);
    expect(detector.update(2, 125.5)).toMatchObject({ active: true, reason: 'above range', threshold: 125 });
    expect(detector.update(3, -60)).toMatchObject({ active: true, reason: 'below range', threshold: -55 });
    expect(detector.update(4, Number.NaN)).toMatchObject({ active: true, reason: 'not a number' });
  });

  it('rejects an empty or inverted range', () => {
    expect(() => new RangeDetector({})).toThrow(/min, max/);
    expect(() => new RangeDetector({ min: 10, max: 0 })).toThrow(/at most max/);
  });
});
