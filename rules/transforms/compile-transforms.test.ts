import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NO_TAGS, type Reading } from '../reading.js';
import { compileTransforms, TRANSFORM_NAMES, TRANSFORM_SCHEMAS, TransformError, transformStepSchema } from './compile-transforms.js';

const at = (value: number, timestamp = 0, sensor = 'temp', source = 'sim'): Reading => ({
  source,
  sensor,
  value,
  timestamp,
  tags: NO_TAGS,
});

function compileError(steps: readonly unknown[]): TransformError {
  try {
    compileTransforms(steps);
  } catch (error) {
    expect(error).toBeInstanceOf(TransformError);
    return error as TransformError;
  }
  throw new Error(`${JSON.stringify(steps)} compiled, but should not have`);
}

describe('compileTransforms', () => {
  it('runs the steps in list order', () => {
    expect(compileTransforms([{ multiply: 2 }, { offset: 1 }]).apply(at(10))?.value).toBe(21);
    expect(compileTransforms([{ offset: 1 }, { multiply: 2 }]).apply(at(10))?.value).toBe(22);
  });

  it('converts Celsius to Fahrenheit the ESPHome way: multiply then offset', () => {
    expect(compileTransforms([{ multiply: 1.8 }, { offset: 32 }]).apply(at(100))?.value).toBe(212);
  });

  it('passes a reading through unchanged when the list is empty, and counts its steps', () => {
    const reading = at(3);
    expect(compileTransforms([]).apply(reading)).toBe(reading);
    expect(compileTransforms([]).steps).toBe(0);
    expect(compileTransforms([{ multiply: 1 }, { offset: 0 }, { round: 1 }]).steps).toBe(3);
  });

  it('stops at the first step that drops a reading', () => {
    const chain = compileTransforms([{ filter_out: 85 }, { multiply: 2 }]);
    expect(chain.apply(at(85))).toBeUndefined();
    expect(chain.apply(at(21))?.value).toBe(42);
  });

  it('keeps state per source and sensor when two sensors interleave', () => {
    const chain = compileTransforms([{ delta: 1 }]);
    const out = [at(20, 0, 'a'), at(50, 0, 'b'), at(20.5, 1, 'a'), at(50.5, 1, 'b'), at(21, 2, 'a'), at(51, 2, 'b'), at(21, 3, 'a', 'other')];
    expect(out.map((r) => chain.apply(r)?.value)).toEqual([20, 50, undefined, undefined, 21, 51, 21]);
  });

  it('gives each compiled chain its own state', () => {
    const first = compileTransforms([{ on_change: true }]);
    const second = compileTransforms([{ on_change: true }]);
    expect(first.apply(at(1))?.value).toBe(1);
    expect(second.apply(at(1))?.value).toBe(1);
  });

  it('passes what advance releases through the steps after the releasing one only', () => {
    const chain = compileTransforms([{ multiply: 10 }, { debounce: '1s' }, { offset: 1 }]);
    expect(chain.apply(at(2, 0))).toBeUndefined();
    expect(chain.advance(999)).toEqual([]);
    expect(chain.advance(1000)).toEqual([at(21, 1000)]);
    expect(chain.advance(5000)).toEqual([]);
  });

  it('drops a released reading that a later step filters', () => {
    const chain = compileTransforms([{ heartbeat: '10s' }, { on_change: true }]);
    chain.apply(at(5, 0));
    expect(chain.advance(10_000).map((r) => r.value)).toEqual([5]);
    expect(chain.advance(20_000)).toEqual([]);
  });

  it('advances upstream timed steps first, so their output reaches the timed steps after them', () => {
    const chain = compileTransforms([{ debounce: '1s' }, { throttle_average: '10s' }]);
    chain.apply(at(4, 0));
    // The debounced reading (stamped 1000) enters the average's interval [0, 10s), which closes at 10s.
    expect(chain.advance(9_999)).toEqual([]);
    expect(chain.advance(10_000)).toEqual([at(4, 10_000)]);
  });

  it('reads a bare step name as the step with its default options', () => {
    const chain = compileTransforms(['median']);
    expect(chain.apply(at(3))?.value).toBe(3);
  });

  it('names every step it knows, each with a schema', () => {
    expect(TRANSFORM_NAMES).toEqual(expect.arrayContaining(['multiply', 'offset', 'calibrate_linear', 'convert', 'rename', 'set_tags',
      'clamp', 'filter_out', 'delta', 'on_change', 'throttle', 'throttle_average', 'heartbeat', 'debounce', 'dedupe', 'median',
      'quantile', 'min', 'max', 'sliding_window_moving_average', 'exponential_moving_average', 'lambda', 'expression', 'round']));
    for (const name of TRANSFORM_NAMES) expect(TRANSFORM_SCHEMAS[name], name).toBeDefined();
  });

  it('has a step schema that turns into JSON Schema for editors', () => {
    const json = z.toJSONSchema(transformStepSchema, { io: 'input', unrepresentable: 'any' }) as { anyOf: unknown[] };
    expect(json.anyOf).toHaveLength(TRANSFORM_NAMES.length);
    expect(transformStepSchema.safeParse({ clamp: { min: 0 } }).success).toBe(true);
    expect(transformStepSchema.safeParse({ clamp: { min: 0 }, offset: 1 }).success).toBe(false);
  });
});

