import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Reading } from '../../rules/reading.js';
import type { DriverContext } from '../driver.js';
import { onewireOptions } from './onewire-options.js';
import { createOnewireSource } from './onewire-source.js';
import { parseTemperatureFile, parseW1Slave } from './w1-parse.js';
import { systemClock, type Clock } from '../clock.js';
import { ManualClock } from '../../test/helpers/manual-clock.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const A = '28-0316a2794cff';
const B = '28-3c01d607e1a2';
const C = '10-000802b4d1e7';

/** A w1_slave file as the kernel writes it. */
const w1 = (t: string, crc: 'YES' | 'NO' = 'YES') =>
  `72 01 4b 46 7f ff 0e 10 57 : crc=57 ${crc}\n72 01 4b 46 7f ff 0e 10 57 t=${t}\n`;

interface LogCall {
  level: string;
  context: object;
  message: string;
}
interface BadInputCall {
  kind: string;
  message: string;
  context: Record<string, unknown> | undefined;
}

function fakeContext(clock: Clock = systemClock) {
  const logs: LogCall[] = [];
  const badInputs: BadInputCall[] = [];
  const connected: boolean[] = [];
  const log = (level: string) => (context: object, message: string) => void logs.push({ level, context, message });
  const context: DriverContext = {
    name: 'temps',
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    now: () => NOW,
    clock,
    badInput: (kind, message, context) => void badInputs.push({ kind, message, context }),
    setConnected: (value) => void connected.push(value),
  };
  const messages = (level: string) => logs.filter((call) => call.level === level).map((call) => call.message);
  return { context, logs, badInputs, connected, messages };
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fake /sys/bus/w1/devices: `{ '28-…/w1_slave': content }`, plus the bus master the kernel always lists. */
async function fakeBus(files: Record<string, string>) {
  const base = await mkdtemp(join(tmpdir(), 'tributary-onewire-'));
  dirs.push(base);
  await mkdir(join(base, 'w1_bus_master1'));
  await writeFile(join(base, 'w1_bus_master1', 'w1_master_slave_count'), '2\n');
  await addFiles(base, files);
  return base;
}

async function addFiles(base: string, files: Record<string, string>) {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(base, path, '..'), { recursive: true });
    await writeFile(join(base, path), content);
  }
}

function options(extra: Record<string, unknown>) {
  return onewireOptions.parse({ driver: 'onewire', ...extra });
}

/** The readings of exactly one poll: start polls at once; the long interval keeps a second poll away. */
async function pollOnce(base: string, extra: Record<string, unknown> = {}) {
  const fake = fakeContext();
  const source = createOnewireSource(options({ base_path: base, interval: '1h', ...extra }), fake.context);
  const readings: Reading[] = [];
  await source.start((reading) => readings.push(reading));
  await source.stop();
  const bySensor = Object.fromEntries(readings.map((reading) => [reading.sensor, reading.value]));
  return { ...fake, readings, bySensor };
}

