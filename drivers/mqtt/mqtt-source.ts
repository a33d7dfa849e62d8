import type { MqttClient } from 'mqtt';
import type { Reading } from '../../rules/reading.js';
import type { DriverContext, SourceDriver } from '../driver.js';
import { closeMqtt, connectMqtt } from './mqtt-connection.js';
import { createMessageReader } from './mqtt-message-reader.js';
import type { MqttSourceOptions } from './mqtt-options.js';
import { keepSubscribed } from './kept-subscription.js';

/** Wait before subscribing again after the broker refused (a cluster electing leaders refuses for seconds). */
const SUBSCRIBE_RETRY_MS = 2_000;

/** Subscribes to topic filters and turns each message into readings named after its topic. */
export function createMqttSource(options: MqttSourceOptions, context: DriverContext): SourceDriver {
  let client: MqttClient | undefined;
  let stopSubscribing = () => {};
  const readings: Reading[] = [];
  const { read, topics } = createMessageReader(options, context.name);

  return {
    async start(emit) {
      // Subscribed by keepSubscribed, which (unlike mqtt.js's own resubscribe) tries a refused subscription again.
      client = connectMqtt(options, context, { resubscribe: false });
      stopSubscribing = keepSubscribed(client, topics, {
        qos: options.qos,
        retryMs: SUBSCRIBE_RETRY_MS,
        clock: context.clock,
        onRefused: (error) =>
          context.log.error({ topics, error: error.message, retryInMs: SUBSCRIBE_RETRY_MS }, 'subscription failed; nothing arrives from these topics'),
        onRecovered: () => context.log.info({ topics }, 'subscribed again after the broker refused'),
      });
      client.on('message', (topic, payload) => {
        // Emptied by pop, not `length = 0`: V8 gives an array set to length 0 a new backing store on its next push,
        // 152 bytes per message (issue 24: allocations per reading); pop keeps the one it has.
        while (readings.length > 0) readings.pop();
        const arrival = context.now();
        const rejection = read(topic, payload, arrival, readings);
        if (rejection) context.badInput(rejection.kind, rejection.message, { topic });
        // A time other than the arrival time came from the payload; one equal to it would pass any check anyway.
        // Indexed: no iterator per message.
        for (let i = 0; i < readings.length; i++) emit(readings[i]!, readings[i]!.timestamp !== arrival);
      });
    },
    async stop() {
      stopSubscribing();
      await closeMqtt(client, context.clock);
    },
  };
}
