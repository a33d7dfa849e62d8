import { describe, expect, it } from 'vitest';
import type { Reading } from '../reading.js';
import { compileTransforms } from './compile-transforms.js';

const reading: Reading = { source: 'sim', sensor: 'temp', value: 10, timestamp: 1000, tags: { room: 'north' } };
const computed = (text: string, value = 10, step = 'expression') =>
  compileTransforms([{ [step]: text }]).apply({ ...reading, value })?.value;

describe('expression and lambda', () => {
  it('computes the new value with the expression language of where:', () => {
    expect(computed('value * 2 + 1')).toBe(21);
    expect(computed('round(sqrt(value), 2)')).toBe(3.16);
    expect(computed('max(value, 12)')).toBe(12);
    expect(computed('value + (tags.room == "north") * 100')).toBe(110);
    expect(computed('timestamp / 1000 + value')).toBe(11);
  });

  it('accepts lambda as another name, and ESPHome\'s "return x …;" form', () => {
    expect(computed('value * 2', 10, 'lambda')).toBe(20);
    expect(computed('return x * (9.0 / 5.0) + 32.0;', 100, 'lambda')).toBe(212);
    expect(computed('x - 1')).toBe(9);
  });

  it('sees the previous value of the sensor at this step as prev, NaN at first (which drops the first reading)', () => {
    const chain = compileTransforms([{ expression: 'value - prev' }]);
    const inputs = [5, 8, 7];
    expect(inputs.map((value) => chain.apply({ ...reading, value })?.value)).toEqual([undefined, 3, -1]);
    expect(chain.apply({ ...reading, sensor: 'other', value: 100 })).toBeUndefined();
    expect(chain.apply({ ...reading, sensor: 'other', value: 101 })?.value).toBe(1);
  });

  it('drops a reading when the result is not a finite number', () => {
    expect(computed('log(value)', -1)).toBeUndefined();
    expect(computed('value / 0')).toBeUndefined();
  });

  it("counts a result that is not a finite number as an error, not a sensor's first reading without prev", () => {
    const chain = compileTransforms([{ expression: 'log(value - prev)' }]);
    // First reading: no prev (dropped, no error); log(3 - 5): an error; log(8 - 3): computed.
    expect([5, 3, 8].map((value) => chain.apply({ ...reading, value })?.value)).toEqual([undefined, undefined, Math.log(5)]);
    expect(chain.errors).toBe(1);
    const divide = compileTransforms([{ multiply: 2 }, { expression: 'value / tags.missing' }]);
    divide.apply(reading);
    divide.apply(reading);
    expect(divide.errors).toBe(2);
    expect(compileTransforms([{ multiply: 2 }]).errors).toBe(0);
  });

  it('reports what is wrong with an expression, and where', () => {
    expect(() => computed('value +')).toThrow('expression: Expected expression after + at character 7');
    expect(() => computed('temperature * 2')).toThrow(/^expression: unknown name "temperature": use value, prev, .*x or tags\.<name>$/);
    expect(() => computed('', 1, 'lambda')).toThrow('lambda: expected an expression such as "value * 1.8 + 32"');
  });
});
