import { describe, expect, it } from 'vitest';
import type { Reading } from '../../rules/reading.js';
import { flatFields, FlatKeys } from './flat-json-payload.js';
import { parseMqttPayload, type PayloadParseOptions, type PayloadRejection } from './mqtt-payload.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const TAGS = { site: 'farm' };

function parse(
  payload: string | Buffer,
  options: Partial<PayloadParseOptions> = {},
): { readings: Reading[]; rejection: PayloadRejection | undefined } {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const all = { source: 'broker', sensor: 'greenhouse/climate', tags: TAGS, timestampField: undefined, maxPayloadBytes: 1_024, now: NOW, ...options };
  const readings: Reading[] = [];
  const rejection = parseMqttPayload(bytes, all, readings);
  // The agent's reader also reads flat objects from their bytes: every case here must come out the same that way.
  const fastReadings: Reading[] = [];
  const fastRejection = parseMqttPayload(bytes, { ...all, flat: { keys: new FlatKeys(), fields: flatFields() } }, fastReadings);
  expect({ readings: fastReadings, rejection: fastRejection }).toEqual({ readings, rejection });
  return { readings, rejection };
}

/** The readings of a payload as `sensor=value`, for compact assertions. */
function values(payload: string, options: Partial<PayloadParseOptions> = {}): string[] {
  const { readings, rejection } = parse(payload, options);
  expect(rejection).toBeUndefined();
  return readings.map((r) => `${r.sensor}=${r.value}`);
}

