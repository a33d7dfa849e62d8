import { z } from 'zod';
import { withValue } from './copy-reading.js';
import { defineTransform, finite } from './transform-definition.js';

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const ARROW = new RegExp(String.raw`^\s*(${NUMBER})\s*->\s*(${NUMBER})\s*$`);
const POINT_HELP = 'expected a [measured, true] pair such as [0, 0.5], or ESPHome\'s "0 -> 0.5"';

/** One datapoint: `[measured, true]`, or ESPHome's `"measured -> true"`. */
const datapoint = z.union(
  [
    z.tuple([finite(), finite()], { error: POINT_HELP }),
    z
      .string()
      .regex(ARROW, { error: POINT_HELP })
      .transform((text) => {
        const [, measured, actual] = ARROW.exec(text)!;
        return [Number(measured), Number(actual)] as [number, number];
      }),
  ],
  { error: POINT_HELP },
);

const datapoints = z.array(datapoint, { error: 'expected a list of [measured, true] pairs' });

export const calibrateLinearSchema = z
  .union(
    [
      datapoints,
      z.strictObject({
        method: z
          .enum(['least_squares', 'exact'])
          .default('least_squares')
          .describe('least_squares: one straight line fitted through all points; exact: straight segments between neighbours.'),
        datapoints: datapoints.describe('[measured, true] pairs.'),
      }),
    ],
    { error: 'expected a list of [measured, true] pairs, or { method, datapoints }' },
  )
  .transform((options) => (Array.isArray(options) ? { method: 'least_squares' as const, datapoints: options } : options))
  .superRefine(({ method, datapoints: points }, context) => {
    if (points.length < 2) {
      context.addIssue({ code: 'custom', message: `needs at least 2 datapoints, got ${points.length}` });
      return;
    }
    const measured = points.map(([x]) => x);
    if (method === 'least_squares' && measured.every((x) => x === measured[0])) {
      context.addIssue({ code: 'custom', message: `every datapoint has the same measured value ${measured[0]}: no line fits` });
    }
    if (method === 'exact') {
      const repeated = measured.find((x, i) => measured.indexOf(x) !== i);
      if (repeated !== undefined) {
        context.addIssue({ code: 'custom', message: `measured value ${repeated} appears twice: method exact needs each once` });
      }
    }
  });

/** A line y = slope·x + intercept. */
export interface Line {
  readonly slope: number;
  readonly intercept: number;
}

/** The least-squares line through the points (centred sums, which lose less precision than the textbook form). */
export function leastSquaresLine(points: readonly (readonly [number, number])[]): Line {
  let meanX = 0;
  let meanY = 0;
  for (const [x, y] of points) {
    meanX += x;
    meanY += y;
  }
  meanX /= points.length;
  meanY /= points.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - meanX) * (y - meanY);
    sxx += (x - meanX) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX };
}

/**
 * `calibrate_linear: [[0, 0.5], [100, 99.2]]` — measured → true value. By default one least-squares line through all
 * points (ESPHome's default); `method: exact` interpolates between neighbouring points (sorted by measured value)
 * and extrapolates beyond the ends with the first and last segments.
 */
export const calibrateLinear = defineTransform(calibrateLinearSchema, ({ method, datapoints: points }) => {
  if (method === 'least_squares') {
    const { slope, intercept } = leastSquaresLine(points);
    return { apply: (reading) => withValue(reading, reading.value * slope + intercept) };
  }
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  const segments = sorted.length - 1;
  // Segment i covers [x_i, x_i+1); the first also covers everything below, the last everything above.
  const upper = new Float64Array(segments);
  const slopes = new Float64Array(segments);
  const intercepts = new Float64Array(segments);
  for (let i = 0; i < segments; i++) {
    const [x0, y0] = sorted[i]!;
    const [x1, y1] = sorted[i + 1]!;
    upper[i] = i === segments - 1 ? Infinity : x1;
    slopes[i] = (y1 - y0) / (x1 - x0);
    intercepts[i] = y0 - slopes[i]! * x0;
  }
  return {
    apply: (reading) => {
      const x = reading.value;
      let i = 0;
      while (x >= upper[i]!) i++;
      return withValue(reading, x * slopes[i]! + intercepts[i]!);
    },
  };
});
