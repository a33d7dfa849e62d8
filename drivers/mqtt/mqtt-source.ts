import type { MqttClient } from 'mqtt';
import type { Reading } from '../../rules/reading.js';
import type { DriverContext, SourceDriver } from '../driver.js';
import { closeMqtt, connectMqtt } from './mqtt-connection.js';
import type { MqttSourceOptions } from './mqtt-options.js';
import { parseMqttPayload } from './mqtt-payload.js';

/** Subscribes to topic filters and turns each message into readings named after its topic. */
export function createMqttSource(options: MqttSourceOptions, context: DriverContext): SourceDriver {
  let client: MqttClient | undefined;
  const readings: Reading[] = [];

  const sensorFor = (topic: string) =>
    options.strip_prefix !== undefined && topic.startsWith(options.strip_prefix) ? topic.slice(options.strip_prefix.length) : topic;

  return {
    async start(emit) {
      client = connectMqtt(options, context);
      // mqtt.js queues this until connected and subscribes again after each reconnect.
      client.subscribe(options.topics, { qos: options.qos }, (error) => {
        // "Connection closed": the broker went away before its SUBACK (or was down at start); mqtt.js subscribes
        // again once it is back, so that is no failure. A refusal or an invalid filter is.
        if (error && error.message !== 'Connection closed') {
          context.log.error({ topics: options.topics, error: error.message }, 'subscription failed; nothing arrives from these topics');
        }
      });
      client.on('message', (topic, payload) => {
        readings.length = 0;
        const rejection = parseMqttPayload(
          payload,
          {
            source: context.name,
            sensor: sensorFor(topic),
            tags: options.tags,
            timestampField: options.timestamp_field,
            maxPayloadBytes: options.max_payload_bytes,
            now: context.now(),
          },
          readings,
        );
        if (rejection) context.badInput(rejection.kind, rejection.message, { topic });
        for (const reading of readings) emit(reading);
      });
    },
    async stop() {
      await closeMqtt(client);
    },
  };
}
