import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { startMosquitto } from '../../test/helpers/mosquitto.js';
import type { DriverContext } from '../driver.js';
import { closeMqtt, connectMqtt } from './mqtt-connection.js';
import { systemClock } from '../clock.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const quiet = () => {};
const context: DriverContext = {
  name: 'mqtt_test',
  log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  now: () => Date.now(),
  clock: systemClock,
  badInput: quiet,
  setConnected: quiet,
};

describe('MQTT connections', () => {
  it('build packet ids as they go instead of keeping 65,536 pre-built ones (about 7 MB of heap)', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.dispose());
    const client = connectMqtt({ url: broker.url, clean_session: true, keepalive: 60_000, reconnect_period: 100, connect_timeout: 5_000 }, context);
    cleanups.push(() => closeMqtt(client));
    await new Promise((resolve) => client.once('connect', resolve));
    // QoS 1 is what writes a packet id: the first write is when mqtt-packet would fill its cache.
    await client.publishAsync('t/x', '1', { qos: 1 });
    expect((mqttPacket.writeToStream as unknown as { cacheNumbers: boolean }).cacheNumbers).toBe(false);
  });

  it('notices a broker that stopped answering within 1.5 keepalives, also while it was acknowledging a stream of publishes', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.dispose());
    // Between client and broker, a link that can hang: connections stay open, nothing more gets through.
    let hung = false;
    const sockets: net.Socket[] = [];
    const link = net.createServer((inbound) => {
      const outbound = net.connect(broker.port, broker.host);
      sockets.push(inbound, outbound);
      inbound.on('data', (data) => hung || outbound.write(data));
      outbound.on('data', (data) => hung || inbound.write(data));
      for (const socket of [inbound, outbound]) socket.on('error', quiet);
    });
    await new Promise<void>((resolve) => link.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => { for (const socket of sockets) socket.destroy(); link.close(resolve); }));
    const port = (link.address() as net.AddressInfo).port;
    const client = connectMqtt({ url: `mqtt://127.0.0.1:${port}`, clean_session: true, keepalive: 1_000, reconnect_period: 60_000, connect_timeout: 5_000 }, context);
    cleanups.push(() => closeMqtt(client));
    await new Promise((resolve) => client.once('connect', resolve));
    // Two keepalives of QoS 1 traffic, every publish acknowledged: the connection must stay up through them.
    const publishedUntil = Date.now() + 2_000;
    let acknowledged = 0;
    while (Date.now() < publishedUntil) {
      await client.publishAsync('t/x', '1', { qos: 1 });
      acknowledged += 1;
    }
    expect(acknowledged).toBeGreaterThan(100);
    expect(client.connected).toBe(true);
    hung = true;
    const hungAt = Date.now();
    await new Promise<void>((resolve) => client.once('close', () => resolve()));
    // 1.5 keepalives after the last answer at most; a little more for the timer's rounding and a busy machine.
    expect(Date.now() - hungAt).toBeLessThan(2_500);
  });
});
