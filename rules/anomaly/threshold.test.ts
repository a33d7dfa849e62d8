import { describe, expect, it } from 'vitest';
import { ThresholdDetector } from './threshold.js';

const feed = (detector: ThresholdDetector, values: number[]) => values.map((value, index) => detector.update(index * 1000, value).active);

describe('threshold detector', () => {
  it('fires above the set level and clears only below the clear level (hysteresis)', () => {
    const detector = new ThresholdDetector({ above: 30, clear_below: 28 });
    expect(feed(detector, [25, 30, 30.5, 29, 28.5, 28, 27.9, 29, 31])).toEqual([false, false, true, true, true, true, false, false, true]);
  });

  it('without a clear level, clears as soon as the value is back under the set level', () => {
    const detector = new ThresholdDetector({ above: 30 });
    expect(feed(detector, [31, 30, 29.9, 31])).toEqual([true, true, false, true]);
  });

  it('watches the low side with below and clear_above', () => {
    const detector = new ThresholdDetector({ below: 5, clear_above: 7 });
    expect(feed(detector, [10, 4.9, 6, 7, 7.1])).toEqual([false, true, true, true, false]);
  });

  it('reports the level crossed and the side', () => {
    const verdict = new ThresholdDetector({ above: 30, below: 0 }).update(0, -3);
    expect(verdict).toMatchObject({ active: true, value: -3, threshold: 0, reason: 'below' });
  });

  it('rejects specs that cannot work', () => {
    expect(() => new ThresholdDetector({})).toThrow(/above, below/);
    expect(() => new ThresholdDetector({ above: 30, clear_below: 31 })).toThrow(/clear_below \(31\) must be at most above \(30\)/);
    expect(() => new ThresholdDetector({ below: 5, clear_above: 4 })).toThrow(/clear_above/);
  });
});
