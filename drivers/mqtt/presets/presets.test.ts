import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../rules/reading.js';
import { createMessageReader, type MessageRejection } from '../mqtt-message-reader.js';
import { mqttSourceOptions } from '../mqtt-options.js';
import { ESPHOME, SHELLY, TASMOTA, ZIGBEE2MQTT, type DocMessage } from './fixtures.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

/** Reads doc messages through a source configured with `options`, as `sensor=value` lines plus what was rejected. */
function read(options: Record<string, unknown>, ...messages: DocMessage[]) {
  const reader = createMessageReader(mqttSourceOptions.parse({ driver: 'mqtt', ...options }), 'devices');
  const readings: Reading[] = [];
  const rejections: MessageRejection[] = [];
  for (const message of messages) {
    const rejection = reader.read(message.topic, Buffer.from(message.payload), NOW, readings);
    if (rejection) rejections.push(rejection);
  }
  return { topics: reader.topics, readings, rejections, values: readings.map((r) => `${r.sensor}=${r.value}`) };
}

describe('preset tasmota', () => {
  it('subscribes to tele/+/SENSOR', () => {
    expect(read({ preset: 'tasmota' }).topics).toEqual(['tele/+/SENSOR']);
  });

  it('names readings <device>/<sensor>/<quantity>, tags the device and reads Time as the Pi’s local time', () => {
    const { readings, rejections } = read({ preset: 'tasmota' }, TASMOTA.am2301);
    const local = new Date(2024, 0, 15, 10, 23, 45).getTime();
    const tags = { device: 'tasmota_5B0A1C' };
    expect(readings).toEqual([
      { source: 'devices', sensor: 'tasmota_5B0A1C/AM2301/Temperature', value: 22.1, timestamp: local, tags },
      { source: 'devices', sensor: 'tasmota_5B0A1C/AM2301/Humidity', value: 45, timestamp: local, tags },
      { source: 'devices', sensor: 'tasmota_5B0A1C/AM2301/DewPoint', value: 9.6, timestamp: local, tags },
    ]);
    expect(rejections).toEqual([]);
  });

  it('uses the offset when SetOption52 adds one', () => {
    const { readings } = read({ preset: 'tasmota' }, TASMOTA.withOffset);
    expect(readings.map((r) => r.timestamp)).toEqual(Array(3).fill(Date.UTC(2024, 0, 15, 9, 23, 45)));
  });

  it('skips text such as a DS18B20 id and the TempUnit, and reads every number of an energy meter', () => {
    expect(read({ preset: 'tasmota' }, TASMOTA.ds18b20, TASMOTA.energy).values).toEqual([
      'pool/DS18B20/Temperature=21.4',
      'sonoff_pow/ENERGY/Total=0.051',
      'sonoff_pow/ENERGY/Yesterday=0',
      'sonoff_pow/ENERGY/Today=0.051',
      'sonoff_pow/ENERGY/Period=0',
      'sonoff_pow/ENERGY/Power=7',
      'sonoff_pow/ENERGY/ApparentPower=9',
      'sonoff_pow/ENERGY/ReactivePower=5',
      'sonoff_pow/ENERGY/Factor=0.78',
      'sonoff_pow/ENERGY/Voltage=229',
      'sonoff_pow/ENERGY/Current=0.039',
    ]);
  });

  it('gives way to the user’s fields, tags and timestamp_field', () => {
    const { readings } = read(
      { preset: 'tasmota', fields: { temperature: '$.AM2301.Temperature', humidity: 'AM2301.Humidity' }, tags: { site: 'loft' }, timestamp_field: false },
      TASMOTA.am2301,
    );
    expect(readings).toEqual([
      { source: 'devices', sensor: 'tasmota_5B0A1C/temperature', value: 22.1, timestamp: NOW, tags: { device: 'tasmota_5B0A1C', site: 'loft' } },
      { source: 'devices', sensor: 'tasmota_5B0A1C/humidity', value: 45, timestamp: NOW, tags: { device: 'tasmota_5B0A1C', site: 'loft' } },
    ]);
  });

  it('reports a topic of the user’s filter that the preset cannot read as mqtt-topic-mismatch', () => {
    const { topics, readings, rejections } = read({ preset: 'tasmota', topics: ['tele/#'] }, { topic: 'tele/plug/STATE', payload: '{"Uptime":"0T01:00:00","Heap":25}' });
    expect(topics).toEqual(['tele/#']);
    expect(readings).toEqual([]);
    expect(rejections).toEqual([{ kind: 'mqtt-topic-mismatch', message: 'topic "tele/plug/STATE" does not fit preset tasmota; narrow topics' }]);
  });
});

