import { describe, expect, it } from 'vitest';
import { seededNoise } from '../../test/helpers/seeded-noise.js';
import { PatternScale } from './pattern-scale.js';
import { ShapeMemory } from './shape-memory.js';

const BURST = [0, 3, -3, 3, -3, 3, -3, 3, -3, 3, -3, 0];

/**
 * A cycle of 100 readings with noise, and every 1,500 readings a burst of 12 that has left the 1,000-reading
 * history by the time it comes back (a weekly maintenance run, say). Returns the highest score of each burst.
 */
function burstScores(memory: ShapeMemory | undefined): number[] {
  const random = seededNoise(7);
  const scale = new PatternScale(1, 12, 1000, 50, memory && { shapes: memory, radius: 2 });
  const peaks: number[] = [];
  for (let reading = 0; reading < 9000; reading++) {
    const phase = reading % 1500;
    const burst = phase >= 700 && phase < 700 + BURST.length ? BURST[phase - 700]! : 0;
    const score = scale.push(21 + 3 * Math.sin((2 * Math.PI * reading) / 100) + 0.2 * random() + burst, 5);
    if (phase === 700) peaks.push(0);
    if (phase >= 700 && phase < 720) peaks[peaks.length - 1] = Math.max(peaks[peaks.length - 1]!, score);
  }
  return peaks;
}

describe('pattern scale with a long-term shape memory', () => {
  it('without it, a burst that recurs less often than the history is long is news every time', () => {
    expect(burstScores(undefined).every((peak) => peak > 1)).toBe(true);
  });

  it('with it, the burst is news on the first two occasions only: then it is an established shape', () => {
    const peaks = burstScores(new ShapeMemory(12, 128, 1000));
    expect(peaks.slice(0, 2).every((peak) => peak > 1)).toBe(true);
    expect(peaks.slice(2).every((peak) => peak < 1)).toBe(true);
  });
});

describe('pattern scale warm-up', () => {
  /** A cycle with noise, searched from its first readings; at reading 600 a burst of 12. Returns the burst's peak. */
  function peakWithWarmup(warmup: number): number {
    const random = seededNoise(11);
    const scale = new PatternScale(1, 12, 1000, 50, undefined, warmup);
    let peak = 0;
    for (let reading = 0; reading < 700; reading++) {
      const burst = reading >= 600 && reading < 600 + BURST.length ? BURST[reading - 600]! / 2 : 0;
      const score = scale.push(21 + 3 * Math.sin((2 * Math.PI * reading) / 100) + 0.2 * random() + burst, 5);
      if (reading >= 600) peak = Math.max(peak, score);
    }
    return peak;
  }

  it('does not learn the large distances of a search over its first few candidates', () => {
    // Without a warm-up the first distances (nearest among a few dozen stretches) stay in the range seen and hold
    // the burst under 1; learnt only once 100 readings were searched, the same burst is news.
    expect(peakWithWarmup(0)).toBeLessThan(1);
    expect(peakWithWarmup(100)).toBeGreaterThan(1);
  });
});

describe('pattern scale fill range', () => {
  /**
   * A cycle of 250 readings with noise, searched from its first readings: until the cycle has come round once, no
   * stretch has a near neighbour and the distances are large. At reading 600 a small burst. Returns its peak.
   */
  function peakWithFillRange(fillRange: number): number {
    const random = seededNoise(11);
    const scale = new PatternScale(1, 12, 1000, 50, undefined, 100, fillRange);
    let peak = 0;
    for (let reading = 0; reading < 700; reading++) {
      const burst = reading >= 600 && reading < 600 + BURST.length ? BURST[reading - 600]! / 4 : 0;
      const score = scale.push(21 + 3 * Math.sin((2 * Math.PI * reading) / 250) + 0.2 * random() + burst, 5);
      if (reading >= 600) peak = Math.max(peak, score);
    }
    return peak;
  }

  it('while the history fills, only distances found among enough candidates bound the range seen', () => {
    // The distances of the first cycle stay in the history and, counted in the range seen, hold the burst under 1;
    // with the range taken over the distances found since 3/4 of the readings so far (after the cycle came round),
    // the same burst is news.
    expect(peakWithFillRange(0)).toBeLessThan(1);
    expect(peakWithFillRange(0.75)).toBeGreaterThan(1);
  });
});
