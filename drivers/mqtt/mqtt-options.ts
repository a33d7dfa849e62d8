import { z } from 'zod';
import { duration } from '../option-types.js';
import { parseJsonPath } from './json-path.js';
import { MQTT_PRESET_NAMES } from './presets/index.js';
import { compileTopicMatcher } from './topic-matcher.js';
import { compileTopicTemplate } from './topic-template.js';

/** A string that `check` accepts, or an issue with the sentence `check` threw. */
function checked(check: (text: string) => unknown) {
  return z.string().superRefine((text, context) => {
    try {
      check(text);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });
}

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

export const mqttSourceOptions = z
  .strictObject({
    driver: z.literal('mqtt'),
    ...connection,
    preset: z
      .enum(MQTT_PRESET_NAMES)
      .optional()
      .describe('Topics, sensor names and tags for a firmware: tasmota, esphome, zigbee2mqtt or shelly. Options given here win.'),
    topics: z
      .union([z.string(), z.array(z.string()).min(1)])
      .transform((value) => (typeof value === 'string' ? [value] : value))
      .optional()
      .describe('Topic filter(s) to subscribe to; + and # wildcards allowed. Derived from topic_template or preset when absent.'),
    topic_template: checked(compileTopicMatcher)
      .optional()
      .describe('Topic levels to names, e.g. "sensors/{room}/{sensor}": {sensor} names the sensor, {<tag>} becomes a tag.'),
    fields: z
      .record(z.string(), checked(parseJsonPath))
      .optional()
      .describe('Only these JSON fields become readings: reading name to path, e.g. { temperature: "AM2301.Temperature" }.'),
    qos: z.literal([0, 1, 2]).default(1),
    strip_prefix: z
      .string()
      .optional()
      .describe('Removed from the start of the topic to form the sensor name, e.g. "sensors/".'),
    timestamp_field: z
      .union([checked(parseJsonPath), z.literal(false)])
      .optional()
      .describe('JSON field (or path) holding the time of measurement (ms since epoch, seconds, or ISO 8601); false: arrival time.'),
    max_payload_bytes: z.number().int().positive().default(65_536).describe('Larger payloads are rejected and counted.'),
    tags: z.record(z.string(), z.string()).default({}).describe('Tags added to every reading.'),
  })
  // Runs even when a key is unknown, so a misspelt `topic:` is reported with the missing `topics`.
  .superRefine(
    (options, context) => {
      if (options.topics === undefined && options.topic_template === undefined && options.preset === undefined) {
        context.addIssue({
          code: 'invalid_type',
          expected: 'array',
          path: ['topics'],
          input: undefined,
          message: 'give topics, a topic_template or a preset',
        });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

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
