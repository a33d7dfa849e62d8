import { z } from 'zod';
import { calibrateLinear } from './calibrate-linear.js';
import { convert } from './convert.js';
import { debounce } from './debounce.js';
import { dedupe } from './dedupe.js';
import { delta, onChange } from './delta.js';
import { expression } from './expression.js';
import { heartbeat } from './heartbeat.js';
import { rename } from './rename.js';
import { setTags } from './set-tags.js';
import { skipInitial } from './skip-initial.js';
import {
  exponentialMovingAverage,
  max,
  median,
  min,
  quantile,
  slidingWindowMovingAverage,
} from './sliding-window.js';
import { throttle } from './throttle.js';
import { throttleAverage } from './throttle-average.js';
import type { TransformDefinition } from './transform-definition.js';
import { clamp, filterOut, multiply, offset, round, roundToMultipleOf } from './value-steps.js';

/** Every step a rule's `transform:` list may hold, by its YAML name. */
export const TRANSFORMS: Readonly<Record<string, TransformDefinition>> = {
  // value
  multiply,
  offset,
  calibrate_linear: calibrateLinear,
  convert,
  round,
  round_to_multiple_of: roundToMultipleOf,
  expression,
  lambda: expression,
  // drop
  clamp,
  filter_out: filterOut,
  skip_initial: skipInitial,
  delta,
  on_change: onChange,
  dedupe,
  // time
  throttle,
  throttle_average: throttleAverage,
  heartbeat,
  debounce,
  // smoothing
  median,
  quantile,
  min,
  max,
  sliding_window_moving_average: slidingWindowMovingAverage,
  exponential_moving_average: exponentialMovingAverage,
  // name and tags
  rename,
  set_tags: setTags,
};

export const TRANSFORM_NAMES: readonly string[] = Object.keys(TRANSFORMS);

/** The schema of each step's value, by name: for the config schema and editor autocomplete. */
export const TRANSFORM_SCHEMAS: Readonly<Record<string, z.ZodType>> = Object.fromEntries(
  TRANSFORM_NAMES.map((name) => [name, TRANSFORMS[name]!.schema]),
);

/**
 * Every step in its YAML form, as one schema: for the JSON Schema that gives editors autocomplete. Validation goes
 * through compileTransforms, whose messages follow the step the user meant rather than listing every alternative.
 */
export const transformStepSchema = z.union(
  TRANSFORM_NAMES.map((name) => z.strictObject({ [name]: TRANSFORM_SCHEMAS[name]! })) as unknown as [z.ZodType, ...z.ZodType[]],
);

/** A step as the editor sees it: a mapping `{ name: options }`, or a name alone for a step whose options all have defaults. */
export function transformItemSchema(): z.ZodType {
  const plain = TRANSFORM_NAMES.filter((name) => TRANSFORM_SCHEMAS[name]!.safeParse(null).success);
  return z.union([z.enum(plain as [string, ...string[]]).describe('A step with its default options, e.g. - median.'), transformStepSchema]);
}
