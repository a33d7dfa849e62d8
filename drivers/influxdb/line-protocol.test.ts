import { describe, expect, it } from 'vitest';
import { escapeKey, escapeMeasurement, formatPoint, formatPoints, quoteString } from './line-protocol.js';

describe('line protocol', () => {
  it('writes measurement, sorted tags, fields and timestamp on one line', () => {
    expect(formatPoint({ measurement: 'm', tags: { z: '1', a: '2' }, fields: { mean: 21.5, n: 3 }, timestamp: '1717243200000' })).toBe(
      'm,a=2,z=1 mean=21.5,n=3 1717243200000',
    );
  });

  it('escapes commas and spaces in measurements, and commas, equals signs and spaces in keys and tag values', () => {
    expect(escapeMeasurement('a,b c=d')).toBe('a\\,b\\ c=d');
    expect(escapeKey('a,b c=d')).toBe('a\\,b\\ c\\=d');
    expect(formatPoint({ measurement: 'my m', tags: { 'k,1': 'v=1 x' }, fields: { 'f 1': 1 }, timestamp: '0' })).toBe(
      'my\\ m,k\\,1=v\\=1\\ x f\\ 1=1 0',
    );
  });

  it('doubles backslashes, so a name ending in one cannot escape the separator after it', () => {
    expect(formatPoint({ measurement: 'm\\', tags: { t: 'x\\' }, fields: { v: 1 }, timestamp: '0' })).toBe('m\\\\,t=x\\\\ v=1 0');
  });

  it('quotes string fields, escaping quotes and backslashes and writing line breaks as \\n', () => {
    expect(quoteString('say "hi" \\ now\nnext\r\nlast')).toBe('"say \\"hi\\" \\\\ now\\nnext\\nlast"');
    expect(formatPoint({ measurement: 'm', tags: {}, fields: { s: 'a\nb' }, timestamp: '5' })).toBe('m s="a\\nb" 5');
  });

  it('turns line breaks and other control characters in names into escaped spaces', () => {
    expect(formatPoint({ measurement: 'm\nx', tags: { 't\r': 'a\nb' }, fields: { 'f\u0000': 1 }, timestamp: '0' })).toBe(
      'm\\ x,t\\ =a\\ b f\\ =1 0',
    );
  });

  it('keeps a sensor name built to inject a second point within one well-formed point', () => {
    const sensor = 'a,b=c d\nevil value=1';
    const line = formatPoint({ measurement: 'rule', tags: { sensor, source: 's' }, fields: { mean: 2 }, timestamp: '1000' });
    expect(line).toBe('rule,sensor=a\\,b\\=c\\ d\\ evil\\ value\\=1,source=s mean=2 1000');
    expect(line).not.toMatch(/[\r\n]/);
    // Exactly three unescaped spaces: measurement+tags, fields, timestamp.
    expect(line!.split(/(?<!\\) /)).toHaveLength(3);
  });

  it('leaves out NaN and infinite fields, and a point with no field left', () => {
    expect(formatPoint({ measurement: 'm', tags: {}, fields: { a: NaN, b: 1, c: Infinity, d: -Infinity }, timestamp: '0' })).toBe('m b=1 0');
    expect(formatPoint({ measurement: 'm', tags: {}, fields: { a: NaN }, timestamp: '0' })).toBeUndefined();
    expect(formatPoint({ measurement: 'm', tags: {}, fields: {}, timestamp: '0' })).toBeUndefined();
    expect(formatPoints([
      { measurement: 'm', tags: {}, fields: { a: NaN }, timestamp: '0' },
      { measurement: 'm', tags: {}, fields: { a: 1 }, timestamp: '0' },
    ])).toEqual(['m a=1 0']);
  });

  it('leaves out tags with an empty value and the reserved key time', () => {
    expect(formatPoint({ measurement: 'm', tags: { a: '', time: 'x', b: 'y' }, fields: { time: 1, v: 2 }, timestamp: '0' })).toBe('m,b=y v=2 0');
  });

  it('writes whole numbers without the integer suffix, so a field stays a float', () => {
    expect(formatPoint({ measurement: 'm', tags: {}, fields: { v: 21, w: -0.5, x: 1e21 }, timestamp: '0' })).toBe('m v=21,w=-0.5,x=1e+21 0');
  });

  it('refuses a timestamp that is not an integer', () => {
    expect(() => formatPoint({ measurement: 'm', tags: {}, fields: { v: 1 }, timestamp: '1.5' })).toThrow(/integer/);
  });
});
