import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import modbusSerial, { type IServiceVector } from 'modbus-serial';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/helpers/temp-dir.js';
import { startModbusTestServer, type ModbusTestServer } from '../../test/helpers/modbus-tcp-server.js';
import { eventually } from '../../test/helpers/mqtt-recorder.js';
import type { Reading } from '../../rules/reading.js';
import type { DriverContext, SourceDriver } from '../driver.js';
import type { ModbusClientLike } from './modbus-connection.js';
import { modbusOptions } from './modbus-options.js';
import { createModbusSource } from './modbus-source.js';
import { ManualClock } from '../../test/helpers/manual-clock.js';
import { recordingContext as sharedRecordingContext } from '../../test/helpers/recording-context.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

const servers: ModbusTestServer[] = [];
const drivers: SourceDriver[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((driver) => driver.stop()));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A DriverContext that records what the driver reports; its timers run on `clock` when given. */
function recordingContext(name = 'plc', clock?: ManualClock) {
  return sharedRecordingContext(name, () => T0, clock);
}

async function server(): Promise<ModbusTestServer> {
  const started = await startModbusTestServer();
  servers.push(started);
  return started;
}

/** Starts a Modbus TCP source polling `port` on loopback every 100 ms (unless `extra` says otherwise). */
async function startSource(port: number, extra: Record<string, unknown>) {
  const recorder = recordingContext();
  const options = modbusOptions.parse({
    driver: 'modbus',
    transport: { type: 'tcp', host: '127.0.0.1', port, timeout: '300ms' },
    interval: '100ms',
    reconnect: { initial: '50ms', max: '200ms' },
    ...extra,
  });
  const source = createModbusSource(options, recorder.context);
  drivers.push(source);
  const readings: Reading[] = [];
  await source.start((reading) => readings.push(reading));
  return { source, readings, ...recorder };
}

/** The latest value of each sensor, once every one of `sensors` has been read at least once. */
async function latest(readings: Reading[], sensors: string[]): Promise<Record<string, number>> {
  await eventually(() => sensors.every((sensor) => readings.some((reading) => reading.sensor === sensor)), 10_000, `readings of ${sensors.join(', ')}`);
  const values: Record<string, number> = {};
  for (const reading of readings) values[reading.sensor] = reading.value;
  return values;
}

/** The 16-bit registers of a value written big-endian by `write`. */
function words(bytes: number, write: (buffer: Buffer) => void): number[] {
  const buffer = Buffer.alloc(bytes);
  write(buffer);
  return Array.from({ length: bytes / 2 }, (_, i) => buffer.readUInt16BE(i * 2));
}

function store(table: Map<number, number>, address: number, values: number[]): void {
  values.forEach((value, i) => table.set(address + i, value));
}

