import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgentProcess } from '../../test/helpers/agent-process.js';
import { startMosquitto, type MosquittoBroker } from '../../test/helpers/mosquitto.js';
import { eventually, recordMqtt } from '../../test/helpers/mqtt-recorder.js';
import { recordingContext } from '../../test/helpers/recording-context.js';
import { startTcpProxy } from '../../test/helpers/tcp-proxy.js';
import { makeTempDir } from '../../test/helpers/temp-dir.js';
import type { Reading } from '../../rules/reading.js';
import type { SinkBatch } from '../driver.js';
import { mqttSinkOptions, mqttSourceOptions } from './mqtt-options.js';
import { createMqttSink } from './mqtt-sink.js';
import { createMqttSource } from './mqtt-source.js';

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

function batch(seq: number): SinkBatch {
  return [
    {
      seq,
      result: { kind: 'window', rule: 'r10s', source: 'sim', sensor: 'temperature', tags: {}, start: T0 + seq * 10_000, end: T0 + (seq + 1) * 10_000, values: { mean: seq } },
    },
  ];
}

async function startSink(url: string, extra: Record<string, unknown> = {}) {
  const options = mqttSinkOptions.parse({ driver: 'mqtt', url, reconnect_period: '100ms', status_topic: STATUS, ...extra });
  const recording = recordingContext('upstream', () => T0);
  const sink = createMqttSink(options, recording.context);
  cleanups.push(() => sink.stop());
  await sink.start();
  return { sink, ...recording };
}

/** A subscriber that keeps raw payloads (the status is text, not JSON) and the retain flag. */
async function statusWatcher(url: string) {
  const client: MqttClient = await mqtt.connectAsync(url, { reconnectPeriod: 100 });
  cleanups.push(() => client.endAsync(true));
  const seen: { payload: string; retain: boolean }[] = [];
  client.on('message', (_topic, payload, packet) => seen.push({ payload: payload.toString(), retain: packet.retain }));
  await client.subscribeAsync(STATUS, { qos: 1 });
  return { seen, payloads: () => seen.map((message) => message.payload) };
}

/** A TCP proxy in front of the broker whose connections a test can cut, closed after the test. */
async function cuttableProxy(target: MosquittoBroker) {
  const proxy = await startTcpProxy(target.port);
  cleanups.push(() => proxy.close());
  return proxy;
}

describe('MQTT sink status topic', () => {
  it('publishes a retained "online" after connecting, which a subscriber that comes later still gets', async () => {
    const b = await broker();
    const s = await startSink(b.url);
    await eventually(() => s.isConnected() === true, 10_000, 'connected');

    // Subscribed only now: what arrives is the retained message.
    const watcher = await statusWatcher(b.url);
    await eventually(() => watcher.seen.length > 0, 10_000, 'the status');
    expect(watcher.seen).toEqual([{ payload: 'online', retain: true }]);
  });

  it('publishes a retained "offline" itself on a clean stop, since the broker drops the will on a DISCONNECT', async () => {
    const b = await broker();
    const s = await startSink(b.url);
    const watcher = await statusWatcher(b.url);
    await eventually(() => watcher.payloads().includes('online'), 10_000, '"online"');

    await s.sink.stop();
    await eventually(() => watcher.payloads().at(-1) === 'offline', 10_000, '"offline"');
    const late = await statusWatcher(b.url);
    await eventually(() => late.seen.length > 0, 10_000, 'the retained status');
    expect(late.seen).toEqual([{ payload: 'offline', retain: true }]);
  });

  it('leaves its Last Will "offline" with the broker, published when the connection breaks, and says "online" again after reconnecting', async () => {
    const b = await broker();
    const proxy = await cuttableProxy(b);
    const watcher = await statusWatcher(b.url);
    const s = await startSink(proxy.url);
    await eventually(() => watcher.payloads().includes('online'), 10_000, '"online"');

    proxy.cut();
    await eventually(() => watcher.payloads().includes('offline'), 10_000, 'the will');
    await eventually(() => watcher.payloads().at(-1) === 'online', 10_000, '"online" after reconnecting');
    expect(watcher.payloads()).toEqual(['online', 'offline', 'online']);
    await s.sink.send(batch(1));
  });

  it('lets a subscriber see "offline" when the agent process is killed with SIGKILL', async () => {
    const b = await broker();
    const dir = await makeTempDir('mqtt-status-agent');
    cleanups.push(() => dir.remove());
    const config = path.join(dir.path, 'tributary.yaml');
    await writeFile(
      config,
      `
agent: { log_format: json, tick: 50ms }
sources:
  sim:
    driver: simulator
    interval: 50ms
    sensors:
      - { name: a, base: 10, noise: 1 }
rules:
  fast:
    window: { size: 200ms, allowed_lateness: 0s }
sinks:
  upstream:
    driver: mqtt
    url: ${b.url}
    reconnect_period: 100ms
    keepalive: 2s
    status_topic: ${STATUS}
`,
    );
    const watcher = await statusWatcher(b.url);
    const agent = startAgentProcess(config, path.join(dir.path, 'data'));
    cleanups.push(async () => {
      agent.child.kill('SIGKILL');
      await agent.exited;
    });
    await eventually(() => watcher.payloads().includes('online'), 20_000, '"online" from the agent');

    agent.child.kill('SIGKILL');
    expect((await agent.exited).signal).toBe('SIGKILL');
    // The kernel closes the dead process's socket, so the broker publishes the will at once.
    await eventually(() => watcher.payloads().at(-1) === 'offline', 10_000, 'the will after SIGKILL');
    expect(watcher.payloads()).toEqual(['online', 'offline']);
  });
});

