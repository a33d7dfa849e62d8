import { describe, expect, it } from 'vitest';
import { RateDetector } from './rate.js';

describe('rate-of-change detector', () => {
  it('measures the rise per minute over the span, not between neighbours', () => {
    const detector = new RateDetector({ above: 2, per: 'minute', span: 60_000 });
    // One reading every 10 s rising 0.3 each: 1.8 per minute, under the limit.
    let verdict = detector.update(0, 20);
    for (let step = 1; step <= 12; step++) verdict = detector.update(step * 10_000, 20 + 0.3 * step);
    expect(verdict.active).toBe(false);
    expect(verdict.value).toBeCloseTo(1.8, 6);
    // Now 0.5 per 10 s: 3 per minute once the span holds only the faster readings.
    for (let step = 13; step <= 20; step++) verdict = detector.update(step * 10_000, 23.6 + 0.5 * (step - 12));
    expect(verdict.active).toBe(true);
    expect(verdict.value).toBeCloseTo(3, 6);
    expect(verdict.reason).toBe('rising');
  });

  it('fires on a fall below a negative rate per second', () => {
    const detector = new RateDetector({ below: -1, per: 'second', span: 5_000 });
    expect(detector.update(0, 100).active).toBe(false);
    expect(detector.update(2_000, 99).active).toBe(false);
    const verdict = detector.update(4_000, 95);
    expect(verdict).toMatchObject({ active: true, reason: 'falling' });
    expect(verdict.value).toBeCloseTo(-1.25, 6);
  });

  it('says nothing from a single reading', () => {
    expect(new RateDetector({ above: 0, per: 'second', span: 1000 }).update(0, 5).active).toBe(false);
  });
});
