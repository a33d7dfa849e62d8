import type { Tags } from '../../../rules/reading.js';

/** The sensor name (before any JSON field names) and the tags of one message, taken from its topic. */
export interface TopicRoute {
  readonly sensor: string;
  readonly tags: Tags;
}

/**
 * What a preset knows about one firmware's MQTT conventions. Every part is a default: the user's own `topics`,
 * `topic_template`, `timestamp_field` and `fields` replace the preset's.
 */
export interface MqttPreset {
  /** Filters subscribed to when the config gives no `topics`. */
  readonly topics: readonly string[];
  /**
   * The sensor and tags of a topic; `'ignore'` for a topic the filters receive that carries no readings (commands,
   * bridge state), so it is skipped without a warning; undefined for a topic the preset cannot read.
   */
  route(topic: string): TopicRoute | 'ignore' | undefined;
  /** Top-level JSON field with the time of measurement. */
  readonly timestampField?: string;
  /** JSON fields that are not measurements (ids, firmware info), skipped at any depth. */
  readonly ignoreFields?: ReadonlySet<string>;
  /** Read JSON string fields `"ON"`/`"OFF"` (any case) as 1/0, as this firmware sends switch states that way. */
  readonly onOffStrings?: boolean;
}
