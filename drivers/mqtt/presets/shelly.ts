import type { MqttPreset } from './preset.js';

/** Gen1 topics that are commands to the device or its self-description, not measurements. */
const GEN1_IGNORED = new Set(['command', 'announce', 'info']);

/**
 * Shelly devices (https://shelly-api-docs.shelly.cloud), both generations:
 *
 * - Gen2/Gen3 with "generic status update over MQTT" enabled publish each component's status as JSON on
 *   `<topic prefix>/status/<component>`, e.g. `shellyplus1pm-a8032ab12345/status/switch:0` with
 *   `{"id":0,"output":true,"apower":8.9,"voltage":237.5,"aenergy":{"total":6.532,…},…}`. Readings are
 *   `<device>/switch:0/apower`, `<device>/switch:0/aenergy/total` …; the component `id` and `minute_ts` are skipped.
 * - Gen1 publish plain values on `shellies/<id>/…`, e.g. `shellies/shelly1pm-84CCA8ADD055/relay/0/power` `0.00`.
 *   Readings are `<id>/relay/0/power` …; `on`/`off` become 1/0.
 *
 * Both carry the tag `device` (a Gen2 prefix `shellies/<id>` counts as `<id>`).
 */
export const shellyPreset: MqttPreset = {
  topics: [
    // Gen1: relays (state, power, energy), energy meters, sensors (H&T, flood, door/window), device temperature.
    'shellies/+/relay/+',
    'shellies/+/relay/+/+',
    'shellies/+/emeter/+/+',
    'shellies/+/sensor/+',
    'shellies/+/temperature',
    // Gen2: component status, with the default prefix (the device id) or one below shellies/.
    '+/status/+',
    'shellies/+/status/+',
  ],
  route(topic) {
    const levels = topic.split('/');
    // Gen1 has no `…/status/<x>` topic, so this tells the generations apart, also for a Gen2 prefix set to
    // `shellies/<id>` as many guides suggest.
    if (levels.length >= 3 && levels.at(-2) === 'status') {
      const prefix = levels.slice(levels[0] === 'shellies' ? 1 : 0, -2);
      if (prefix.length === 0) return undefined;
      const device = prefix.join('/');
      return { sensor: `${device}/${levels.at(-1)!}`, tags: { device } };
    }
    if (levels[0] === 'shellies' && levels.length >= 3) {
      const device = levels[1]!;
      if (GEN1_IGNORED.has(levels.at(-1)!)) return 'ignore';
      return { sensor: `${device}/${levels.slice(2).join('/')}`, tags: { device } };
    }
    return undefined;
  },
  ignoreFields: new Set(['id', 'minute_ts']),
};
