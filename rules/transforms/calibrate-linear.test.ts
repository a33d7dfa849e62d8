import { describe, expect, it } from 'vitest';
import { NO_TAGS, type Reading } from '../reading.js';
import { leastSquaresLine } from './calibrate-linear.js';
import { compileTransforms } from './compile-transforms.js';

const at = (value: number): Reading => ({ source: 'sim', sensor: 'temp', value, timestamp: 0, tags: NO_TAGS });
const calibrated = (step: unknown, value: number) => compileTransforms([{ calibrate_linear: step }]).apply(at(value))?.value;

describe('calibrate_linear', () => {
  it('maps measured to true values on the line through two points', () => {
    const points = [[0, 0.5], [100, 99.2]];
    expect(calibrated(points, 0)).toBeCloseTo(0.5, 12);
    expect(calibrated(points, 100)).toBeCloseTo(99.2, 12);
    expect(calibrated(points, 50)).toBeCloseTo(49.85, 12);
    expect(calibrated(points, 200)).toBeCloseTo(197.9, 12);
  });

  it('fits the least-squares line through more points, as computed by hand', () => {
    // x̄ = 1, ȳ = 8/3; Σ(x−x̄)(y−ȳ) = 3, Σ(x−x̄)² = 2: slope 1.5, intercept 8/3 − 1.5 = 7/6.
    expect(leastSquaresLine([[0, 1], [1, 3], [2, 4]])).toEqual({ slope: 1.5, intercept: expect.closeTo(7 / 6, 12) });
    expect(calibrated([[0, 1], [1, 3], [2, 4]], 4)).toBeCloseTo(6 + 7 / 6, 12);
    // Points that lie on a line give that line back exactly.
    expect(calibrated([[10, 21], [20, 41], [30, 61], [40, 81]], 25)).toBeCloseTo(51, 12);
  });

  it('is the default method, spelt out or not', () => {
    const points = [[0, 1], [1, 3], [2, 4]];
    expect(calibrated({ datapoints: points }, 4)).toBe(calibrated(points, 4));
    expect(calibrated({ method: 'least_squares', datapoints: points }, 4)).toBe(calibrated(points, 4));
  });

  it('accepts ESPHome\'s "measured -> true" datapoints', () => {
    expect(calibrated(['0.0 -> 0.5', '100 -> 99.2'], 50)).toBeCloseTo(49.85, 12);
    expect(calibrated(['-1e1 -> -20', '+10 -> 20'], 5)).toBeCloseTo(10, 12);
  });

  it('interpolates between neighbouring points with method exact, in any order', () => {
    const exact = { method: 'exact', datapoints: [[10, 100], [0, 0], [20, 120]] };
    expect(calibrated(exact, 5)).toBeCloseTo(50, 12);
    expect(calibrated(exact, 10)).toBeCloseTo(100, 12);
    expect(calibrated(exact, 15)).toBeCloseTo(110, 12);
    expect(calibrated(exact, 20)).toBeCloseTo(120, 12);
  });

  it('extrapolates with the end segments with method exact', () => {
    const exact = { method: 'exact', datapoints: [[0, 0], [10, 100], [20, 120]] };
    expect(calibrated(exact, -1)).toBeCloseTo(-10, 12);
    expect(calibrated(exact, 30)).toBeCloseTo(140, 12);
  });

  it('rejects fewer than two points, and points that fit no line', () => {
    expect(() => calibrated([[1, 2]], 0)).toThrow('calibrate_linear: needs at least 2 datapoints, got 1');
    expect(() => calibrated([[1, 2], [1, 3], [1, 4]], 0)).toThrow(
      'calibrate_linear: every datapoint has the same measured value 1: no line fits',
    );
    expect(() => calibrated({ method: 'exact', datapoints: [[1, 2], [2, 3], [1, 4]] }, 0)).toThrow(
      'calibrate_linear: measured value 1 appears twice: method exact needs each once',
    );
  });

  it('says which datapoint is malformed', () => {
    expect(() => calibrated([[1, 2], [3]], 0)).toThrow(/^calibrate_linear\[1\]: expected a \[measured, true\] pair/);
    expect(() => calibrated([[1, 2], '3 => 4'], 0)).toThrow(/^calibrate_linear\[1\]: expected a \[measured, true\] pair/);
    expect(() => calibrated({ method: 'exact', datapoints: [[1, 2], ['a', 4]] }, 0)).toThrow(
      /^calibrate_linear\.datapoints\[1\]/,
    );
  });
});