describe('Modbus source over TCP, against a real Modbus TCP server on loopback', () => {
  it('reads every type in either word and byte order, coils and discrete inputs, scaled and offset, with exact values', async () => {
    const s = await server();
    const holding = s.unit(1).holding;
    store(holding, 0, words(2, (b) => b.writeInt16BE(-2)));
    store(holding, 1, words(2, (b) => b.writeUInt16BE(65_534)));
    store(holding, 2, words(4, (b) => b.writeInt32BE(-123_456)));
    store(holding, 4, words(4, (b) => b.writeInt32BE(-123_456)).reverse());
    store(holding, 6, words(4, (b) => b.writeUInt32BE(4_000_000_000)));
    store(holding, 8, words(4, (b) => b.writeFloatBE(21.5)));
    store(holding, 10, words(4, (b) => b.writeFloatBE(-0.25)).reverse());
    store(holding, 12, words(8, (b) => b.writeBigInt64BE(-9_007_199_254_740_991n)));
    store(holding, 16, words(8, (b) => b.writeBigUInt64BE(123_456_789_012_345n)).reverse());
    store(holding, 20, words(8, (b) => b.writeDoubleBE(Math.PI)));
    store(holding, 24, [0x3412]);
    store(holding, 25, words(2, (b) => b.writeInt16BE(615)));
    store(s.unit(1).input, 0, [10, 20, 30]);
    s.unit(1).coil.set(0, true).set(1, false);
    s.unit(1).discrete.set(7, true);
    store(s.unit(2).holding, 100, [0x1122, 0x3344].map((word) => ((word & 0xff) << 8) | (word >> 8)));

    const src = await startSource(s.port, {
      tags: { site: 'plant-room' },
      registers: [
        { name: 'int16', address: 0, type: 'int16' },
        { name: 'uint16', address: 1 },
        { name: 'int32_big', address: 2, type: 'int32' },
        { name: 'int32_little', address: 4, type: 'int32', word_order: 'little' },
        { name: 'uint32', address: 6, type: 'uint32' },
        { name: 'float32_big', address: 8, type: 'float32' },
        { name: 'float32_little', address: 10, type: 'float32', word_order: 'little' },
        { name: 'int64', address: 12, type: 'int64' },
        { name: 'uint64_little', address: 16, type: 'uint64', word_order: 'little' },
        { name: 'float64', address: 20, type: 'float64' },
        { name: 'swapped_bytes', address: 24, byte_order: 'little' },
        { name: 'scaled', address: 25, type: 'int16', scale: 0.1, offset: -40 },
        { name: 'inputs', table: 'input', address: 0, count: 3 },
        { name: 'pump', table: 'coil', address: 0 },
        { name: 'valve', table: 'coil', address: 1 },
        { name: 'door', table: 'discrete', address: 7 },
        { name: 'unit2/dcba', unit_id: 2, address: 100, type: 'uint32', word_order: 'big', byte_order: 'little' },
      ],
    });
    const expected = {
      int16: -2,
      uint16: 65_534,
      int32_big: -123_456,
      int32_little: -123_456,
      uint32: 4_000_000_000,
      float32_big: 21.5,
      float32_little: -0.25,
      int64: -9_007_199_254_740_991,
      uint64_little: 123_456_789_012_345,
      float64: Math.PI,
      swapped_bytes: 0x1234,
      scaled: 615 * 0.1 - 40,
      'inputs/0': 10,
      'inputs/1': 20,
      'inputs/2': 30,
      pump: 1,
      valve: 0,
      door: 1,
      'unit2/dcba': 0x11223344,
    };
    expect(await latest(src.readings, Object.keys(expected))).toEqual(expected);
    expect(src.readings[0]).toEqual({ source: 'plc', sensor: expect.any(String), value: expect.any(Number), timestamp: T0, tags: { site: 'plant-room' } });
    expect(src.badInputs).toEqual([]);
    expect(src.logs.filter((entry) => entry.level === 'warn' || entry.level === 'error')).toEqual([]);
  });

  it('reads adjacent entries of the same table and unit in one request, and each poll costs the same requests', async () => {
    const s = await server();
    store(s.unit(1).holding, 0, Array.from({ length: 10 }, (_, i) => i));
    store(s.unit(1).holding, 200, [1, 2]);
    store(s.unit(1).input, 0, [1, 2, 3]);
    store(s.unit(3).holding, 0, [7]);
    for (let i = 0; i < 20; i++) s.unit(1).coil.set(i, i % 2 === 0);

    const src = await startSource(s.port, {
      interval: '1h', // one poll only, at connect
      registers: [
        { name: 'h0', address: 0, type: 'uint32' },
        { name: 'h2', address: 2 },
        { name: 'h3', address: 3, type: 'float32' },
        { name: 'h5', address: 5, count: 5 },
        { name: 'far', address: 200, type: 'int32' },
        { name: 'i0', table: 'input', address: 0 },
        { name: 'i1', table: 'input', address: 1, type: 'uint32' },
        { name: 'u3', unit_id: 3, address: 0 },
        ...Array.from({ length: 20 }, (_, i) => ({ name: `coil${i}`, table: 'coil', address: i })),
      ],
    });
    await eventually(() => src.readings.length === 8 + 4 + 20, 10_000, 'one poll of readings');
    await sleep(200);
    expect(s.requests).toEqual([
      { unitId: 1, functionCode: 1, address: 0, length: 20 },
      { unitId: 1, functionCode: 3, address: 0, length: 10 },
      { unitId: 1, functionCode: 3, address: 200, length: 2 },
      { unitId: 1, functionCode: 4, address: 0, length: 3 },
      { unitId: 3, functionCode: 3, address: 0, length: 1 },
    ]);
    expect(src.readings.filter((reading) => reading.sensor.startsWith('coil')).map((reading) => reading.value)).toEqual(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 1 : 0)),
    );
  });

  it('reports an exception for an unmapped address as bad input, reads that group entry by entry from then on, and keeps polling the rest', async () => {
    const s = await server();
    store(s.unit(1).holding, 0, [11, 12]);
    store(s.unit(1).holding, 3, [14]);
    store(s.unit(1).input, 0, [99]);

    const src = await startSource(s.port, {
      registers: [
        { name: 'a', address: 0 },
        { name: 'b', address: 1 },
        { name: 'missing', address: 2 },
        { name: 'd', address: 3 },
        { name: 'missing_input', table: 'input', address: 50 },
        { name: 'i', table: 'input', address: 0 },
      ],
    });
    await eventually(() => src.readings.filter((reading) => reading.sensor === 'a').length >= 3, 10_000, 'three polls');

    expect(new Set(src.readings.map((reading) => reading.sensor))).toEqual(new Set(['a', 'b', 'd', 'i']));
    expect(await latest(src.readings, ['a', 'b', 'd', 'i'])).toEqual({ a: 11, b: 12, d: 14, i: 99 });
    const kinds = new Set(src.badInputs.map((bad) => bad.kind));
    expect(kinds).toEqual(new Set(['modbus-exception']));
    expect(new Set(src.badInputs.map((bad) => (bad.context!.registers as string[]).join()))).toEqual(new Set(['missing', 'missing_input']));
    expect(src.badInputs.find((bad) => bad.context!.registers!.toString() === 'missing')).toEqual({
      kind: 'modbus-exception',
      message: 'holding 2 of unit 1 (missing): Modbus exception 2: Illegal data address (register not supported by device)',
      context: { unit_id: 1, table: 'holding', address: 2, length: 1, registers: ['missing'] },
    });
    // The group 0–3 was refused once; from then on each entry is read on its own.
    const holdingReads = s.requests.filter((request) => request.functionCode === 3);
    expect(holdingReads.filter((request) => request.length === 4)).toHaveLength(1);
    expect(holdingReads.slice(1, 5).map((request) => [request.address, request.length])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    expect(src.isConnected()).toBe(true);
  });

  it('rejects a NaN or infinite float as modbus-bad-value and still emits the other entries of the same read', async () => {
    const s = await server();
    store(s.unit(1).holding, 0, words(4, (b) => b.writeFloatBE(Number.NaN)));
    store(s.unit(1).holding, 2, words(4, (b) => b.writeFloatBE(Number.POSITIVE_INFINITY)));
    store(s.unit(1).holding, 4, words(4, (b) => b.writeFloatBE(1.5)));

    const src = await startSource(s.port, {
      interval: '1h',
      registers: [
        { name: 'nan', address: 0, type: 'float32' },
        { name: 'inf', address: 2, type: 'float32' },
        { name: 'ok', address: 4, type: 'float32' },
      ],
    });
    await eventually(() => src.readings.length === 1 && src.badInputs.length === 2, 10_000, 'one poll');
    expect(src.readings.map((reading) => [reading.sensor, reading.value])).toEqual([['ok', 1.5]]);
    expect(src.badInputs).toEqual([
      { kind: 'modbus-bad-value', message: 'nan: float32 value is NaN', context: { register: 'nan', table: 'holding', address: 0 } },
      { kind: 'modbus-bad-value', message: 'inf: float32 value is Infinity', context: { register: 'inf', table: 'holding', address: 2 } },
    ]);
  });

  it('reports a request that gets no answer as modbus-timeout, stays connected, and keeps reading the others', async () => {
    const s = await server();
    store(s.unit(1).holding, 0, [1]);
    s.silentHolding.add(0);
    store(s.unit(1).input, 0, [5]);

    const src = await startSource(s.port, {
      registers: [
        { name: 'slow', address: 0 },
        { name: 'fast', table: 'input', address: 0 },
      ],
    });
    // Each poll asks for `slow` (which times out) and then `fast`: the fourth `fast` comes just after the fourth timeout.
    await eventually(() => src.badInputs.length >= 4 && src.readings.length >= 4, 10_000, 'four timeouts and four readings');
    expect(new Set(src.badInputs.map((bad) => bad.kind))).toEqual(new Set(['modbus-timeout']));
    expect(src.badInputs[0]!.message).toBe('holding 0 of unit 1 (slow): Timed out');
    expect(new Set(src.readings.map((reading) => reading.sensor))).toEqual(new Set(['fast']));
    expect(src.connections.filter((change) => !change.connected)).toEqual([{ connected: false, reason: 'connecting' }]);
  });

  it('takes a link on which every request of three polls in a row timed out for dead, opens it afresh and resumes', async () => {
    const s = await server();
    store(s.unit(1).holding, 0, [3]);
    s.silentHolding.add(0);
    const src = await startSource(s.port, {
      transport: { type: 'tcp', host: '127.0.0.1', port: s.port, timeout: '100ms' },
      registers: [{ name: 'x', address: 0 }],
    });
    await eventually(() => src.isConnected() === false && src.connections.length > 2, 10_000, 'the link given up');
    expect(src.connections.at(-1)).toEqual({ connected: false, reason: 'no answer to 3 polls in a row' });
    expect(src.badInputs.map((bad) => bad.kind)).toEqual(['modbus-timeout', 'modbus-timeout', 'modbus-timeout']);
    s.silentHolding.clear();
    expect(await latest(src.readings, ['x'])).toEqual({ x: 3 });
    expect(src.isConnected()).toBe(true);
  });

  it('reports the device down when the server stops, and resumes reading on its own once it is back on the same port', async () => {
    const s = await server();
    store(s.unit(1).holding, 0, [1]);
    const src = await startSource(s.port, { registers: [{ name: 'level', address: 0 }] });
    await latest(src.readings, ['level']);
    expect(src.isConnected()).toBe(true);

    await s.stop();
    await eventually(() => src.isConnected() === false, 10_000, 'disconnected');
    expect(src.connections.at(-1)!.reason).toBe('connection closed');
    // Several reconnect attempts fail while the server is away; the outage is logged once.
    await sleep(600);
    expect(src.logs.filter((entry) => entry.level === 'warn')).toEqual([
      { level: 'warn', context: { transport: `tcp://127.0.0.1:${s.port}`, reason: 'connection closed' }, message: 'Modbus device unreachable; retrying in the background' },
    ]);
    src.readings.length = 0;

    store(s.unit(1).holding, 0, [2]);
    await s.restart();
    await eventually(() => src.readings.some((reading) => reading.value === 2), 10_000, 'a reading after the restart');
    expect(src.isConnected()).toBe(true);
    expect(src.readings.every((reading) => reading.value === 2)).toBe(true);
    expect(src.badInputs).toEqual([]);
    expect(src.logs.filter((entry) => entry.message === 'connected to Modbus')).toHaveLength(2);
  });

  it('keeps trying while nothing listens at start, and connects once the device appears', async () => {
    const s = await server();
    store(s.unit(1).holding, 0, [7]);
    await s.stop();
    const src = await startSource(s.port, { registers: [{ name: 'x', address: 0 }] });
    expect(src.connections[0]).toEqual({ connected: false, reason: 'connecting' });
    await eventually(() => src.connections.some((change) => change.reason?.includes('ECONNREFUSED') === true), 10_000, 'a refused attempt');
    await sleep(300);
    await s.restart();
    expect(await latest(src.readings, ['x'])).toEqual({ x: 7 });
    expect(src.isConnected()).toBe(true);
  });

  it('stops promptly while a read is waiting for its answer, and emits nothing afterwards', async () => {
    const s = await server();
    store(s.unit(1).holding, 0, [1]);
    s.silentHolding.add(0);
    const src = await startSource(s.port, {
      transport: { type: 'tcp', host: '127.0.0.1', port: s.port, timeout: '30s' },
      registers: [{ name: 'slow', address: 0 }],
    });
    await eventually(() => s.requests.length === 1, 10_000, 'the request at the server');
    const started = Date.now();
    await src.source.stop();
    expect(Date.now() - started).toBeLessThan(500);
    s.silentHolding.clear();
    await sleep(300);
    expect(src.readings).toEqual([]);
    expect(s.requests).toHaveLength(1);
  });
});

