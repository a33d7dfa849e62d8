import { describe, expect, it } from 'vitest';
import { type LabelledSeries, normalisedScore, perfectDetections, probationLength, scoreSeries } from './nab-scorer.js';

const MINUTE = 60_000;
/** 1000 rows a minute apart; probation is the first 150. One window over rows 500..599. */
function series(windows: [number, number][] = [[500, 599]]): LabelledSeries {
  const timestamps = Array.from({ length: 1000 }, (_, row) => row * MINUTE);
  return { timestamps, windows: windows.map(([left, right]) => [left * MINUTE, right * MINUTE] as const) };
}
const LOW_FP = { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 };

describe('NAB scorer', () => {
  it('scores the perfect detector 100 and the null detector 0', () => {
    const corpus = [series(), series([[300, 349], [700, 799]]), series([])];
    expect(normalisedScore(corpus, corpus.map(perfectDetections))).toBeCloseTo(100, 10);
    expect(normalisedScore(corpus, corpus.map(() => []))).toBeCloseTo(0, 10);
  });

  it('rewards a detection just inside a window more than one at its end, and the right edge about 0', () => {
    const early = scoreSeries(series(), [500]);
    const middle = scoreSeries(series(), [550]);
    const late = scoreSeries(series(), [599]);
    expect(early.raw).toBeCloseTo(1, 10);
    expect(early.raw).toBeGreaterThan(middle.raw);
    expect(middle.raw).toBeGreaterThan(late.raw);
    expect(late.raw).toBeGreaterThan(0);
    expect(late.raw).toBeLessThan(0.1);
    expect(late.truePositives).toBe(1);
  });

  it('counts only the first detection in a window', () => {
    const once = scoreSeries(series(), [520]);
    const thrice = scoreSeries(series(), [520, 540, 590]);
    expect(thrice.raw).toBeCloseTo(once.raw, 10);
    expect(thrice.falsePositives).toBe(0);
  });

  it('charges a missed window the false-negative weight', () => {
    expect(scoreSeries(series(), []).raw).toBe(-1);
    expect(scoreSeries(series(), [], { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 }).raw).toBe(-2);
  });

  it('charges a false positive before any window the full fpWeight of the profile', () => {
    const standard = scoreSeries(series(), [200]);
    expect(standard.falsePositives).toBe(1);
    expect(standard.falsePositiveCost).toBeCloseTo(-0.11, 10);
    expect(scoreSeries(series(), [200], LOW_FP).falsePositiveCost).toBeCloseTo(-0.22, 10);
    expect(scoreSeries(series(), [200, 250, 300]).falsePositiveCost).toBeCloseTo(-0.33, 10);
  });

  it('charges little for a false positive just after a window and the full weight far after it', () => {
    const justAfter = scoreSeries(series(), [601]).falsePositiveCost;
    const farAfter = scoreSeries(series(), [950]).falsePositiveCost;
    expect(justAfter).toBeLessThan(0);
    expect(justAfter).toBeGreaterThan(-0.01);
    expect(farAfter).toBeCloseTo(-0.11, 2);
  });

  it('ignores detections in the probation period (15% of rows, at most 750)', () => {
    expect(probationLength(1000)).toBe(150);
    expect(probationLength(22_695)).toBe(750);
    const score = scoreSeries(series(), [10, 149]);
    expect(score.ignored).toBe(2);
    expect(score.falsePositives).toBe(0);
    expect(score.raw).toBe(-1);
  });

  it('normalises a half-right detector between 0 and 100', () => {
    const corpus = [series(), series([[300, 349]])];
    const score = normalisedScore(corpus, [[500], [200]]);
    // +1 for the first window, -1 for the missed one, -0.11 for the false positive; null -2, perfect +2.
    expect(score).toBeCloseTo((100 * (1 - 1 - 0.11 + 2)) / 4, 10);
  });
});
