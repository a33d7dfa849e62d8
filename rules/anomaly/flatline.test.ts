import { describe, expect, it } from 'vitest';
import { FlatlineDetector } from './flatline.js';

describe('flatline (stuck sensor) detector', () => {
  it('fires after N readings within epsilon and clears on a real change', () => {
    const detector = new FlatlineDetector({ epsilon: 0.1, readings: 4 });
    const values = [20, 21, 21.05, 20.98, 21.02, 21.5];
    expect(values.map((value, index) => detector.update(index, value).active)).toEqual([false, false, false, false, true, false]);
  });

  it('counts the spread of the whole run, so a slow creep is not "flat"', () => {
    const detector = new FlatlineDetector({ epsilon: 0.1, readings: 4 });
    const values = [20, 20.06, 20.12, 20.18, 20.24, 20.3];
    expect(values.some((value, index) => detector.update(index, value).active)).toBe(false);
  });

  it('fires by duration too', () => {
    const detector = new FlatlineDetector({ epsilon: 0, duration: 60_000 });
    expect(detector.update(0, 5).active).toBe(false);
    expect(detector.update(59_999, 5).active).toBe(false);
    expect(detector.update(60_000, 5)).toMatchObject({ active: true, reason: 'stuck' });
  });
});
