import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { checkConfigText, type TributaryConfig } from '../../agent/config/load-config.js';
import { AgentMetrics } from '../../agent/health/agent-metrics.js';
import { HealthCheck } from '../../agent/health/health-report.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { eventually, recordMqtt } from '../helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const HOUR = 3_600_000;
const THREE_DAYS = 72 * HOUR;

function configFor(yaml: string): TributaryConfig {
  const checked = checkConfigText(yaml, 'source-timestamps.yaml', {});
  if (!checked.ok) throw new Error(checked.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return checked.config;
}

/** A logger whose JSON lines the test can read. */
function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

/** Publishes a plain number to each topic until every source has taken a reading: the subscriptions are live. */
async function untilSubscribed(agent: Agent, device: MqttClient, topics: string[]): Promise<void> {
  await eventually(() => {
    for (const topic of topics) void device.publishAsync(topic, '0');
    return agent.sourceStatus().every((source) => source.readings > 0);
  }, 10_000, 'every source to receive from the broker');
}

/**
 * Devices publish JSON with their own time of measurement (`timestamp_field: ts`) to a real Mosquitto; the agent
 * passes each reading on unchanged (a rule without a window) to an MQTT sink on the same broker, where the test reads
 * the time each reading arrived with.
 */
describe('timestamps that readings carry themselves', () => {
  let broker: MosquittoBroker;
  let dir: TempDir;
  beforeEach(async () => {
    broker = await startMosquitto();
    dir = await makeTempDir('source-timestamps');
  });
  afterEach(async () => {
    await broker.dispose();
    await dir.remove();
  });

  it("keep the device's time within max_skew; an hour ahead or behind is replaced, kept or dropped as each source says, counted and logged", async () => {
    const device = (prefix: string, extra = '') =>
      `{ driver: mqtt, url: "${broker.url}", topics: "${prefix}/#", strip_prefix: "${prefix}/", timestamp_field: ts${extra} }`;
    const config = configFor(`
agent: { tick: 50ms, http: { enabled: false } }
time: { sync: always }
buffer: { commit_interval: 10ms }
sources:
  replaced: ${device('replace')}
  kept: ${device('keep', ', timestamps: { on_skew: keep }')}
  dropped: ${device('drop', ', timestamps: { on_skew: drop }')}
rules:
  passed: {}
sinks:
  upstream: { driver: mqtt, url: "${broker.url}", topic: "out/{source}/{sensor}" }
`);
    const { log, lines } = capturedLog();
    const agent = new Agent(config, { log, dataDir: path.join(dir.path, 'data') });
    const upstream = await recordMqtt(broker.url, 'out/+/dev/#');
    const publisher = await mqtt.connectAsync(broker.url);
    await agent.start();
    try {
      await untilSubscribed(agent, publisher, ['replace/probe', 'keep/probe', 'drop/probe']);
      const sentAt = Date.now();
      const inTolerance = sentAt - 2_000;
      for (const prefix of ['replace', 'keep', 'drop']) {
        for (const payload of [
          { v: 1, ts: inTolerance },
          { v: 2, ts: sentAt + HOUR },
          { v: 3, ts: sentAt - HOUR },
          { v: 4 }, // stamped on arrival; it comes last, so once it is there every earlier one is too
        ]) {
          await publisher.publishAsync(`${prefix}/dev`, JSON.stringify(payload), { qos: 1 });
        }
      }
      await upstream.waitFor((messages) => messages.filter((m) => m.payload.value === 4).length === 3, 10_000, 'the last reading of each source');
      const receivedAt = Date.now();
      const timesOf = (source: string) =>
        Object.fromEntries(upstream.messages.filter((m) => m.payload.source === source).map((m) => [m.payload.value, m.payload.timestamp as number]));

      const replaced = timesOf('replaced');
      expect(Object.keys(replaced)).toEqual(['1', '2', '3', '4']);
      expect(replaced[1]).toBe(inTolerance);
      for (const value of [2, 3]) {
        expect(replaced[value]).toBeGreaterThanOrEqual(sentAt);
        expect(replaced[value]).toBeLessThanOrEqual(receivedAt);
      }
      expect(timesOf('kept')).toMatchObject({ 1: inTolerance, 2: sentAt + HOUR, 3: sentAt - HOUR });
      const dropped = timesOf('dropped');
      expect(Object.keys(dropped)).toEqual(['1', '4']);
      expect(dropped[1]).toBe(inTolerance);

      expect(agent.sourceStatus().map(({ name, skewedTimestamps }) => [name, skewedTimestamps])).toEqual([
        ['replaced', { replace: 2, keep: 0, drop: 0 }],
        ['kept', { replace: 0, keep: 2, drop: 0 }],
        ['dropped', { replace: 0, keep: 0, drop: 2 }],
      ]);
      expect(agent.sourceStatus().map(({ rejected }) => rejected)).toEqual([0, 0, 2]);
      const metrics = new AgentMetrics(agent, new HealthCheck(agent));
      const text = await metrics.render();
      expect(text).toContain('tributary_skewed_timestamps_total{source="replaced",action="replace"} 2');
      expect(text).toContain('tributary_skewed_timestamps_total{source="kept",action="keep"} 2');
      expect(text).toContain('tributary_skewed_timestamps_total{source="dropped",action="drop"} 2');
      expect(text).toContain('tributary_bad_input_total{source="dropped",kind="timestamp-ahead"} 1');

      // Logged once per kind and source, with what was found.
      const skewLines = lines.filter((line) => String(line.msg).startsWith('skewed timestamp:'));
      expect(skewLines.map((line) => `${line.source} ${line.kind}`).sort()).toEqual([
        'dropped timestamp-ahead',
        'dropped timestamp-behind',
        'kept timestamp-ahead',
        'kept timestamp-behind',
        'replaced timestamp-ahead',
        'replaced timestamp-behind',
      ]);
      const ahead = skewLines.find((line) => line.source === 'replaced' && line.kind === 'timestamp-ahead')!;
      expect(ahead).toMatchObject({ level: 40, sensor: 'dev/v', source_time: new Date(sentAt + HOUR).toISOString(), action: 'replace' });
      expect(ahead.skew_ms as number).toBeGreaterThan(HOUR - 10_000);
      expect(ahead.msg).toMatch(/^skewed timestamp: dev\/v: its time \S+ is 1 h ahead of the local clock, more than 5 min; stamped with its arrival time instead$/);
    } finally {
      await agent.stop();
      await publisher.endAsync();
      await upstream.close();
    }
  });

  it("take the arrival time while the Pi's clock is not synchronised, which re-dating then brings to the device's true time", async () => {
    const flag = path.join(dir.path, 'timesync', 'synchronized');
    await mkdir(path.dirname(flag));
    const clock = { offset: -THREE_DAYS }; // booted with the time fake-hwclock saved three days ago
    const config = configFor(`
agent: { tick: 50ms, http: { enabled: false } }
time: { sync: timesyncd, sync_flag: "${flag}", check_interval: 100ms, hold_unsynchronised: 1h }
buffer: { commit_interval: 10ms }
sources:
  devices: { driver: mqtt, url: "${broker.url}", topics: "sensors/#", strip_prefix: sensors/, timestamp_field: ts }
rules:
  passed: {}
sinks:
  upstream: { driver: mqtt, url: "${broker.url}", topic: "out/{source}/{sensor}" }
`);
    const { log, lines } = capturedLog();
    const agent = new Agent(config, {
      log,
      dataDir: path.join(dir.path, 'data'),
      now: () => Date.now() + clock.offset,
      monotonic: () => performance.now(),
    });
    const taken: { value: number; timestamp: number }[] = [];
    agent.tap.onReading((reading) => void taken.push(reading));
    const upstream = await recordMqtt(broker.url, 'out/devices/dev/#');
    const publisher = await mqtt.connectAsync(broker.url);
    await agent.start();
    try {
      await untilSubscribed(agent, publisher, ['sensors/probe']);
      // The device's clock is right (NTP over its own uplink): it says the true time.
      const measuredAt = Date.now();
      await publisher.publishAsync('sensors/dev', JSON.stringify({ v: 1, ts: measuredAt }), { qos: 1 });
      await eventually(() => taken.some((reading) => reading.value === 1), 10_000, 'the reading taken in');
      // Taken in at the arrival time by the Pi's clock, three days behind, as every other time it stamps now.
      const inAgent = taken.find((reading) => reading.value === 1)!.timestamp;
      expect(Math.abs(inAgent - (measuredAt - THREE_DAYS))).toBeLessThan(10_000);
      expect(lines.filter((line) => String(line.msg).includes("this source's own timestamps are replaced by arrival times"))).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 300)); // buffered at the stale time, then held
      expect(upstream.messages).toHaveLength(0);

      clock.offset = 0;
      // Until timesyncd says so the reading stays held, though by the stepped wall clock it is three days old.
      await eventually(() => agent.clockSteps === 1, 10_000, 'the step noticed');
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(upstream.messages).toHaveLength(0);
      await writeFile(flag, '');
      await upstream.waitFor((messages) => messages.some((m) => m.payload.value === 1), 10_000, 'the reading, re-dated');
      const sent = upstream.messages.find((m) => m.payload.value === 1)!.payload;
      expect(sent.time_quality).toBe('redated');
      // At the device's true time (within the delivery delay); the device's own time kept would be three days ahead.
      expect(Math.abs((sent.timestamp as number) - measuredAt)).toBeLessThan(10_000);
      expect(agent.sourceStatus()[0]!.skewedTimestamps).toEqual({ replace: 0, keep: 0, drop: 0 });
    } finally {
      await agent.stop();
      await publisher.endAsync();
      await upstream.close();
    }
  });
});
