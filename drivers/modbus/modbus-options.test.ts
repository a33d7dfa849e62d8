import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { modbusOptions } from './modbus-options.js';

describe('Modbus source options', () => {
  it('default to port 502, a 1 s timeout, unit 1, a 10 s interval, holding uint16 registers in big-endian order', () => {
    const parsed = modbusOptions.parse({
      driver: 'modbus',
      transport: { type: 'tcp', host: 'plc.local' },
      registers: [{ name: 'a', address: 0 }, { name: 'b', table: 'coil', address: 0 }],
    });
    expect(parsed).toMatchObject({
      transport: { type: 'tcp', host: 'plc.local', port: 502, timeout: 1_000 },
      unit_id: 1,
      interval: 10_000,
      max_registers_per_read: 125,
      max_gap: 0,
      reconnect: { initial: 1_000, max: 30_000 },
      tags: {},
    });
    expect(parsed.registers).toEqual([
      { name: 'a', table: 'holding', address: 0, type: 'uint16', word_order: 'big', byte_order: 'big', scale: 1, offset: 0 },
      { name: 'b', table: 'coil', address: 0, type: 'bool', word_order: 'big', byte_order: 'big', scale: 1, offset: 0 },
    ]);
  });

  it('default a serial line to 9600 baud, 8 data bits, no parity and 1 stop bit', () => {
    const parsed = modbusOptions.parse({ driver: 'modbus', transport: { type: 'rtu', path: '/dev/ttyUSB0' }, registers: [{ name: 'a', address: 0 }] });
    expect(parsed.transport).toEqual({ type: 'rtu', path: '/dev/ttyUSB0', baud_rate: 9600, parity: 'none', data_bits: 8, stop_bits: 1, timeout: 1_000 });
  });

  it.each([
    ['bool on a holding register', { registers: [{ name: 'a', address: 0, type: 'bool' }] }, ['registers', 0, 'type']],
    ['a number type on a coil', { registers: [{ name: 'a', table: 'coil', address: 0, type: 'int16' }] }, ['registers', 0, 'type']],
    ['more registers than one request holds', { registers: [{ name: 'a', address: 0, type: 'float32', count: 63 }] }, ['registers', 0, 'count']],
    ['a value running past address 65535', { registers: [{ name: 'a', address: 65_535, type: 'uint32' }] }, ['registers', 0, 'address']],
    ['two registers of the same name', { registers: [{ name: 'a', address: 0 }, { name: 'a', address: 1 }] }, ['registers']],
    ['an unknown key', { registers: [{ name: 'a', address: 0, adress: 1 }] }, ['registers', 0]],
    ['an unknown table', { registers: [{ name: 'a', address: 0, table: 'holdings' }] }, ['registers', 0, 'table']],
    ['no registers', { registers: [] }, ['registers']],
    ['a TCP transport without host', { transport: { type: 'tcp' } }, ['transport', 'host']],
    ['an unknown transport', { transport: { type: 'udp', host: 'x' } }, ['transport', 'type']],
    ['unit 0 on a serial line', { transport: { type: 'rtu', path: '/dev/ttyUSB0' }, unit_id: 0 }, ['unit_id']],
    ['unit 248 of one register on a serial line', { transport: { type: 'rtu', path: '/dev/ttyUSB0' }, registers: [{ name: 'a', address: 0, unit_id: 248 }] }, ['registers', 0, 'unit_id']],
    ['an odd number of data bits', { transport: { type: 'rtu', path: '/dev/ttyUSB0', data_bits: 9 } }, ['transport', 'data_bits']],
  ])('reject %s, naming the field', (_, extra, path) => {
    const result = modbusOptions.safeParse({
      driver: 'modbus',
      transport: { type: 'tcp', host: 'plc.local' },
      registers: [{ name: 'ok', address: 0 }],
      ...extra,
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => issue.path)).toContainEqual(path);
  });

  it('accept their own sample.yaml', () => {
    const sample = parse(readFileSync(new URL('./sample.yaml', import.meta.url), 'utf8')) as { sources: Record<string, unknown> };
    const entries = Object.values(sample.sources);
    expect(entries.length).toBeGreaterThan(1);
    for (const entry of entries) expect(() => modbusOptions.parse(entry)).not.toThrow();
  });
});