describe('preset esphome', () => {
  it('subscribes to sensor and binary_sensor state topics', () => {
    expect(read({ preset: 'esphome' }).topics).toEqual(['+/sensor/+/state', '+/binary_sensor/+/state']);
  });

  it('reads plain values and ON/OFF as <node>/<object_id>, tagged with the node and the component', () => {
    const { readings, rejections } = read({ preset: 'esphome' }, ESPHOME.temperature, ESPHOME.humidity, ESPHOME.door, ESPHOME.motion);
    expect(readings).toEqual([
      { source: 'devices', sensor: 'livingroom/living_room_temperature', value: 22.4, timestamp: NOW, tags: { device: 'livingroom', component: 'sensor' } },
      { source: 'devices', sensor: 'livingroom/living_room_humidity', value: 48.25, timestamp: NOW, tags: { device: 'livingroom', component: 'sensor' } },
      { source: 'devices', sensor: 'livingroom/front_door', value: 1, timestamp: NOW, tags: { device: 'livingroom', component: 'binary_sensor' } },
      { source: 'devices', sensor: 'livingroom/motion', value: 0, timestamp: NOW, tags: { device: 'livingroom', component: 'binary_sensor' } },
    ]);
    expect(rejections).toEqual([]);
  });

  it('takes a topic prefix of several levels as the device', () => {
    expect(read({ preset: 'esphome', topics: 'home/esp/#' }, { topic: 'home/esp/sensor/t/state', payload: '1' }).readings[0]).toMatchObject({
      sensor: 'home/esp/t',
      tags: { device: 'home/esp', component: 'sensor' },
    });
  });
});

describe('preset zigbee2mqtt', () => {
  it('subscribes to zigbee2mqtt/#', () => {
    expect(read({ preset: 'zigbee2mqtt' }).topics).toEqual(['zigbee2mqtt/#']);
  });

  it('reads every number of a device’s state as <friendly_name>/<field>, tagged with the device', () => {
    const { readings, rejections } = read({ preset: 'zigbee2mqtt' }, ZIGBEE2MQTT.climate);
    const tags = { device: '0x00158d00036c1821' };
    expect(readings).toEqual(
      [
        ['temperature', 22.75],
        ['linkquality', 97],
        ['humidity', 55.43],
        ['pressure', 1000.6],
        ['battery', 86],
        ['voltage', 2995],
      ].map(([field, value]) => ({ source: 'devices', sensor: `0x00158d00036c1821/${field}`, value, timestamp: NOW, tags })),
    );
    expect(rejections).toEqual([]);
  });

  it('reads contact, occupancy and state ON as 1, keeps a / in the friendly name and skips the update object', () => {
    const { readings } = read({ preset: 'zigbee2mqtt' }, ZIGBEE2MQTT.door, ZIGBEE2MQTT.motion, ZIGBEE2MQTT.bulb);
    expect(readings.map((r) => `${r.sensor}=${r.value} ${r.tags.device}`)).toEqual([
      'hall/front_door/battery=100 hall/front_door',
      'hall/front_door/contact=1 hall/front_door',
      'hall/front_door/linkquality=128 hall/front_door',
      'hall/front_door/voltage=3025 hall/front_door',
      'kitchen_motion/occupancy=1 kitchen_motion',
      'kitchen_motion/linkquality=87 kitchen_motion',
      'kitchen_motion/battery=91 kitchen_motion',
      'desk_lamp/state=1 desk_lamp',
      'desk_lamp/brightness=215 desk_lamp',
      'desk_lamp/color_temp=325 desk_lamp',
    ]);
  });

  it('takes last_seen as the time of measurement', () => {
    const { readings } = read({ preset: 'zigbee2mqtt' }, ZIGBEE2MQTT.lastSeen);
    expect(readings.map((r) => `${r.sensor}=${r.value}@${r.timestamp}`)).toEqual([
      `balcony/temperature=8.5@${Date.UTC(2024, 2, 2, 7, 45, 10, 123)}`,
      `balcony/humidity=81@${Date.UTC(2024, 2, 2, 7, 45, 10, 123)}`,
    ]);
  });

  it('skips the bridge, availability and command topics without reporting them', () => {
    const { readings, rejections } = read({ preset: 'zigbee2mqtt' }, ZIGBEE2MQTT.bridgeState, ZIGBEE2MQTT.availability, ZIGBEE2MQTT.command, {
      topic: 'zigbee2mqtt/bridge/logging',
      payload: '{"level":"info","message":"MQTT publish"}',
    });
    expect(readings).toEqual([]);
    expect(rejections).toEqual([]);
  });
});

