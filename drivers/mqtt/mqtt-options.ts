import { z } from 'zod';
import { duration } from '../option-types.js';
import { compileTopicTemplate } from './topic-template.js';

/** Connection settings shared by the MQTT source and sink. */
const connection = {
  url: z
    .string()
    .regex(/^(mqtts?|wss?|tcp):\/\/\S+$/, 'expected a broker URL such as mqtt://127.0.0.1:1883')
    .default('mqtt://127.0.0.1:1883')
    .describe('Broker URL: mqtt://host:port or mqtts://host:port.'),
  client_id: z.string().optional().describe('MQTT client id; a random one when absent.'),
  username: z.string().optional(),
  password: z.string().optional().describe('Use ${ENV_VAR} to keep it out of the file.'),
  keepalive: duration().prefault('30s'),
  reconnect_period: duration().prefault('1s').describe('Wait between reconnect attempts.'),
  connect_timeout: duration().prefault('10s'),
};

export const mqttSourceOptions = z.strictObject({
  driver: z.literal('mqtt'),
  ...connection,
  topics: z
    .union([z.string(), z.array(z.string()).min(1)])
    .transform((value) => (typeof value === 'string' ? [value] : value))
    .describe('Topic filter(s) to subscribe to; + and # wildcards allowed.'),
  qos: z.literal([0, 1, 2]).default(1),
  strip_prefix: z
    .string()
    .optional()
    .describe('Removed from the start of the topic to form the sensor name, e.g. "sensors/".'),
  timestamp_field: z
    .string()
    .optional()
    .describe('JSON field holding the time of measurement (ms since epoch, seconds, or ISO 8601); arrival time otherwise.'),
  max_payload_bytes: z.number().int().positive().default(65_536).describe('Larger payloads are rejected and counted.'),
  tags: z.record(z.string(), z.string()).default({}).describe('Tags added to every reading.'),
});

export const mqttSinkOptions = z.strictObject({
  driver: z.literal('mqtt'),
  ...connection,
  topic: z
    .string()
    .default('tributary/{rule}/{sensor}')
    // Compiled here too, so `tributary validate` catches a misspelt placeholder, not only the start of the sink.
    .refine(
      (template) => {
        try {
          compileTopicTemplate(template);
          return true;
        } catch {
          return false;
        }
      },
      { error: 'unknown placeholder; use {rule}, {source}, {sensor} or {tags.<name>}' },
    )
    .describe('Topic template; {rule}, {source}, {sensor} and {tags.<name>} are replaced.'),
  qos: z.literal([0, 1, 2]).default(1),
  retain: z.boolean().default(false),
});

export type MqttSourceOptions = z.output<typeof mqttSourceOptions>;
export type MqttSinkOptions = z.output<typeof mqttSinkOptions>;