describe('parseMqttPayload', () => {
  describe('plain values', () => {
    it('reads a plain number as one reading of the topic’s sensor, at arrival time, with the source’s tags', () => {
      expect(parse('21.5')).toEqual({
        readings: [{ source: 'broker', sensor: 'greenhouse/climate', value: 21.5, timestamp: NOW, tags: TAGS }],
        rejection: undefined,
      });
    });

    it('reads integers, negatives, signs, leading dots and exponents', () => {
      const cases: [string, number][] = [
        ['42', 42],
        ['-7.25', -7.25],
        ['+3', 3],
        ['.5', 0.5],
        ['5.', 5],
        ['1e3', 1000],
        ['-2.5E-2', -0.025],
        ['0', 0],
      ];
      for (const [text, value] of cases) expect(parse(text).readings.map((r) => r.value), text).toEqual([value]);
    });

    it('ignores whitespace and line ends around a number', () => {
      expect(values('  21.5\r\n')).toEqual(['greenhouse/climate=21.5']);
      expect(values('\t-3 ')).toEqual(['greenhouse/climate=-3']);
    });

    it('reads true/false and ON/OFF in any case as 1 and 0', () => {
      for (const [text, value] of [['true', 1], ['false', 0], ['ON', 1], ['OFF', 0], ['on', 1], ['Off', 0], ['TRUE', 1]] as const) {
        expect(parse(text).readings.map((r) => r.value), text).toEqual([value]);
      }
    });

    it('does not take words inherited from Object.prototype for values', () => {
      for (const text of ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty']) {
        const { readings, rejection } = parse(text);
        expect(readings, text).toEqual([]);
        expect(rejection?.kind, text).toBe('mqtt-bad-payload');
      }
    });

    it('rejects numbers JavaScript would accept but a sensor would not send', () => {
      for (const text of ['NaN', 'Infinity', '-Infinity', '0x10', '1_000', '1e999', '1,5', '12 13']) {
        const { readings, rejection } = parse(text);
        expect(readings, text).toEqual([]);
        expect(rejection?.kind, text).toBe('mqtt-bad-payload');
      }
    });
  });

  describe('JSON objects', () => {
    it('turns each numeric field into a reading named <sensor>/<field>', () => {
      expect(values('{"temperature": 21.5, "humidity": 60, "co2": -1e2}')).toEqual([
        'greenhouse/climate/temperature=21.5',
        'greenhouse/climate/humidity=60',
        'greenhouse/climate/co2=-100',
      ]);
    });

    it('turns boolean fields into 1 and 0', () => {
      expect(values('{"heater": true, "vent": false}')).toEqual(['greenhouse/climate/heater=1', 'greenhouse/climate/vent=0']);
    });

    it('joins nested objects with /', () => {
      expect(values('{"bed1": {"soil": {"moisture": 35}}, "air": {"t": 20}}')).toEqual([
        'greenhouse/climate/bed1/soil/moisture=35',
        'greenhouse/climate/air/t=20',
      ]);
    });

    it('ignores strings, nulls and arrays', () => {
      expect(values('{"t": 20, "unit": "C", "status": null, "history": [1, 2], "nan": "NaN"}')).toEqual(['greenhouse/climate/t=20']);
    });

    it('reports a number too large to be finite as bad input, and keeps the fields beside it', () => {
      const { readings, rejection } = parse('{"t": 20, "huge": 1e999, "deep": {"low": -1e999}}');
      expect(readings.map((r) => `${r.sensor}=${r.value}`)).toEqual(['greenhouse/climate/t=20']);
      expect(rejection).toEqual({
        kind: 'mqtt-number-out-of-range',
        message:
          'greenhouse/climate/huge, greenhouse/climate/deep/low: a number beyond ±1.8e308, which reads as Infinity; the other fields were read: ' +
          '"{\\"t\\": 20, \\"huge\\": 1e999, \\"deep\\": {\\"low\\": -1e999}}"',
      });
    });

    it('gives every reading of an object the same time and tags', () => {
      const { readings } = parse('{"a": 1, "b": {"c": 2}}');
      expect(readings.map((r) => [r.timestamp, r.tags, r.source])).toEqual([
        [NOW, TAGS, 'broker'],
        [NOW, TAGS, 'broker'],
      ]);
    });

    it('accepts whitespace around an object', () => {
      expect(values('\n {"t": 1} \n')).toEqual(['greenhouse/climate/t=1']);
    });

    it('rejects an object with no numeric or boolean field as mqtt-no-values', () => {
      const { readings, rejection } = parse('{"unit": "C", "nested": {"s": "x"}, "list": [1]}');
      expect(readings).toEqual([]);
      expect(rejection).toEqual({
        kind: 'mqtt-no-values',
        message: 'no numeric or boolean field in "{\\"unit\\": \\"C\\", \\"nested\\": {\\"s\\": \\"x\\"}, \\"list\\": [1]}"',
      });
      expect(parse('{}').rejection?.kind).toBe('mqtt-no-values');
    });

    it('rejects a JSON array as mqtt-bad-payload', () => {
      const { readings, rejection } = parse('[1, 2, 3]');
      expect(readings).toEqual([]);
      expect(rejection?.kind).toBe('mqtt-bad-payload');
      expect(rejection?.message).toContain('"[1, 2, 3]"');
    });

    it('rejects JSON that is not an object, such as a quoted string, as mqtt-bad-payload', () => {
      expect(parse('"21.5"').rejection?.kind).toBe('mqtt-bad-payload');
      expect(parse('null').rejection?.kind).toBe('mqtt-bad-payload');
    });

    it('rejects invalid JSON as mqtt-bad-payload, saying why and showing the payload', () => {
      const { readings, rejection } = parse('{"t": 21.5,');
      expect(readings).toEqual([]);
      expect(rejection?.kind).toBe('mqtt-bad-payload');
      expect(rejection?.message).toMatch(/^invalid JSON \(.+\) in "\{\\"t\\": 21\.5,"$/);
    });
  });

  describe('timestamp_field', () => {
    const stamped = (stamp: unknown) => parse(JSON.stringify({ t: 20, ts: stamp }), { timestampField: 'ts' });
    const MEASURED = Date.UTC(2024, 3, 30, 8, 15, 0);

    it('reads milliseconds since the epoch', () => {
      const { readings, rejection } = stamped(MEASURED);
      expect(rejection).toBeUndefined();
      expect(readings.map((r) => r.timestamp)).toEqual([MEASURED]);
    });

    it('reads seconds since the epoch, including fractions', () => {
      expect(stamped(MEASURED / 1000).readings[0]?.timestamp).toBe(MEASURED);
      expect(stamped(MEASURED / 1000 + 0.25).readings[0]?.timestamp).toBe(MEASURED + 250);
    });

    it('reads an ISO 8601 string', () => {
      expect(stamped('2024-04-30T08:15:00Z').readings[0]?.timestamp).toBe(MEASURED);
      expect(stamped('2024-04-30T10:15:00+02:00').readings[0]?.timestamp).toBe(MEASURED);
    });

    it('does not turn the timestamp field itself into a reading', () => {
      expect(stamped(MEASURED).readings.map((r) => r.sensor)).toEqual(['greenhouse/climate/t']);
    });

    it('stamps every reading of the object, nested ones too', () => {
      const { readings } = parse(JSON.stringify({ ts: MEASURED, a: 1, b: { c: 2 } }), { timestampField: 'ts' });
      expect(readings.map((r) => r.timestamp)).toEqual([MEASURED, MEASURED]);
    });

    it('reads a nested field that shares the timestamp field’s name as a value', () => {
      const { readings } = parse(JSON.stringify({ ts: MEASURED, probe: { ts: 3 } }), { timestampField: 'ts' });
      expect(readings.map((r) => `${r.sensor}=${r.value}@${r.timestamp}`)).toEqual([`greenhouse/climate/probe/ts=3@${MEASURED}`]);
    });

    it('uses arrival time when the object has no timestamp field', () => {
      const { readings, rejection } = parse('{"t": 20}', { timestampField: 'ts' });
      expect(rejection).toBeUndefined();
      expect(readings.map((r) => r.timestamp)).toEqual([NOW]);
    });

    it('reports a bad timestamp as mqtt-bad-timestamp and still emits the readings at arrival time', () => {
      for (const bad of ['yesterday', -5, 0, true, { at: 1 }, '']) {
        const { readings, rejection } = stamped(bad);
        expect(rejection?.kind, JSON.stringify(bad)).toBe('mqtt-bad-timestamp');
        expect(readings.map((r) => `${r.sensor}=${r.value}@${r.timestamp}`), JSON.stringify(bad)).toEqual([
          `greenhouse/climate/t=20@${NOW}`,
        ]);
      }
      expect(stamped('yesterday').rejection?.message).toBe('field "ts" is not a time: "\\"yesterday\\""; arrival time used');
    });

    it('does not find a timestamp field named like an Object.prototype member in an object without it', () => {
      const { readings, rejection } = parse('{"t": 20}', { timestampField: 'constructor' });
      expect(rejection).toBeUndefined();
      expect(readings.map((r) => r.timestamp)).toEqual([NOW]);
    });

    it('ignores timestamp_field for a plain number', () => {
      expect(parse('21.5', { timestampField: 'ts' }).readings[0]?.timestamp).toBe(NOW);
    });
  });

  describe('rejections', () => {
    it('rejects a payload over max_payload_bytes as mqtt-payload-too-large without parsing it', () => {
      const { readings, rejection } = parse(`{"t": ${'1'.repeat(200)}}`, { maxPayloadBytes: 100 });
      expect(readings).toEqual([]);
      expect(rejection).toEqual({ kind: 'mqtt-payload-too-large', message: 'payload of 207 bytes exceeds max_payload_bytes (100)' });
    });

    it('accepts a payload of exactly max_payload_bytes', () => {
      expect(parse('12345', { maxPayloadBytes: 5 }).readings).toHaveLength(1);
    });

    it('measures the limit in bytes, not characters', () => {
      expect(parse('{"t":1,"u":"ééé"}', { maxPayloadBytes: 17 }).rejection?.kind).toBe('mqtt-payload-too-large');
    });

    it('rejects garbage text as mqtt-bad-payload with a preview of it', () => {
      const { readings, rejection } = parse('temp=21.5');
      expect(readings).toEqual([]);
      expect(rejection).toEqual({
        kind: 'mqtt-bad-payload',
        message: 'expected a number, true/false, ON/OFF or a JSON object, got "temp=21.5"',
      });
    });

    it('cuts the preview of a long payload to 80 characters', () => {
      const { rejection } = parse('x'.repeat(500));
      expect(rejection?.message).toBe(`expected a number, true/false, ON/OFF or a JSON object, got "${'x'.repeat(80)}…"`);
    });

    it('rejects an empty payload as mqtt-bad-payload', () => {
      expect(parse('').rejection?.kind).toBe('mqtt-bad-payload');
      expect(parse('   ').rejection?.kind).toBe('mqtt-bad-payload');
    });

    it('appends to the output array without clearing what is already there', () => {
      const out: Reading[] = [{ source: 'x', sensor: 'y', value: 0, timestamp: 0, tags: {} }];
      parseMqttPayload(Buffer.from('1'), { source: 's', sensor: 'n', tags: {}, timestampField: undefined, maxPayloadBytes: 10, now: NOW }, out);
      expect(out.map((r) => r.sensor)).toEqual(['y', 'n']);
    });
  });
});