describe('preset shelly', () => {
  it('subscribes to Gen1 measurement topics and Gen2 status topics', () => {
    expect(read({ preset: 'shelly' }).topics).toEqual([
      'shellies/+/relay/+',
      'shellies/+/relay/+/+',
      'shellies/+/emeter/+/+',
      'shellies/+/sensor/+',
      'shellies/+/temperature',
      '+/status/+',
      'shellies/+/status/+',
    ]);
  });

  it('reads a Gen2 switch status as <device>/switch:0/<field>, without the component id and minute_ts', () => {
    const { readings, rejections } = read({ preset: 'shelly' }, SHELLY.switch);
    const tags = { device: 'shellyplus1pm-a8032ab12345' };
    expect(readings).toEqual(
      [
        ['output', 1],
        ['apower', 8.9],
        ['voltage', 237.5],
        ['current', 0.068],
        ['aenergy/total', 6.532],
        ['temperature/tC', 23.5],
        ['temperature/tF', 74.4],
      ].map(([field, value]) => ({ source: 'devices', sensor: `shellyplus1pm-a8032ab12345/switch:0/${field}`, value, timestamp: NOW, tags })),
    );
    expect(rejections).toEqual([]);
  });

  it('reads Gen2 temperature and humidity components, also under a shellies/<id> prefix', () => {
    expect(read({ preset: 'shelly' }, SHELLY.temperature, SHELLY.humidity, { topic: 'shellies/plusht-kids/status/temperature:0', payload: '{"id":0,"tC":19.5,"tF":67.1}' }).values).toEqual([
      'shellyplusht-08b61fcf5f00/temperature:0/tC=21.3',
      'shellyplusht-08b61fcf5f00/temperature:0/tF=70.3',
      'shellyplusht-08b61fcf5f00/humidity:0/rh=44.4',
      'plusht-kids/temperature:0/tC=19.5',
      'plusht-kids/temperature:0/tF=67.1',
    ]);
  });

  it('reads Gen1 plain values as <id>/<topic levels>, on/off as 1/0, and skips commands', () => {
    const { readings, rejections } = read({ preset: 'shelly' }, SHELLY.gen1Power, SHELLY.gen1Energy, SHELLY.gen1Relay, SHELLY.gen1Temperature, SHELLY.gen1Command);
    expect(readings.map((r) => `${r.sensor}=${r.value} ${r.tags.device}`)).toEqual([
      'shelly1pm-84CCA8ADD055/relay/0/power=14.28 shelly1pm-84CCA8ADD055',
      'shelly1pm-84CCA8ADD055/relay/0/energy=2466 shelly1pm-84CCA8ADD055',
      'shelly1pm-84CCA8ADD055/relay/0=1 shelly1pm-84CCA8ADD055',
      'shellyht-6FE8C5/sensor/temperature=21.75 shellyht-6FE8C5',
    ]);
    expect(rejections).toEqual([]);
  });
});

