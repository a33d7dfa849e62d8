import mqtt from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { checkConfigText, type TributaryConfig } from '../../agent/config/load-config.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { eventually, recordMqtt } from '../helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const silent = pino({ level: 'silent' });

function configFor(yaml: string): TributaryConfig {
  const checked = checkConfigText(yaml, 'e2e.yaml', {});
  if (!checked.ok) throw new Error(checked.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return checked.config;
}

describe('readings from MQTT devices to summaries on MQTT', () => {
  let broker: MosquittoBroker;
  let dataDir: TempDir;
  beforeEach(async () => {
    broker = await startMosquitto();
    dataDir = await makeTempDir('e2e');
  });
  afterEach(async () => {
    await broker.dispose();
    await dataDir.remove();
  });

  it('aggregates readings published by a device into exact window results delivered to a subscriber', async () => {
    const config = configFor(`
sources:
  devices:
    driver: mqtt
    url: ${broker.url}
    topics: sensors/#
    strip_prefix: sensors/
    timestamp_field: ts
rules:
  rooms_1s:
    from: devices
    select: room1/*
    where: value > -40 and value < 125
    window: { size: 1s, allowed_lateness: 0s }
    aggregates: [count, sum, mean, min, max, first, last]
sinks:
  upstream:
    driver: mqtt
    url: ${broker.url}
    topic: out/{rule}/{sensor}
buffer:
  commit_interval: 10ms
`);
    const T0 = 1_700_000_000_000; // aligned to a whole second
    let now = T0;
    const agent = new Agent(config, { log: silent, now: () => now, dataDir: dataDir.path });
    const recorder = await recordMqtt(broker.url, 'out/#');
    const device = await mqtt.connectAsync(broker.url);
    await agent.start();
    try {
      // Publish probes on a sensor the rule ignores until the agent's subscription is live.
      await eventually(() => {
        void device.publishAsync('sensors/probe', '1');
        return agent.readingsIn > 0;
      }, 10_000, 'the agent to receive from the broker');
      const probes = agent.readingsIn;

      const temps = [20.5, 21.0, 22.5, 19.0, 200]; // 200 is filtered out by the rule
      const hums = [40, 41, 45];
      const sent: [string, Record<string, number>][] = [
        ['sensors/room1', { temp: temps[0]!, hum: hums[0]!, ts: T0 + 100 }],
        ['sensors/room1', { temp: temps[1]!, hum: hums[1]!, ts: T0 + 600 }],
        ['sensors/room1', { temp: temps[2]!, ts: T0 + 999 }],
        ['sensors/room1', { temp: temps[3]!, hum: hums[2]!, ts: T0 + 1_000 }],
        ['sensors/room1', { temp: temps[4]!, ts: T0 + 1_500 }],
      ];
      for (const [topic, payload] of sent) await device.publishAsync(topic, JSON.stringify(payload), { qos: 1 });
      // Bad input is counted and skipped, never fatal.
      await device.publishAsync('sensors/room1', 'not a number', { qos: 1 });
      await device.publishAsync('sensors/room1', '{"temp": ', { qos: 1 });
      await eventually(() => agent.readingsIn - probes >= 9, 10_000, 'nine readings');

      now = T0 + 2_000;
      await recorder.waitFor((messages) => messages.length >= 4, 10_000, 'four window results');
      const bySensorAndStart = Object.fromEntries(
        recorder.messages.map((m) => [`${m.topic}@${Number(m.payload.start) - T0}`, m.payload]),
      );
      expect(Object.keys(bySensorAndStart).sort()).toEqual([
        'out/rooms_1s/room1/hum@0',
        'out/rooms_1s/room1/hum@1000',
        'out/rooms_1s/room1/temp@0',
        'out/rooms_1s/room1/temp@1000',
      ]);
      expect(bySensorAndStart['out/rooms_1s/room1/temp@0']).toEqual({
        rule: 'rooms_1s',
        source: 'devices',
        sensor: 'room1/temp',
        tags: {},
        start: T0,
        end: T0 + 1_000,
        count: 3,
        sum: 64,
        mean: 64 / 3,
        min: 20.5,
        max: 22.5,
        first: 20.5,
        last: 22.5,
        seq: expect.any(Number),
        id: expect.any(String),
      });
      expect(bySensorAndStart['out/rooms_1s/room1/temp@1000']).toMatchObject({ count: 1, sum: 19, mean: 19, min: 19, max: 19 });
      expect(bySensorAndStart['out/rooms_1s/room1/hum@0']).toMatchObject({ count: 2, sum: 81, mean: 40.5, min: 40, max: 41, first: 40, last: 41 });
      expect(bySensorAndStart['out/rooms_1s/room1/hum@1000']).toMatchObject({ count: 1, mean: 45 });
      expect(agent.badInput.counts()).toEqual([{ source: 'devices', kind: 'mqtt-bad-payload', count: 2 }]);
      await eventually(() => agent.outbox.backlog()[0]!.pending === 0, 5_000, 'the buffer to drain');
    } finally {
      await agent.stop();
      await device.endAsync();
      await recorder.close();
    }
  });

  it('resends every window result, in order and none missing, after the broker was down', async () => {
    const config = configFor(`
sources:
  sim:
    driver: simulator
    interval: 20ms
    sensors:
      - { name: a, base: 10, noise: 1 }
      - { name: b, base: 20, noise: 1 }
rules:
  fast:
    window: { size: 200ms, allowed_lateness: 0s }
sinks:
  upstream:
    driver: mqtt
    url: ${broker.url}
    reconnect_period: 100ms
buffer:
  commit_interval: 20ms
forwarding:
  retry_initial: 50ms
  retry_max: 200ms
agent:
  tick: 20ms
`);
    const recorder = await recordMqtt(broker.url, 'tributary/#', 'outage-recorder');
    const agent = new Agent(config, { log: silent, dataDir: dataDir.path });
    await agent.start();
    try {
      await recorder.waitFor((messages) => messages.length >= 6, 10_000, 'results before the outage');
      await broker.stop();
      const atOutage = agent.resultsOut;
      await eventually(() => agent.resultsOut >= atOutage + 10, 10_000, 'results made while the broker is down');
      expect(agent.outbox.backlog()[0]!.pending).toBeGreaterThan(0);
      await broker.restart();
      await eventually(() => agent.outbox.backlog()[0]!.pending === 0, 15_000, 'the backlog to drain after the restart');
      await agent.stop();

      const delivered = agent.resultsOut - agent.outbox.backlog()[0]!.pending;
      await recorder.waitFor((messages) => new Set(messages.map((m) => m.payload.seq)).size >= delivered, 15_000, 'every result');
      const seqs = recorder.messages.map((m) => Number(m.payload.seq));
      const firstSeen = seqs.filter((seq, index) => seqs.indexOf(seq) === index);
      expect(firstSeen).toEqual(Array.from({ length: delivered }, (_, i) => i + 1));
      for (const sensor of ['a', 'b']) {
        const starts = recorder.messages
          .filter((m) => m.payload.sensor === sensor)
          .map((m) => Number(m.payload.start))
          .filter((start, index, all) => all.indexOf(start) === index);
        for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBe(200);
      }
    } finally {
      await agent.stop().catch(() => undefined);
      await recorder.close();
    }
  });
});
