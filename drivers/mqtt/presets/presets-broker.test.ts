import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../../../test/helpers/mosquitto.js';
import { eventually } from '../../../test/helpers/mqtt-recorder.js';
import type { Reading } from '../../../rules/reading.js';
import type { DriverContext, SourceDriver } from '../../driver.js';
import { mqttSourceOptions } from '../mqtt-options.js';
import { createMqttSource } from '../mqtt-source.js';
import { ESPHOME, SHELLY, TASMOTA, ZIGBEE2MQTT, type DocMessage } from './fixtures.js';
import { systemClock } from '../../clock.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

const brokers: MosquittoBroker[] = [];
const clients: MqttClient[] = [];
const drivers: SourceDriver[] = [];

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((driver) => driver.stop()));
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  await Promise.all(brokers.splice(0).map((broker) => broker.dispose()));
});

/** A real Mosquitto, a publisher, and a source with `options` whose readings and bad input are recorded. */
async function setUp(options: Record<string, unknown>) {
  const broker = await startMosquitto();
  brokers.push(broker);
  const publisher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 200, connectTimeout: 5_000 });
  clients.push(publisher);
  const badInputs: { kind: string; topic: unknown }[] = [];
  const ignore = () => undefined;
  const context: DriverContext = {
    name: 'devices',
    log: { debug: ignore, info: ignore, warn: ignore, error: ignore },
    now: () => T0,
    clock: systemClock,
    badInput: (kind, _message, extra) => void badInputs.push({ kind, topic: extra?.topic }),
    setConnected: ignore,
  };
  const source = createMqttSource(mqttSourceOptions.parse({ driver: 'mqtt', url: broker.url, reconnect_period: '100ms', ...options }), context);
  drivers.push(source);
  const readings: Reading[] = [];
  await source.start((reading) => readings.push(reading));
  return {
    readings,
    badInputs,
    /** Publishes a plain number to `topic` until its reading of `sensor` arrives: from then on the source is subscribed. */
    async untilReceiving(topic: string, sensor: string) {
      const deadline = Date.now() + 20_000;
      while (!readings.some((reading) => reading.sensor === sensor)) {
        if (Date.now() > deadline) throw new Error(`no reading of ${sensor} arrived after publishing to ${topic}`);
        await publisher.publishAsync(topic, '-1', { qos: 1 });
        await sleep(100);
      }
      await sleep(100);
      readings.length = 0;
    },
    async publish(...messages: DocMessage[]) {
      for (const message of messages) await publisher.publishAsync(message.topic, message.payload, { qos: 1 });
    },
  };
}

const lines = (readings: Reading[]) => readings.map((r) => `${r.sensor}=${r.value} ${JSON.stringify(r.tags)}`);

