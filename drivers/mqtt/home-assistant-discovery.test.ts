import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../../test/helpers/mosquitto.js';
import { eventually } from '../../test/helpers/mqtt-recorder.js';
import { recordingContext } from '../../test/helpers/recording-context.js';
import type { BufferedResult, SinkBatch } from '../driver.js';
import { mqttSinkOptions } from './mqtt-options.js';
import { createMqttSink } from './mqtt-sink.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const STATUS = 'tributary/pi-1/status';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function broker(): Promise<MosquittoBroker> {
  const started = await startMosquitto();
  cleanups.push(() => started.dispose());
  return started;
}

async function startSink(url: string, extra: Record<string, unknown> = {}) {
  const options = mqttSinkOptions.parse({
    driver: 'mqtt',
    url,
    reconnect_period: '100ms',
    client_id: 'pi-1',
    retain: true,
    status_topic: STATUS,
    home_assistant: { units: { 'greenhouse/temperature': '°C' } },
    ...extra,
  });
  const recording = recordingContext('upstream', () => T0);
  const sink = createMqttSink(options, recording.context);
  cleanups.push(() => sink.stop());
  await sink.start();
  await eventually(() => recording.isConnected() === true, 10_000, 'connected');
  return { sink, ...recording };
}

interface Seen {
  readonly topic: string;
  readonly text: string;
  readonly retain: boolean;
}

/** Everything published on the broker, in the order this subscriber received it. */
async function recordAll(url: string) {
  const client: MqttClient = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  cleanups.push(() => client.endAsync(true));
  const seen: Seen[] = [];
  client.on('message', (topic, payload, packet) => seen.push({ topic, text: payload.toString(), retain: packet.retain }));
  await client.subscribeAsync('#', { qos: 1 });
  const configs = () => seen.filter((message) => message.topic.startsWith('homeassistant/') && message.topic.endsWith('/config'));
  return { seen, configs, parsedConfigs: () => configs().map((message) => ({ topic: message.topic, config: JSON.parse(message.text) as Record<string, unknown> })) };
}

const window = (seq: number, sensor: string, tags: Record<string, string>, values: Record<string, number>): BufferedResult => ({
  seq,
  result: { kind: 'window', rule: 'r10s', source: 'sim', sensor, tags, start: T0 + seq, end: T0 + seq + 10_000, values },
});

const alert = (seq: number, state: 'pending' | 'firing' | 'resolved'): BufferedResult => ({
  seq,
  result: {
    kind: 'alert',
    rule: 'too_hot',
    source: 'sim',
    sensor: 'greenhouse/temperature',
    tags: {},
    timestamp: T0 + seq,
    state,
    previous: 'pending',
    detector: 'threshold',
    severity: 'warning',
    value: 31.5,
    message: 'greenhouse/temperature above 30',
    since: T0,
  },
});

const BATCH: SinkBatch = [
  window(1, 'greenhouse/temperature', { site: 'north' }, { count: 10, mean: 21.5, max: 22 }),
  window(2, 'greenhouse/humidity', {}, { count: 10, mean: 61.25, max: 64 }),
  { seq: 3, result: { kind: 'reading', rule: 'pass', source: 'sim', sensor: 'door', tags: {}, timestamp: T0, value: 1 } },
  alert(4, 'firing'),
  {
    seq: 5,
    result: { kind: 'event', rule: '_agent', source: 'pi-1', sensor: 'upstream', tags: {}, event: 'outage', timestamp: T0, end: T0 + 1, held: 3, message: 'outage' },
  },
];

