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

/** A step as the transforms README lists it: how it is written (an example, Markdown) and what it does. */
export interface TransformDocs {
  readonly written: string;
  readonly does: string;
}

interface TransformEntry {
  readonly definition: TransformDefinition;
  /** Absent for a second name of a step (`lambda`), which the docs mention beside the first. */
  readonly docs?: TransformDocs;
}

function step(definition: TransformDefinition, written: string, does: string): TransformEntry {
  return { definition, docs: { written, does } };
}

/**
 * Every step a rule's `transform:` list may hold, by its YAML name, in the groups the transforms README lists them
 * in, each with its docs line (`npm run docs` writes the README's tables from these).
 */
export const TRANSFORM_GROUPS = {
  values: {
    multiply: step(multiply, '`multiply: 1.8`', 'value × 1.8'),
    offset: step(offset, '`offset: 32`', 'value + 32'),
    calibrate_linear: step(
      calibrateLinear,
      '`calibrate_linear: [[0, 0.5], [100, 99.2]]`',
      'measured → true value on the least-squares line through the `[measured, true]` points (at least 2, not all with the same measured value). ESPHome\'s `"0.0 -> 0.5"` form works too. `{ method: exact, datapoints: [...] }` joins neighbouring points (sorted by measured value; each measured value once) with straight segments and extends the first and last segments beyond the ends.',
    ),
    convert: step(convert, '`convert: { from: C, to: F }`', 'unit conversion within one dimension; see below'),
    round: step(
      round,
      '`round: 1`',
      'to 1 decimal (0–15), halves away from zero as ESPHome does; `1.005` rounds to `1.01` as written, despite binary floating point',
    ),
    round_to_multiple_of: step(roundToMultipleOf, '`round_to_multiple_of: 0.5`', 'to the nearest multiple, halves away from zero'),
    expression: step(
      expression,
      '`expression: "value * 2 + 1"` (or `lambda:`)',
      'the value computed by the [filter expression language](../filter-expression.ts): `value` (also `x`), `prev` (this sensor\'s previous value at this step, NaN at first), `timestamp`, `sensor`, `source`, `tags.<name>`, `+ - * / %`, comparisons (true = 1), `and`/`or`/`not`, `abs sqrt pow exp log log10 floor ceil round min max`. ESPHome\'s `return x * 1.8 + 32;` is accepted. A result that is NaN or infinite drops the reading.',
    ),
    lambda: { definition: expression },
  },
  dropping: {
    clamp: step(
      clamp,
      '`clamp: { min: 0, max: 100 }`',
      'values in `[min, max]`; others become `min`/`max`, or are dropped with `ignore_out_of_range: true`. Either bound may be left out.',
    ),
    filter_out: step(filterOut, '`filter_out: 85` / `[85, -127]`', 'every value except exactly these (put it before steps that change the value)'),
    skip_initial: step(skipInitial, '`skip_initial: 3`', 'all but the first 3 readings of each sensor'),
    delta: step(
      delta,
      '`delta: 0.5`, `delta: 5%`',
      'the first reading, then a reading whose value differs from the **last passed** value by at least 0.5. A change within a billionth of the delta counts as reaching it (so 0.1 → 0.3 passes `delta: 0.2`). ESPHome passes only changes strictly greater than the delta. With a percentage: the same, with the delta 5 % of the last passed value\'s magnitude; after a 0, any change passes. An unchanged value never passes.',
    ),
    on_change: step(onChange, '`on_change: true`', 'the first reading, then a value different from the last passed one'),
    dedupe: step(
      dedupe,
      '`dedupe: 10s`',
      'every reading except an exact repeat: the same timestamp **and** value as a reading of the sensor seen within the last 10 s of reading time (back from the newest timestamp seen). For messages delivered twice (MQTT QoS 1 after a reconnect, two bridges). A repeated value with a new timestamp is a new measurement and passes — use `on_change` or `delta` to drop unchanged values. A reading older than the window passes: there is nothing left to compare it with.',
    ),
    throttle: step(
      throttle,
      '`throttle: 10s`',
      'the first reading, then the first at least 10 s (by timestamp) after the last one passed. A reading more than 10 s *older* than the last passed one is taken as a clock that was set back: it passes and restarts the period.',
    ),
  },
  time: {
    throttle_average: step(
      throttleAverage,
      '`throttle_average: 10s`',
      'averages the readings of each 10 s interval (aligned to the epoch, like tumbling windows) and sends the average once the interval is over — from `advance`, or in place of the first reading of a later interval — stamped with the interval\'s end. Empty intervals send nothing; a reading older than the open interval joins it.',
    ),
    heartbeat: step(
      heartbeat,
      '`heartbeat: 60s`',
      'ESPHome\'s heartbeat: sends the last value every 60 s whether or not new readings came; **the readings themselves do not pass**. Beats fall every period after the sensor\'s first reading, on a fixed grid that new readings do not reset, each stamped at its due time. `{ period: 60s, optimistic: true }` also passes every reading as it arrives. If several beats were missed (agent paused, clock jumped) only the latest is sent. Without `optimistic`, a reading arriving after a beat was due sends that beat (with the value before it), so replays without `advance` still beat. A sensor that falls silent keeps beating its last value, as in ESPHome, until it is forgotten (`agent.forget_silent_sensors`, a day by default); then the beats stop, and start again with its next reading.',
    ),
    debounce: step(
      debounce,
      '`debounce: 1s`',
      'holds each reading, and sends it once no newer reading of the sensor came for 1 s, stamped at that moment; every new reading replaces the held one and restarts the wait (from the newest timestamp, so an out-of-order reading cannot shorten it). A sensor that reports faster than the period never sends. A held reading is sent before its sensor may be forgotten, however long the period.',
    ),
  },
  smoothing: {
    median: step(median, '`median`', 'the middle value; the mean of the two middle ones for an even count'),
    quantile: step(quantile, '`quantile`', 'the ⌈n·q⌉-th smallest of the n values (no interpolation), `quantile: 0.9` by default'),
    min: step(min, '`min`', 'the smallest'),
    max: step(max, '`max`', 'the largest'),
    sliding_window_moving_average: step(slidingWindowMovingAverage, '`sliding_window_moving_average`', 'the mean'),
    exponential_moving_average: step(
      exponentialMovingAverage,
      '`exponential_moving_average`',
      '`α·value + (1 − α)·average`, seeded with the first reading',
    ),
  },
  names: {
    rename: step(
      rename,
      '`rename: "{sensor}_calibrated"`',
      'a new sensor name from `{sensor}`, `{source}` and `{tags.<name>}` (a missing tag gives empty text). Steps below keep their state under the new name.',
    ),
    set_tags: step(setTags, '`set_tags: { room: north }`', 'adds or overwrites tags (values become text)'),
  },
} as const satisfies Readonly<Record<string, Readonly<Record<string, TransformEntry>>>>;

/** Every step by its YAML name. */
export const TRANSFORMS: Readonly<Record<string, TransformDefinition>> = Object.fromEntries(
  Object.values(TRANSFORM_GROUPS).flatMap((group) => Object.entries(group).map(([name, entry]) => [name, entry.definition])),
);

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
