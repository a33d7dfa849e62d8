import { describe, expect, it } from 'vitest';
import { compileFilterExpression, compileNumericExpression, ExpressionError, valueRangeOf } from './filter-expression.js';
import type { Reading } from './reading.js';

const base: Reading = {
  source: 'sim',
  sensor: 'greenhouse/temperature',
  value: 21.5,
  timestamp: 1_714_564_800_000,
  tags: { room: 'north', floor: '2' },
};

function holds(text: string, reading: Partial<Reading> = {}): boolean {
  return compileFilterExpression(text)({ ...base, ...reading });
}

function compileError(text: string): ExpressionError {
  try {
    compileFilterExpression(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionError);
    return error as ExpressionError;
  }
  throw new Error(`"${text}" compiled, but should not have`);
}

describe('compileFilterExpression', () => {
  it('compares the value with <, <=, >, >=, == and !=', () => {
    expect(holds('value > 21')).toBe(true);
    expect(holds('value > 21.5')).toBe(false);
    expect(holds('value >= 21.5')).toBe(true);
    expect(holds('value < 22')).toBe(true);
    expect(holds('value <= 21.4')).toBe(false);
    expect(holds('value == 21.5')).toBe(true);
    expect(holds('value === 21.5')).toBe(true);
    expect(holds('value != 21.5')).toBe(false);
    expect(holds('value !== 0')).toBe(true);
  });

  it('accepts negative literals, as in a plausible-range check', () => {
    expect(holds('value > -40 and value < 125', { value: -39.9 })).toBe(true);
    expect(holds('value > -40 and value < 125', { value: -40 })).toBe(false);
  });

  it('combines conditions with and, or and not', () => {
    expect(holds('value > 0 and value < 30')).toBe(true);
    expect(holds('value > 0 and value > 30')).toBe(false);
    expect(holds('value < 0 or value > 20')).toBe(true);
    expect(holds('value < 0 or value > 30')).toBe(false);
    expect(holds('not (value > 30)')).toBe(true);
    expect(holds('not (value > 0)')).toBe(false);
  });

  it('combines conditions with &&, || and !', () => {
    expect(holds('value > 0 && value < 30')).toBe(true);
    expect(holds('value < 0 || value > 30')).toBe(false);
    expect(holds('!(value > 30)')).toBe(true);
    expect(holds('!!(value > 30)')).toBe(false);
  });

  it('binds and tighter than or', () => {
    // (false and false) or true  → true;  false and (false or true) → false
    expect(holds('value < 0 and value > 100 or value == 21.5')).toBe(true);
    expect(holds('value == 21.5 or value < 0 and value > 100')).toBe(true);
    expect(holds('value < 0 and (value > 100 or value == 21.5)')).toBe(false);
  });

  it('does not read and/or/not inside longer names as operators', () => {
    expect(compileError('value > 0 andx value < 2')).toBeInstanceOf(ExpressionError);
    expect(compileError('nothing')).toBeInstanceOf(ExpressionError);
  });

  it('computes with +, -, *, / and %', () => {
    expect(holds('value * 2 == 43')).toBe(true);
    expect(holds('value / 2 == 10.75')).toBe(true);
    expect(holds('value + 0.5 == 22')).toBe(true);
    expect(holds('value - 1.5 == 20')).toBe(true);
    expect(holds('value % 2 == 1.5')).toBe(true);
    expect(holds('(value - 32) * 5 / 9 < 0')).toBe(true);
    expect(holds('-value == -21.5')).toBe(true);
    expect(holds('+value == 21.5')).toBe(true);
  });

  it('calls abs, round, min and max', () => {
    expect(holds('abs(value) == 21.5', { value: -21.5 })).toBe(true);
    expect(holds('round(value) == 22')).toBe(true);
    expect(holds('round(value, 1) == 21.3', { value: 21.34 })).toBe(true);
    expect(holds('min(value, 10) == 10')).toBe(true);
    expect(holds('max(value, 10, 30) == 30')).toBe(true);
  });

  it('reads a tag with tags.name and with tags["name"]', () => {
    expect(holds('tags.room == "north"')).toBe(true);
    expect(holds("tags['room'] == 'north'")).toBe(true);
    expect(holds('tags["room"] != "south"')).toBe(true);
    expect(holds('tags.room == "north"', { tags: { room: 'south' } })).toBe(false);
  });

  it('treats a tag the reading does not carry as absent', () => {
    expect(holds('tags.missing == "x"')).toBe(false);
    expect(holds('not tags.missing')).toBe(true);
    expect(holds('tags.room', { tags: {} })).toBe(false);
  });

  it('compares tags as strings, not numbers', () => {
    expect(holds('tags.floor == "2"')).toBe(true);
    expect(holds('tags.floor == 2')).toBe(false);
  });

  it('compares sensor and source with strings', () => {
    expect(holds('sensor == "greenhouse/temperature"')).toBe(true);
    expect(holds('sensor != "greenhouse/humidity"')).toBe(true);
    expect(holds('source == "sim"')).toBe(true);
    expect(holds('source == "sim" and sensor == "other"')).toBe(false);
  });

  it('reads the timestamp of the reading', () => {
    expect(holds('timestamp >= 1714564800000')).toBe(true);
    expect(holds('timestamp > 1714564800000')).toBe(false);
  });

  it('accepts true and false literals', () => {
    expect(holds('true')).toBe(true);
    expect(holds('false')).toBe(false);
    expect(holds('value > 0 and true')).toBe(true);
  });

  it('rejects an unknown name, and says which names exist', () => {
    const error = compileError('temperature > 3');
    expect(error.message).toBe('unknown name "temperature": use value, prev, timestamp, sensor, source or tags.<name>');
  });

  it('rejects an unknown function, and lists the ones that exist', () => {
    expect(compileError('cbrt(value) > 1').message).toBe(
      'unknown function; available: abs, sqrt, pow, exp, log, log10, floor, ceil, round, min, max',
    );
    expect(compileError('process.exit(1)').message).toMatch(/^unknown function/);
  });

  it('sees the previous value of the sensor as prev (NaN for the first reading)', () => {
    const rising = compileFilterExpression('value > prev');
    const reading = { source: 's', sensor: 'x', value: 5, timestamp: 0, tags: {} };
    expect(rising(reading, 4)).toBe(true);
    expect(rising(reading, 6)).toBe(false);
    expect(rising(reading)).toBe(false);
    expect(compileFilterExpression('abs(value - prev) < 10 or prev != prev')(reading)).toBe(true);
  });

  it('computes with math functions and named variables', () => {
    const dewPoint = compileNumericExpression('pow(t, 2) + log(exp(rh)) + sqrt(16) + floor(1.7) + ceil(1.2) + log10(100)', ['t', 'rh']);
    const reading = { source: 's', sensor: 'x', value: 0, timestamp: 0, tags: {} };
    expect(dewPoint({ reading, prev: Number.NaN, variables: { t: 3, rh: 2 } })).toBe(9 + 2 + 4 + 1 + 2 + 2);
  });

  it('rejects operators it does not support', () => {
    for (const text of ['value ** 2 > 1', 'value & 1', 'value | 1', 'value << 1', '~value', 'value ?? 1']) {
      expect(compileError(text).message, text).toMatch(/operator ".+" is not supported/);
    }
  });

  it('rejects expressions that are not filters: ternaries, arrays, sequences', () => {
    expect(compileError('value > 0 ? true : false').message).toMatch(/"ConditionalExpression" is not allowed/);
    expect(compileError('[value]').message).toMatch(/"ArrayExpression" is not allowed/);
    expect(compileError('value, value').message).toMatch(/"Compound" is not allowed/);
  });

  it('reports a syntax error with the index of the character it failed at', () => {
    const error = compileError('value >');
    expect(error.index).toBe(7);
    expect(error.message).toBe('Expected expression after >');
    expect(compileError('value = 1').index).toBe(6);
    expect(compileError('(value > 1').index).toBeTypeOf('number');
  });

  it('reports an error on a name or function without an index', () => {
    expect(compileError('nope').index).toBeUndefined();
  });

  describe('gives no way out to JavaScript', () => {
    it('rejects names inherited from Object.prototype', () => {
      for (const text of ['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty']) {
        expect(compileError(text).message, text).toMatch(/^unknown name/);
      }
    });

    it('rejects calls to functions inherited from Object.prototype', () => {
      for (const text of ['constructor(1)', 'valueOf()', 'toString()', 'hasOwnProperty("x")', '__proto__()']) {
        expect(compileError(text).message, text).toMatch(/^unknown function/);
      }
    });

    it('rejects this', () => {
      expect(compileError('this').message).toMatch(/"ThisExpression" is not allowed/);
    });

    it('rejects properties of anything but tags', () => {
      for (const text of ['value.constructor', 'sensor.length', 'Math.PI > 3', 'this.constructor', 'globalThis.process']) {
        expect(compileError(text).message, text).toBe('only tags.<name> may be looked up with a dot');
      }
    });

    it('rejects nested lookups and calls through tags', () => {
      expect(compileError('tags.room.length > 1').message).toBe('only tags.<name> may be looked up with a dot');
      expect(compileError('tags.room.constructor').message).toBe('only tags.<name> may be looked up with a dot');
      expect(compileError('tags.toString()').message).toMatch(/^unknown function/);
    });

    it('rejects a tag looked up by anything but a name or a string', () => {
      expect(compileError('tags[value] == "x"').message).toBe('a tag name must be a word or a quoted string');
      expect(compileError('tags[0] == "x"').message).toBe('a tag name must be a word or a quoted string');
    });

    it('sees only the tags a reading carries, never the prototype of the tags object', () => {
      expect(holds('tags.constructor')).toBe(false);
      expect(holds('tags.__proto__')).toBe(false);
      expect(holds('tags["toString"]')).toBe(false);
      expect(holds('tags.constructor == "x"', { tags: { constructor: 'x' } })).toBe(true);
    });
  });

  it('is a pure function of the reading: the same predicate serves every reading', () => {
    const predicate = compileFilterExpression('value > 10 and tags.room == "north"');
    expect(predicate({ ...base, value: 11 })).toBe(true);
    expect(predicate({ ...base, value: 9 })).toBe(false);
    expect(predicate({ ...base, value: 11, tags: { room: 'south' } })).toBe(false);
  });

  it('keeps range checks on value exact at their bounds, whichever comparisons they use', () => {
    const at = (value: number) => ({ source: 's', sensor: 'x', value, timestamp: 0, tags: {} });
    const cases: [string, number[], boolean[]][] = [
      ['value > 0 and value < 10', [0, 5, 10], [false, true, false]],
      ['value >= 0 and value <= 10', [0, 5, 10, 10.5], [true, true, true, false]],
      ['value >= 0 and value < 10', [-1, 0, 10], [false, true, false]],
      ['value < 10 and value > 0', [0, 5, 10], [false, true, false]],
    ];
    for (const [text, values, expected] of cases) {
      const filter = compileFilterExpression(text);
      expect(values.map((value) => filter(at(value))), text).toEqual(expected);
    }
  });
});

describe('valueRangeOf', () => {
  it('reads the bounds of a filter on the value alone, in either order, inclusive or not', () => {
    expect(valueRangeOf('value > -40 and value < 125')).toEqual({ low: -40, lowInclusive: false, high: 125, highInclusive: false });
    expect(valueRangeOf('value <= 100 && value >= 0')).toEqual({ low: 0, lowInclusive: true, high: 100, highInclusive: true });
    expect(valueRangeOf('value >= 3.5')).toEqual({ low: 3.5, lowInclusive: true, high: Number.POSITIVE_INFINITY, highInclusive: true });
    expect(valueRangeOf('value < -1e3')).toEqual({ low: Number.NEGATIVE_INFINITY, lowInclusive: true, high: -1000, highInclusive: false });
  });

  it('leaves every other filter to the compiled expression', () => {
    for (const text of ['value > 1 and value > 2', 'value > 1 or value < -1', 'prev < 5', 'abs(value) < 5', 'value == 3', 'value > 1 and value < 5 and value != 3', 'sensor == "a"', 'value > (', '5 < value']) {
      expect(valueRangeOf(text), text).toBeUndefined();
    }
  });
});
