import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startPtyPair, type PtyPair } from '../../test/helpers/pty-pair.js';
import type { Reading } from '../../rules/reading.js';
import type { DriverContext, SourceDriver } from '../driver.js';
import { serialSourceOptions } from './serial-options.js';
import { createSerialSource } from './serial-source.js';
import { recordingContext as sharedRecordingContext } from '../../test/helpers/recording-context.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

const pairs: PtyPair[] = [];
const drivers: SourceDriver[] = [];

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((driver) => driver.stop()));
  await Promise.all(pairs.splice(0).map((pair) => pair.dispose()));
});

async function ptyPair(): Promise<PtyPair> {
  const pair = await startPtyPair();
  pairs.push(pair);
  return pair;
}

/** A DriverContext that records what the driver reports. */
function recordingContext(name = 'gps') {
  return sharedRecordingContext(name, () => T0);
}

async function startSource(pair: PtyPair, extra: Record<string, unknown>, name = 'dev') {
  const recorder = recordingContext(name);
  const options = serialSourceOptions.parse({ driver: 'serial', path: pair.devicePath, reconnect: { initial: '50ms', max: '200ms' }, ...extra });
  const source = createSerialSource(options, recorder.context);
  drivers.push(source);
  const readings: Reading[] = [];
  /** Readings the driver said were stamped from their line, for the agent to check. */
  const timeFromInput = new Set<Reading>();
  await source.start((reading, fromInput) => {
    readings.push(reading);
    if (fromInput === true) timeFromInput.add(reading);
  });
  return { source, readings, timeFromInput, ...recorder };
}

