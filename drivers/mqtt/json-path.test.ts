import { describe, expect, it } from 'vitest';
import { evaluateJsonPath, parseJsonPath } from './json-path.js';

const DOC = {
  Time: '2024-01-15T10:23:45',
  AM2301: { Temperature: 22.1, Humidity: 45 },
  'key.with.dots': 1,
  sensors: [{ value: 3 }, { value: 4 }],
  nothing: null,
};

const at = (path: string) => evaluateJsonPath(DOC, parseJsonPath(path))?.value;

describe('JSON paths', () => {
  it('parse dotted names with or without a leading $', () => {
    expect(parseJsonPath('AM2301.Temperature')).toEqual(['AM2301', 'Temperature']);
    expect(parseJsonPath('$.AM2301.Temperature')).toEqual(['AM2301', 'Temperature']);
    expect(parseJsonPath('Time')).toEqual(['Time']);
  });

  it('parse array indexes and quoted names in brackets', () => {
    expect(parseJsonPath('sensors[1].value')).toEqual(['sensors', 1, 'value']);
    expect(parseJsonPath(`$['key.with.dots']`)).toEqual(['key.with.dots']);
    expect(parseJsonPath('$["a b"][0]')).toEqual(['a b', 0]);
    expect(parseJsonPath('switch:0.aenergy.total')).toEqual(['switch:0', 'aenergy', 'total']);
  });

  it('reject malformed paths, saying where', () => {
    const cases: [string, string][] = [
      ['', 'at character 1: expected a field name'],
      ['$', 'the path names no field'],
      ['a..b', 'at character 3: expected a field name'],
      ['a.', 'at character 3: expected a field name'],
      ['a[x]', 'at character 3: expected an array index or a quoted name'],
      ['a[0', 'at character 4: expected ]'],
      ["a['b]", "missing closing '"],
      ['$a', 'at character 2: expected . or ['],
    ];
    for (const [path, message] of cases) expect(() => parseJsonPath(path), path).toThrow(message);
  });

  it('find values in objects and arrays', () => {
    expect(at('AM2301.Temperature')).toBe(22.1);
    expect(at('$.AM2301.Humidity')).toBe(45);
    expect(at('sensors[1].value')).toBe(4);
    expect(at(`['key.with.dots']`)).toBe(1);
    expect(at('AM2301')).toEqual({ Temperature: 22.1, Humidity: 45 });
    expect(at('nothing')).toBeNull();
  });

  it('lead nowhere for missing fields, indexes out of range, and indexes into objects or names into arrays', () => {
    for (const path of ['AM2301.Pressure', 'sensors[2].value', 'AM2301[0]', 'sensors.value', 'Time.length', 'nothing.x']) {
      expect(at(path), path).toBeUndefined();
    }
  });

  it('never follow inherited properties such as constructor or __proto__', () => {
    for (const path of ['constructor', '__proto__', 'AM2301.toString', 'sensors.length', 'sensors[0].constructor']) {
      expect(at(path), path).toBeUndefined();
    }
  });

  it('report the object and key holding the value', () => {
    const hit = evaluateJsonPath(DOC, parseJsonPath('AM2301.Temperature'));
    expect(hit).toEqual({ value: 22.1, parent: DOC.AM2301, key: 'Temperature' });
    expect(hit?.parent).toBe(DOC.AM2301);
  });
});
