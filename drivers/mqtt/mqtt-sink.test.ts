import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startMosquitto, type MosquittoBroker } from '../../test/helpers/mosquitto.js';
import { eventually, recordMqtt } from '../../test/helpers/mqtt-recorder.js';
import { startTcpProxy } from '../../test/helpers/tcp-proxy.js';
import type { BufferedResult, DriverContext, SinkBatch, SinkDriver } from '../driver.js';
import { brokerUrls, mqttSinkOptions } from './mqtt-options.js';
import { createMqttSink } from './mqtt-sink.js';
import { encodeResultPayload } from './result-payload.js';
import { systemClock } from '../clock.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

// Everything a test opens is closed here, even when an assertion fails halfway.
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  // Drivers and clients first, brokers last.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function broker(): Promise<MosquittoBroker> {
  const started = await startMosquitto();
  cleanups.push(() => started.dispose());
  return started;
}

async function recorder(url: string, filter: string) {
  const recording = await recordMqtt(url, filter);
  cleanups.push(() => recording.close());
  return recording;
}

/** A DriverContext that records what the driver reports. */
function recordingContext(name = 'mqtt_out') {
  const logs: { level: string; context: object; message: string }[] = [];
  const connections: { connected: boolean; reason: string | undefined }[] = [];
  const log = (level: string) => (context: object, message: string) => void logs.push({ level, context, message });
  const context: DriverContext = {
    name,
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    now: () => T0,
    clock: systemClock,
    badInput: () => {},
    setConnected: (connected, reason) => void connections.push({ connected, reason }),
  };
  return { context, logs, connections, isConnected: () => connections.at(-1)?.connected };
}

async function startSink(url: string, extra: Record<string, unknown> = {}) {
  const options = mqttSinkOptions.parse({ driver: 'mqtt', url, reconnect_period: '100ms', ...extra });
  const recording = recordingContext();
  const sink = createMqttSink(options, recording.context);
  cleanups.push(() => sink.stop());
  await sink.start();
  return { sink, ...recording };
}

function result(seq: number, sensor: string, values: Record<string, number>, tags: Record<string, string> = { site: 'north' }): BufferedResult {
  return {
    seq,
    result: { kind: 'window', rule: 'greenhouse_10s', source: 'greenhouse', sensor, tags, start: T0, end: T0 + 10_000, values },
  };
}

const BATCH: SinkBatch = [
  result(1, 'greenhouse/temperature', { count: 10, mean: 21.5, min: 20.9, max: 22.1 }),
  result(2, 'greenhouse/humidity', { count: 10, mean: 61.25, min: 58, max: 64 }),
  result(3, 'greenhouse/soil_moisture', { count: 9, mean: 34.75, min: 34, max: 35.5 }, {}),
];

/** Whether a promise has settled, looked at without waiting for it. */
function settled(promise: Promise<unknown>): () => boolean {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return () => done;
}

/** A TCP proxy in front of the broker, closed after the test. */
async function holdingProxy(target: MosquittoBroker) {
  const proxy = await startTcpProxy(target.port);
  cleanups.push(() => proxy.close());
  return proxy;
}

