import { describe, expect, it } from 'vitest';
import { NO_TAGS, type Reading } from '../reading.js';
import { compileTransforms } from './compile-transforms.js';

const at = (value: number, timestamp = 0): Reading => ({ source: 'sim', sensor: 'temp', value, timestamp, tags: NO_TAGS });
const values = (step: unknown, inputs: number[]) => {
  const chain = compileTransforms([step]);
  return inputs.map((value) => chain.apply(at(value))?.value);
};

describe('multiply and offset', () => {
  it('multiplies and adds, keeping everything but the value', () => {
    const reading: Reading = { source: 'a', sensor: 'b', value: 3, timestamp: 7, tags: { room: 'north' } };
    expect(compileTransforms([{ multiply: -2.5 }]).apply(reading)).toEqual({ ...reading, value: -7.5 });
    expect(compileTransforms([{ offset: -0.5 }]).apply(reading)).toEqual({ ...reading, value: 2.5 });
  });

  it('makes a new reading rather than changing the one it was given', () => {
    const reading = Object.freeze(at(3));
    const out = compileTransforms([{ multiply: 2 }]).apply(reading);
    expect(out).not.toBe(reading);
    expect(reading.value).toBe(3);
  });
});

describe('round', () => {
  it('rounds to the given number of decimals', () => {
    expect(values({ round: 1 }, [21.34, 21.35, 21.36, 0])).toEqual([21.3, 21.4, 21.4, 0]);
    expect(values({ round: 0 }, [2.5, 2.4999])).toEqual([3, 2]);
  });

  it('rounds halves away from zero, as ESPHome does, and never gives -0', () => {
    expect(values({ round: 0 }, [-2.5, -0.4])).toEqual([-3, 0]);
    expect(Object.is(values({ round: 1 }, [-0.01])[0], 0)).toBe(true);
  });

  it('rounds a decimal half as written, despite binary floating point', () => {
    // 1.005 is 1.00499999999999989… in binary; 1.005 × 100 = 100.49999999999999.
    expect(values({ round: 2 }, [1.005, 2.675, -1.005])).toEqual([1.01, 2.68, -1.01]);
  });
});

describe('round_to_multiple_of', () => {
  it('rounds to the nearest multiple, cleanly for decimal multiples', () => {
    expect(values({ round_to_multiple_of: 0.5 }, [21.2, 21.3, 21.75])).toEqual([21, 21.5, 22]);
    expect(values({ round_to_multiple_of: 0.1 }, [0.29, 0.31])).toEqual([0.3, 0.3]);
    expect(values({ round_to_multiple_of: 10 }, [1234, -1235, -4])).toEqual([1230, -1240, 0]);
  });
});

describe('clamp', () => {
  it('limits values to [min, max]', () => {
    expect(values({ clamp: { min: 0, max: 100 } }, [-5, 0, 50, 100, 120])).toEqual([0, 0, 50, 100, 100]);
  });

  it('drops out-of-range values with ignore_out_of_range', () => {
    expect(values({ clamp: { min: 0, max: 100, ignore_out_of_range: true } }, [-5, 0, 100, 120])).toEqual([undefined, 0, 100, undefined]);
  });

  it('takes one bound alone', () => {
    expect(values({ clamp: { min: 0 } }, [-1, 1e9])).toEqual([0, 1e9]);
    expect(values({ clamp: { max: 0 } }, [-1e9, 1])).toEqual([-1e9, 0]);
  });

  it('passes a reading inside the range as the same object', () => {
    const reading = at(5);
    expect(compileTransforms([{ clamp: { min: 0, max: 10 } }]).apply(reading)).toBe(reading);
  });

  it('accepts min equal to max, and needs at least one bound', () => {
    expect(values({ clamp: { min: 3, max: 3 } }, [1, 5])).toEqual([3, 3]);
    expect(() => compileTransforms([{ clamp: {} }])).toThrow('clamp: give min, max or both');
  });
});

describe('filter_out', () => {
  it('drops the DS18B20 power-on value 85 and nothing near it', () => {
    expect(values({ filter_out: 85 }, [21, 85, 85.0001, 84.9999])).toEqual([21, undefined, 85.0001, 84.9999]);
  });

  it('drops every value in a list', () => {
    expect(values({ filter_out: [85, -127] }, [85, -127, 0])).toEqual([undefined, undefined, 0]);
  });
});
