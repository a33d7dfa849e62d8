import type { Reading } from '../../rules/reading.js';
import type { MqttSourceOptions } from './mqtt-options.js';
import { FieldNames } from './field-names.js';
import { flatFields, FlatKeys } from './flat-json-payload.js';
import { compileFields, parseMqttPayload, type PayloadParseOptions } from './mqtt-payload.js';
import { MQTT_PRESETS } from './presets/index.js';
import type { TopicRoute } from './presets/preset.js';
import { compileTopicMatcher } from './topic-matcher.js';

/** A rejected message, by the kind bad-input counters are keyed by. */
export interface MessageRejection {
  readonly kind: string;
  readonly message: string;
}

/** Turns one message into readings appended to `out`; returns why (part of) it was rejected, if it was. */
export type MessageReader = (topic: string, payload: Buffer, now: number, out: Reading[]) => MessageRejection | undefined;

/**
 * Everything the MQTT source does with a message, apart from receiving it: topic to sensor name and tags (by
 * `topic_template`, `preset` or `strip_prefix`), then payload to readings. Built once per source from its options.
 */
export function createMessageReader(options: MqttSourceOptions, sourceName: string): { read: MessageReader; topics: string[] } {
  const { router, topics, described } = routerFor(options);
  const preset = options.preset === undefined ? undefined : MQTT_PRESETS[options.preset];
  const fields = options.fields === undefined ? undefined : compileFields(options.fields);
  // The user's timestamp_field wins over the preset's; `false` turns the preset's off.
  const timestampField = options.timestamp_field === false ? undefined : (options.timestamp_field ?? preset?.timestampField);
  // One options object for every message, its per-message fields set in place: a message costs no object of its own.
  const parse: Mutable<PayloadParseOptions> = {
    source: sourceName,
    sensor: '',
    tags: options.tags,
    timestampField,
    maxPayloadBytes: options.max_payload_bytes,
    now: 0,
    fields,
    ignoreFields: preset?.ignoreFields,
    onOffStrings: preset?.onOffStrings,
    names: new FieldNames(),
    flat: { keys: new FlatKeys(), fields: flatFields() },
  };
  return {
    topics,
    read(topic, payload, now, out) {
      const route = router(topic);
      if (route === 'ignore') return undefined;
      if (route === 'mismatch') return { kind: 'mqtt-topic-mismatch', message: `topic "${topic}" does not fit ${described}; narrow topics` };
      parse.sensor = route.sensor;
      parse.tags = route.tags;
      parse.now = now;
      return parseMqttPayload(payload, parse, out);
    },
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What the source makes of a topic: the sensor name and tags, a topic to skip, or one that does not fit. */
type Router = (topic: string) => TopicRoute | 'ignore' | 'mismatch';

/**
 * Where sensor names and tags come from, first match wins: the user's `topic_template`, the preset, or the topic
 * itself minus `strip_prefix`. The instance's `tags` are added last, so a tag written in the config wins over one
 * of the same name taken from the topic.
 */
function routerFor(options: MqttSourceOptions): { router: Router; topics: string[]; described: string } {
  const strip = (topic: string) =>
    options.strip_prefix !== undefined && topic.startsWith(options.strip_prefix) ? topic.slice(options.strip_prefix.length) : topic;
  const withTags = (tags: Readonly<Record<string, string>>) =>
    Object.keys(tags).length === 0 ? options.tags : { ...tags, ...options.tags };
  const preset = options.preset === undefined ? undefined : MQTT_PRESETS[options.preset];

  if (options.topic_template !== undefined) {
    const matcher = compileTopicMatcher(options.topic_template);
    return {
      topics: options.topics ?? [matcher.filter],
      described: `topic_template "${matcher.template}"`,
      router: (topic) => {
        const match = matcher.match(topic);
        if (match === undefined) return 'mismatch';
        return { sensor: match.sensor ?? strip(topic), tags: withTags(match.tags) };
      },
    };
  }
  if (preset !== undefined) {
    return {
      topics: options.topics ?? [...preset.topics],
      described: `preset ${options.preset}`,
      router: (topic) => {
        const route = preset.route(topic);
        if (route === undefined) return 'mismatch';
        if (route === 'ignore') return route;
        return { sensor: route.sensor, tags: withTags(route.tags) };
      },
    };
  }
  // The schema makes sure there are topics when there is neither a template nor a preset.
  // The route of a topic is kept (it depends on nothing else): the next message on it costs no sensor name and no
  // route of its own (issue 24: allocations per reading). At most MAX_KEPT_ROUTES, then it starts over.
  const routes = new Map<string, TopicRoute>();
  return {
    topics: options.topics ?? [],
    described: 'topics',
    router: (topic) => {
      let route = routes.get(topic);
      if (route === undefined) {
        if (routes.size >= MAX_KEPT_ROUTES) routes.clear();
        route = { sensor: strip(topic), tags: options.tags };
        routes.set(topic, route);
      }
      return route;
    },
  };
}

/** Topics whose route the plain (`strip_prefix`) router keeps: a bound on its memory whatever the topics. */
const MAX_KEPT_ROUTES = 10_000;

