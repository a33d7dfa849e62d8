import { describe, expect, it } from 'vitest';
import { NO_TAGS, type Reading } from '../reading.js';
import { compileTransforms } from './compile-transforms.js';

const at = (value: number, sensor = 'temp'): Reading => ({ source: 'sim', sensor, value, timestamp: 0, tags: NO_TAGS });
const passed = (step: unknown, inputs: number[]) => {
  const chain = compileTransforms([step]);
  return inputs.map((value) => chain.apply(at(value))?.value);
};

describe('delta', () => {
  it('passes the first reading, then only changes of at least the delta from the last passed value', () => {
    expect(passed({ delta: 0.5 }, [20, 20.2, 20.4, 20.5, 20.9, 21, 20.5, 20.4])).toEqual([
      20, undefined, undefined, 20.5, undefined, 21, 20.5, undefined,
    ]);
  });

  it('measures from the last passed value, so a slow drift passes once it adds up', () => {
    expect(passed({ delta: 1 }, [10, 10.4, 10.8, 11.2, 11.6])).toEqual([10, undefined, undefined, 11.2, undefined]);
  });

  it('counts a decimal step equal to the delta as reaching it', () => {
    expect(passed({ delta: 0.2 }, [0.1, 0.3, 0.5, 0.7])).toEqual([0.1, 0.3, 0.5, 0.7]);
    expect(passed({ delta: 0.2 }, [0.1, 0.2999])).toEqual([0.1, undefined]);
  });

  it('takes a percentage of the last passed value', () => {
    expect(passed({ delta: '10%' }, [100, 109, 110, 120, 99])).toEqual([100, undefined, 110, undefined, 99]);
    expect(passed({ delta: '10%' }, [-100, -95, -89])).toEqual([-100, undefined, -89]);
  });

  it('passes any change from a last value of 0 with a percentage, but never the same value', () => {
    expect(passed({ delta: '5%' }, [0, 0, 0.001, 0.001])).toEqual([0, undefined, 0.001, undefined]);
  });

  it('rejects a delta of 0 or less, pointing to on_change', () => {
    expect(() => compileTransforms([{ delta: 0 }])).toThrow('delta: must be greater than 0; to pass every change, use on_change: true, got 0');
    expect(() => compileTransforms([{ delta: '0%' }])).toThrow('delta: must be greater than 0%; to pass every change, use on_change: true');
    expect(() => compileTransforms([{ delta: '5' }])).toThrow(
      'delta: expected a change such as 0.5, or a percentage of the last passed value such as 5%',
    );
  });
});

describe('on_change', () => {
  it('passes the first reading and then only values that differ from the last passed one', () => {
    expect(passed({ on_change: true }, [1, 1, 2, 2, 1, 1.0000001])).toEqual([1, undefined, 2, undefined, 1, 1.0000001]);
  });

  it('keeps the last value per sensor', () => {
    const chain = compileTransforms([{ on_change: true }]);
    expect([at(1, 'a'), at(1, 'b'), at(1, 'a'), at(2, 'b')].map((r) => chain.apply(r)?.value)).toEqual([1, 1, undefined, 2]);
  });
});
