import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startMosquitto, type MosquittoBroker } from '../../test/helpers/mosquitto.js';
import { eventually } from '../../test/helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import type { Reading } from '../../rules/reading.js';
import type { DriverContext, SourceDriver } from '../driver.js';
import { brokerUrls, mqttSourceOptions } from './mqtt-options.js';
import { createMqttSource } from './mqtt-source.js';
import { systemClock } from '../clock.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

// Everything a test opens is closed here, even when an assertion fails halfway.
const brokers: MosquittoBroker[] = [];
const clients: MqttClient[] = [];
const drivers: SourceDriver[] = [];
const tempDirs: TempDir[] = [];

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((driver) => driver.stop()));
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  await Promise.all(brokers.splice(0).map((broker) => broker.dispose()));
  await Promise.all(tempDirs.splice(0).map((dir) => dir.remove()));
});

async function broker(extraConfig: string[] = []): Promise<MosquittoBroker> {
  const started = await startMosquitto({ extraConfig });
  brokers.push(started);
  return started;
}

async function publisher(url: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 200, connectTimeout: 5_000 });
  clients.push(client);
  return client;
}

/** A DriverContext that records what the driver reports, with a clock the test sets. */
function recordingContext(name = 'mqtt_in') {
  let now = T0;
  const logs: { level: string; context: object; message: string }[] = [];
  const badInputs: { kind: string; message: string; context: Record<string, unknown> | undefined }[] = [];
  const connections: { connected: boolean; reason: string | undefined }[] = [];
  const log = (level: string) => (context: object, message: string) => void logs.push({ level, context, message });
  const context: DriverContext = {
    name,
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    now: () => now,
    clock: systemClock,
    badInput: (kind, message, extra) => void badInputs.push({ kind, message, context: extra }),
    setConnected: (connected, reason) => void connections.push({ connected, reason }),
  };
  return {
    context,
    logs,
    badInputs,
    connections,
    isConnected: () => connections.at(-1)?.connected,
    setNow: (ms: number) => {
      now = ms;
    },
  };
}

/** Starts an MQTT source on `url` with the given options; readings land in the returned array. */
async function startSource(url: string, extra: Record<string, unknown>, recorder = recordingContext()) {
  const options = mqttSourceOptions.parse({ driver: 'mqtt', url, reconnect_period: '100ms', ...extra });
  const source = createMqttSource(options, recorder.context);
  drivers.push(source);
  const readings: Reading[] = [];
  /** Readings the driver said were stamped from their payload, for the agent to check. */
  const timeFromInput = new Set<Reading>();
  await source.start((reading, fromInput) => {
    readings.push(reading);
    if (fromInput === true) timeFromInput.add(reading);
  });
  return { source, readings, timeFromInput, ...recorder };
}

/**
 * The source has no "subscribed" signal, so this publishes to `topic` until a reading of `sensor` arrives: from
 * then on the subscription is in place. The probe readings are removed again.
 */
async function untilReceiving(client: MqttClient, topic: string, sensor: string, readings: Reading[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await client.publishAsync(topic, '-1', { qos: 1 });
    const arrived = Date.now() + 200;
    while (Date.now() < arrived && !readings.some((reading) => reading.sensor === sensor)) await sleep(10);
    if (readings.some((reading) => reading.sensor === sensor)) break;
    if (Date.now() > deadline) throw new Error(`no reading of ${sensor} arrived after publishing to ${topic}`);
  }
  readings.length = 0;
}

describe('MQTT source options', () => {
  it('default to a local broker, QoS 1, a 64 KiB payload limit and no tags', () => {
    const parsed = mqttSourceOptions.parse({ driver: 'mqtt', topics: 'sensors/#' });
    expect(brokerUrls(parsed)).toEqual(['mqtt://127.0.0.1:1883']);
    expect(parsed).toMatchObject({
      topics: ['sensors/#'],
      qos: 1,
      max_payload_bytes: 65_536,
      tags: {},
      keepalive: 30_000,
      reconnect_period: 1_000,
      connect_timeout: 10_000,
    });
  });

  it('reject a URL without a scheme, unknown keys and a missing topic', () => {
    expect(mqttSourceOptions.safeParse({ driver: 'mqtt', url: '127.0.0.1:1883', topics: 'a' }).success).toBe(false);
    expect(mqttSourceOptions.safeParse({ driver: 'mqtt', topics: 'a', topic: 'a' }).success).toBe(false);
    expect(mqttSourceOptions.safeParse({ driver: 'mqtt' }).success).toBe(false);
  });

  it('accept their own sample.yaml', () => {
    const sample = parse(readFileSync(new URL('./sample.yaml', import.meta.url), 'utf8')) as {
      sources: Record<string, unknown>;
    };
    const entries = Object.values(sample.sources);
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(() => mqttSourceOptions.parse(entry)).not.toThrow();
  });
});