/** Waits for the source's file reads; with a ManualClock, each round also moves time by one 10 ms interval. */
async function waitFor(condition: () => boolean, what: string, clock?: ManualClock) {
  for (let i = 0; i < 200; i += 1) {
    if (condition()) return;
    await clock?.advance(10);
    await sleep(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('onewire options', () => {
  it('defaults to a ten-second poll of /sys/bus/w1/devices, default names, 85 °C rejected', () => {
    expect(options({})).toEqual({
      driver: 'onewire',
      interval: 10_000,
      base_path: '/sys/bus/w1/devices',
      sensors: {},
      allow_85: false,
      tags: {},
    });
  });

  it('rejects ids that are not 1-Wire ids, and unknown keys', () => {
    expect(onewireOptions.safeParse({ driver: 'onewire', sensors: { 'DS18B20-1': 'x' } }).success).toBe(false);
    expect(onewireOptions.safeParse({ driver: 'onewire', sensors: { [A]: '' } }).success).toBe(false);
    expect(onewireOptions.safeParse({ driver: 'onewire', path: '/sys' }).success).toBe(false);
    expect(onewireOptions.safeParse({ driver: 'onewire', interval: '0s' }).success).toBe(false);
  });

  it('accepts its own sample.yaml', () => {
    const sample = parse(readFileSync(new URL('./sample.yaml', import.meta.url), 'utf8')) as {
      sources: Record<string, unknown>;
    };
    expect(onewireOptions.parse(sample.sources['temperatures'])).toEqual(
      options({
        sensors: { [A]: 'greenhouse/air_temperature', [B]: 'greenhouse/soil_temperature' },
        tags: { site: 'greenhouse' },
      }),
    );
  });
});

describe('w1 parsers', () => {
  it('read millidegrees from w1_slave and from temperature', () => {
    expect(parseW1Slave(w1('21375'), false)).toEqual({ ok: true, celsius: 21.375 });
    expect(parseW1Slave(w1('-10125'), false)).toEqual({ ok: true, celsius: -10.125 });
    expect(parseW1Slave(w1('0'), false)).toEqual({ ok: true, celsius: 0 });
    expect(parseTemperatureFile('23125\n', false)).toEqual({ ok: true, celsius: 23.125 });
  });

  it('name each kind of rejection', () => {
    const kind = (outcome: ReturnType<typeof parseW1Slave>) => (outcome.ok ? 'ok' : outcome.kind);
    expect(kind(parseW1Slave(w1('21375', 'NO'), false))).toBe('onewire-crc');
    expect(kind(parseW1Slave(w1('85000'), false))).toBe('onewire-power-on');
    expect(parseW1Slave(w1('85000'), true)).toEqual({ ok: true, celsius: 85 });
    expect(kind(parseW1Slave(w1('-127000'), false))).toBe('onewire-no-value');
    expect(kind(parseW1Slave('', false))).toBe('onewire-no-value');
    expect(kind(parseW1Slave('72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n', false))).toBe('onewire-no-value');
    expect(kind(parseW1Slave(w1(''), false))).toBe('onewire-parse');
    expect(kind(parseW1Slave(w1('21.5'), false))).toBe('onewire-parse');
    expect(kind(parseW1Slave(w1('NaN'), false))).toBe('onewire-parse');
    expect(kind(parseW1Slave(w1('0x1f'), false))).toBe('onewire-parse');
    expect(kind(parseW1Slave(w1('400000'), false))).toBe('onewire-parse');
    expect(kind(parseW1Slave('garbage\nmore garbage\n', false))).toBe('onewire-parse');
    expect(kind(parseTemperatureFile('\n', false))).toBe('onewire-no-value');
    expect(kind(parseTemperatureFile('85000\n', false))).toBe('onewire-power-on');
    expect(kind(parseTemperatureFile('-127000\n', false))).toBe('onewire-no-value');
    expect(kind(parseTemperatureFile('hot\n', false))).toBe('onewire-parse');
  });
});

describe('onewire source', () => {
  it('reads every temperature sensor on the bus, named by the config or onewire/<id>', async () => {
    const base = await fakeBus({
      [`${A}/w1_slave`]: w1('21375'),
      [`${B}/w1_slave`]: w1('-3062'),
      [`${C}/w1_slave`]: w1('19500'),
      // Not temperature sensors: an EEPROM (family 2d) and a switch (family 29) are left alone.
      '2d-00000abcdef0/eeprom': 'x',
      '29-00000abcdef1/state': 'x',
    });
    const { readings, bySensor, badInputs, messages, connected } = await pollOnce(base, {
      sensors: { [A]: 'greenhouse/air' },
      tags: { site: 'gh' },
    });
    expect(bySensor).toEqual({ 'greenhouse/air': 21.375, [`onewire/${B}`]: -3.062, [`onewire/${C}`]: 19.5 });
    expect(readings.every((r) => r.source === 'temps' && r.timestamp === NOW)).toBe(true);
    expect(readings[0]?.tags).toEqual({ site: 'gh' });
    expect(badInputs).toEqual([]);
    expect(messages('info').sort()).toEqual(
      [`1-Wire sensor ${A} found`, `1-Wire sensor ${B} found`, `1-Wire sensor ${C} found`].sort(),
    );
    expect(connected).toEqual([true]);
  });

  it('prefers the newer temperature file where the kernel offers it', async () => {
    const base = await fakeBus({ [`${A}/w1_slave`]: w1('10000'), [`${A}/temperature`]: '22500\n' });
    const { bySensor } = await pollOnce(base);
    expect(bySensor).toEqual({ [`onewire/${A}`]: 22.5 });
  });

  it('rejects and counts a CRC error, 85 °C, -127 °C, a missing value and garbage, emitting the rest', async () => {
    const ids = ['28-000000000001', '28-000000000002', '28-000000000003', '28-000000000004', '28-000000000005'];
    const base = await fakeBus({
      [`${A}/w1_slave`]: w1('21375'),
      [`${ids[0]}/w1_slave`]: w1('21375', 'NO'),
      [`${ids[1]}/w1_slave`]: w1('85000'),
      [`${ids[2]}/w1_slave`]: w1('-127000'),
      [`${ids[3]}/w1_slave`]: '',
      [`${ids[4]}/w1_slave`]: '\u0000\u0001 not a w1 file at all',
    });
    const { readings, badInputs } = await pollOnce(base);
    expect(readings.map((r) => [r.sensor, r.value])).toEqual([[`onewire/${A}`, 21.375]]);
    expect(badInputs.map((call) => [call.kind, call.context?.['sensor']])).toEqual([
      ['onewire-crc', `onewire/${ids[0]}`],
      ['onewire-power-on', `onewire/${ids[1]}`],
      ['onewire-no-value', `onewire/${ids[2]}`],
      ['onewire-no-value', `onewire/${ids[3]}`],
      ['onewire-parse', `onewire/${ids[4]}`],
    ]);
    expect(badInputs[0]?.context?.['file']).toBe(join(base, ids[0]!, 'w1_slave'));
    expect(badInputs[0]?.context?.['content']).toBe(w1('21375', 'NO').slice(0, 80));
  });

  it('counts a file that cannot be read as onewire-read, with its error code', async () => {
    const base = await fakeBus({ [`${A}/w1_slave`]: w1('20000') });
    await mkdir(join(base, A, 'temperature')); // reading a directory fails (EISDIR), as EIO does on a Pi
    const { readings, badInputs } = await pollOnce(base);
    expect(readings).toEqual([]);
    expect(badInputs.map((call) => [call.kind, call.context?.['code']])).toEqual([['onewire-read', 'EISDIR']]);
  });

  it('accepts 85 °C when allow_85 is set', async () => {
    const base = await fakeBus({ [`${A}/w1_slave`]: w1('85000') });
    const { bySensor, badInputs } = await pollOnce(base, { allow_85: true });
    expect(bySensor).toEqual({ [`onewire/${A}`]: 85 });
    expect(badInputs).toEqual([]);
  });

  it('picks up a sensor plugged in and drops one pulled out, logging each change once', async () => {
    const base = await fakeBus({ [`${A}/w1_slave`]: w1('20000') });
    const fake = fakeContext();
    const source = createOnewireSource(options({ base_path: base, interval: '10ms' }), fake.context);
    const readings: Reading[] = [];
    await source.start((reading) => readings.push(reading));
    try {
      await addFiles(base, { [`${B}/w1_slave`]: w1('25000') });
      await waitFor(() => readings.some((r) => r.sensor === `onewire/${B}`), 'the new sensor');
      await rm(join(base, A), { recursive: true });
      const seen = readings.length;
      await waitFor(() => readings.slice(seen).filter((r) => r.sensor === `onewire/${B}`).length >= 3, 'polls');
      const afterRemoval = readings.slice(seen + 2); // a poll already listing the bus may still read A once
      expect(afterRemoval.some((r) => r.sensor === `onewire/${A}`)).toBe(false);
    } finally {
      await source.stop();
    }
    expect(fake.messages('info')).toEqual([
      `1-Wire sensor ${A} found`,
      `1-Wire sensor ${B} found`,
      `1-Wire sensor ${A} gone`,
    ]);
    expect(fake.badInputs).toEqual([]);
    expect(readings.every((r) => Number.isFinite(r.value))).toBe(true);
  });

  it('warns once when there is no bus, and starts reading when it appears', async () => {
    const root = await fakeBus({});
    const base = join(root, 'devices');
    const clock = new ManualClock();
    const fake = fakeContext(clock);
    const source = createOnewireSource(options({ base_path: base, interval: '10ms' }), fake.context);
    const readings: Reading[] = [];
    await source.start((reading) => readings.push(reading));
    try {
      await clock.advance(50);
      expect(fake.messages('warn')).toEqual([
        `cannot list ${base} (ENOENT): is 1-Wire enabled? Add dtoverlay=w1-gpio to /boot/firmware/config.txt and reboot`,
      ]);
      expect(fake.connected.every((value) => !value)).toBe(true);
      await addFiles(base, { [`${A}/w1_slave`]: w1('20000') });
      await waitFor(() => readings.length > 0, 'a reading', clock);
    } finally {
      await source.stop();
    }
    expect(readings[0]?.value).toBe(20);
    expect(fake.connected.at(-1)).toBe(true);
  });

  it('warns once about a configured sensor that is not on the bus', async () => {
    const base = await fakeBus({ [`${A}/w1_slave`]: w1('20000') });
    const clock = new ManualClock();
    const fake = fakeContext(clock);
    const source = createOnewireSource(
      options({ base_path: base, interval: '10ms', sensors: { [B]: 'soil' } }),
      fake.context,
    );
    await source.start(() => {});
    await clock.advance(40);
    await source.stop();
    expect(fake.messages('warn')).toEqual([`1-Wire sensor ${B} (soil) is in the config but not on the bus`]);
  });

  const linux = process.platform === 'linux';
  it.skipIf(!linux)('skips ticks while a slow conversion is still running instead of piling polls up', async () => {
    const base = await fakeBus({ [`${A}/w1_slave`]: w1('20000') });
    await mkdir(join(base, B));
    // A FIFO blocks the read until something is written: a sensor still converting.
    const fifo = join(base, B, 'w1_slave');
    execFileSync('mkfifo', [fifo]);
    const clock = new ManualClock();
    const fake = fakeContext(clock);
    const source = createOnewireSource(options({ base_path: base, interval: '10ms' }), fake.context);
    const readings: Reading[] = [];
    const started = source.start((reading) => readings.push(reading));
    try {
      await clock.advance(60);
      expect(readings).toEqual([]);
      const skipped = fake.logs.filter((call) => call.message === 'previous poll still running: tick skipped');
      expect(skipped.length).toBeGreaterThan(2);
    } finally {
      await writeFile(fifo, w1('25000'));
      await started;
      await source.stop();
    }
    expect(readings.map((r) => [r.sensor, r.value])).toEqual([
      [`onewire/${A}`, 20],
      [`onewire/${B}`, 25],
    ]);
  });

  it('emits nothing once stop has resolved', async () => {
    const base = await fakeBus({ [`${A}/w1_slave`]: w1('20000') });
    const clock = new ManualClock();
    const fake = fakeContext(clock);
    const source = createOnewireSource(options({ base_path: base, interval: '10ms' }), fake.context);
    const readings: Reading[] = [];
    await source.start((reading) => readings.push(reading));
    await clock.advance(30);
    await source.stop();
    const count = readings.length;
    await clock.advance(40);
    expect(readings).toHaveLength(count);
  });
});
