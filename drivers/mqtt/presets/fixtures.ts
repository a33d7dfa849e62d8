/**
 * Messages as the firmware projects document them, for the preset tests (unit and end-to-end). Payloads are
 * kept as the exact text a device sends, including its number formatting.
 */
export interface DocMessage {
  readonly topic: string;
  readonly payload: string;
}

/** Tasmota docs, "MQTT" and "Sensors" pages: telemetry of an AM2301, a DS18B20 and a Sonoff POW energy meter. */
export const TASMOTA = {
  am2301: {
    topic: 'tele/tasmota_5B0A1C/SENSOR',
    payload: '{"Time":"2024-01-15T10:23:45","AM2301":{"Temperature":22.1,"Humidity":45.0,"DewPoint":9.6},"TempUnit":"C"}',
  },
  ds18b20: {
    topic: 'tele/pool/SENSOR',
    payload: '{"Time":"2021-01-01T12:00:00","DS18B20":{"Id":"01144A1D73AA","Temperature":21.4},"TempUnit":"C"}',
  },
  energy: {
    topic: 'tele/sonoff_pow/SENSOR',
    payload:
      '{"Time":"2019-10-20T14:17:36","ENERGY":{"TotalStartTime":"2019-09-12T16:17:59","Total":0.051,"Yesterday":0.000,"Today":0.051,"Period":0,"Power":7,"ApparentPower":9,"ReactivePower":5,"Factor":0.78,"Voltage":229,"Current":0.039}}',
  },
  /** Sent on the same device when SetOption52 1 adds the time zone offset. */
  withOffset: {
    topic: 'tele/tasmota_5B0A1C/SENSOR',
    payload: '{"Time":"2024-01-15T10:23:45+01:00","AM2301":{"Temperature":22.1,"Humidity":45.0,"DewPoint":9.6},"TempUnit":"C"}',
  },
} satisfies Record<string, DocMessage>;

/** ESPHome docs, MQTT component: state topics `<node>/<component>/<object_id>/state`. */
export const ESPHOME = {
  temperature: { topic: 'livingroom/sensor/living_room_temperature/state', payload: '22.4' },
  humidity: { topic: 'livingroom/sensor/living_room_humidity/state', payload: '48.25' },
  door: { topic: 'livingroom/binary_sensor/front_door/state', payload: 'ON' },
  motion: { topic: 'livingroom/binary_sensor/motion/state', payload: 'OFF' },
} satisfies Record<string, DocMessage>;

/** Zigbee2MQTT docs, "MQTT topics and messages" and device pages. */
export const ZIGBEE2MQTT = {
  /** Xiaomi Aqara WSDCGQ11LM temperature, humidity and pressure sensor. */
  climate: {
    topic: 'zigbee2mqtt/0x00158d00036c1821',
    payload: '{"temperature":22.75,"linkquality":97,"humidity":55.43,"pressure":1000.6,"battery":86,"voltage":2995}',
  },
  /** Xiaomi MCCGQ11LM door sensor, under a friendly name with a `/`. */
  door: {
    topic: 'zigbee2mqtt/hall/front_door',
    payload: '{"battery":100,"contact":true,"linkquality":128,"voltage":3025,"update":{"state":"idle","installed_version":16909577}}',
  },
  /** Xiaomi RTCGQ01LM motion sensor. */
  motion: { topic: 'zigbee2mqtt/kitchen_motion', payload: '{"occupancy":true,"linkquality":87,"battery":91}' },
  /** IKEA TRADFRI LED1545G12 bulb. */
  bulb: { topic: 'zigbee2mqtt/desk_lamp', payload: '{"state":"ON","brightness":215,"color_temp":325}' },
  /** With `advanced.last_seen: ISO_8601`. */
  lastSeen: {
    topic: 'zigbee2mqtt/balcony',
    payload: '{"temperature":8.5,"humidity":81,"last_seen":"2024-03-02T07:45:10.123Z"}',
  },
  bridgeState: { topic: 'zigbee2mqtt/bridge/state', payload: '{"state":"online"}' },
  availability: { topic: 'zigbee2mqtt/kitchen_motion/availability', payload: '{"state":"online"}' },
  command: { topic: 'zigbee2mqtt/desk_lamp/set', payload: '{"state":"OFF"}' },
} satisfies Record<string, DocMessage>;

/** Shelly API docs: Gen2 component status notifications and Gen1 MQTT topics. */
export const SHELLY = {
  /** Gen2 Switch.GetStatus of a Plus 1PM. */
  switch: {
    topic: 'shellyplus1pm-a8032ab12345/status/switch:0',
    payload:
      '{"id":0,"source":"init","output":true,"apower":8.9,"voltage":237.5,"current":0.068,"aenergy":{"total":6.532,"by_minute":[45.199,47.141,88.397],"minute_ts":1654511972},"temperature":{"tC":23.5,"tF":74.4}}',
  },
  /** Gen2 Temperature.GetStatus and Humidity.GetStatus of a Plus H&T. */
  temperature: { topic: 'shellyplusht-08b61fcf5f00/status/temperature:0', payload: '{"id":0,"tC":21.3,"tF":70.3}' },
  humidity: { topic: 'shellyplusht-08b61fcf5f00/status/humidity:0', payload: '{"id":0,"rh":44.4}' },
  /** Gen1 Shelly 1PM relay: state, power in W, energy in Wmin. */
  gen1Power: { topic: 'shellies/shelly1pm-84CCA8ADD055/relay/0/power', payload: '14.28' },
  gen1Energy: { topic: 'shellies/shelly1pm-84CCA8ADD055/relay/0/energy', payload: '2466' },
  gen1Relay: { topic: 'shellies/shelly1pm-84CCA8ADD055/relay/0', payload: 'on' },
  /** Gen1 Shelly H&T. */
  gen1Temperature: { topic: 'shellies/shellyht-6FE8C5/sensor/temperature', payload: '21.75' },
  gen1Command: { topic: 'shellies/shelly1pm-84CCA8ADD055/relay/0/command', payload: 'off' },
} satisfies Record<string, DocMessage>;