describe('MQTT source presets against a real broker', () => {
  it('tasmota: reads tele/<device>/SENSOR telemetry, stamped with its Time', async () => {
    const s = await setUp({ preset: 'tasmota' });
    await s.untilReceiving('tele/probe/SENSOR', 'probe');
    await s.publish({ topic: 'tele/tasmota_5B0A1C/STATE', payload: '{"Uptime":"0T01:00:00"}' }, TASMOTA.am2301);
    await eventually(() => s.readings.length === 3, 5_000, 'three readings');

    expect(lines(s.readings)).toEqual([
      'tasmota_5B0A1C/AM2301/Temperature=22.1 {"device":"tasmota_5B0A1C"}',
      'tasmota_5B0A1C/AM2301/Humidity=45 {"device":"tasmota_5B0A1C"}',
      'tasmota_5B0A1C/AM2301/DewPoint=9.6 {"device":"tasmota_5B0A1C"}',
    ]);
    expect(s.readings.map((r) => r.timestamp)).toEqual(Array(3).fill(new Date(2024, 0, 15, 10, 23, 45).getTime()));
    expect(s.badInputs).toEqual([]);
  });

  it('esphome: reads sensor and binary_sensor state topics', async () => {
    const s = await setUp({ preset: 'esphome' });
    await s.untilReceiving('probe/sensor/p/state', 'probe/p');
    await s.publish({ topic: 'livingroom/status', payload: 'online' }, ESPHOME.temperature, ESPHOME.door);
    await eventually(() => s.readings.length === 2, 5_000, 'two readings');

    expect(lines(s.readings)).toEqual([
      'livingroom/living_room_temperature=22.4 {"device":"livingroom","component":"sensor"}',
      'livingroom/front_door=1 {"device":"livingroom","component":"binary_sensor"}',
    ]);
    expect(s.readings.every((r) => r.timestamp === T0)).toBe(true);
    expect(s.badInputs).toEqual([]);
  });

  it('zigbee2mqtt: reads device state and skips the bridge and availability topics without complaint', async () => {
    const s = await setUp({ preset: 'zigbee2mqtt' });
    await s.untilReceiving('zigbee2mqtt/probe', 'probe');
    await s.publish(ZIGBEE2MQTT.bridgeState, ZIGBEE2MQTT.availability, ZIGBEE2MQTT.door, ZIGBEE2MQTT.motion);
    await eventually(() => s.readings.length === 7, 5_000, 'seven readings');

    expect(lines(s.readings)).toEqual([
      'hall/front_door/battery=100 {"device":"hall/front_door"}',
      'hall/front_door/contact=1 {"device":"hall/front_door"}',
      'hall/front_door/linkquality=128 {"device":"hall/front_door"}',
      'hall/front_door/voltage=3025 {"device":"hall/front_door"}',
      'kitchen_motion/occupancy=1 {"device":"kitchen_motion"}',
      'kitchen_motion/linkquality=87 {"device":"kitchen_motion"}',
      'kitchen_motion/battery=91 {"device":"kitchen_motion"}',
    ]);
    expect(s.badInputs).toEqual([]);
  });

  it('shelly: reads Gen2 component status and Gen1 plain values', async () => {
    const s = await setUp({ preset: 'shelly' });
    await s.untilReceiving('shellies/probe/temperature', 'probe/temperature');
    await s.publish(SHELLY.switch, SHELLY.gen1Power, SHELLY.gen1Relay);
    await eventually(() => s.readings.length === 9, 5_000, 'nine readings');

    const gen2 = '{"device":"shellyplus1pm-a8032ab12345"}';
    const gen1 = '{"device":"shelly1pm-84CCA8ADD055"}';
    expect(lines(s.readings)).toEqual([
      `shellyplus1pm-a8032ab12345/switch:0/output=1 ${gen2}`,
      `shellyplus1pm-a8032ab12345/switch:0/apower=8.9 ${gen2}`,
      `shellyplus1pm-a8032ab12345/switch:0/voltage=237.5 ${gen2}`,
      `shellyplus1pm-a8032ab12345/switch:0/current=0.068 ${gen2}`,
      `shellyplus1pm-a8032ab12345/switch:0/aenergy/total=6.532 ${gen2}`,
      `shellyplus1pm-a8032ab12345/switch:0/temperature/tC=23.5 ${gen2}`,
      `shellyplus1pm-a8032ab12345/switch:0/temperature/tF=74.4 ${gen2}`,
      `shelly1pm-84CCA8ADD055/relay/0/power=14.28 ${gen1}`,
      `shelly1pm-84CCA8ADD055/relay/0=1 ${gen1}`,
    ]);
    expect(s.badInputs).toEqual([]);
  });

  it('topic_template: subscribes to the filter it derives and reports topics of a wider filter that do not fit', async () => {
    const s = await setUp({ topics: 'sensors/#', topic_template: 'sensors/{room}/{sensor}' });
    await s.untilReceiving('sensors/probe/p', 'p');
    await s.publish({ topic: 'sensors/kitchen/fridge/t', payload: '4' }, { topic: 'sensors/kitchen/temperature', payload: '21.5' });
    await eventually(() => s.readings.length === 1, 5_000, 'one reading');

    expect(lines(s.readings)).toEqual(['temperature=21.5 {"room":"kitchen"}']);
    expect(s.badInputs).toEqual([{ kind: 'mqtt-topic-mismatch', topic: 'sensors/kitchen/fridge/t' }]);
  });
});