/** The field a sensor's value_template reads, for the templates the sink writes. */
function templateField(template: string): string {
  const match = /^\{\{ value_json\[("[^"]+")\] if \1 in value_json else this\.state \}\}$/.exec(template);
  if (!match) throw new Error(`unexpected value_template ${template}`);
  return JSON.parse(match[1]!) as string;
}

describe('Home Assistant discovery', () => {
  it('announces one retained sensor per aggregate and one binary sensor per alert, in the shape Home Assistant requires', async () => {
    const b = await broker();
    const all = await recordAll(b.url);
    const s = await startSink(b.url);
    await s.sink.send(BATCH);
    // 3 + 3 aggregates, 1 reading, 1 alert; the agent's own event gets none.
    await eventually(() => all.configs().length === 8, 10_000, 'eight discovery configs');
    await eventually(() => all.seen.some((message) => message.topic === 'tributary/pass/door'), 10_000, 'the results');

    for (const { topic, config } of all.parsedConfigs()) {
      // <discovery_prefix>/<component>/<node_id>/<object_id>/config, ids of [a-zA-Z0-9_-] only.
      const match = /^homeassistant\/(sensor|binary_sensor)\/([a-zA-Z0-9_-]+)\/([a-zA-Z0-9_-]+)\/config$/.exec(topic);
      expect(match, topic).not.toBeNull();
      expect(match![2]).toBe('pi-1');
      expect(config['unique_id']).toBe(match![3]);
      expect(config).toMatchObject({
        name: expect.any(String),
        state_topic: expect.stringMatching(/^tributary\//),
        value_template: expect.any(String),
        availability: [{ topic: STATUS, payload_available: 'online', payload_not_available: 'offline' }],
        device: { identifiers: ['tributary_pi-1'], name: 'Tributary pi-1', manufacturer: 'Tributary' },
        origin: { name: 'Tributary' },
      });

      // The value_template reads a field the results on its state topic really carry.
      const states = all.seen.filter((message) => message.topic === config['state_topic']).map((message) => JSON.parse(message.text) as Record<string, unknown>);
      expect(states.length, `results on ${String(config['state_topic'])}`).toBeGreaterThan(0);
      if (match![1] === 'sensor') {
        expect(config['state_class']).toBe('measurement');
        const field = templateField(config['value_template'] as string);
        for (const state of states) expect(typeof state[field], `${field} in ${JSON.stringify(state)}`).toBe('number');
      } else {
        expect(config).toMatchObject({ payload_on: 'ON', payload_off: 'OFF', device_class: 'problem', json_attributes_topic: config['state_topic'] });
        expect(config['value_template']).toBe("{{ 'ON' if value_json.state == 'firing' else 'OFF' }}");
        for (const state of states) expect(state['state']).toBe('firing');
      }
    }
    // Retained: a subscriber that comes later (Home Assistant after its restart) gets every config.
    const late = await recordAll(b.url);
    await eventually(() => late.configs().length === 8, 10_000, 'the retained configs');
    expect(late.configs().every((message) => message.retain)).toBe(true);

    const byName = new Map(all.parsedConfigs().map(({ config }) => [config['name'], config]));
    expect([...byName.keys()].sort()).toEqual([
      'door (pass)',
      'greenhouse/humidity count (r10s)',
      'greenhouse/humidity max (r10s)',
      'greenhouse/humidity mean (r10s)',
      'greenhouse/temperature [site=north] count (r10s)',
      'greenhouse/temperature [site=north] max (r10s)',
      'greenhouse/temperature [site=north] mean (r10s)',
      'greenhouse/temperature alert (too_hot)',
    ]);
    // The unit applies to the values of the sensor, not to how many readings there were.
    expect(byName.get('greenhouse/temperature [site=north] mean (r10s)')).toMatchObject({ unit_of_measurement: '°C' });
    expect(byName.get('greenhouse/temperature [site=north] count (r10s)')).not.toHaveProperty('unit_of_measurement');
    // Alerts have their own topic, so a summary sensor never sees an alert payload.
    expect(byName.get('greenhouse/temperature alert (too_hot)')).toMatchObject({ state_topic: 'tributary/too_hot/greenhouse/temperature/alert' });
  });

  it('announces before the first result of a series, and only once per series, not per result', async () => {
    const b = await broker();
    const all = await recordAll(b.url);
    const s = await startSink(b.url);
    await s.sink.send([window(1, 'greenhouse/temperature', {}, { mean: 21.5 }), alert(2, 'pending')]);
    await s.sink.send([window(3, 'greenhouse/temperature', {}, { mean: 21.7 }), alert(4, 'firing'), alert(5, 'resolved')]);
    await s.sink.send([window(6, 'greenhouse/temperature', {}, { mean: 21.9 }), window(7, 'greenhouse/co2', {}, { mean: 412 })]);
    await eventually(() => all.seen.filter((message) => message.topic.startsWith('tributary/r10s/')).length === 4, 10_000, 'the summaries');

    const topics = all.seen.map((message) => message.topic);
    expect(all.configs().map((message) => message.topic.split('/')[1])).toEqual(['sensor', 'binary_sensor', 'sensor']);
    const firstConfig = topics.findIndex((topic) => topic.startsWith('homeassistant/sensor/'));
    expect(firstConfig).toBeLessThan(topics.indexOf('tributary/r10s/greenhouse/temperature'));
    expect(topics.lastIndexOf(all.configs()[2]!.topic)).toBeLessThan(topics.indexOf('tributary/r10s/greenhouse/co2'));
  });

  it('announces again after Home Assistant says "online" on homeassistant/status, as it does when it starts', async () => {
    const b = await broker();
    const all = await recordAll(b.url);
    const s = await startSink(b.url);
    await s.sink.send(BATCH);
    await eventually(() => all.configs().length === 8, 10_000, 'the first announcement');
    await eventually(() => all.seen.some((message) => message.topic === 'tributary/pass/door'), 10_000, 'the results');

    const homeAssistant = await mqtt.connectAsync(b.url, { reconnectPeriod: 0 });
    cleanups.push(() => homeAssistant.endAsync(true));
    await homeAssistant.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await eventually(() => s.logs.some((entry) => entry.message.startsWith('Home Assistant started')), 10_000, 'the birth noticed');
    await s.sink.send(BATCH.map((item) => ({ ...item, seq: item.seq + 10 })));
    await eventually(() => all.configs().length === 16, 10_000, 'the second announcement');
    const again = all.parsedConfigs();
    expect(again.slice(8).map(({ config }) => config['unique_id'])).toEqual(again.slice(0, 8).map(({ config }) => config['unique_id']));
  });

  it('keeps unique_ids stable across restarts of the agent, so Home Assistant updates its entities instead of adding new ones', async () => {
    const b = await broker();
    const all = await recordAll(b.url);
    const first = await startSink(b.url);
    await first.sink.send(BATCH);
    await eventually(() => all.configs().length === 8, 10_000, 'the first announcement');
    await first.sink.stop();

    const second = await startSink(b.url);
    await second.sink.send(BATCH);
    await eventually(() => all.configs().length === 16, 10_000, 'the announcement after the restart');
    const ids = all.parsedConfigs().map(({ config }) => config['unique_id'] as string);
    expect(ids.slice(8)).toEqual(ids.slice(0, 8));
    expect(new Set(ids.slice(0, 8)).size).toBe(8);
  });

  it('announces only the aggregates listed, and nothing for two series a topic template cannot tell apart, with a warning', async () => {
    const b = await broker();
    const all = await recordAll(b.url);
    // No tag in the topic: north and south would share one state topic.
    const s = await startSink(b.url, { topic: 'farm/{rule}/{sensor}', home_assistant: { aggregates: ['mean'], device_id: 'greenhouse' } });
    await s.sink.send([window(1, 'temperature', { site: 'north' }, { count: 3, mean: 20 }), window(2, 'temperature', { site: 'south' }, { count: 3, mean: 25 })]);
    await eventually(() => all.seen.filter((message) => message.topic === 'farm/r10s/temperature').length === 2, 10_000, 'both results');

    expect(all.parsedConfigs().map(({ topic, config }) => [topic.split('/')[2], config['name']])).toEqual([['greenhouse', 'temperature [site=north] mean (r10s)']]);
    expect(s.logs.filter((entry) => entry.level === 'warn').map((entry) => [entry.message, entry.context])).toEqual([
      [expect.stringContaining('two series publish to the same topic'), expect.objectContaining({ topic: 'farm/r10s/temperature', tags: { site: 'south' } })],
    ]);
  });
});
