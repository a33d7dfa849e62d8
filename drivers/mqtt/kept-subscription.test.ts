import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test/helpers/mqtt-recorder.js';
import { startNatsServer } from '../../test/helpers/nats-server.js';
import { keepSubscribed } from './kept-subscription.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const LOGIN = { username: 'agent', password: 'secret' };

describe('keepSubscribed', () => {
  it('subscribes again while connected after the broker refused, and receives once the broker accepts', async () => {
    // NATS keeps each QoS 1 subscription in a JetStream consumer; with two allowed (one is the server's own, for
    // retained messages) a second client's subscription is refused (a SUBACK failure code) while the first holds one.
    const nats = await startNatsServer(['accounts { A: { jetstream: { max_consumers: 2 }, users: [{ user: agent, password: secret }] } }'], LOGIN);
    cleanups.push(() => nats.dispose());
    const holder = await mqtt.connectAsync(nats.mqttUrl, { ...LOGIN, clientId: 'holder' });
    cleanups.push(() => holder.endAsync(true));
    await holder.subscribeAsync('held/#', { qos: 1 });

    const client = mqtt.connect(nats.mqttUrl, { ...LOGIN, clientId: 'kept', resubscribe: false, reconnectPeriod: 100 });
    cleanups.push(() => client.endAsync(true));
    const refusals: string[] = [];
    let recovered = 0;
    const stop = keepSubscribed(client, ['sensors/#'], {
      qos: 1,
      retryMs: 200,
      onRefused: (error) => refusals.push(error.message),
      onRecovered: () => (recovered += 1),
    });
    cleanups.push(stop);
    const received: string[] = [];
    client.on('message', (topic) => received.push(topic));
    await eventually(() => refusals.length === 1, 10_000, 'the refusal');
    expect(refusals[0]).toMatch(/^Subscribe error/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(recovered).toBe(0);

    // The holder leaves (its clean session's consumer goes): the next retry, on the same connection, gets in.
    await holder.endAsync();
    await eventually(() => recovered === 1, 10_000, 'the subscription after the refusals');
    // Logged once for the whole run of refusals.
    expect(refusals).toHaveLength(1);
    const publisher = await mqtt.connectAsync(nats.mqttUrl, LOGIN);
    cleanups.push(() => publisher.endAsync(true));
    await publisher.publishAsync('sensors/probe', '1', { qos: 1 });
    await eventually(() => received.includes('sensors/probe'), 10_000, 'a message on the subscribed topic');
  });
});
