import { esphomePreset } from './esphome.js';
import type { MqttPreset } from './preset.js';
import { shellyPreset } from './shelly.js';
import { tasmotaPreset } from './tasmota.js';
import { zigbee2mqttPreset } from './zigbee2mqtt.js';

/** Every preset by the name written in `preset:`. */
export const MQTT_PRESETS = {
  tasmota: tasmotaPreset,
  esphome: esphomePreset,
  zigbee2mqtt: zigbee2mqttPreset,
  shelly: shellyPreset,
} as const satisfies Record<string, MqttPreset>;

export type MqttPresetName = keyof typeof MQTT_PRESETS;
export const MQTT_PRESET_NAMES = Object.keys(MQTT_PRESETS) as [MqttPresetName, ...MqttPresetName[]];
