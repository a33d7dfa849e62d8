import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../rules/reading.js';
import { FieldNames } from './field-names.js';
import { flatFields, FlatKeys, scanFlatJson } from './flat-json-payload.js';
import { parseMqttPayload, type PayloadParseOptions, type PayloadRejection } from './mqtt-payload.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

function options(overrides: Partial<PayloadParseOptions>): PayloadParseOptions {
  return { source: 'broker', sensor: 'pump', tags: { site: 'farm' }, timestampField: 'time', maxPayloadBytes: 4_096, now: NOW, names: new FieldNames(), ...overrides };
}

function read(payload: Buffer, parseOptions: PayloadParseOptions): { readings: Reading[]; rejection: PayloadRejection | undefined } {
  const readings: Reading[] = [];
  const rejection = parseMqttPayload(payload, parseOptions, readings);
  return { readings, rejection };
}

/** Readings as text, with -0 told apart from 0 (toEqual does not). */
const shown = (result: { readings: Reading[]; rejection: PayloadRejection | undefined }) => ({
  readings: result.readings.map((r) => `${r.sensor}=${Object.is(r.value, -0) ? '-0' : r.value}@${r.timestamp}`),
  rejection: result.rejection,
});

/** The same payload through the general reader and through the one with the flat fast path. */
function bothWays(text: string, overrides: Partial<PayloadParseOptions> = {}) {
  const payload = Buffer.from(text);
  const general = read(payload, options(overrides));
  const fast = read(payload, options({ ...overrides, flat: { keys: new FlatKeys(), fields: flatFields() } }));
  return { general: shown(general), fast: shown(fast) };
}

/** Numbers as devices write them: plain decimals, exponents, long digit runs, negative zero. */
const jsonNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
  fc.tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 25 })).map(([negative, digits, decimals]) => {
    const text = digits.toString().padStart(decimals + 1, '0');
    const number = decimals === 0 ? text : `${text.slice(0, -decimals)}.${text.slice(-decimals)}`;
    return `${negative ? '-' : ''}${number.replace(/^0+(?=\d)/, '')}`;
  }),
  fc.constantFrom('0', '-0', '0.0', '-0.0', '1e999', '-1e999', '1E2', '2e-5', '01', '1.', '.5', '-', '1e', '+1', '0x10', '9007199254740993', '123456789012345.6'),
);
const value = fc.oneof(
  { weight: 12, arbitrary: jsonNumber },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null', '"ON"', '"21.5"', '{"a":1}', '[1,2]', '{}', 'tru', 'nul') },
);
const key = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('value', 'time', 'temperature', 'humidity', 'battery', 'linkquality') },
  { weight: 1, arbitrary: fc.constantFrom('0', '12', '__proto__', 'constructor', 'a\\"b', 'tempé', 'a\\u0041', '', ' ', 'x y') },
);
const space = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom('', '', '', ' ', '\n', '\t', '\r\n') },
  { weight: 1, arbitrary: fc.constantFrom('\u000b', '\u00a0', '\f') },
);
const flatObject = fc
  .tuple(fc.oneof({ weight: 4, arbitrary: fc.array(fc.tuple(key, value, space, space), { maxLength: 4 }) }, { weight: 1, arbitrary: fc.array(fc.tuple(key, value, space, space), { maxLength: 40 }) }), space, space, fc.option(fc.integer({ min: -5, max: 1_800_000_000_000 })))
  .map(([entries, before, after, time]) => {
    const parts = entries.map(([k, v, s1, s2]) => `${s1}"${k}"${s2}:${s1}${v}${s2}`);
    if (time !== null) parts.splice(parts.length === 0 ? 0 : time % (parts.length + 1), 0, `"time":${time}`);
    return `${before}{${parts.join(',')}}${after}`;
  });

describe('flat JSON payloads read from their bytes', () => {
  it('give exactly the readings and rejections of the general reader, whatever the payload', () => {
    let fastWay = 0;
    fc.assert(
      fc.property(flatObject, fc.constantFrom<string | undefined>('time', undefined, 'meta.time', 'value'), fc.boolean(), (text, timestampField, ignore) => {
        const overrides = { timestampField, ignoreFields: ignore ? new Set(['battery', 'linkquality']) : undefined };
        const { general, fast } = bothWays(text, overrides);
        expect(fast).toEqual(general);
        if (scanFlatJson(Buffer.from(text), new FlatKeys(), flatFields())) fastWay += 1;
      }),
      { numRuns: 3_000 },
    );
    // Not a vacuous comparison: a good share of the payloads went the fast way.
    expect(fastWay, `${fastWay} of 3,000 the fast way`).toBeGreaterThan(900);
  });

  it('read every JSON number as JSON.parse does', () => {
    fc.assert(
      fc.property(jsonNumber, (number) => {
        const text = `{"v":${number}}`;
        let expected: number | undefined;
        try {
          expected = (JSON.parse(text) as { v: number }).v;
        } catch {
          expected = undefined;
        }
        const fields = flatFields();
        const scanned = scanFlatJson(Buffer.from(text), new FlatKeys(), fields);
        if (expected === undefined || !Number.isFinite(expected)) expect(scanned).toBe(false);
        else {
          expect(scanned).toBe(true);
          expect(Object.is(fields.values[0], expected)).toBe(true);
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('take the usual payloads (these must not fall back to the general reader, or the fast path is gone)', () => {
    const keys = new FlatKeys();
    const fields = flatFields();
    for (const text of ['{"value":21.5,"time":1700000000000}', ' { "temperature" : -3.25 , "humidity": 61, "ok": true, "err": null }\n', '{"a":1e3}']) {
      expect(scanFlatJson(Buffer.from(text), keys, fields)).toBe(true);
    }
    expect(fields.count).toBe(1);
    expect(fields.keys[0]).toBe('a');
    expect(fields.values[0]).toBe(1000);
  });

  it('hand back the same key string for the same bytes, and a new one for other bytes of the same length', () => {
    const keys = new FlatKeys();
    const bytes = Buffer.from('"value""vAlue"');
    const first = keys.key(bytes, 1, 6);
    expect(keys.key(Buffer.from('xvalue'), 1, 6)).toBe(first);
    expect(keys.key(bytes, 8, 13)).toBe('vAlue');
  });

  it('leave nested objects, strings, escapes, duplicates and index-like keys to the general reader', () => {
    const fields = flatFields();
    for (const text of ['{"a":{"b":1}}', '{"a":"1"}', '{"a\\u0062":1}', '{"a":1,"a":2}', '{"1":1,"a":2}', '{"__proto__":1}', '{}', '{"a":1}x', '{"é":1}']) {
      expect(scanFlatJson(Buffer.from(text), new FlatKeys(), fields), text).toBe(false);
    }
  });
});
