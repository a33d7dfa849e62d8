import type { MqttPreset } from './preset.js';

const BASE = 'zigbee2mqtt/';
/** Topics below a device that are commands to it or its availability, not its state. */
const NOT_STATE = new Set(['set', 'get', 'availability']);

/**
 * Zigbee2MQTT (https://www.zigbee2mqtt.io/guide/usage/mqtt_topics_and_messages.html): each device publishes its
 * state as one JSON object on `zigbee2mqtt/<friendly_name>`, e.g. `{"temperature":27.34,"humidity":44.72,
 * "battery":97,"linkquality":120}`. The friendly name may contain `/`, so the preset subscribes to
 * `zigbee2mqtt/#` and skips `zigbee2mqtt/bridge/…`, `…/set`, `…/get` and `…/availability` silently.
 * Readings are `<friendly_name>/<field>` with the tag `device`; `contact`, `occupancy` (true/false) and `state`
 * (`"ON"`/`"OFF"`) become 1/0; the `update` object (firmware OTA state) is skipped; `last_seen`, when Zigbee2MQTT
 * is set to send it, is the time of measurement.
 */
export const zigbee2mqttPreset: MqttPreset = {
  topics: [`${BASE}#`],
  route(topic) {
    if (!topic.startsWith(BASE)) return undefined;
    const name = topic.slice(BASE.length);
    if (name === '' || name === 'bridge' || name.startsWith('bridge/')) return 'ignore';
    const levels = name.split('/');
    if (levels.length > 1 && (NOT_STATE.has(levels.at(-1)!) || levels.at(-2) === 'set')) return 'ignore';
    return { sensor: name, tags: { device: name } };
  },
  timestampField: 'last_seen',
  ignoreFields: new Set(['update', 'update_available']),
  onOffStrings: true,
};
