import { z } from 'zod';
import type { Reading } from '../reading.js';
import { withValue } from './copy-reading.js';
import { PerSensor } from './per-sensor.js';
import { selectKth } from './select-kth.js';
import type { Transform } from './transform.js';
import { count, defineTransform } from './transform-definition.js';

interface WindowDefaults {
  readonly window_size: number;
  readonly send_every: number;
  readonly send_first_at: number;
}

const sendFirstAtCheck = (options: WindowDefaults, context: z.RefinementCtx) => {
  if (options.send_first_at > options.send_every) {
    context.addIssue({
      code: 'custom',
      path: ['send_first_at'],
      message: `must be at most send_every (${options.send_every}), got ${options.send_first_at}`,
    });
  }
};

/** The options of ESPHome's sliding-window filters; `median:` with nothing after it takes every default. */
function windowSchema(defaults: WindowDefaults) {
  return z
    .strictObject({
      window_size: count().default(defaults.window_size).describe('How many of the latest readings the window holds.'),
      send_every: count().default(defaults.send_every).describe('Send a result every this many readings.'),
      send_first_at: count()
        .default(defaults.send_first_at)
        .describe('Send the first result at this reading (at most send_every).'),
    })
    .nullish()
    .transform((options) => options ?? { ...defaults })
    .superRefine(sendFirstAtCheck);
}

const quantileSchema = z
  .strictObject({
    window_size: count().default(5).describe('How many of the latest readings the window holds.'),
    send_every: count().default(5).describe('Send a result every this many readings.'),
    send_first_at: count().default(1).describe('Send the first result at this reading (at most send_every).'),
    quantile: z
      .number({ error: 'expected a number between 0 and 1' })
      .gt(0, { error: 'must be greater than 0 (and at most 1)' })
      .max(1, { error: 'must be at most 1 (0.9 is the 90th percentile)' })
      .default(0.9)
      .describe('Which quantile to send, e.g. 0.9.'),
  })
  .nullish()
  .transform((options) => options ?? { window_size: 5, send_every: 5, send_first_at: 1, quantile: 0.9 })
  .superRefine(sendFirstAtCheck);

interface Ring {
  readonly values: Float64Array;
  /** How many slots hold readings; they are always slots 0 … size-1. */
  size: number;
  /** Where the next reading goes (overwriting the oldest once full). */
  head: number;
  /** Counts readings up to send_every; a result is sent when it gets there. */
  sendAt: number;
}

/**
 * ESPHome's sliding-window filters: each reading enters a ring of the last `window_size` readings (a Float64Array per
 * sensor, no allocation per reading); a result over the window is sent at the `send_first_at`-th reading and then
 * every `send_every` readings, stamped like the reading that completed it. The others are dropped.
 */
function slidingWindow(
  { window_size: windowSize, send_every: sendEvery, send_first_at: sendFirstAt }: WindowDefaults,
  compute: (values: Float64Array, size: number) => number,
): Transform {
  const rings = new PerSensor<Ring>(() => ({
    values: new Float64Array(windowSize),
    size: 0,
    head: 0,
    sendAt: sendEvery - sendFirstAt,
  }));
  return {
    apply: (reading: Reading, now?: number) => {
      const ring = rings.of(reading, now);
      ring.values[ring.head] = reading.value;
      ring.head = ring.head + 1 === windowSize ? 0 : ring.head + 1;
      if (ring.size < windowSize) ring.size += 1;
      if (++ring.sendAt < sendEvery) return undefined;
      ring.sendAt = 0;
      return withValue(reading, compute(ring.values, ring.size));
    },
    sensors: rings,
  };
}

/** Copies the window into a scratch array (selection reorders it) — one per step, shared by its sensors. */
function withScratch(windowSize: number, pick: (scratch: Float64Array, size: number) => number) {
  const scratch = new Float64Array(windowSize);
  return (values: Float64Array, size: number) => {
    for (let i = 0; i < size; i++) scratch[i] = values[i]!;
    return pick(scratch, size);
  };
}

