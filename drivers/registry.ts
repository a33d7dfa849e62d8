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
  /** One line for the docs (the driver tables of README.md) and the JSON Schema. */
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
    description: 'deterministic simulated sensors (sine, random walk, steps; dropouts and injected faults) for demos and tests',
    options: simulatorOptions,
    load: async () => (await import('./simulator/simulator-source.js')).createSimulatorSource,
  }),
  system: entry({
    description: "the host's CPU temperature, load, memory, uptime, disk use, Pi throttling",
    options: systemOptions,
    load: async () => (await import('./system/system-source.js')).createSystemSource,
  }),
  serial: entry({
    description: 'serial devices (USB adapters, UARTs): JSON, CSV, key=value, regex, NMEA GPS lines; request/response polling; survives unplugging',
    options: serialSourceOptions,
    load: async () => (await import('./serial/serial-source.js')).createSerialSource,
  }),
  onewire: entry({
    description: 'DS18B20 and other 1-Wire temperature sensors (kernel w1)',
    options: onewireOptions,
    load: async () => (await import('./onewire/onewire-source.js')).createOnewireSource,
  }),
  gpio: entry({
    description: 'GPIO inputs: door/switch states, pulse counters as rates and totals',
    options: gpioOptions,
    load: async () => (await import('./gpio/gpio-source.js')).createGpioSource,
  }),
  modbus: entry({
    description: 'Modbus TCP and RTU registers: energy meters, inverters, PLCs',
    options: modbusOptions,
    load: async () => (await import('./modbus/modbus-source.js')).createModbusSource,
  }),
  mqtt: entry({
    description: 'MQTT topics: plain numbers, `true`/`ON`, JSON objects',
    options: mqttSourceOptions,
    load: async () => (await import('./mqtt/mqtt-source.js')).createMqttSource,
  }),
};

export const SINK_DRIVERS: Readonly<Record<string, AnyEntry<SinkDriver>>> = {
  console: entry({
    description: 'standard output, readable text or JSON lines',
    options: consoleSinkOptions,
    load: async () => (await import('./console/console-sink.js')).createConsoleSink,
  }),
  influxdb: entry({
    description: 'InfluxDB 1.x (`/write`), 2.x/3.x (`@influxdata/influxdb-client`) or VictoriaMetrics, as line protocol; a re-sent result overwrites the same point',
    options: influxdbSinkOptions,
    load: async () => (await import('./influxdb/influxdb-sink.js')).createInfluxdbSink,
  }),
  mqtt: entry({
    description: 'an MQTT broker: QoS 0/1/2, retained, TLS and password, birth/last-will status topic, Home Assistant discovery; one JSON message per result, or per topic and send (`batch`)',
    options: mqttSinkOptions,
    load: async () => (await import('./mqtt/mqtt-sink.js')).createMqttSink,
  }),
};
