import type { MqttClient } from 'mqtt';
import type { DriverContext, SinkBatch, SinkDriver } from '../driver.js';
import { closeMqtt, connectMqtt } from './mqtt-connection.js';
import type { MqttSinkOptions } from './mqtt-options.js';
import { encodeResultPayload } from './result-payload.js';
import { compileTopicTemplate } from './topic-template.js';

/** Publishes each result as JSON; a batch counts as sent only when the broker has acknowledged every message. */
export function createMqttSink(options: MqttSinkOptions, context: DriverContext): SinkDriver {
  let client: MqttClient | undefined;
  const topicFor = compileTopicTemplate(options.topic);

  return {
    async start() {
      client = connectMqtt(options, context);
    },
    async send(batch: SinkBatch) {
      if (!client?.connected) throw new Error(`not connected to ${options.url}`);
      // With QoS 1 each promise settles on its PUBACK; if the connection drops meanwhile, mqtt.js resends the
      // unacknowledged messages after reconnecting, and the batch stays in our buffer until then.
      await Promise.all(
        batch.map((item) =>
          client!.publishAsync(topicFor(item.result), encodeResultPayload(item), { qos: options.qos, retain: options.retain }),
        ),
      );
    },
    async stop() {
      await closeMqtt(client);
    },
  };
}
