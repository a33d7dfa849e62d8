import mqtt, { type MqttClient } from 'mqtt';

/** A message as a subscriber saw it, payload decoded from JSON. */
export interface RecordedMessage {
  readonly topic: string;
  readonly payload: Record<string, unknown>;
}

/**
 * A separate MQTT client that records what the agent publishes. With a fixed client id and `clean: false` its
 * session (and the QoS 1 messages queued for it) survives a broker restart, so an outage test sees every message.
 */
export async function recordMqtt(url: string, filter: string, clientId = `recorder-${process.pid}-${Math.random().toString(16).slice(2)}`) {
  const client: MqttClient = await mqtt.connectAsync(url, { clientId, clean: false, reconnectPeriod: 200 });
  const messages: RecordedMessage[] = [];
  client.on('message', (topic, payload) => messages.push({ topic, payload: JSON.parse(payload.toString()) as Record<string, unknown> }));
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    messages,
    /** Waits until `predicate` holds for the recorded messages. */
    async waitFor(predicate: (messages: RecordedMessage[]) => boolean, timeoutMs = 20_000, what = 'expected messages'): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(messages)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${messages.length} message(s)`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => client.endAsync(true),
  };
}

/** Polls until `condition` is true. */
export async function eventually(condition: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