async function eventually(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const values = (readings: Reading[]) => readings.map((r) => [r.sensor, r.value]);

describe('serial source on a real pty', () => {
  it('reads JSON lines into readings named <prefix>/<field>, with tags and the device time', async () => {
    const pair = await ptyPair();
    const s = await startSource(pair, { format: { type: 'json', timestamp_field: 't' }, tags: { room: 'lab' } });
    expect(s.isConnected()).toBe(true);
    await pair.write('{"temperature":21.5,"ok":true,"t":1748779200,"meta":{"rssi":-60},"name":"x"}\n');
    await eventually(() => s.readings.length === 3, 'three readings');
    expect(s.readings).toEqual([
      { source: 'dev', sensor: 'dev/temperature', value: 21.5, timestamp: 1748779200000, tags: { room: 'lab' } },
      { source: 'dev', sensor: 'dev/ok', value: 1, timestamp: 1748779200000, tags: { room: 'lab' } },
      { source: 'dev', sensor: 'dev/meta/rssi', value: -60, timestamp: 1748779200000, tags: { room: 'lab' } },
    ]);
    // A device time other than the arrival time is handed over as such, for the agent to check against its clock;
    // one without the field (or equal to the arrival time, as above) has nothing to check.
    await pair.write('{"temperature":21.6,"t":1748779100}\n{"temperature":21.7}\n');
    await eventually(() => s.readings.length === 5, 'two more readings');
    expect(s.readings.slice(3).map((reading) => [reading.timestamp, s.timeFromInput.has(reading)])).toEqual([
      [1748779100000, true],
      [T0, false],
    ]);
  });

  it('reads CSV with a header line, joining lines split across writes', async () => {
    const pair = await ptyPair();
    const s = await startSource(pair, { format: { type: 'csv', header: true }, delimiter: '\\r\\n', ignore_fields: ['status'], sensor_prefix: 'tank' });
    await pair.write('level,temp,status\r\n10.5,');
    await sleep(30);
    await pair.write('4.25,OK\r');
    await sleep(30);
    await pair.write('\n11,4.5,OK\r\n');
    await eventually(() => s.readings.length === 4, 'four readings');
    expect(values(s.readings)).toEqual([['tank/level', 10.5], ['tank/temp', 4.25], ['tank/level', 11], ['tank/temp', 4.5]]);
    expect(s.badInputs).toEqual([]);
  });

  it('reads CSV with a column map, key=value pairs, regex groups and plain numbers', async () => {
    const cases: [Record<string, unknown>, string, [string, number][]][] = [
      [{ type: 'csv', columns: ['a', null, 'b'], separator: ';' }, '1;skip;2.5\n', [['dev/a', 1], ['dev/b', 2.5]]],
      [{ type: 'key_value' }, 'temp=21.5, hum=40;co2=415\n', [['dev/temp', 21.5], ['dev/hum', 40], ['dev/co2', 415]]],
      [{ type: 'key_value', pair_separator: '|', key_value_separator: ':' }, 'T:-3.5|P:1013.2\n', [['dev/T', -3.5], ['dev/P', 1013.2]]],
      [{ type: 'regex', pattern: 'T=(?<temp>-?[\\d.]+)C H=(?<hum>[\\d.]+)%' }, 'T=-1.5C H=55%\n', [['dev/temp', -1.5], ['dev/hum', 55]]],
      [{ type: 'number', sensor: 'distance' }, '  123.4 \n', [['dev/distance', 123.4]]],
    ];
    for (const [format, line, expected] of cases) {
      const pair = await ptyPair();
      const s = await startSource(pair, { format });
      await pair.write(line);
      await eventually(() => s.readings.length === expected.length, `${String(format['type'])} readings`);
      expect(values(s.readings)).toEqual(expected);
      expect(s.badInputs).toEqual([]);
    }
  });

  it('reads NMEA position, speed and fix quality from a GPS, stamped with the GPS time of the fix, and rejects a bad checksum', async () => {
    const pair = await ptyPair();
    const s = await startSource(pair, { format: { type: 'nmea' }, delimiter: '\\r\\n', baud_rate: 4800 }, 'gps');
    await pair.write('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n');
    await pair.write('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*46\r\n');
    await pair.write('$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48\r\n');
    await eventually(() => s.readings.length === 9, 'nine readings');
    const byName = Object.fromEntries(s.readings.map((r) => [r.sensor, r.value]));
    expect(byName).toEqual({
      'gps/fix_quality': 1,
      'gps/satellites': 8,
      'gps/hdop': 0.9,
      'gps/latitude': expect.closeTo(48.1173, 6),
      'gps/longitude': expect.closeTo(11.516667, 5),
      'gps/altitude': 545.4,
      'gps/course': 54.7,
      'gps/speed_knots': 5.5,
      'gps/speed_kmh': 10.2,
    });
    expect(s.kinds()).toEqual(['serial-nmea-checksum']);
    // The GGA's time of day on the local day (no RMC yet), handed over for the agent's check; VTG has no time.
    expect(s.readings.map((r) => [r.sensor, new Date(r.timestamp).toISOString(), s.timeFromInput.has(r)])).toEqual([
      ...['fix_quality', 'satellites', 'hdop', 'latitude', 'longitude', 'altitude'].map((f) => [`gps/${f}`, '2025-06-01T12:35:19.000Z', true]),
      ...['course', 'speed_knots', 'speed_kmh'].map((f) => [`gps/${f}`, '2025-06-01T12:00:00.000Z', false]),
    ]);
  });

  it('counts garbage and binary noise per kind with a safe preview, never emits NaN, and carries on', async () => {
    const pair = await ptyPair();
    const s = await startSource(pair, { format: { type: 'key_value' } });
    await pair.write('temp=NaN hum=40\n');
    await pair.write('garbage without pairs\n');
    // What a wrong baud rate looks like: bytes that are not text, NULs and escape codes.
    await pair.write(Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x1b, 0x5b, 0x0a]));
    await pair.write(Buffer.from([0x74, 0x3d, 0x01, 0x32, 0x0a]));
    await pair.write('temp=22\n');
    await eventually(() => s.readings.some((r) => r.sensor === 'dev/temp'), 'the good line after the noise');
    expect(values(s.readings)).toEqual([['dev/hum', 40], ['dev/temp', 22]]);
    expect(s.readings.every((r) => Number.isFinite(r.value))).toBe(true);
    expect(s.kinds()).toEqual(['serial-not-a-number', 'serial-bad-key-value', 'serial-binary', 'serial-binary']);
    expect(s.badInputs[2]!.context).toMatchObject({ line: '\\xff\\xfe\\x00\\x80\\x1b[' });
    expect(s.badInputs[3]!.context).toMatchObject({ line: 't=\\x012' });
  });

  it('counts invalid JSON and a line that does not match the pattern', async () => {
    const pair = await ptyPair();
    const s = await startSource(pair, { format: { type: 'json' } });
    await pair.write('{"a":1,\n[1,2]\n{"a":"text"}\n{"a":2}\n');
    await eventually(() => s.readings.length === 1, 'one reading');
    expect(s.kinds()).toEqual(['serial-bad-json', 'serial-bad-json', 'serial-no-values']);
    const pair2 = await ptyPair();
    const r = await startSource(pair2, { format: { type: 'regex', pattern: '^T=(?<t>\\S+)$' } });
    await pair2.write('hello\nT=abc\nT=5\n');
    await eventually(() => r.readings.length === 1, 'one reading');
    expect(values(r.readings)).toEqual([['dev/t', 5]]);
    expect(r.kinds()).toEqual(['serial-no-match', 'serial-not-a-number']);
  });

  it('counts a JSON number that overflows to Infinity as not a number and keeps the good field beside it', async () => {
    const pair = await ptyPair();
    const s = await startSource(pair, { format: { type: 'json' } });
    await pair.write('{"v":5,"w":1e999}\n{"m":{"w":-1e999}}\n{"v":6}\n');
    await eventually(() => s.readings.length === 2, 'two readings');
    expect(values(s.readings)).toEqual([['dev/v', 5], ['dev/v', 6]]);
    expect(s.badInputs.map((bad) => [bad.kind, bad.message, bad.context])).toEqual([
      ['serial-not-a-number', 'w: a number beyond ±1.8e308, which reads as Infinity; the other fields were read', { path: pair.devicePath, line: '{"v":5,"w":1e999}' }],
      ['serial-not-a-number', 'm/w: a number beyond ±1.8e308, which reads as Infinity; no other field was read', { path: pair.devicePath, line: '{"m":{"w":-1e999}}' }],
    ]);
  });

  it('drops a line over max_line_bytes once and reads the next good line', async () => {
    const pair = await ptyPair();
    const s = await startSource(pair, { format: { type: 'number' }, max_line_bytes: 64 });
    await pair.write('1\n');
    await pair.write('9'.repeat(50));
    await pair.write('9'.repeat(50));
    await pair.write(`${'9'.repeat(500)}\n2\n`);
    await eventually(() => s.readings.length === 2, 'two readings');
    expect(values(s.readings)).toEqual([['dev/value', 1], ['dev/value', 2]]);
    expect(s.kinds()).toEqual(['serial-line-too-long']);
    expect(String(s.badInputs[0]!.context?.['line'])).toMatch(/^9+$/);
  });

  it('polls: writes the command every interval and parses the answer', async () => {
    const pair = await ptyPair();
    let answered = 0;
    pair.onData(() => {
      if (pair.received().toString().split('READ\r').length - 1 > answered) {
        answered++;
        void pair.write(`${20 + answered}\n`);
      }
    });
    const s = await startSource(pair, { format: { type: 'number', sensor: 'temp' }, poll: { command: 'READ\\r', interval: '100ms', timeout: '1s' } });
    await eventually(() => s.readings.length >= 3, 'three answers');
    expect(values(s.readings.slice(0, 3))).toEqual([['dev/temp', 21], ['dev/temp', 22], ['dev/temp', 23]]);
    expect(s.kinds()).toEqual([]);
  });

  it('counts a poll the device does not answer', async () => {
    const pair = await ptyPair();
    const s = await startSource(pair, { format: { type: 'number' }, poll: { command: 'READ\\n', interval: '1s', timeout: '100ms' } });
    await pair.waitForReceived((bytes) => bytes.toString() === 'READ\n');
    await eventually(() => s.kinds().includes('serial-poll-timeout'), 'a poll timeout');
  });

  it('reports an unplug, retries, and reads again after the replug without a restart', async () => {
    const pair = await ptyPair();
    const s = await startSource(pair, { format: { type: 'number' } });
    await pair.write('1\n');
    await eventually(() => s.readings.length === 1, 'the first reading');

    await pair.kill();
    await eventually(() => s.isConnected() === false, 'setConnected(false)');
    const down = s.connections.at(-1)!;
    expect(down.reason).toMatch(/disconnected/);
    // Retries find no device while it is unplugged, and say so.
    await eventually(() => s.connections.some((c) => /no such device/.test(c.reason ?? '')), 'a failed retry');

    await pair.restart();
    await eventually(() => s.isConnected() === true, 'setConnected(true) after the replug');
    await pair.write('2\n');
    await eventually(() => s.readings.length === 2, 'a reading after the replug');
    expect(values(s.readings)).toEqual([['dev/value', 1], ['dev/value', 2]]);
    // One warning per outage, not one per retry.
    expect(s.logs.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(s.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('starts without the device, reports it missing, and picks it up when it appears', async () => {
    const pair = await ptyPair();
    await pair.kill();
    const s = await startSource(pair, { format: { type: 'number' } });
    expect(s.isConnected()).toBe(false);
    expect(s.connections.at(-1)!.reason).toMatch(/no such device — is it plugged in/);
    await pair.restart();
    await eventually(() => s.isConnected() === true, 'the device to be opened');
    await pair.write('7\n');
    await eventually(() => s.readings.length === 1, 'a reading');
  });

  it('stops promptly while unplugged, and opens nothing afterwards', async () => {
    const pair = await ptyPair();
    const s = await startSource(pair, { format: { type: 'number' }, reconnect: { initial: '10s', max: '10s' } });
    await pair.kill();
    await eventually(() => s.isConnected() === false, 'the unplug');
    const started = Date.now();
    await s.source.stop();
    expect(Date.now() - started).toBeLessThan(500);
    const reports = s.connections.length;
    await pair.restart();
    await sleep(200);
    expect(s.connections.length).toBe(reports);
  });
});

describe('serial source options', () => {
  it('default to 9600 8N1, a newline delimiter, 4 KiB lines and a 1s–30s backoff', () => {
    const parsed = serialSourceOptions.parse({ driver: 'serial', path: '/dev/ttyUSB0', format: { type: 'number' } });
    expect(parsed).toMatchObject({
      baud_rate: 9600,
      data_bits: 8,
      parity: 'none',
      stop_bits: 1,
      delimiter: Buffer.from('\n'),
      max_line_bytes: 4096,
      reconnect: { initial: 1000, max: 30000 },
      tags: {},
      ignore_fields: [],
    });
    expect(parsed.poll).toBeUndefined();
  });

  it('read escapes in the delimiter and the poll command', () => {
    const parsed = serialSourceOptions.parse({
      driver: 'serial',
      path: '/dev/ttyUSB0',
      format: { type: 'number' },
      delimiter: '\\r\\n',
      poll: { command: 'R\\x03', interval: '5s' },
    });
    expect(parsed.delimiter).toEqual(Buffer.from('\r\n'));
    expect(parsed.poll).toEqual({ command: Buffer.from([0x52, 0x03]), interval: 5000, timeout: 1000 });
  });

  it('reject a regex without named groups or that does not compile, and a csv without header or columns', () => {
    const base = { driver: 'serial', path: '/dev/ttyUSB0' };
    const error = (format: unknown) => serialSourceOptions.safeParse({ ...base, format }).error?.issues[0]?.message;
    expect(error({ type: 'regex', pattern: 'T=([\\d.]+)' })).toMatch(/no named group/);
    // Said once, with the pattern and V8's reason (not "invalid regular expression: Invalid regular expression: …").
    expect(error({ type: 'regex', pattern: '(?<t>[' })).toBe('invalid regular expression "(?<t>[": unterminated character class');
    expect(error({ type: 'csv' })).toMatch(/header: true or a columns list/);
    expect(error({ type: 'csv', header: true, columns: ['a'] })).toMatch(/header: true or a columns list/);
    expect(serialSourceOptions.safeParse({ ...base, format: { type: 'number' }, data_bits: 9 }).success).toBe(false);
    expect(serialSourceOptions.safeParse({ ...base, format: { type: 'number' }, parity: 'even', stop_bits: 1.5 }).success).toBe(true);
    expect(serialSourceOptions.safeParse({ ...base, format: { type: 'number' }, baud: 9600 }).success).toBe(false);
    expect(serialSourceOptions.safeParse({ ...base, format: { type: 'number' }, delimiter: '\\q' }).success).toBe(false);
  });

  it('accept their own sample.yaml', () => {
    const sample = parse(readFileSync(new URL('./sample.yaml', import.meta.url), 'utf8')) as { sources: Record<string, unknown> };
    const entries = Object.values(sample.sources);
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(() => serialSourceOptions.parse(entry)).not.toThrow();
  });
});