describe('MQTT source', () => {
  it('turns a plain number into a reading named after its topic, with the prefix stripped and the tags added', async () => {
    const b = await broker();
    const pub = await publisher(b.url);
    const s = await startSource(b.url, { topics: 'sensors/#', strip_prefix: 'sensors/', tags: { site: 'greenhouse' } });
    await untilReceiving(pub, 'sensors/probe', 'probe', s.readings);

    s.setNow(T0 + 5_000);
    await pub.publishAsync('sensors/greenhouse/temperature', '21.5', { qos: 1 });
    await pub.publishAsync('sensors/greenhouse/door', 'ON', { qos: 1 });
    await pub.publishAsync('sensors/greenhouse/heater', 'false', { qos: 1 });
    await eventually(() => s.readings.length === 3, 5_000, 'three readings');

    expect(s.readings).toEqual([
      { source: 'mqtt_in', sensor: 'greenhouse/temperature', value: 21.5, timestamp: T0 + 5_000, tags: { site: 'greenhouse' } },
      { source: 'mqtt_in', sensor: 'greenhouse/door', value: 1, timestamp: T0 + 5_000, tags: { site: 'greenhouse' } },
      { source: 'mqtt_in', sensor: 'greenhouse/heater', value: 0, timestamp: T0 + 5_000, tags: { site: 'greenhouse' } },
    ]);
    expect(s.badInputs).toEqual([]);
  });

  it('turns each numeric and boolean field of a JSON object into a reading named <topic>/<field>, nested fields joined with /', async () => {
    const b = await broker();
    const pub = await publisher(b.url);
    const s = await startSource(b.url, { topics: 'zigbee2mqtt/+', strip_prefix: 'zigbee2mqtt/' });
    await untilReceiving(pub, 'zigbee2mqtt/probe', 'probe', s.readings);

    const payload = { temperature: 19.25, occupancy: true, name: 'hall', battery: { level: 87 }, list: [1, 2] };
    await pub.publishAsync('zigbee2mqtt/hall_sensor', JSON.stringify(payload), { qos: 1 });
    await eventually(() => s.readings.length === 3, 5_000, 'three readings');

    expect(s.readings.map((reading) => [reading.sensor, reading.value, reading.timestamp])).toEqual([
      ['hall_sensor/temperature', 19.25, T0],
      ['hall_sensor/occupancy', 1, T0],
      ['hall_sensor/battery/level', 87, T0],
    ]);
    expect(s.badInputs).toEqual([]);
  });

  it('takes the time of measurement from timestamp_field in ms, in seconds or as ISO 8601, and the arrival time otherwise', async () => {
    const b = await broker();
    const pub = await publisher(b.url);
    const s = await startSource(b.url, { topics: 'plant/+', strip_prefix: 'plant/', timestamp_field: 'ts' });
    await untilReceiving(pub, 'plant/probe', 'probe', s.readings);

    const measured = Date.UTC(2025, 4, 31, 23, 59, 30);
    await pub.publishAsync('plant/ms', JSON.stringify({ ts: measured, v: 1 }), { qos: 1 });
    await pub.publishAsync('plant/s', JSON.stringify({ ts: measured / 1000, v: 2 }), { qos: 1 });
    await pub.publishAsync('plant/iso', JSON.stringify({ ts: new Date(measured).toISOString(), v: 3 }), { qos: 1 });
    await pub.publishAsync('plant/none', JSON.stringify({ v: 4 }), { qos: 1 });
    await eventually(() => s.readings.length === 4, 5_000, 'four readings');

    expect(s.readings.map((reading) => [reading.sensor, reading.timestamp])).toEqual([
      ['ms/v', measured],
      ['s/v', measured],
      ['iso/v', measured],
      ['none/v', T0],
    ]);
    // Those stamped from the payload are handed over as such, so the agent checks them against its clock.
    expect(s.readings.map((reading) => s.timeFromInput.has(reading))).toEqual([true, true, true, false]);
  });

  it('counts a JSON number that overflows to Infinity as bad input and keeps the good field beside it', async () => {
    const b = await broker();
    const pub = await publisher(b.url);
    const s = await startSource(b.url, { topics: 'plant/#', strip_prefix: 'plant/' });
    await untilReceiving(pub, 'plant/probe', 'probe', s.readings);

    await pub.publishAsync('plant/a', '{"v":5,"w":1e999}', { qos: 1 });
    await pub.publishAsync('plant/b', '{"w":-1e999}', { qos: 1 });
    await pub.publishAsync('plant/c', '{"v":6}', { qos: 1 });
    await eventually(() => s.readings.some((reading) => reading.sensor === 'c/v'), 5_000, 'the reading after them');

    expect(s.readings.map((reading) => [reading.sensor, reading.value])).toEqual([['a/v', 5], ['c/v', 6]]);
    expect(s.badInputs).toEqual([
      { kind: 'mqtt-number-out-of-range', message: expect.stringMatching(/^a\/w: a number beyond ±1\.8e308, which reads as Infinity; the other fields were read: /), context: { topic: 'plant/a' } },
      { kind: 'mqtt-number-out-of-range', message: expect.stringMatching(/^b\/w: .*; no other field was read: /), context: { topic: 'plant/b' } },
    ]);
  });

  it('keeps the readings of a message whose timestamp field is not a time, stamps them on arrival and reports mqtt-bad-timestamp', async () => {
    const b = await broker();
    const pub = await publisher(b.url);
    const s = await startSource(b.url, { topics: 'plant/+', strip_prefix: 'plant/', timestamp_field: 'ts' });
    await untilReceiving(pub, 'plant/probe', 'probe', s.readings);

    await pub.publishAsync('plant/a', JSON.stringify({ ts: 'yesterday', v: 1 }), { qos: 1 });
    await eventually(() => s.readings.length === 1, 5_000, 'one reading');

    expect(s.readings[0]).toMatchObject({ sensor: 'a/v', value: 1, timestamp: T0 });
    expect(s.badInputs).toEqual([{ kind: 'mqtt-bad-timestamp', message: expect.stringContaining('"ts"'), context: { topic: 'plant/a' } }]);
  });

  it('receives from several topic filters with + and # wildcards, and only from those', async () => {
    const b = await broker();
    const pub = await publisher(b.url);
    const s = await startSource(b.url, { topics: ['home/+/temperature', 'garden/#'] });
    await untilReceiving(pub, 'home/probe/temperature', 'home/probe/temperature', s.readings);
    await untilReceiving(pub, 'garden/probe', 'garden/probe', s.readings);

    await pub.publishAsync('home/kitchen/temperature', '20', { qos: 1 });
    await pub.publishAsync('home/kitchen/humidity', '55', { qos: 1 }); // not matched: + is one level
    await pub.publishAsync('home/kitchen/fridge/temperature', '4', { qos: 1 }); // not matched: two levels
    await pub.publishAsync('garden', '1', { qos: 1 }); // # also matches the parent level
    await pub.publishAsync('garden/bed/1/soil', '31', { qos: 1 });
    await pub.publishAsync('garage/door', '1', { qos: 1 }); // not matched
    // A marker published last: once it is here, everything before it has been delivered or dropped.
    await pub.publishAsync('garden/marker', '0', { qos: 1 });
    await eventually(() => s.readings.some((reading) => reading.sensor === 'garden/marker'), 5_000, 'the marker');

    expect(s.readings.map((reading) => reading.sensor)).toEqual([
      'home/kitchen/temperature',
      'garden',
      'garden/bed/1/soil',
      'garden/marker',
    ]);
  });

  it('reports garbage, invalid JSON, oversized and value-less payloads as bad input by kind, and keeps receiving', async () => {
    const b = await broker();
    const pub = await publisher(b.url);
    const s = await startSource(b.url, { topics: 'in/#', strip_prefix: 'in/', max_payload_bytes: 64 });
    await untilReceiving(pub, 'in/probe', 'probe', s.readings);

    await pub.publishAsync('in/garbage', 'twenty one', { qos: 1 });
    await pub.publishAsync('in/json', '{"temperature": 21.5,', { qos: 1 });
    await pub.publishAsync('in/large', JSON.stringify({ padding: 'x'.repeat(100), value: 1 }), { qos: 1 });
    await pub.publishAsync('in/empty', JSON.stringify({ name: 'no numbers here' }), { qos: 1 });
    await pub.publishAsync('in/array', '[1, 2, 3]', { qos: 1 });
    await pub.publishAsync('in/good', '7', { qos: 1 });
    await eventually(() => s.readings.length === 1, 5_000, 'the good reading');

    expect(s.readings).toEqual([{ source: 'mqtt_in', sensor: 'good', value: 7, timestamp: T0, tags: {} }]);
    expect(s.badInputs.map((bad) => [bad.kind, bad.context])).toEqual([
      ['mqtt-bad-payload', { topic: 'in/garbage' }],
      ['mqtt-bad-payload', { topic: 'in/json' }],
      ['mqtt-payload-too-large', { topic: 'in/large' }],
      ['mqtt-no-values', { topic: 'in/empty' }],
      ['mqtt-bad-payload', { topic: 'in/array' }],
    ]);
    expect(s.badInputs[0]!.message).toContain('"twenty one"');
    expect(s.badInputs[1]!.message).toMatch(/^invalid JSON/);
    expect(s.badInputs[2]!.message).toMatch(/exceeds max_payload_bytes \(64\)/);
  });

  it('logs an error naming the topics when a subscription fails, here for an invalid topic filter', async () => {
    const b = await broker();
    const s = await startSource(b.url, { topics: ['sensors/#/temperature'] });

    await eventually(() => s.logs.some((entry) => entry.level === 'error'), 10_000, 'the failure');
    expect(s.logs.filter((entry) => entry.level === 'error')).toEqual([
      {
        level: 'error',
        context: { topics: ['sensors/#/temperature'], error: expect.stringContaining('Invalid topic'), retryInMs: 2_000 },
        message: 'subscription failed; nothing arrives from these topics',
      },
    ]);
  });

  it('reports "connecting" at start and connected once the broker accepts it', async () => {
    const b = await broker();
    const s = await startSource(b.url, { topics: 'x' });
    expect(s.connections[0]).toEqual({ connected: false, reason: 'connecting' });
    await eventually(() => s.isConnected() === true, 10_000, 'connected');
    expect(s.logs).toContainEqual({ level: 'info', context: { url: b.url }, message: 'connected to MQTT broker' });
  });

  it('reports the broker down when it stops, then reconnects and subscribes again on its own after it restarts', async () => {
    const b = await broker();
    const pub = await publisher(b.url);
    const s = await startSource(b.url, { topics: 'sensors/#', strip_prefix: 'sensors/' });
    await untilReceiving(pub, 'sensors/probe', 'probe', s.readings);

    await b.stop();
    await eventually(() => s.isConnected() === false, 10_000, 'disconnected');
    const warnings = s.logs.filter((entry) => entry.level === 'warn');
    expect(warnings.map((entry) => entry.message)).toEqual(['MQTT broker unreachable; retrying in the background']);

    await b.restart();
    await eventually(() => s.isConnected() === true, 10_000, 'reconnected');
    // The publisher reconnects too; publishing until a reading arrives shows the source subscribed again.
    await untilReceiving(pub, 'sensors/probe', 'probe', s.readings);
    await pub.publishAsync('sensors/after/restart', '42', { qos: 1 });
    await eventually(() => s.readings.length === 1, 5_000, 'a reading after the restart');
    expect(s.readings[0]).toMatchObject({ sensor: 'after/restart', value: 42 });
    // One warning per outage, not one per retry.
    expect(s.logs.filter((entry) => entry.level === 'warn')).toHaveLength(1);
    expect(s.logs.filter((entry) => entry.level === 'error')).toEqual([]);
  });

  it('keeps retrying after the broker refuses its credentials, and connects once the broker accepts them', async () => {
    const passwd = promisify(execFile);
    const dir = await makeTempDir('mqtt-auth');
    tempDirs.push(dir);
    const passwordFile = path.join(dir.path, 'passwd');
    await passwd('mosquitto_passwd', ['-b', '-c', passwordFile, 'someone_else', 'x']);
    const b = await broker(['allow_anonymous false', `password_file ${passwordFile}`]);
    const s = await startSource(b.url, { topics: 'auth/#', username: 'pi', password: 'secret' });

    await eventually(() => s.logs.some((entry) => entry.level === 'warn'), 10_000, 'the refusal');
    expect(s.logs.filter((entry) => entry.level === 'warn')).toEqual([
      {
        level: 'warn',
        context: { url: b.url, reason: 'Connection refused: Not authorized' },
        message: 'MQTT broker unreachable; retrying in the background',
      },
    ]);

    // The account is created and the broker restarted: the source gets in without being restarted itself.
    await passwd('mosquitto_passwd', ['-b', passwordFile, 'pi', 'secret']);
    await b.restart();
    await eventually(() => s.isConnected() === true, 10_000, 'connected with the new account');
  });

  it('with several brokers, subscribes on the next one when its broker stops, and receives there', async () => {
    const first = await broker();
    const second = await broker();
    const options = mqttSourceOptions.parse({ driver: 'mqtt', brokers: [first.url, second.url], topics: 'sensors/#', strip_prefix: 'sensors/', reconnect_period: '100ms' });
    const recorder = recordingContext();
    const source = createMqttSource(options, recorder.context);
    drivers.push(source);
    const readings: Reading[] = [];
    await source.start((reading) => void readings.push(reading));
    await untilReceiving(await publisher(first.url), 'sensors/probe', 'probe', readings);

    await first.stop();
    const pub = await publisher(second.url);
    await untilReceiving(pub, 'sensors/probe', 'probe', readings);
    await pub.publishAsync('sensors/on/second', '7', { qos: 1 });
    await eventually(() => readings.length === 1, 5_000, 'a reading through the second broker');
    expect(readings[0]).toMatchObject({ sensor: 'on/second', value: 7 });
    expect(recorder.logs.filter((entry) => entry.message === 'connected to MQTT broker').map((entry) => (entry.context as { url: string }).url)).toEqual([first.url, second.url]);
  });

  it('starts while the broker is down, and receives once the broker comes up', async () => {
    const b = await broker();
    await b.stop();
    const s = await startSource(b.url, { topics: 'late/#' });
    await eventually(() => s.logs.some((entry) => entry.level === 'warn'), 10_000, 'the unreachable warning');
    expect(s.isConnected()).toBe(false);

    await b.restart();
    const pub = await publisher(b.url);
    await untilReceiving(pub, 'late/probe', 'late/probe', s.readings);
    await pub.publishAsync('late/value', '3', { qos: 1 });
    await eventually(() => s.readings.length === 1, 5_000, 'a reading');
    expect(s.readings[0]).toMatchObject({ sensor: 'late/value', value: 3 });
    expect(s.logs.filter((entry) => entry.level === 'error')).toEqual([]);
  });

  it('stops within two seconds while the broker is down', async () => {
    const b = await broker();
    const s = await startSource(b.url, { topics: 'x/#' });
    await eventually(() => s.isConnected() === true, 10_000, 'connected');
    await b.stop();
    await eventually(() => s.isConnected() === false, 10_000, 'disconnected');

    const began = performance.now();
    await s.source.stop();
    expect(performance.now() - began).toBeLessThan(2_000);
  });

  it('stops within two seconds when the broker was never reachable', async () => {
    const b = await broker();
    await b.stop();
    const s = await startSource(b.url, { topics: 'x/#' });
    await sleep(300); // a few failed attempts

    const began = performance.now();
    await s.source.stop();
    expect(performance.now() - began).toBeLessThan(2_000);
  });
});