/** `median: { window_size: 5, send_every: 5, send_first_at: 1 }` — the mean of the two middle values for an even count. */
export const median = defineTransform(windowSchema({ window_size: 5, send_every: 5, send_first_at: 1 }), (options) =>
  slidingWindow(
    options,
    withScratch(options.window_size, (scratch, size) => {
      const middle = size >>> 1;
      const upper = selectKth(scratch, size, middle);
      if (size % 2 === 1) return upper;
      let lower = scratch[0]!;
      for (let i = 1; i < middle; i++) if (scratch[i]! > lower) lower = scratch[i]!;
      return (lower + upper) / 2;
    }),
  ),
);

/**
 * `quantile: { quantile: 0.9, … }` — ESPHome's definition: the ⌈n·q⌉-th smallest of the n values in the window
 * (no interpolation). n·q is nudged down by 1e-9 so that 10 × 0.7 = 7.000000000000001 still picks the 7th.
 */
export const quantile = defineTransform(quantileSchema, (options) =>
  slidingWindow(
    options,
    withScratch(options.window_size, (scratch, size) =>
      selectKth(scratch, size, Math.max(0, Math.ceil(size * options.quantile - 1e-9) - 1)),
    ),
  ),
);

/** `min: { window_size: 5, … }` — the smallest value in the window. */
export const min = defineTransform(windowSchema({ window_size: 5, send_every: 5, send_first_at: 1 }), (options) =>
  slidingWindow(options, (values, size) => {
    let result = values[0]!;
    for (let i = 1; i < size; i++) if (values[i]! < result) result = values[i]!;
    return result;
  }),
);

/** `max: { window_size: 5, … }` — the largest value in the window. */
export const max = defineTransform(windowSchema({ window_size: 5, send_every: 5, send_first_at: 1 }), (options) =>
  slidingWindow(options, (values, size) => {
    let result = values[0]!;
    for (let i = 1; i < size; i++) if (values[i]! > result) result = values[i]!;
    return result;
  }),
);

/** `sliding_window_moving_average: { window_size: 15, send_every: 15, send_first_at: 1 }` — the mean of the window. */
export const slidingWindowMovingAverage = defineTransform(
  windowSchema({ window_size: 15, send_every: 15, send_first_at: 1 }),
  (options) =>
    slidingWindow(options, (values, size) => {
      // Summed afresh each time: a running sum would drift as values leave the window.
      let sum = 0;
      for (let i = 0; i < size; i++) sum += values[i]!;
      return sum / size;
    }),
);

const emaSchema = z
  .strictObject({
    alpha: z
      .number({ error: 'expected a number between 0 and 1' })
      .gt(0, { error: 'must be greater than 0 (and at most 1)' })
      .max(1, { error: 'must be at most 1' })
      .default(0.1)
      .describe('Weight of the newest reading: 1 follows every reading, 0.1 smooths strongly.'),
    send_every: count().default(15).describe('Send the average every this many readings.'),
    send_first_at: count().default(1).describe('Send the first average at this reading (at most send_every).'),
  })
  .nullish()
  .transform((options) => options ?? { alpha: 0.1, send_every: 15, send_first_at: 1 })
  .superRefine((options, context) => sendFirstAtCheck({ window_size: 1, ...options }, context));

interface Average {
  seen: boolean;
  value: number;
  sendAt: number;
}

/**
 * `exponential_moving_average: { alpha: 0.1, send_every: 15, send_first_at: 1 }` — ESPHome's: the first reading seeds
 * the average, then average = α·value + (1 − α)·average; sent at the send_first_at-th reading, then every send_every.
 */
export const exponentialMovingAverage = defineTransform(emaSchema, ({ alpha, send_every: sendEvery, send_first_at: sendFirstAt }) => {
  const averages = new PerSensor<Average>(() => ({ seen: false, value: 0, sendAt: sendEvery - sendFirstAt }));
  return {
    apply: (reading: Reading, now?: number) => {
      const average = averages.of(reading, now);
      average.value = average.seen ? alpha * reading.value + (1 - alpha) * average.value : reading.value;
      average.seen = true;
      if (++average.sendAt < sendEvery) return undefined;
      average.sendAt = 0;
      return withValue(reading, average.value);
    },
    sensors: averages,
  };
});