describe('persistent sessions (clean_session: false)', () => {
  it('finds its session on the broker again after the broker restarts, and delivers a send made before and after', async () => {
    const b = await broker();
    const subscriber = await recordMqtt(b.url, 'tributary/r10s/#');
    cleanups.push(() => subscriber.close());
    const s = await startSink(b.url, { client_id: 'pi-1-upstream', clean_session: false, qos: 2 });
    await eventually(() => s.isConnected() === true, 10_000, 'connected');
    await s.sink.send(batch(1));

    await b.restart();
    await eventually(() => s.logs.filter((entry) => entry.message === 'connected to MQTT broker').length === 2, 20_000, 'reconnected');
    const connects = s.logs.filter((entry) => entry.message === 'connected to MQTT broker').map((entry) => entry.context);
    // The first connect made the session; after the restart the broker still had it (saved in its persistence file).
    expect(connects).toEqual([
      { url: b.url, session_present: false },
      { url: b.url, session_present: true },
    ]);
    await s.sink.send(batch(2));
    await subscriber.waitFor((messages) => new Set(messages.map((message) => message.payload['seq'])).size === 2, 15_000, 'both results');
  });

  it('does not log a session state with a clean session', async () => {
    const b = await broker();
    const s = await startSink(b.url);
    await eventually(() => s.isConnected() === true, 10_000, 'connected');
    expect(s.logs.find((entry) => entry.message === 'connected to MQTT broker')?.context).toEqual({ url: b.url });
  });

  it('lets a source with a persistent session receive, after it comes back, what was published while it was stopped', async () => {
    const b = await broker();
    const publisher = await mqtt.connectAsync(b.url, { reconnectPeriod: 0 });
    cleanups.push(() => publisher.endAsync(true));
    const options = mqttSourceOptions.parse({ driver: 'mqtt', url: b.url, topics: 'probes/#', client_id: 'pi-1-probes', clean_session: false });

    const run = async () => {
      const readings: Reading[] = [];
      const recording = recordingContext('probes', () => T0);
      const source = createMqttSource(options, recording.context);
      await source.start((reading) => readings.push(reading));
      return { source, readings, recording };
    };
    const first = await run();
    await eventually(() => first.recording.isConnected() === true, 10_000, 'the source connected');
    // Until the SUBACK the subscription may not be in place: publish until the first reading arrives.
    const deadline = Date.now() + 10_000;
    while (first.readings.length === 0 && Date.now() < deadline) {
      await publisher.publishAsync('probes/warmup', '1', { qos: 1 });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await first.source.stop();

    await publisher.publishAsync('probes/while_away', '42', { qos: 1 });
    const second = await run();
    cleanups.push(() => second.source.stop());
    await eventually(() => second.readings.some((reading) => reading.sensor === 'probes/while_away'), 10_000, 'the message queued while away');
  });
});
