import net from 'node:net';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from './mosquitto.js';

// Every broker and client a test opens is closed here, even when an assertion fails halfway.
const brokers: MosquittoBroker[] = [];
const clients: MqttClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await Promise.all(brokers.splice(0).map((b) => b.dispose()));
});

async function broker(): Promise<MosquittoBroker> {
  const b = await startMosquitto();
  brokers.push(b);
  return b;
}

async function connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  // No automatic reconnects: each test decides when a client comes back.
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
  clients.push(client);
  return client;
}

function nextMessages(client: MqttClient, count: number): Promise<Array<{ topic: string; payload: string; qos: number }>> {
  return new Promise((resolve) => {
    const received: Array<{ topic: string; payload: string; qos: number }> = [];
    client.on('message', (topic, payload, packet) => {
      received.push({ topic, payload: payload.toString('utf8'), qos: packet.qos });
      if (received.length === count) resolve(received);
    });
  });
}

function tcpConnect(port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('startMosquitto', () => {
  it('starts a real broker on a loopback port that relays a QoS 1 message between two clients', async () => {
    const b = await broker();
    expect(b.url).toBe(`mqtt://127.0.0.1:${b.port}`);
    expect(b.running).toBe(true);

    const subscriber = await connect(b.url, { clientId: 'relay-sub' });
    await subscriber.subscribeAsync('tributary/test/relay', { qos: 1 });
    const received = nextMessages(subscriber, 1);

    const publisher = await connect(b.url, { clientId: 'relay-pub' });
    await publisher.publishAsync('tributary/test/relay', 'hello', { qos: 1 });

    expect(await received).toEqual([{ topic: 'tributary/test/relay', payload: 'hello', qos: 1 }]);
  });

  it('refuses connections on its port once stopped, and accepts them again after restart', async () => {
    const b = await broker();
    const port = b.port;

    await b.stop();
    expect(b.running).toBe(false);
    expect(await tcpConnect(port)).toBe('ECONNREFUSED');

    await b.restart();
    expect(b.port).toBe(port);
    expect(await tcpConnect(port)).toBe('connected');
  });

  it('keeps a persistent session and its queued QoS 1 messages across a restart', async () => {
    const b = await broker();
    const topic = 'tributary/test/outage';
    const session: IClientOptions = { clientId: 'outage-sub', clean: false };

    // Subscribe with a persistent session, then go offline so messages queue on the broker.
    const first = await connect(b.url, session);
    await first.subscribeAsync(topic, { qos: 1 });
    await first.endAsync();

    const before = await connect(b.url, { clientId: 'outage-pub-1' });
    await before.publishAsync(topic, 'queued before stop', { qos: 1 });
    await before.endAsync();

    await b.restart();

    // Published after the restart while the subscriber is still offline: only arrives if the
    // subscription itself was restored from the persistence file.
    const after = await connect(b.url, { clientId: 'outage-pub-2' });
    await after.publishAsync(topic, 'queued after restart', { qos: 1 });
    await after.endAsync();

    // Register the handler before CONNACK: mosquitto sends queued messages right after it.
    const back = mqtt.connect(b.url, { reconnectPeriod: 0, ...session });
    clients.push(back);
    const connack = new Promise<boolean>((resolve) => back.once('connect', (p) => resolve(p.sessionPresent)));
    const received = nextMessages(back, 2);

    expect(await connack).toBe(true);
    expect(await received).toEqual([
      { topic, payload: 'queued before stop', qos: 1 },
      { topic, payload: 'queued after restart', qos: 1 },
    ]);
  });

  it('refuses to start on a port another process already listens on', async () => {
    const b = await broker();
    await expect(startMosquitto({ port: b.port, startTimeoutMs: 5_000 })).rejects.toThrow(/Address already in use/);
  });
});
