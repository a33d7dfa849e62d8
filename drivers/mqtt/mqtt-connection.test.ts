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
});