describe('MQTT sink options', () => {
  it('default to a local broker, the topic tributary/{rule}/{sensor}, QoS 1, no retain and one message per result', () => {
    const parsed = mqttSinkOptions.parse({ driver: 'mqtt' });
    expect(parsed).toMatchObject({ topic: 'tributary/{rule}/{sensor}', qos: 1, retain: false, batch: false });
    expect(brokerUrls(parsed)).toEqual(['mqtt://127.0.0.1:1883']);
    expect(brokerUrls(mqttSinkOptions.parse({ driver: 'mqtt', url: 'mqtt://broker:1883' }))).toEqual(['mqtt://broker:1883']);
  });

  it('take several brokers instead of url, not both, and at least one', () => {
    const cluster = ['mqtt://nats-1:1883', 'mqtt://nats-2:1883', 'mqtt://nats-3:1883'];
    expect(brokerUrls(mqttSinkOptions.parse({ driver: 'mqtt', brokers: cluster }))).toEqual(cluster);
    const both = mqttSinkOptions.safeParse({ driver: 'mqtt', url: 'mqtt://nats-1:1883', brokers: cluster });
    expect(both.error?.issues).toEqual([expect.objectContaining({ path: ['brokers'], message: expect.stringContaining('give url or brokers, not both') })]);
    const none = mqttSinkOptions.safeParse({ driver: 'mqtt', brokers: [] });
    expect(none.error?.issues).toEqual([expect.objectContaining({ path: ['brokers'], message: 'name at least one broker URL' })]);
    const typo = mqttSinkOptions.safeParse({ driver: 'mqtt', brokers: ['mqtt://nats-1:1883', 'nats-2:1883'] });
    expect(typo.error?.issues).toEqual([expect.objectContaining({ path: ['brokers', 1], message: expect.stringContaining('expected a broker URL') })]);
    // mqtt.js dials every broker of a list with the first one's websocket path.
    const paths = mqttSinkOptions.safeParse({ driver: 'mqtt', brokers: ['wss://a:443/mqtt', 'wss://b:443/ws'] });
    expect(paths.error?.issues).toEqual([expect.objectContaining({ path: ['brokers'], message: expect.stringContaining('same path') })]);
  });

  it('reject a topic template with an unknown placeholder, so validation catches the typo', () => {
    const parsed = mqttSinkOptions.safeParse({ driver: 'mqtt', topic: 'tributary/{rule}/{sensr}' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['topic'], message: expect.stringContaining('unknown placeholder') });
    expect(mqttSinkOptions.safeParse({ driver: 'mqtt', topic: 'site/{tags.site}/{source}/{sensor}' }).success).toBe(true);
  });

  it('need a fixed client_id for a persistent session, since the broker finds the session by it', () => {
    const parsed = mqttSinkOptions.safeParse({ driver: 'mqtt', clean_session: false });
    expect(parsed.error?.issues).toEqual([expect.objectContaining({ path: ['client_id'], message: expect.stringContaining('clean_session: false needs a fixed client_id') })]);
    expect(mqttSinkOptions.safeParse({ driver: 'mqtt', clean_session: false, client_id: 'pi-1' }).success).toBe(true);
  });

  it('reject tls options on an mqtt:// url, and a client certificate without its key', () => {
    const plain = mqttSinkOptions.safeParse({ driver: 'mqtt', url: 'mqtt://broker:1883', tls: { ca: '/etc/ca.pem' } });
    expect(plain.error?.issues).toEqual([expect.objectContaining({ path: ['tls'], message: expect.stringContaining('needs mqtts:// or wss:// for every broker') })]);
    const oneOfThree = mqttSinkOptions.safeParse({ driver: 'mqtt', brokers: ['mqtts://a:8883', 'mqtt://b:1883', 'mqtts://c:8883'], tls: { ca: '/etc/ca.pem' } });
    expect(oneOfThree.error?.issues).toEqual([expect.objectContaining({ path: ['tls'], message: expect.stringContaining('mqtt://b:1883 is not encrypted') })]);
    const halfPair = mqttSinkOptions.safeParse({ driver: 'mqtt', url: 'mqtts://broker:8883', tls: { cert: '/etc/client.pem' } });
    expect(halfPair.error?.issues).toEqual([expect.objectContaining({ path: ['tls', 'key'], message: 'give both cert and key, or neither' })]);
    expect(mqttSinkOptions.parse({ driver: 'mqtt', url: 'mqtts://broker:8883', tls: { ca: '/etc/ca.pem' } }).tls).toEqual({
      ca: '/etc/ca.pem',
      reject_unauthorized: true,
    });
  });

  it('need a status_topic for Home Assistant discovery, which points availability at it', () => {
    const parsed = mqttSinkOptions.safeParse({ driver: 'mqtt', home_assistant: {} });
    expect(parsed.error?.issues).toEqual([expect.objectContaining({ path: ['status_topic'] })]);
    expect(mqttSinkOptions.parse({ driver: 'mqtt', status_topic: 'tributary/pi-1/status', home_assistant: {} }).home_assistant).toEqual({
      discovery_prefix: 'homeassistant',
      units: {},
    });
  });

  it('refuse batch with Home Assistant, which reads one JSON object per message', () => {
    const parsed = mqttSinkOptions.safeParse({ driver: 'mqtt', status_topic: 'tributary/pi-1/status', home_assistant: {}, batch: true });
    expect(parsed.error?.issues).toEqual([expect.objectContaining({ path: ['batch'], message: expect.stringContaining('Home Assistant reads one JSON object per message') })]);
  });

  it('accept their own sample.yaml', () => {
    const sample = parse(readFileSync(new URL('./sample.yaml', import.meta.url), 'utf8')) as {
      sinks: Record<string, unknown>;
    };
    const entries = Object.values(sample.sinks);
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(() => mqttSinkOptions.parse(entry)).not.toThrow();
  });
});