describe('topic_template and fields without a preset', () => {
  it('name the sensor by {sensor}, tag by the other levels, subscribe to the derived filter and add the source’s tags', () => {
    const { topics, readings } = read({ topic_template: 'sensors/{room}/{sensor}', tags: { site: 'farm' } }, { topic: 'sensors/kitchen/temperature', payload: '21.5' });
    expect(topics).toEqual(['sensors/+/+']);
    expect(readings).toEqual([{ source: 'devices', sensor: 'temperature', value: 21.5, timestamp: NOW, tags: { room: 'kitchen', site: 'farm' } }]);
  });

  it('report a topic that does not fit the template as mqtt-topic-mismatch', () => {
    const { readings, rejections } = read({ topics: 'sensors/#', topic_template: 'sensors/{room}/{sensor}' }, { topic: 'sensors/kitchen/fridge/t', payload: '4' });
    expect(readings).toEqual([]);
    expect(rejections).toEqual([
      { kind: 'mqtt-topic-mismatch', message: 'topic "sensors/kitchen/fridge/t" does not fit topic_template "sensors/{room}/{sensor}"; narrow topics' },
    ]);
  });

  it('use the topic minus strip_prefix as the sensor when the template names none', () => {
    expect(read({ topic_template: 'farm/{barn}/+', strip_prefix: 'farm/' }, { topic: 'farm/north/t', payload: '1' }).readings[0]).toMatchObject({
      sensor: 'north/t',
      tags: { barn: 'north' },
    });
  });

  it('take only the listed fields, by path, numbers in quotes and words included, and report none found as mqtt-no-values', () => {
    const fields = { t: 'probe[1].t', battery: 'battery', door: 'state.door', missing: 'nope' };
    const { values, rejections } = read(
      { topic_template: 'in/{sensor}', fields, timestamp_field: '$.meta.ts' },
      { topic: 'in/a', payload: '{"probe":[{"t":1},{"t":2.5}],"battery":"100.00","state":{"door":"OPEN?","x":1},"other":7,"meta":{"ts":1700000000}}' },
      { topic: 'in/b', payload: '{"battery":"ON"}' },
      { topic: 'in/c', payload: '{"other":1}' },
    );
    expect(values).toEqual(['a/t=2.5', 'a/battery=100', 'b/battery=1']);
    expect(rejections).toEqual([{ kind: 'mqtt-no-values', message: 'none of the fields t, battery, door, missing in "{\\"other\\":1}"' }]);
  });

  it('read the time from a nested timestamp path and do not read that field as a value', () => {
    const { readings } = read({ topics: 'x/#', timestamp_field: 'meta.ts' }, { topic: 'x/a', payload: '{"v":1,"meta":{"ts":1700000000,"seq":3}}' });
    expect(readings.map((r) => `${r.sensor}=${r.value}@${r.timestamp}`)).toEqual(['x/a/v=1@1700000000000', 'x/a/meta/seq=3@1700000000000']);
  });
});

describe('source options for templates, fields and presets', () => {
  const parse = (options: Record<string, unknown>) => mqttSourceOptions.safeParse({ driver: 'mqtt', ...options });
  const messages = (options: Record<string, unknown>) => parse(options).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

  it('accept a preset, or a topic_template, instead of topics', () => {
    expect(parse({ preset: 'shelly' }).success).toBe(true);
    expect(parse({ topic_template: 'sensors/{room}/{sensor}' }).success).toBe(true);
  });

  it('ask for topics, a topic_template or a preset when there is none of them', () => {
    expect(messages({})).toEqual(['topics: give topics, a topic_template or a preset']);
  });

  it('reject an unknown preset, a bad template, a bad field path and a bad timestamp path, saying why', () => {
    expect(parse({ preset: 'tuya' }).success).toBe(false);
    expect(messages({ topic_template: 'a/#/b' })).toEqual(['topic_template: topic_template "a/#/b": # may only be the last level']);
    expect(messages({ topics: 'a', fields: { t: 'a..b' } })).toEqual(['fields.t: invalid path "a..b" at character 3: expected a field name']);
    expect(messages({ topics: 'a', timestamp_field: 'x[' })).toEqual([expect.stringMatching(/^timestamp_field: /)]);
  });
});