/**
 * A serial line for tests: socat joins two ptys; modbus-serial's ServerSerial (a real RTU slave, unit 1 only)
 * answers on one end from `holding`, the driver opens the other. unplug() kills socat, so both ptys vanish as
 * when a USB adapter is pulled; replug() brings them back under the same paths.
 */
async function rtuLine(holding: Map<number, number>) {
  const dir = await makeTempDir('modbus-rtu');
  const driverEnd = `${dir.path}/driver`;
  const serverEnd = `${dir.path}/server`;
  const requests: { address: number; length: number }[] = [];
  const value = (address: number) => {
    const found = holding.get(address);
    if (found === undefined) throw Object.assign(new Error('illegal data address'), { modbusErrorCode: 2 });
    return found;
  };
  const vector: IServiceVector = {
    getHoldingRegister: (address: number) => (requests.push({ address, length: 1 }), value(address)),
    getMultipleHoldingRegisters: (address: number, length: number) => (
      requests.push({ address, length }), Array.from({ length }, (_, i) => value(address + i))
    ),
  };
  let unplug: () => Promise<void> = async () => undefined;

  const plug = async () => {
    const socat = spawn(process.env['SOCAT_BIN'] ?? '/usr/bin/socat', ['-d', '-d', `pty,raw,echo=0,link=${driverEnd}`, `pty,raw,echo=0,link=${serverEnd}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    socat.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<void>((resolve) => socat.once('exit', () => resolve()));
    socat.once('error', () => undefined);
    let slave: InstanceType<typeof modbusSerial.ServerSerial> | undefined;
    unplug = async () => {
      unplug = async () => undefined;
      if (slave !== undefined) await new Promise<void>((resolve) => slave!.close(() => resolve()));
      socat.kill('SIGKILL');
      await exited;
    };
    await eventually(() => /starting data transfer loop/.test(log) && existsSync(serverEnd), 5_000, `socat's pty pair (install the Debian package socat)`);
    const started = new modbusSerial.ServerSerial(vector, { path: serverEnd, baudRate: 19_200, unitID: 1 });
    slave = started;
    await new Promise<void>((resolve, reject) => {
      started.on('initialized', () => resolve());
      started.on('error', (error) => reject(error ?? new Error('ServerSerial failed')));
    });
  };

  cleanups.push(async () => {
    await unplug();
    await dir.remove();
  });
  await plug();
  return { driverEnd, requests, unplug: () => unplug(), replug: plug };
}

describe('Modbus source over RTU, against modbus-serial’s ServerSerial on a socat pty pair', () => {
  it('reads grouped registers from unit 1 over the serial line, and reports the silent unit 2 as modbus-timeout', async () => {
    const line = await rtuLine(new Map([[0, 215], [1, 0x4049], [2, 0x0fdb], [3, 42]]));
    const recorder = recordingContext('bus');
    const options = modbusOptions.parse({
      driver: 'modbus',
      transport: { type: 'rtu', path: line.driverEnd, baud_rate: 19_200, timeout: '300ms' },
      interval: '200ms',
      registers: [
        { name: 'temperature', address: 0, type: 'int16', scale: 0.1 },
        { name: 'pi', address: 1, type: 'float32' },
        { name: 'count', address: 3 },
        { name: 'absent', unit_id: 2, address: 0 },
      ],
    });
    const source = createModbusSource(options, recorder.context);
    drivers.push(source);
    const readings: Reading[] = [];
    await source.start((reading) => readings.push(reading));

    const values = await latest(readings, ['temperature', 'pi', 'count']);
    expect(values.temperature).toBe(21.5);
    expect(values.pi).toBeCloseTo(Math.PI, 6);
    expect(values.count).toBe(42);
    expect(line.requests[0]).toEqual({ address: 0, length: 4 });
    await eventually(() => recorder.badInputs.length > 0, 5_000, 'the timeout of unit 2');
    expect(recorder.badInputs[0]).toMatchObject({ kind: 'modbus-timeout', context: { unit_id: 2, registers: ['absent'] } });
    expect(recorder.isConnected()).toBe(true);
  });

  it('reports the serial line gone when the adapter is unplugged, and reads again once it is plugged back in', async () => {
    const line = await rtuLine(new Map([[0, 1]]));
    const recorder = recordingContext('bus');
    const options = modbusOptions.parse({
      driver: 'modbus',
      transport: { type: 'rtu', path: line.driverEnd, baud_rate: 19_200, timeout: '300ms' },
      interval: '100ms',
      reconnect: { initial: '50ms', max: '100ms' },
      registers: [{ name: 'x', address: 0 }],
    });
    const source = createModbusSource(options, recorder.context);
    drivers.push(source);
    const readings: Reading[] = [];
    await source.start((reading) => readings.push(reading));
    await latest(readings, ['x']);
    await line.unplug();
    await eventually(() => recorder.isConnected() === false, 5_000, 'disconnected');
    expect(recorder.connections.at(-1)).toEqual({ connected: false, reason: 'connection closed' });
    // While the device path is missing, opening it fails on every attempt; the outage is logged once.
    await eventually(() => recorder.connections.at(-1)!.reason?.includes('No such file or directory') === true, 5_000, 'a failed reopen');
    expect(recorder.logs.filter((entry) => entry.level === 'warn')).toHaveLength(1);

    readings.length = 0;
    await line.replug();
    await latest(readings, ['x']);
    expect(recorder.isConnected()).toBe(true);
  });
});

/** A fake modbus-serial client: records how it is opened and answers reads from a function. */
function fakeClient(answer: (table: string, address: number, length: number) => Promise<{ data: (number | boolean)[] }>) {
  const calls: unknown[][] = [];
  const client: ModbusClientLike = {
    setTimeout: (ms) => void calls.push(['setTimeout', ms]),
    setID: (id) => void calls.push(['setID', id]),
    connectTCP: async (ip, options) => void calls.push(['connectTCP', ip, options]),
    connectRTUBuffered: async (path, options) => void calls.push(['connectRTUBuffered', path, options]),
    readCoils: (address, length) => answer('coil', address, length) as Promise<{ data: boolean[] }>,
    readDiscreteInputs: (address, length) => answer('discrete', address, length) as Promise<{ data: boolean[] }>,
    readHoldingRegisters: (address, length) => answer('holding', address, length) as Promise<{ data: number[] }>,
    readInputRegisters: (address, length) => answer('input', address, length) as Promise<{ data: number[] }>,
    on: () => client,
    destroy: (callback) => callback?.(),
  };
  return { client, calls };
}

describe('Modbus source over RTU (fake client; no serial hardware on the test machine)', () => {
  it('opens the serial port with the configured line settings and timeout, and reads with each register’s unit id', async () => {
    const fake = fakeClient(async (_table, _address, length) => ({ data: Array.from({ length }, (_, i) => 100 + i) }));
    const recorder = recordingContext('bus');
    const options = modbusOptions.parse({
      driver: 'modbus',
      transport: { type: 'rtu', path: '/dev/ttyUSB0', baud_rate: 19_200, parity: 'even', data_bits: 8, stop_bits: 1, timeout: '500ms' },
      unit_id: 5,
      registers: [
        { name: 'meter/voltage', address: 0, scale: 0.1 },
        { name: 'meter2/voltage', unit_id: 7, address: 0 },
      ],
    });
    const source = createModbusSource(options, recorder.context, { newClient: () => fake.client });
    drivers.push(source);
    const readings: Reading[] = [];
    await source.start((reading) => readings.push(reading));
    await eventually(() => readings.length === 2, 5_000, 'two readings');

    expect(fake.calls.slice(0, 4)).toEqual([
      ['setTimeout', 500],
      ['connectRTUBuffered', '/dev/ttyUSB0', { baudRate: 19_200, parity: 'even', dataBits: 8, stopBits: 1 }],
      ['setID', 5],
      ['setID', 7],
    ]);
    expect(readings.map((reading) => [reading.sensor, reading.value])).toEqual([
      ['meter/voltage', 10],
      ['meter2/voltage', 100],
    ]);
    expect(recorder.isConnected()).toBe(true);
    expect(recorder.logs).toContainEqual({ level: 'info', context: { transport: 'rtu:/dev/ttyUSB0' }, message: 'connected to Modbus' });
  });

  it('retries a serial port that cannot be opened with a doubling wait, logging the outage once', async () => {
    let attempts = 0;
    const clock = new ManualClock();
    const recorder = recordingContext('bus', clock);
    const options = modbusOptions.parse({
      driver: 'modbus',
      transport: { type: 'rtu', path: '/dev/ttyUSB9' },
      reconnect: { initial: '20ms', max: '80ms' },
      registers: [{ name: 'a', address: 0 }],
    });
    const newClient = () => {
      const fake = fakeClient(async () => ({ data: [1] }));
      fake.client.connectRTUBuffered = async () => {
        attempts++;
        throw new Error('Error: No such file or directory, cannot open /dev/ttyUSB9');
      };
      return fake.client;
    };
    const source = createModbusSource(options, recorder.context, { newClient });
    drivers.push(source);
    await source.start(() => undefined);
    await clock.advance(500);
    // 20 + 40 + 80 + 80 … ms: about 7 attempts in half a second, not 25.
    expect(attempts).toBeGreaterThanOrEqual(4);
    expect(attempts).toBeLessThanOrEqual(9);
    expect(recorder.isConnected()).toBe(false);
    expect(recorder.connections.at(-1)!.reason).toBe('Error: No such file or directory, cannot open /dev/ttyUSB9');
    expect(recorder.logs.filter((entry) => entry.level === 'warn')).toHaveLength(1);
  });

  it('never starts a poll while the previous one is still waiting for the bus', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let reads = 0;
    const clock = new ManualClock();
    const fake = fakeClient(async () => {
      inFlight++;
      reads++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await clock.sleep(120);
      inFlight--;
      return { data: [1] };
    });
    const recorder = recordingContext('bus', clock);
    const options = modbusOptions.parse({
      driver: 'modbus',
      transport: { type: 'rtu', path: '/dev/ttyUSB0' },
      interval: '20ms',
      registers: [{ name: 'a', address: 0 }],
    });
    const source = createModbusSource(options, recorder.context, { newClient: () => fake.client });
    drivers.push(source);
    await source.start(() => undefined);
    await clock.advance(500);
    // stop() waits for the read under way, which the bus answers 120 ms after it began.
    const stopped = source.stop();
    await clock.advance(120);
    await stopped;
    expect(maxInFlight).toBe(1);
    expect(reads).toBeGreaterThanOrEqual(3);
    expect(reads).toBeLessThanOrEqual(5);
  });
});
