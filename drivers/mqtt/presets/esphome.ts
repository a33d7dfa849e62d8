import type { MqttPreset } from './preset.js';

/**
 * ESPHome's MQTT component (https://esphome.io/components/mqtt.html): every entity publishes its state as plain
 * text on `<topic_prefix>/<component>/<object_id>/state`, the prefix being the node name by default: a sensor
 * sends `21.5`, a binary sensor `ON` or `OFF`. Readings are `<node>/<object_id>` with the tags `device` and
 * `component`. The prefix may have several levels; the default filters only cover one-level prefixes.
 */
export const esphomePreset: MqttPreset = {
  topics: ['+/sensor/+/state', '+/binary_sensor/+/state'],
  route(topic) {
    const levels = topic.split('/');
    if (levels.length < 4 || levels.at(-1) !== 'state') return undefined;
    const device = levels.slice(0, -3).join('/');
    const component = levels.at(-3)!;
    const id = levels.at(-2)!;
    if (device === '' || id === '') return undefined;
    return { sensor: `${device}/${id}`, tags: { device, component } };
  },
};
