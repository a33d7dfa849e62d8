import type { z } from 'zod';
import type { DriverContext, SinkDriver, SourceDriver } from './driver.js';
import { consoleSinkOptions } from './console/console-options.js';
import { gpioOptions } from './gpio/gpio-options.js';
import { influxdbSinkOptions } from './influxdb/influxdb-options.js';
import { modbusOptions } from './modbus/modbus-options.js';
import { mqttSinkOptions, mqttSourceOptions } from './mqtt/mqtt-options.js';
import { onewireOptions } from './onewire/onewire-options.js';
import { serialSourceOptions } from './serial/serial-options.js';
import { simulatorOptions } from './simulator/simulator-options.js';
import { systemOptions } from './system/system-options.js';

/**
 * How the agent finds a driver by the `driver:` name in YAML. The option schema is loaded eagerly (validation
 * needs it); the implementation only when a config uses it, so unused drivers cost no memory.
 */
export interface DriverEntry<Options extends z.ZodType, Driver> {
  /** One line for `tributary validate` and the docs. */
  readonly description: string;
  /** Schema of the instance's YAML object, `driver:` key included. */
  readonly options: Options;
  readonly load: () => Promise<(options: z.output<Options>, context: DriverContext) => Driver>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEntry<Driver> = DriverEntry<z.ZodType<any>, Driver>;

function entry<Options extends z.ZodType, Driver>(value: DriverEntry<Options, Driver>): AnyEntry<Driver> {
  return value as AnyEntry<Driver>;
}

export const SOURCE_DRIVERS: Readonly<Record<string, AnyEntry<SourceDriver>>> = {
  simulator: entry({
    description: 'deterministic simulated sensors for demos and tests',
    options: simulatorOptions,
    load: async () => (await import('./simulator/simulator-source.js')).createSimulatorSource,
  }),
  system: entry({
    description: "the host's own health: CPU temperature, load, memory",
    options: systemOptions,
    load: async () => (await import('./system/system-source.js')).createSystemSource,
  }),
  serial: entry({
    description: 'lines from a serial device: JSON, CSV, key=value, regex, NMEA GPS, numbers; optional polling',
    options: serialSourceOptions,
    load: async () => (await import('./serial/serial-source.js')).createSerialSource,
  }),
  onewire: entry({
    description: '1-Wire temperature sensors (DS18B20 and kin) via the kernel w1 sysfs',
    options: onewireOptions,
    load: async () => (await import('./onewire/onewire-source.js')).createOnewireSource,
  }),
  gpio: entry({
    description: 'GPIO input pins: switch states and pulse counters (sysfs GPIO via onoff)',
    options: gpioOptions,
    load: async () => (await import('./gpio/gpio-source.js')).createGpioSource,
  }),
  modbus: entry({
    description: 'Modbus TCP and RTU register polling (scaling, word/byte order, data types)',
    options: modbusOptions,
    load: async () => (await import('./modbus/modbus-source.js')).createModbusSource,
  }),
  mqtt: entry({
    description: 'readings from MQTT topics (plain numbers or JSON objects)',
    options: mqttSourceOptions,
    load: async () => (await import('./mqtt/mqtt-source.js')).createMqttSource,
  }),
};

export const SINK_DRIVERS: Readonly<Record<string, AnyEntry<SinkDriver>>> = {
  console: entry({
    description: 'prints results to standard output',
    options: consoleSinkOptions,
    load: async () => (await import('./console/console-sink.js')).createConsoleSink,
  }),
  influxdb: entry({
    description: 'writes results as line protocol to InfluxDB 1.x/2.x/3.x or VictoriaMetrics (/api/v2/write)',
    options: influxdbSinkOptions,
    load: async () => (await import('./influxdb/influxdb-sink.js')).createInfluxdbSink,
  }),
  mqtt: entry({
    description: 'publishes results to an MQTT broker (QoS 1, JSON)',
    options: mqttSinkOptions,
    load: async () => (await import('./mqtt/mqtt-sink.js')).createMqttSink,
  }),
};