describe('compileTransforms errors', () => {
  it('suggests the step a misspelt name probably meant, with its position', () => {
    const error = compileError([{ multiply: 2 }, { multipy: 1.8 }]);
    expect(error.message).toBe('unknown transform "multipy" (did you mean "multiply"?)');
    expect(error.index).toBe(1);
  });

  it('lists every step when a name is nothing like any of them', () => {
    expect(compileError([{ frobnicate: 1 }]).message).toMatch(/^unknown transform "frobnicate"; known transforms: multiply, offset, .*set_tags$/);
  });

  it('explains that a step holds one transform', () => {
    expect(compileError([{ multiply: 1.8, offset: 32 }]).message).toBe(
      'a step holds one transform, this one has "multiply", "offset": give each its own "- " line (they run in list order)',
    );
    expect(compileError([{}]).message).toBe('empty step: write one transform, such as "multiply: 1.8"');
  });

  it('rejects a step that is not a mapping', () => {
    expect(compileError([5]).message).toBe('each step is a mapping with one key, such as "multiply: 1.8"; got 5');
    expect(compileError(['multipy']).message).toBe('each step is a mapping with one key, such as "multiply: 1.8"; got "multipy" (did you mean "multiply"?)');
    expect(compileError([[1]]).message).toMatch(/got a list$/);
  });

  it('says when clamp bounds are the wrong way round', () => {
    expect(compileError([{ clamp: { min: 10, max: 5 } }]).message).toBe('clamp: min 10 is greater than max 5');
  });

  it('suggests the option a misspelt key meant and lists the allowed ones', () => {
    expect(compileError([{ median: { windw_size: 3 } }]).message).toBe(
      'median: unknown option "windw_size" (did you mean "window_size"?); allowed: window_size, send_every, send_first_at',
    );
  });

  it('names the option that is out of range and what was written', () => {
    expect(compileError([{ median: { window_size: 0 } }]).message).toBe('median.window_size: must be at least 1, got 0');
    expect(compileError([{ median: { send_first_at: 7 } }]).message).toBe('median.send_first_at: must be at most send_every (5), got 7');
    expect(compileError([{ quantile: { quantile: 1.5 } }]).message).toBe('quantile.quantile: must be at most 1 (0.9 is the 90th percentile), got 1.5');
    expect(compileError([{ exponential_moving_average: { alpha: 0 } }]).message).toBe(
      'exponential_moving_average.alpha: must be greater than 0 (and at most 1), got 0',
    );
  });

  it('says what kind of value a step takes', () => {
    expect(compileError([{ multiply: '2' }]).message).toBe('multiply: expected a number, got "2"');
    expect(compileError([{ offset: null }]).message).toBe('offset: expected a number, got nothing');
    expect(compileError([{ round: 1.5 }]).message).toBe('round: must be a whole number of decimals (0 to 15), got 1.5');
    expect(compileError([{ round: -1 }]).message).toBe(
      'round: must be at least 0 decimals; to round to tens use round_to_multiple_of: 10, got -1',
    );
    expect(compileError([{ on_change: false }]).message).toBe('on_change: write on_change: true (the step has no options), got false');
    expect(compileError([{ filter_out: 'nan' }]).message).toBe(
      'filter_out: expected a number or a list of numbers, e.g. filter_out: [85, -127], got "nan"',
    );
    expect(compileError([{ filter_out: [] }]).message).toBe('filter_out: needs at least one value');
  });

  it('explains durations, and follows the form of a step the user chose', () => {
    expect(compileError([{ throttle: 10 }]).message).toBe('throttle: expected a duration such as 500ms, 10s, 5m or 1h, got 10');
    expect(compileError([{ throttle: '0s' }]).message).toBe('throttle: must be at least 1ms');
    expect(compileError([{ heartbeat: { period: '5x' } }]).message).toBe('heartbeat.period: expected a duration such as 500ms, 10s, 5m or 1h');
    expect(compileError([{ heartbeat: { period: '5s', optimistc: true } }]).message).toBe(
      'heartbeat: unknown option "optimistc" (did you mean "optimistic"?); allowed: period, optimistic',
    );
    expect(compileError([{ heartbeat: 5 }]).message).toBe('heartbeat: expected a period such as 60s, or { period: 60s, optimistic: true }, got 5');
  });

  it('explains an enum value with a suggestion', () => {
    expect(compileError([{ calibrate_linear: { method: 'exakt', datapoints: [[1, 2], [3, 4]] } }]).message).toBe(
      'calibrate_linear.method: "exakt" is not allowed (did you mean "exact"?); use "least_squares" or "exact"',
    );
  });

  it('joins several problems of one step', () => {
    expect(compileError([{ clamp: { min: 'low', max: 'high' } }]).message).toBe(
      'clamp.min: expected a number, got "low"; clamp.max: expected a number, got "high"',
    );
  });
});
