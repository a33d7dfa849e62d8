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
      .describe("PEM file of the CA that signed the broker's certificate; the system's CAs when absent.")
      .register(docsNotes, { default: 'system CAs' }),
    cert: z.string().optional().describe('PEM file of this client\'s certificate, for a broker that asks for one (give `key` too).'),
    key: z.string().optional().describe('PEM file of the private key of `cert`.'),
    reject_unauthorized: z
      .boolean()
      .default(true)
      .describe('`false` accepts any broker certificate. Only for tests: anyone on the path can then read and change the data.'),
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
    .describe('Broker URL: `mqtt://host:port`, `mqtts://host:port` (TLS), `ws://` or `wss://` (WebSocket); `tcp://` means `mqtt://`. Or `brokers`, for a cluster.')
    .register(docsNotes, { default: '`mqtt://127.0.0.1:1883`' }),
  brokers: z
    .array(brokerUrl)
    .min(1, { error: 'name at least one broker URL' })
    .optional()
    .describe('Instead of `url`: several broker URLs (the nodes of a cluster), each tried in turn when the connection is lost; see Broker clusters.'),
  client_id: z
    .string()
    .optional()
    .describe('MQTT client id; a random one when absent. Must be unique on the broker; required with `clean_session: false`.')
    .register(docsNotes, { default: 'random' }),
  username: z.string().optional().describe('User name, if the broker asks for one.'),
  password: z.string().optional().describe('Password; write `${MQTT_PASSWORD}` to take it from the environment.'),
  tls: tlsOptions
    .optional()
    .describe('CA, client certificate and key for `mqtts://` or `wss://`.')
    .register(docsNotes, { keyByKey: true }),
  clean_session: z
    .boolean()
    .default(true)
    .describe('`false`: a persistent session, which the broker keeps across disconnections (needs a fixed `client_id`); see Persistent sessions.'),
  keepalive: duration()
    .prefault('30s')
    .describe('How often the client pings the broker, whatever else it sends; rounded to whole seconds. Each side takes the other as gone after 1.5 × this without an answer.'),
  reconnect_period: duration().prefault('1s').describe('Wait between reconnect attempts.'),
  connect_timeout: duration().prefault('10s').describe('How long one connect attempt may take.'),
};

/** The connection options, which the source and the sink share (the README lists them in a table of their own). */
export const CONNECTION_KEYS: readonly string[] = Object.keys(connection);

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
      .describe('`tasmota`, `esphome`, `zigbee2mqtt` or `shelly`: topics, sensor names and tags for that firmware (see Presets); options given here win.'),
    topics: z
      .union([z.string(), z.array(z.string()).min(1)])
      .transform((value) => (typeof value === 'string' ? [value] : value))
      .optional()
      .describe('One topic filter or a list of them; `+` and `#` wildcards allowed. Required unless `topic_template` or `preset` is given, which then supply it.'),
    topic_template: checked(compileTopicMatcher)
      .optional()
      .describe('What topic levels mean, e.g. `sensors/{room}/{sensor}`: `{sensor}` names the sensor, `{<tag>}` becomes a tag; see Topic templates.'),
    fields: z
      .record(z.string(), checked(parseJsonPath))
      .optional()
      .describe('Only these JSON fields become readings, reading name to path: `{ temperature: AM2301.Temperature }`; see Choosing fields by path.')
      .register(docsNotes, { default: 'all fields' }),
    qos: z.literal([0, 1, 2]).default(1).describe('QoS of the subscription: `0`, `1` or `2`.'),
    strip_prefix: z
      .string()
      .optional()
      .describe('Removed from the start of the topic to form the sensor name, e.g. `sensors/`; not used when a template or preset names the sensor.'),
    timestamp_field: z
      .union([checked(parseJsonPath), z.literal(false)])
      .optional()
      .describe('JSON field or path with the time of measurement (ms or s since the epoch, or ISO 8601); arrival time otherwise or with `false`.')
      .register(docsNotes, { default: "none (preset's)" }),
    timestamps: sourceTimestampOverrides(),
    max_payload_bytes: z.number().int().positive().default(65_536).describe('Larger payloads are rejected and counted as `mqtt-payload-too-large`.'),
    tags: z.record(z.string(), z.string()).default({}).describe('Tags added to every reading, e.g. `{ site: greenhouse-1 }`.'),
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
    .describe("The device's id in Home Assistant (`[a-zA-Z0-9_-]`; other characters of the default become `_`).")
    .register(docsNotes, { default: '`client_id`, else host name' }),
  device_name: z
    .string()
    .optional()
    .describe("The device's name in Home Assistant.")
    .register(docsNotes, { default: '`Tributary <device_id>`' }),
  aggregates: z
    .array(z.string())
    .min(1)
    .optional()
    .describe('Only these aggregates become sensors, e.g. `[mean, max]`; every aggregate a window carries when absent.')
    .register(docsNotes, { default: 'all' }),
  units: z
    .record(z.string(), z.string())
    .default({})
    .describe('Unit per sensor name: `{ greenhouse/temperature: "°C" }`; not applied to `count`.'),
  expire_after: duration()
    .optional()
    .describe('The sensor shows *unavailable* when no result came for this long, e.g. `5m`.'),
});

export const mqttSinkOptions = z
  .strictObject({
    driver: z.literal('mqtt'),
    ...connection,
    // Compiled here too, so `tributary validate` catches a misspelt placeholder, not only the start of the sink.
    topic: checked(compileTopicTemplate)
      .default('tributary/{rule}/{sensor}')
      .describe('Topic template; `{rule}`, `{source}`, `{sensor}` and `{tags.<name>}` are replaced.'),
    alert_topic: checked(compileTopicTemplate)
      .optional()
      .describe('Topic template for alerts.')
      .register(docsNotes, { default: '`topic` + `/alert`' }),
    alert_state_topic: checked(compileTopicTemplate)
      .optional()
      .describe("Topic template of each alert's current state, retained (QoS 1).")
      .register(docsNotes, { default: '`alert_topic` + `/state`' }),
    qos: z.literal([0, 1, 2]).default(1).describe('`0`, `1` or `2`; see Delivery.'),
    retain: z.boolean().default(false).describe('Publish retained messages.'),
    batch: z
      .boolean()
      .default(false)
      .describe('`true`: the results of one send that share a topic go as one message, a JSON array of their payloads in buffer order (alerts still one each); for many sensors under one topic, e.g. `tributary/{rule}`. See Batches.'),
    status_topic: z
      .string()
      .regex(/^[^+#]+$/, 'no + or # in a topic')
      .optional()
      .describe('Retained `online` after each connect, `offline` on shutdown and, as Last Will, when the agent vanishes; see Status topic.'),
    home_assistant: homeAssistantOptions.optional().describe('Announce sensors and alerts to Home Assistant (MQTT discovery); see Home Assistant.'),
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
    if (options.home_assistant !== undefined && options.batch) {
      context.addIssue({
        code: 'custom',
        path: ['batch'],
        message: 'batch cannot be used with home_assistant: Home Assistant reads one JSON object per message, not an array',
      });
    }
  });

export type HomeAssistantOptions = z.output<typeof homeAssistantOptions>;
export type MqttTlsOptions = z.output<typeof tlsOptions>;
export type MqttSourceOptions = z.output<typeof mqttSourceOptions>;
export type MqttSinkOptions = z.output<typeof mqttSinkOptions>;
