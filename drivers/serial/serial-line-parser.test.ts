import { describe, expect, it } from 'vitest';
import type { Reading } from '../../rules/reading.js';
import { SerialLineParser } from './serial-line-parser.js';
import { serialFormat, type SerialFormat } from './serial-options.js';

const NOW = 1_000;

function parser(format: unknown, extra: { sensorPrefix?: string; ignoreFields?: string[] } = {}) {
  const p = new SerialLineParser({
    format: serialFormat.parse(format) as SerialFormat,
    source: 'src',
    sensorPrefix: extra.sensorPrefix ?? 'dev',
    ignoreFields: extra.ignoreFields ?? [],
    tags: {},
  });
  return {
    p,
    line(text: string | Buffer) {
      const out: Reading[] = [];
      const problem = p.parse(typeof text === 'string' ? Buffer.from(text) : text, NOW, out);
      return { values: out.map((r) => [r.sensor, r.value]), problem: problem?.kind };
    },
  };
}

describe('SerialLineParser', () => {
  it('skips empty and white-space lines silently and trims a trailing \\r', () => {
    const { line } = parser({ type: 'number' });
    expect(line('')).toEqual({ values: [], problem: undefined });
    expect(line('  \r')).toEqual({ values: [], problem: undefined });
    expect(line('5\r')).toEqual({ values: [['dev/value', 5]], problem: undefined });
  });

  it('names sensors without a prefix when sensor_prefix is empty, and skips ignored fields', () => {
    const { line } = parser({ type: 'key_value' }, { sensorPrefix: '', ignoreFields: ['id'] });
    expect(line('id=abc t=1')).toEqual({ values: [['t', 1]], problem: undefined });
  });

  it('rejects numbers that are not finite and number-like text', () => {
    const { line } = parser({ type: 'number' });
    for (const text of ['NaN', 'Infinity', '1e999', '0x1F', '21.5C', '--1']) expect(line(text)).toEqual({ values: [], problem: 'serial-not-a-number' });
    const json = parser({ type: 'json' });
    expect(json.line('{"a":1e999,"b":2}').values).toEqual([['dev/b', 2]]);
  });

  it('reads the CSV header again after a reset, and skips the header when the device repeats it', () => {
    const { p, line } = parser({ type: 'csv', header: true });
    line('a,b');
    expect(line('1,2').values).toEqual([['dev/a', 1], ['dev/b', 2]]);
    expect(line('a,b')).toEqual({ values: [], problem: undefined });
    expect(line('1,2,3').problem).toBe('serial-bad-csv');
    p.reset();
    line('x,y');
    expect(line('3,4').values).toEqual([['dev/x', 3], ['dev/y', 4]]);
  });

  it('takes a JSON timestamp in ms, s or ISO 8601 and reports one that is not a time', () => {
    const p = new SerialLineParser({ format: { type: 'json', timestamp_field: 't' }, source: 's', sensorPrefix: 'd', ignoreFields: [], tags: {} });
    const out: Reading[] = [];
    p.parse(Buffer.from('{"t":"2025-06-01T12:00:00Z","v":1}'), NOW, out);
    p.parse(Buffer.from('{"t":1748779200000,"v":2}'), NOW, out);
    expect(out.map((r) => r.timestamp)).toEqual([Date.UTC(2025, 5, 1, 12), Date.UTC(2025, 5, 1, 12)]);
    out.length = 0;
    expect(p.parse(Buffer.from('{"t":"yesterday","v":3}'), NOW, out)?.kind).toBe('serial-bad-timestamp');
    expect(out).toEqual([{ source: 's', sensor: 'd/v', value: 3, timestamp: NOW, tags: {} }]);
  });

  it('calls bytes that are not UTF-8 or hold control characters binary noise', () => {
    const { line } = parser({ type: 'json' });
    expect(line(Buffer.from([0x7b, 0xc3, 0x28, 0x7d])).problem).toBe('serial-binary');
    expect(line('{"a":\u00071}').problem).toBe('serial-binary');
    expect(line('{"température":1}').values).toEqual([['dev/température', 1]]);
  });
});
