import { describe, expect, it } from 'vitest';
import { CusumDetector } from './cusum.js';
import { EwmaDetector } from './ewma.js';

const noise = (index: number) => Math.sin(index * 2.3) * 0.8 + Math.cos(index * 0.9) * 0.4;

describe('EWMA control chart', () => {
  it('stays quiet in control and catches a small sustained shift a per-reading 3σ limit would miss', () => {
    const detector = new EwmaDetector({ lambda: 0.2, limit: 3, warmup: 50, baseline_alpha: 0 });
    for (let index = 0; index < 200; index++) expect(detector.update(index, 50 + noise(index)).active).toBe(false);
    let firedAt = -1;
    for (let index = 200; index < 260 && firedAt < 0; index++) {
      // A shift of about one standard deviation: every reading alone is well inside ±3σ.
      if (detector.update(index, 50.8 + noise(index)).active) firedAt = index;
    }
    expect(firedAt).toBeGreaterThan(200);
    expect(firedAt).toBeLessThan(230);
  });
});

describe('CUSUM change-point detector', () => {
  it('accumulates a slow drift until it crosses h, and says which way', () => {
    const detector = new CusumDetector({ k: 0.5, h: 5, warmup: 50, baseline_alpha: 0 });
    for (let index = 0; index < 100; index++) expect(detector.update(index, 10 + noise(index)).active).toBe(false);
    let verdict = detector.update(100, 10);
    for (let index = 100; index < 200 && !verdict.active; index++) verdict = detector.update(index, 10 + noise(index) - 0.01 * (index - 100));
    expect(verdict).toMatchObject({ active: true, reason: 'shift down' });
  });

  it('rejects nonsense parameters', () => {
    expect(() => new CusumDetector({ k: -1, h: 5, warmup: 10, baseline_alpha: 0 })).toThrow(/k must be/);
    expect(() => new EwmaDetector({ lambda: 0, limit: 3, warmup: 10, baseline_alpha: 0 })).toThrow(/lambda/);
  });
});