describe('MQTT sink', () => {
  it('publishes every result of a batch as flat JSON on the topic built from the template', async () => {
    const b = await broker();
    const subscriber = await recorder(b.url, 'farm/#');
    const s = await startSink(b.url, { topic: 'farm/{tags.site}/{rule}/{sensor}' });
    await eventually(() => s.isConnected() === true, 10_000, 'connected');

    await s.sink.send(BATCH);
    await subscriber.waitFor((messages) => messages.length === 3, 15_000, 'three messages');

    expect(subscriber.messages).toEqual([
      { topic: 'farm/north/greenhouse_10s/greenhouse/temperature', payload: JSON.parse(encodeResultPayload(BATCH[0]!)) },
      { topic: 'farm/north/greenhouse_10s/greenhouse/humidity', payload: JSON.parse(encodeResultPayload(BATCH[1]!)) },
      // No such tag: the placeholder becomes "_".
      { topic: 'farm/_/greenhouse_10s/greenhouse/soil_moisture', payload: JSON.parse(encodeResultPayload(BATCH[2]!)) },
    ]);
    expect(subscriber.messages[0]!.payload).toEqual({
      rule: 'greenhouse_10s',
      source: 'greenhouse',
      sensor: 'greenhouse/temperature',
      tags: { site: 'north' },
      start: T0,
      end: T0 + 10_000,
      count: 10,
      mean: 21.5,
      min: 20.9,
      max: 22.1,
      seq: 1,
    });
  });

  it('with batch, publishes the results of a send that share a topic as one JSON array in buffer order, and alerts one each', async () => {
    const b = await broker();
    const subscriber = await recorder(b.url, 'farm/#');
    const s = await startSink(b.url, { topic: 'farm/{rule}', batch: true });
    await eventually(() => s.isConnected() === true, 10_000, 'connected');
    const other = (seq: number, sensor: string): BufferedResult => ({ seq, result: { ...result(seq, sensor, { count: 1 }).result, rule: 'hourly' } as BufferedResult['result'] });
    const alert: BufferedResult = {
      seq: 4,
      result: {
        kind: 'alert', rule: 'too_hot', source: 'greenhouse', sensor: 'greenhouse/temperature', tags: {}, timestamp: T0, state: 'firing',
        previous: 'pending', detector: 'threshold', severity: 'warning', value: 31, message: 'too hot', since: T0,
      },
    };
    const first: SinkBatch = [BATCH[0]!, other(2, 'a'), BATCH[1]!, alert, other(5, 'b'), { ...BATCH[2]!, seq: 6 }];

    await s.sink.send(first);
    // Three messages and the alert's state: one array per topic, the alert as itself.
    await subscriber.waitFor((messages) => messages.length === 4, 15_000, 'four messages');
    const on = (topic: string) => subscriber.messages.filter((message) => message.topic === topic).map((message) => message.payload);
    expect(on('farm/greenhouse_10s')).toEqual([[BATCH[0]!, BATCH[1]!, first[5]!].map((item) => JSON.parse(encodeResultPayload(item)))]);
    expect(on('farm/hourly')).toEqual([[first[1]!, first[4]!].map((item) => JSON.parse(encodeResultPayload(item)))]);
    expect(on('farm/too_hot/alert')).toEqual([JSON.parse(encodeResultPayload(alert))]);
    expect(on('farm/too_hot/alert/state')).toEqual([JSON.parse(encodeResultPayload(alert))]);

    // Each send is its own set of messages; a topic with one result still gets an array, so consumers parse one shape.
    await s.sink.send([{ ...BATCH[0]!, seq: 7 }]);
    await subscriber.waitFor((messages) => messages.length === 5, 15_000, 'the second send');
    expect(subscriber.messages.at(-1)).toEqual({ topic: 'farm/greenhouse_10s', payload: [JSON.parse(encodeResultPayload({ ...BATCH[0]!, seq: 7 }))] });
  });

  it('resolves send() only after the broker has acknowledged every message of the batch', async () => {
    const b = await broker();
    const subscriber = await recorder(b.url, 'tributary/#');
    const proxy = await holdingProxy(b);
    const s = await startSink(proxy.url);
    await eventually(() => s.isConnected() === true, 10_000, 'connected');

    proxy.hold();
    const sending = s.sink.send(BATCH);
    const isSettled = settled(sending);
    // The broker has the messages (the subscriber gets them) but its PUBACKs are held back: send() waits.
    await subscriber.waitFor((messages) => messages.length === 3, 15_000, 'three messages');
    await sleep(300);
    expect(isSettled()).toBe(false);

    proxy.release();
    await sending;
  });

  it('rejects send() with "not connected" while the broker is down, so the forwarder keeps the batch and retries', async () => {
    const b = await broker();
    const s = await startSink(b.url);
    await eventually(() => s.isConnected() === true, 10_000, 'connected');
    await b.stop();
    await eventually(() => s.isConnected() === false, 10_000, 'disconnected');

    await expect(s.sink.send(BATCH)).rejects.toThrow(`not connected to ${b.url}`);
    expect(s.logs.filter((entry) => entry.level === 'warn').map((entry) => entry.message)).toEqual([
      'MQTT broker unreachable; retrying in the background',
    ]);
  });

  it('rejects send() with "not connected" when the broker was never reachable', async () => {
    const b = await broker();
    await b.stop();
    const s = await startSink(b.url);
    expect(s.connections[0]).toEqual({ connected: false, reason: 'connecting' });

    // The error says why, so the forwarder's warning does too.
    await eventually(() => s.logs.some((entry) => entry.level === 'warn'), 10_000, 'a failed attempt');
    await expect(s.sink.send(BATCH)).rejects.toThrow(/^not connected to mqtt:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });

  it('publishes with the QoS it is given: 0, 1 or 2', async () => {
    const b = await broker();
    // A QoS 2 subscription receives each message at the QoS it was published with.
    const watcher: MqttClient = await mqtt.connectAsync(b.url, { reconnectPeriod: 0 });
    cleanups.push(() => watcher.endAsync(true));
    const received: number[] = [];
    watcher.on('message', (_topic, _payload, packet) => received.push(packet.qos));
    await watcher.subscribeAsync('tributary/#', { qos: 2 });

    for (const qos of [0, 1, 2] as const) {
      const s = await startSink(b.url, { qos });
      await eventually(() => s.isConnected() === true, 10_000, 'connected');
      await s.sink.send([BATCH[0]!]);
      await eventually(() => received.length === qos + 1, 10_000, `the QoS ${qos} message`);
      await s.sink.stop();
    }
    expect(received).toEqual([0, 1, 2]);
  });

  it('publishes retained messages when retain is set, so a late subscriber gets the last result', async () => {
    const b = await broker();
    const s = await startSink(b.url, { retain: true });
    await eventually(() => s.isConnected() === true, 10_000, 'connected');
    await s.sink.send([BATCH[0]!]);

    const late: MqttClient = await mqtt.connectAsync(b.url, { reconnectPeriod: 0 });
    cleanups.push(() => late.endAsync(true));
    const received = new Promise<{ topic: string; retain: boolean; payload: unknown }>((resolve) =>
      late.once('message', (topic, payload, packet) => resolve({ topic, retain: packet.retain, payload: JSON.parse(payload.toString()) })),
    );
    await late.subscribeAsync('tributary/#', { qos: 1 });

    expect(await received).toEqual({
      topic: 'tributary/greenhouse_10s/greenhouse/temperature',
      retain: true,
      payload: JSON.parse(encodeResultPayload(BATCH[0]!)),
    });
  });

  it("keeps each alert's current state retained on its state topic, beside the alert events", async () => {
    const b = await broker();
    const s = await startSink(b.url);
    await eventually(() => s.isConnected() === true, 10_000, 'connected');
    const alert = (seq: number, state: 'firing' | 'resolved', previous: 'pending' | 'firing'): BufferedResult => ({
      seq,
      result: {
        kind: 'alert',
        rule: 'too_hot',
        source: 'greenhouse',
        sensor: 'greenhouse/temperature',
        tags: {},
        timestamp: T0 + seq * 1_000,
        state,
        previous,
        detector: 'threshold',
        severity: 'warning',
        value: 31,
        message: `greenhouse/temperature ${state}`,
        since: T0,
      },
    });
    const events = await recorder(b.url, 'tributary/too_hot/greenhouse/temperature/alert');
    await s.sink.send([alert(1, 'firing', 'pending')]);
    await events.waitFor((messages) => messages.length === 1, 10_000, 'the alert event');

    const current = async () => {
      const late: MqttClient = await mqtt.connectAsync(b.url, { reconnectPeriod: 0 });
      cleanups.push(() => late.endAsync(true));
      const received = new Promise<{ retain: boolean; state: unknown }>((resolve) =>
        late.once('message', (_topic, payload, packet) => resolve({ retain: packet.retain, state: (JSON.parse(payload.toString()) as { state: unknown }).state })),
      );
      await late.subscribeAsync('tributary/too_hot/greenhouse/temperature/alert/state', { qos: 1 });
      return received;
    };
    expect(await current()).toEqual({ retain: true, state: 'firing' });
    await s.sink.send([alert(2, 'resolved', 'firing')]);
    expect(await current()).toEqual({ retain: true, state: 'resolved' });
    // The event topic itself is not retained: a late subscriber does not see an old transition as new.
    expect(events.messages.map((m) => m.payload.state)).toEqual(['firing', 'resolved']);
  });

  it('does not retain by default', async () => {
    const b = await broker();
    const s = await startSink(b.url);
    await eventually(() => s.isConnected() === true, 10_000, 'connected');
    await s.sink.send([BATCH[0]!]);

    const late = await recorder(b.url, 'tributary/#');
    await sleep(300);
    expect(late.messages).toEqual([]);
  });

  it('reconnects on its own after the broker restarts, and send() works again', async () => {
    const b = await broker();
    const subscriber = await recorder(b.url, 'tributary/#');
    const s = await startSink(b.url);
    await eventually(() => s.isConnected() === true, 20_000, 'connected');
    await s.sink.send([BATCH[0]!]);

    await b.stop();
    await eventually(() => s.isConnected() === false, 20_000, 'disconnected');
    await expect(s.sink.send([BATCH[1]!])).rejects.toThrow('not connected');

    await b.restart();
    await eventually(() => s.isConnected() === true, 20_000, 'reconnected');
    // What the forwarder does: offer the same batch again.
    await s.sink.send([BATCH[1]!, BATCH[2]!]);
    // The subscriber's persistent session keeps its subscription across the restart.
    // QoS 1 is at least once: a message in flight when the broker went down may arrive twice.
    const seqs = () => [...new Set(subscriber.messages.map((message) => message.payload['seq']))];
    await subscriber.waitFor(() => seqs().length === 3, 20_000, 'three messages');
    expect(seqs()).toEqual([1, 2, 3]);
  });

  it('resends the unacknowledged messages of a send in flight when the broker comes back, then resolves it', async () => {
    const b = await broker();
    const subscriber = await recorder(b.url, 'tributary/#');
    const proxy = await holdingProxy(b);
    const s = await startSink(proxy.url);
    await eventually(() => s.isConnected() === true, 10_000, 'connected');

    proxy.hold();
    const sending = s.sink.send(BATCH);
    const isSettled = settled(sending);
    await sleep(200);
    await b.stop(); // the PUBACKs are lost with the connection
    proxy.release();
    await eventually(() => s.isConnected() === false, 10_000, 'disconnected');
    expect(isSettled()).toBe(false);

    await b.restart();
    await sending;
    // At least once: the subscriber may see a message twice (before the stop and again after the resend).
    await subscriber.waitFor((messages) => new Set(messages.map((message) => message.payload['seq'])).size === 3, 10_000, 'all three results');
  });

  it('with several brokers, resends a send in flight to the next broker when its broker dies, and resolves only on that one\'s acknowledgements', async () => {
    const first = await broker();
    const second = await broker();
    const subscriber = await recorder(second.url, 'tributary/#');
    const proxy = await holdingProxy(first);
    const options = mqttSinkOptions.parse({ driver: 'mqtt', brokers: [proxy.url, second.url], client_id: 'pi-1', clean_session: false, reconnect_period: '100ms' });
    const recording = recordingContext();
    const sink = createMqttSink(options, recording.context);
    cleanups.push(() => sink.stop());
    await sink.start();
    await eventually(() => recording.isConnected() === true, 10_000, 'connected to the first broker');
    expect(recording.logs.find((entry) => entry.message === 'connected to MQTT broker')?.context).toMatchObject({ url: proxy.url });

    proxy.hold();
    const sending = sink.send(BATCH);
    const isSettled = settled(sending);
    await sleep(200);
    expect(isSettled()).toBe(false);
    await first.stop(); // its PUBACKs never come
    proxy.release();
    await sending;
    expect(recording.logs.filter((entry) => entry.message === 'connected to MQTT broker').at(-1)?.context).toMatchObject({ url: second.url, session_present: false });
    await subscriber.waitFor((messages) => new Set(messages.map((message) => message.payload['seq'])).size === 3, 10_000, 'all three results on the second broker');
  });

  it('stops within two seconds while the broker is down', async () => {
    const b = await broker();
    const s = await startSink(b.url);
    await eventually(() => s.isConnected() === true, 10_000, 'connected');
    await b.stop();
    await eventually(() => s.isConnected() === false, 10_000, 'disconnected');

    const began = performance.now();
    await s.sink.stop();
    expect(performance.now() - began).toBeLessThan(2_000);
  });

  it('stops within two seconds when the broker was never reachable', async () => {
    const b = await broker();
    await b.stop();
    const s = await startSink(b.url);
    await sleep(300); // a few failed attempts

    const began = performance.now();
    await s.sink.stop();
    expect(performance.now() - began).toBeLessThan(2_000);
  });

  it('stops within two seconds while a send waits for acknowledgements, and closes its connection', async () => {
    const b = await broker();
    const proxy = await holdingProxy(b);
    const s = await startSink(proxy.url);
    await eventually(() => s.isConnected() === true, 10_000, 'connected');
    proxy.hold();
    void s.sink.send(BATCH).catch(() => undefined);
    await sleep(100);

    const began = performance.now();
    await s.sink.stop();
    expect(performance.now() - began).toBeLessThan(2_000);
    await eventually(() => proxy.openSockets() === 0, 2_000, 'the connection to close');
  });
});
