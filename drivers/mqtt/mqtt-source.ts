import type { MqttClient } from 'mqtt';
import type { Reading } from '../../rules/reading.js';
import type { DriverContext, SourceDriver } from '../driver.js';
import { closeMqtt, connectMqtt } from './mqtt-connection.js';
import { createMessageReader } from './mqtt-message-reader.js';
import type { MqttSourceOptions } from './mqtt-options.js';

/** Subscribes to topic filters and turns each message into readings named after its topic. */
export function createMqttSource(options: MqttSourceOptions, context: DriverContext): SourceDriver {
  let client: MqttClient | undefined;
  const readings: Reading[] = [];
  const { read, topics } = createMessageReader(options, context.name);

  return {
    async start(emit) {
      client = connectMqtt(options, context);
      // mqtt.js queues this until connected and subscribes again after each reconnect.
      client.subscribe(topics, { qos: options.qos }, (error) => {
        // "Connection closed": the broker went away before its SUBACK (or was down at start); mqtt.js subscribes
        // again once it is back, so that is no failure. A refusal or an invalid filter is.
        if (error && error.message !== 'Connection closed') {
          context.log.error({ topics, error: error.message }, 'subscription failed; nothing arrives from these topics');
        }
      });
      client.on('message', (topic, payload) => {
        readings.length = 0;
        const arrival = context.now();
        const rejection = read(topic, payload, arrival, readings);
        if (rejection) context.badInput(rejection.kind, rejection.message, { topic });
        // A time other than the arrival time came from the payload; one equal to it would pass any check anyway.
        for (const reading of readings) emit(reading, reading.timestamp !== arrival);
      });
    },
    async stop() {
      await closeMqtt(client);
    },
  };
}
