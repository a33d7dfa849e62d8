import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_TAGS, type Reading } from '../reading.js';
import { compileTransforms } from './compile-transforms.js';
import { selectKth } from './select-kth.js';

const at = (value: number, sensor = 'temp', timestamp = 0): Reading => ({ source: 'sim', sensor, value, timestamp, tags: NO_TAGS });
const outputs = (step: unknown, inputs: number[]) => {
  const chain = compileTransforms([step]);
  return inputs.map((value) => chain.apply(at(value))?.value);
};
const sent = (step: unknown, inputs: number[]) => outputs(step, inputs).flatMap((value, i) => (value === undefined ? [] : [[i + 1, value]]));

describe('median', () => {
  it('by ESPHome\'s defaults sends at the 1st reading and then every 5th, over the last 5', () => {
    expect(sent('median', [5, 1, 4, 2, 3, 9, 8, 7, 6, 0, 1])).toEqual([
      [1, 5],
      [6, 3], // window 1 4 2 3 9
      [11, 6], // window 8 7 6 0 1 → 0 1 6 7 8
    ]);
    expect(sent({ median: null }, [5, 1, 4, 2, 3, 9])).toEqual([[1, 5], [6, 3]]);
    expect(sent({ median: {} }, [5, 1, 4, 2, 3, 9])).toEqual([[1, 5], [6, 3]]);
  });

  it('averages the two middle values of an even count', () => {
    expect(sent({ median: { window_size: 4, send_every: 4, send_first_at: 2 } }, [1, 10, 2, 3, 4, 20])).toEqual([
      [2, 5.5],
      [6, 3.5], // window 2 3 4 20
    ]);
  });

  it('sends at every reading with send_every 1', () => {
    expect(outputs({ median: { window_size: 3, send_every: 1 } }, [3, 1, 2, 9, 9])).toEqual([3, 2, 2, 2, 9]);
  });

  it('sends first at send_first_at, then every send_every', () => {
    expect(sent({ median: { window_size: 3, send_every: 3, send_first_at: 3 } }, [1, 2, 3, 4, 5, 6, 7])).toEqual([[3, 2], [6, 5]]);
  });

  it('stamps a result like the reading that completed it', () => {
    const chain = compileTransforms([{ median: { send_every: 2, send_first_at: 2 } }]);
    chain.apply(at(1, 'temp', 100));
    expect(chain.apply(at(3, 'temp', 200))).toEqual(at(2, 'temp', 200));
  });

  it('keeps a window per sensor', () => {
    const chain = compileTransforms([{ median: { window_size: 3, send_every: 3, send_first_at: 3 } }]);
    const inputs = [at(1, 'a'), at(100, 'b'), at(2, 'a'), at(200, 'b'), at(3, 'a'), at(300, 'b')];
    expect(inputs.map((r) => chain.apply(r)?.value)).toEqual([undefined, undefined, undefined, undefined, 2, 200]);
  });
});

describe('quantile', () => {
  it('sends the ⌈n·q⌉-th smallest value, 0.9 by default', () => {
    const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    expect(sent({ quantile: { window_size: 10, send_every: 10, send_first_at: 10 } }, ten)).toEqual([[10, 9]]);
    expect(sent({ quantile: { window_size: 10, send_every: 10, send_first_at: 10, quantile: 0.7 } }, ten)).toEqual([[10, 7]]);
    expect(sent({ quantile: { window_size: 10, send_every: 10, send_first_at: 10, quantile: 1 } }, ten)).toEqual([[10, 10]]);
    expect(sent({ quantile: { window_size: 10, send_every: 10, send_first_at: 10, quantile: 0.01 } }, ten)).toEqual([[10, 1]]);
  });

  it('takes ESPHome\'s defaults: window 5, send every 5, first at 1', () => {
    expect(sent('quantile', [1, 2, 3, 4, 5, 6])).toEqual([[1, 1], [6, 6]]);
  });
});

describe('min and max', () => {
  it('send the smallest and the largest value of the window', () => {
    const inputs = [5, 1, 4, 2, 3, 9, 8, 7, 6, 0, 1];
    expect(sent('min', inputs)).toEqual([[1, 5], [6, 1], [11, 0]]);
    expect(sent('max', inputs)).toEqual([[1, 5], [6, 9], [11, 8]]);
    expect(outputs({ max: { window_size: 2, send_every: 1 } }, [1, 5, 2, 1])).toEqual([1, 5, 5, 2]);
  });
});

describe('sliding_window_moving_average', () => {
  it('by ESPHome\'s defaults sends at the 1st reading and then every 15th, the mean of the last 15', () => {
    const inputs = Array.from({ length: 31 }, (_, i) => i + 1);
    expect(sent('sliding_window_moving_average', inputs)).toEqual([[1, 1], [16, 9], [31, 24]]);
  });

  it('averages the readings it has while the window fills', () => {
    expect(outputs({ sliding_window_moving_average: { window_size: 4, send_every: 1 } }, [2, 4, 6, 8, 10])).toEqual([2, 3, 4, 5, 7]);
  });
});

describe('exponential_moving_average', () => {
  it('seeds with the first reading, then weighs each new one by alpha', () => {
    expect(outputs({ exponential_moving_average: { alpha: 0.5, send_every: 1 } }, [10, 20, 20, 0])).toEqual([10, 15, 17.5, 8.75]);
  });

  it('by ESPHome\'s defaults (alpha 0.1) sends at the 1st reading and then every 15th', () => {
    const inputs = Array.from({ length: 16 }, () => 10);
    inputs[0] = 0;
    const out = sent('exponential_moving_average', inputs);
    expect(out.map(([i]) => i)).toEqual([1, 16]);
    expect(out[1]![1]).toBeCloseTo(10 * (1 - 0.9 ** 15), 12);
  });

  it('keeps an average per sensor', () => {
    const chain = compileTransforms([{ exponential_moving_average: { alpha: 0.5, send_every: 1 } }]);
    expect([at(0, 'a'), at(100, 'b'), at(10, 'a'), at(0, 'b')].map((r) => chain.apply(r)?.value)).toEqual([0, 100, 5, 50]);
  });
});

describe('sliding window options', () => {
  it('reject send_first_at greater than send_every, and counts below 1', () => {
    expect(() => compileTransforms([{ sliding_window_moving_average: { send_every: 2, send_first_at: 3 } }])).toThrow(
      'sliding_window_moving_average.send_first_at: must be at most send_every (2), got 3',
    );
    expect(() => compileTransforms([{ exponential_moving_average: { send_every: 1, send_first_at: 2 } }])).toThrow(
      'exponential_moving_average.send_first_at: must be at most send_every (1), got 2',
    );
    expect(() => compileTransforms([{ max: { send_every: 2.5 } }])).toThrow('max.send_every: must be a whole number, got 2.5');
  });
});

describe('selectKth', () => {
  it('finds the same k-th smallest value as sorting, for any values and k', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }).map((i) => i / 2), { minLength: 1, maxLength: 40 }),
        fc.nat(),
        (values, seed) => {
          const k = seed % values.length;
          const array = Float64Array.from(values);
          const sorted = [...values].sort((a, b) => a - b);
          expect(selectKth(array, array.length, k)).toBe(sorted[k]);
          for (let i = 0; i < k; i++) expect(array[i]).toBeLessThanOrEqual(sorted[k]!);
          for (let i = k + 1; i < array.length; i++) expect(array[i]).toBeGreaterThanOrEqual(sorted[k]!);
        },
      ),
    );
  });
});
