import { compileTopicMatcher } from '../topic-matcher.js';
import type { MqttPreset } from './preset.js';

const telemetry = compileTopicMatcher('tele/{device}/SENSOR');

/**
 * Tasmota (https://tasmota.github.io/docs/MQTT/) with its default full topic `%prefix%/%topic%/`: sensor telemetry
 * is a JSON object on `tele/<topic>/SENSOR`, one nested object per attached sensor, e.g.
 * `{"Time":"2024-01-15T10:23:45","AM2301":{"Temperature":22.1,"Humidity":45.0,"DewPoint":9.6},"TempUnit":"C"}`.
 * Readings are `<device>/AM2301/Temperature` … with the tag `device`.
 *
 * `Time` is the device's local time without a zone (unless `SetOption52 1` adds the offset), so it is read in the
 * Pi's own time zone: right when both use the same zone, which is the usual set-up. Where they differ, set
 * `SetOption52 1` on the device, or `timestamp_field: false` to use the arrival time.
 */
export const tasmotaPreset: MqttPreset = {
  topics: [telemetry.filter],
  route(topic) {
    const match = telemetry.match(topic);
    if (match === undefined) return undefined;
    return { sensor: match.tags.device!, tags: match.tags };
  },
  timestampField: 'Time',
  // Switch1 "ON" and POWER "OFF" are switch states.
  onOffStrings: true,
};
