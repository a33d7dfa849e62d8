import { z } from 'zod';
import { docsNotes } from '../../rules/option-types.js';
import { duration } from '../option-types.js';
import { sourceTimestampOverrides } from '../timestamp-options.js';
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

/** TLS settings for mqtts:// and wss://; files are read when the driver starts. */
const tlsOptions = z
  .strictObject({
    ca: z
      .string()
      .optional()
      .describe("PEM file of the CA that signed the broker's certificate; the system's CAs when absent."),
    cert: z.string().optional().describe('PEM file of this client\'s certificate, for a broker that asks for one (give key too).'),
    key: z.string().optional().describe('PEM file of the private key of cert.'),
    reject_unauthorized: z
      .boolean()
      .default(true)
      .describe("false: accept any broker certificate. Only for tests: anyone on the path can then read and change the data."),
  })
  .superRefine((tls, context) => {
    if ((tls.cert === undefined) !== (tls.key === undefined)) {
      context.addIssue({ code: 'custom', path: [tls.cert === undefined ? 'cert' : 'key'], message: 'give both cert and key, or neither' });
    }
  });

const brokerUrl = z.string().regex(/^(mqtts?|wss?|tcp):\/\/\S+$/, 'expected a broker URL such as mqtt://127.0.0.1:1883');

/** Connection settings shared by the MQTT source and sink. */
const connection = {
  url: brokerUrl
    .optional()
    .describe('Broker URL: mqtt://host:port or mqtts://host:port.')
    .register(docsNotes, { default: '`mqtt://127.0.0.1:1883`' }),
  brokers: z
    .array(brokerUrl)
    .min(1, { error: 'name at least one broker URL' })
    .optional()
    .describe('Instead of url: the brokers of a cluster, each tried in turn when the connection is lost.'),
  client_id: z.string().optional().describe('MQTT client id; a random one when absent.'),
  username: z.string().optional(),
  password: z.string().optional().describe('Use ${ENV_VAR} to keep it out of the file.'),
  tls: tlsOptions.optional().describe('CA, client certificate and key for mqtts:// or wss://.'),
  clean_session: z
    .boolean()
    .default(true)
    .describe('false: the broker keeps this client\'s session across disconnections (needs a fixed client_id).'),
  keepalive: duration().prefault('30s'),
  reconnect_period: duration().prefault('1s').describe('Wait between reconnect attempts.'),
  connect_timeout: duration().prefault('10s'),
};

/** Checks between connection options, for the source and the sink alike. */
function checkConnection(
  options: { url?: string | undefined; brokers?: string[] | undefined; client_id?: string | undefined; clean_session: boolean; tls?: object | undefined },
  context: z.RefinementCtx,
): void {
  if (options.url !== undefined && options.brokers !== undefined) {
    context.addIssue({ code: 'custom', path: ['brokers'], message: 'give url or brokers, not both (put the url in the brokers list)' });
  }
  if (!options.clean_session && options.client_id === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['client_id'],
      message: 'clean_session: false needs a fixed client_id, or the broker cannot find the session again',
    });
  }
  // mqtt.js dials every broker of a list with the first one's path (see broker-servers.ts).
  const paths = new Set(brokerUrls(options).map((url) => (/^wss?:/.test(url) ? new URL(url).pathname : '/')));
  if (paths.size > 1) {
    context.addIssue({ code: 'custom', path: ['brokers'], message: `every broker of the list needs the same path; got ${[...paths].join(', ')}` });
  }
  const plain = brokerUrls(options).filter((url) => !/^(mqtts|wss):/.test(url));
  if (options.tls !== undefined && plain.length > 0) {
    context.addIssue({ code: 'custom', path: ['tls'], message: `tls needs mqtts:// or wss:// for every broker; ${plain.join(', ')} is not encrypted` });
  }
}

/** The broker URLs of a source or sink: `brokers`, else `url`, else the local broker. */
export function brokerUrls(options: { url?: string | undefined; brokers?: readonly string[] | undefined }): string[] {
  return [...(options.brokers ?? [options.url ?? 'mqtt://127.0.0.1:1883'])];
}

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
    timestamps: sourceTimestampOverrides(),
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
  )
  .superRefine(checkConnection);

/** Home Assistant MQTT discovery: one sensor per aggregate of a series, one binary sensor per alerting series. */
const homeAssistantOptions = z.strictObject({
  discovery_prefix: z.string().regex(/^[^+#]+$/, 'no + or # in a topic').default('homeassistant').describe('Home Assistant\'s discovery prefix.'),
  device_id: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/, 'letters, digits, _ and - only (Home Assistant\'s rule for discovery topics)')
    .optional()
    .describe('Identifies this agent as one device in Home Assistant; default: client_id, else the host name.'),
  device_name: z.string().optional().describe('Device name shown in Home Assistant; default: "Tributary <device_id>".'),
  aggregates: z
    .array(z.string())
    .min(1)
    .optional()
    .describe('Only these aggregates become sensors (default: every aggregate a window carries).'),
  units: z
    .record(z.string(), z.string())
    .default({})
    .describe('Unit of measurement per sensor name, e.g. { greenhouse/temperature: "°C" }; not applied to count.'),
  expire_after: duration()
    .optional()
    .describe('Home Assistant shows a sensor as unavailable when no result came for this long.'),
});

export const mqttSinkOptions = z
  .strictObject({
    driver: z.literal('mqtt'),
    ...connection,
    // Compiled here too, so `tributary validate` catches a misspelt placeholder, not only the start of the sink.
    topic: checked(compileTopicTemplate)
      .default('tributary/{rule}/{sensor}')
      .describe('Topic template; {rule}, {source}, {sensor} and {tags.<name>} are replaced.'),
    alert_topic: checked(compileTopicTemplate)
      .optional()
      .describe('Topic template for alerts; default: the topic template followed by /alert.'),
    alert_state_topic: checked(compileTopicTemplate)
      .optional()
      .describe("Topic template of each alert's current state, retained; default: the alert topic followed by /state."),
    qos: z.literal([0, 1, 2]).default(1),
    retain: z.boolean().default(false),
    status_topic: z
      .string()
      .regex(/^[^+#]+$/, 'no + or # in a topic')
      .optional()
      .describe('Retained "online" after each connect, "offline" on shutdown and, as Last Will, when the agent vanishes.'),
    home_assistant: homeAssistantOptions.optional().describe('Announce sensors and alerts to Home Assistant (MQTT discovery).'),
  })
  .superRefine(checkConnection)
  .superRefine((options, context) => {
    if (options.home_assistant !== undefined && options.status_topic === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['status_topic'],
        message: 'home_assistant needs a status_topic, so Home Assistant shows the entities unavailable when the agent is gone',
      });
    }
  });

export type HomeAssistantOptions = z.output<typeof homeAssistantOptions>;
export type MqttTlsOptions = z.output<typeof tlsOptions>;
export type MqttSourceOptions = z.output<typeof mqttSourceOptions>;
export type MqttSinkOptions = z.output<typeof mqttSinkOptions>;
