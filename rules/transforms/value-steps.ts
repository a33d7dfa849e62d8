import { z } from 'zod';
import { withValue } from './copy-reading.js';
import { defineTransform, finite } from './transform-definition.js';
import type { Transform } from './transform.js';

// Steps that look at one value and nothing else: no state, no time.

/** `multiply: 1.8` — value × k. */
export const multiply = defineTransform(finite(), (factor) => valueStep((value) => value * factor));

/** `offset: 32` — value + k. */
export const offset = defineTransform(finite(), (addend) => valueStep((value) => value + addend));

/** `round: 1` — to N decimals, halves away from zero (as ESPHome's roundf). */
export const round = defineTransform(
  z
    .number({ error: 'expected a number of decimals (0 to 15)' })
    .int({ error: 'must be a whole number of decimals (0 to 15)' })
    .min(0, { error: 'must be at least 0 decimals; to round to tens use round_to_multiple_of: 10' })
    .max(15, { error: 'must be at most 15 decimals' }),
  (decimals) => {
    const scale = 10 ** decimals;
    return valueStep((value) => roundHalfAway(value * scale) / scale);
  },
);

/** `round_to_multiple_of: 0.5` — to the nearest multiple of k, halves away from zero. */
export const roundToMultipleOf = defineTransform(
  z.number({ error: 'expected a number' }).positive({ error: 'must be greater than 0' }),
  (multiple) => {
    // 3 × 0.1 is 0.30000000000000004: round the product to the decimals of the multiple itself.
    const decimals = decimalsOf(multiple);
    const scale = 10 ** decimals;
    const clean = decimals <= 15 ? (x: number) => Math.round(x * scale) / scale : (x: number) => x;
    return valueStep((value) => clean(roundHalfAway(value / multiple) * multiple) + 0);
  },
);

/** A step that maps each value to another and never drops a reading: the chain runs neighbouring ones as one. */
function valueStep(mapValue: (value: number) => number): Transform {
  return { apply: (reading) => withValue(reading, mapValue(reading.value)), mapValue };
}

/**
 * Rounds to a whole number, halves away from zero. `x` computed as value × 10^n lands a hair below the half for
 * decimal inputs (1.005 × 100 = 100.49999999999999): a few ulps of slack round it as written. `+ 0` turns -0 into 0.
 */
function roundHalfAway(x: number): number {
  const magnitude = Math.abs(x);
  const rounded = Math.round(magnitude + magnitude * 4 * Number.EPSILON);
  return (x < 0 ? -rounded : rounded) + 0;
}

function decimalsOf(x: number): number {
  const text = String(x);
  if (text.includes('e')) return 16;
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

const clampSchema = z
  .strictObject({
    min: finite().optional().describe('Lowest value passed on; lower values become min (or are dropped).'),
    max: finite().optional().describe('Highest value passed on; higher values become max (or are dropped).'),
    ignore_out_of_range: z
      .boolean({ error: 'expected true or false' })
      .default(false)
      .describe('true: drop readings outside [min, max] instead of clamping them.'),
  })
  .superRefine((options, context) => {
    if (options.min === undefined && options.max === undefined) {
      context.addIssue({ code: 'custom', message: 'give min, max or both' });
    } else if (options.min !== undefined && options.max !== undefined && options.min > options.max) {
      context.addIssue({ code: 'custom', message: `min ${options.min} is greater than max ${options.max}` });
    }
  });

/** `clamp: { min: 0, max: 100, ignore_out_of_range: false }` — limit to [min, max], or drop what lies outside. */
export const clamp = defineTransform(clampSchema, ({ min = -Infinity, max = Infinity, ignore_out_of_range: drop }) => ({
  apply: (reading) => {
    const value = reading.value;
    if (value < min) return drop ? undefined : withValue(reading, min);
    if (value > max) return drop ? undefined : withValue(reading, max);
    return reading;
  },
}));

/** `filter_out: 85` or `filter_out: [85, -127]` — drop readings with exactly these values. */
export const filterOut = defineTransform(
  z.union([finite(), z.array(finite()).min(1, { error: 'needs at least one value' })], {
    error: 'expected a number or a list of numbers, e.g. filter_out: [85, -127]',
  }),
  (values) => {
    if (typeof values === 'number') return { apply: (reading) => (reading.value === values ? undefined : reading) };
    const list = [...values];
    return { apply: (reading) => (list.includes(reading.value) ? undefined : reading) };
  },
);
