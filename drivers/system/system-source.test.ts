import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Reading } from '../../rules/reading.js';
import type { DriverContext } from '../driver.js';
import { parseLoadavg, parseMeminfo, parseNumber, parseUptime } from './proc-parsers.js';
import { systemOptions } from './system-options.js';
import { createSystemSource } from './system-source.js';
import { selectCpuZones } from './thermal-zones.js';
import { systemClock, type Clock } from '../clock.js';
import { ManualClock } from '../../test/helpers/manual-clock.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

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
  const log = (level: string) => (context: object, message: string) => void logs.push({ level, context, message });
  const context: DriverContext = {
    name: 'host',
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    now: () => NOW,
    clock,
    badInput: (kind, message, context) => void badInputs.push({ kind, message, context }),
    setConnected: () => {},
  };
  const infos = () => logs.filter((call) => call.level === 'info').map((call) => call.message);
  return { context, logs, badInputs, infos };
}

const MEMINFO = [
  'MemTotal:        3884800 kB',
  'MemFree:          912340 kB',
  'MemAvailable:    2913600 kB',
  'Buffers:           61256 kB',
  '',
].join('\n');

const PI_FILES: Record<string, string> = {
  'sys/thermal_zone0/type': 'cpu-thermal\n',
  'sys/thermal_zone0/temp': '48312\n',
  'sys/cooling_device0/type': 'gpio-fan\n',
  'proc/loadavg': '0.59 0.50 0.27 1/138 6790\n',
  'proc/meminfo': MEMINFO,
  'proc/uptime': '458.41 708.62\n',
};

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Writes a fake host: `sys/…` is the thermal directory, `proc/…` the proc directory. */
async function fakeHost(files: Record<string, string>) {
  const root = await mkdtemp(join(tmpdir(), 'tributary-system-'));
  dirs.push(root);
  await mkdir(join(root, 'sys'), { recursive: true });
  await mkdir(join(root, 'proc'), { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  // The fake host has no disks or firmware tool of its own: those metrics are tested on their own below.
  return { root, paths: { thermal_path: join(root, 'sys'), proc_path: join(root, 'proc'), include: ['cpu_temperature', 'load', 'memory', 'uptime'] } };
}

function options(extra: Record<string, unknown>) {
  return systemOptions.parse({ driver: 'system', ...extra });
}

/** Starts a source, which polls once at start, and stops it again: the readings of exactly one poll. */
async function pollOnce(extra: Record<string, unknown>) {
  const fake = fakeContext();
  const source = createSystemSource(options({ interval: '1h', ...extra }), fake.context);
  const readings: Reading[] = [];
  await source.start((reading) => readings.push(reading));
  await source.stop();
  const bySensor = Object.fromEntries(readings.map((reading) => [reading.sensor, reading.value]));
  return { ...fake, readings, bySensor };
}

describe('system options', () => {
  it('defaults to a ten-second poll of every metric from /sys/class/thermal and /proc', () => {
    expect(options({})).toEqual({
      driver: 'system',
      interval: 10_000,
      thermal_path: '/sys/class/thermal',
      proc_path: '/proc',
      include: ['cpu_temperature', 'load', 'memory', 'uptime', 'disk', 'throttling'],
      disk_paths: ['/'],
      vcgencmd: 'vcgencmd',
    });
  });

  it('rejects unknown metrics and unknown keys', () => {
    expect(systemOptions.safeParse({ driver: 'system', include: ['gpu'] }).success).toBe(false);
    expect(systemOptions.safeParse({ driver: 'system', thermal: '/sys' }).success).toBe(false);
  });

  it('accepts its own sample.yaml', () => {
    const sample = parse(readFileSync(new URL('./sample.yaml', import.meta.url), 'utf8')) as {
      sources: Record<string, unknown>;
    };
    expect(systemOptions.parse(sample.sources['host'])).toEqual(options({}));
  });
});

describe('proc parsers', () => {
  it('accept only plain decimal numbers', () => {
    expect(parseNumber('48312')).toBe(48312);
    expect(parseNumber('-0.5')).toBe(-0.5);
    for (const text of ['', 'NaN', 'Infinity', '0x1f', '12abc', ' ', undefined]) {
      expect(parseNumber(text)).toBeUndefined();
    }
  });

  it('keep the readable fields of a partly garbled file', () => {
    expect(parseLoadavg('0.10 oops 0.30 1/2 3')).toEqual({
      values: [
        { sensor: 'system/load1', value: 0.1 },
        { sensor: 'system/load15', value: 0.3 },
      ],
      problems: ['loadavg field 2 is not a load: "oops"'],
    });
    expect(parseMeminfo('MemTotal: 1000 kB\n').problems).toEqual(['meminfo has no MemAvailable line']);
    expect(parseUptime('').problems).toEqual(['uptime is not a number of seconds: ""']);
  });
});

describe('system source', () => {
  it('reads CPU temperature, load, memory and uptime from a fake Raspberry Pi at start', async () => {
    const host = await fakeHost(PI_FILES);
    const { readings, bySensor, badInputs, infos } = await pollOnce(host.paths);
    expect(bySensor).toEqual({
      'system/cpu_temperature': 48.312,
      'system/load1': 0.59,
      'system/load5': 0.5,
      'system/load15': 0.27,
      'system/memory_available_bytes': 2913600 * 1024,
      'system/memory_used_percent': ((3884800 - 2913600) / 3884800) * 100,
      'system/uptime_seconds': 458.41,
    });
    expect(readings).toHaveLength(7);
    expect(readings.every((r) => r.source === 'host' && r.timestamp === NOW)).toBe(true);
    expect(readings[0]?.tags).toEqual({});
    expect(badInputs).toEqual([]);
    expect(infos()).toEqual([]);
  });

  it('reads only the metrics listed in include', async () => {
    const host = await fakeHost(PI_FILES);
    const { bySensor } = await pollOnce({ ...host.paths, include: ['load'] });
    expect(Object.keys(bySensor)).toEqual(['system/load1', 'system/load5', 'system/load15']);
  });

  it('names the first CPU-like zone cpu_temperature, other CPU-like zones by type, and ignores the rest', async () => {
    const host = await fakeHost({
      'sys/thermal_zone0/type': 'acpitz\n',
      'sys/thermal_zone0/temp': '27800\n',
      'sys/thermal_zone2/type': 'x86_pkg_temp\n',
      'sys/thermal_zone2/temp': '55000\n',
      'sys/thermal_zone10/type': 'SoC Big\n',
      'sys/thermal_zone10/temp': '-5000\n',
    });
    const { bySensor } = await pollOnce({ ...host.paths, include: ['cpu_temperature'] });
    expect(bySensor).toEqual({ 'system/cpu_temperature': 55, 'system/thermal/soc_big': -5 });
  });

  it('falls back to the first zone when none looks like a CPU', async () => {
    expect(
      selectCpuZones([
        { zone: 'thermal_zone0', type: 'acpitz' },
        { zone: 'thermal_zone1', type: 'pch_skylake' },
      ]),
    ).toEqual([{ zone: 'thermal_zone0', sensor: 'system/cpu_temperature' }]);
    expect(
      selectCpuZones([
        { zone: 'thermal_zone0', type: 'cpu-thermal' },
        { zone: 'thermal_zone1', type: 'cpu-thermal' },
        { zone: 'thermal_zone2', type: '' },
      ]).map((zone) => zone.sensor),
    ).toEqual(['system/cpu_temperature', 'system/thermal/cpu-thermal']);
  });

  it('skips a missing thermal directory with one info line however often it polls', async () => {
    const host = await fakeHost(PI_FILES);
    const missing = join(host.root, 'no-such-dir');
    const clock = new ManualClock();
    const fake = fakeContext(clock);
    const opts = options({ ...host.paths, thermal_path: missing, interval: '10ms' });
    const source = createSystemSource(opts, fake.context);
    const readings: Reading[] = [];
    await source.start((reading) => readings.push(reading));
    // Eight polls of the clock, each let finish before the next is due: its file reads are real I/O.
    const loads = () => readings.filter((r) => r.sensor === 'system/load1').length;
    for (let poll = 0; poll < 8; poll += 1) {
      const before = loads();
      await clock.advance(10);
      const deadline = Date.now() + 2_000;
      while (loads() === before && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    }
    await source.stop();

    expect(fake.infos()).toEqual([`no thermal zones under ${missing}: cpu_temperature skipped`]);
    expect(readings.some((r) => r.sensor === 'system/cpu_temperature')).toBe(false);
    expect(readings.filter((r) => r.sensor === 'system/load1').length).toBeGreaterThan(2);
    expect(fake.badInputs).toEqual([]);
  });

  it('skips a missing proc file with one info line and still reads the others', async () => {
    const { 'proc/uptime': _uptime, ...files } = PI_FILES;
    const host = await fakeHost(files);
    const clock = new ManualClock();
    const fake = fakeContext(clock);
    const source = createSystemSource(options({ ...host.paths, interval: '10ms' }), fake.context);
    const readings: Reading[] = [];
    await source.start((reading) => readings.push(reading));
    await clock.advance(60);
    await source.stop();

    expect(fake.infos()).toEqual([`cannot read ${join(host.paths.proc_path, 'uptime')} (ENOENT): uptime skipped`]);
    expect(readings.some((r) => r.sensor === 'system/uptime_seconds')).toBe(false);
    expect(readings.some((r) => r.sensor === 'system/memory_used_percent')).toBe(true);
  });

  it('reports garbage content as bad input with the file and its start, and emits no NaN', async () => {
    const host = await fakeHost({
      'sys/thermal_zone0/type': 'cpu-thermal\n',
      'sys/thermal_zone0/temp': 'hot\n',
      'proc/loadavg': 'NaN 0.50 ? 1/138 6790\n',
      'proc/meminfo': 'MemTotal: lots kB\nMemAvailable: 2048 kB\n',
      'proc/uptime': 'x'.repeat(200),
    });
    const { readings, bySensor, badInputs } = await pollOnce(host.paths);

    expect(readings.every((r) => Number.isFinite(r.value))).toBe(true);
    expect(bySensor).toEqual({ 'system/load5': 0.5, 'system/memory_available_bytes': 2048 * 1024 });
    expect(badInputs.every((call) => call.kind === 'system-parse')).toBe(true);
    const files = badInputs.map((call) => call.context?.['file']);
    expect(files.sort()).toEqual(
      [
        join(host.paths.thermal_path, 'thermal_zone0', 'temp'),
        join(host.paths.proc_path, 'loadavg'),
        join(host.paths.proc_path, 'loadavg'),
        join(host.paths.proc_path, 'meminfo'),
        join(host.paths.proc_path, 'uptime'),
      ].sort(),
    );
    const uptime = badInputs.find((call) => call.context?.['file'] === join(host.paths.proc_path, 'uptime'));
    expect(uptime?.context?.['content']).toBe('x'.repeat(80));
    expect(badInputs.find((call) => call.message.includes('loadavg field 1'))?.context?.['content']).toBe(
      'NaN 0.50 ? 1/138 6790\n',
    );
  });

  const linux = process.platform === 'linux';
  it.skipIf(!linux)('skips ticks while a poll is still running instead of piling them up', async () => {
    const host = await fakeHost({ 'proc/loadavg': '0.59 0.50 0.27 1/138 6790\n' });
    // A FIFO blocks the read until something is written: a poll stuck on a very slow file.
    const fifo = join(host.paths.proc_path, 'uptime');
    execFileSync('mkfifo', [fifo]);
    const clock = new ManualClock();
    const fake = fakeContext(clock);
    const opts = options({ ...host.paths, include: ['load', 'uptime'], interval: '10ms' });
    const source = createSystemSource(opts, fake.context);
    const readings: Reading[] = [];
    const started = source.start((reading) => readings.push(reading));
    try {
      await clock.advance(80);
      expect(readings).toEqual([]);
      const skipped = fake.logs.filter((call) => call.message === 'previous poll still running: tick skipped');
      expect(skipped.length).toBeGreaterThan(2);
    } finally {
      await writeFile(fifo, '458.41 708.62\n');
      await started;
      await source.stop();
    }
    expect(readings.map((r) => r.sensor)).toEqual([
      'system/load1',
      'system/load5',
      'system/load15',
      'system/uptime_seconds',
    ]);
  });

  it('emits nothing once stop has resolved', async () => {
    const host = await fakeHost(PI_FILES);
    const clock = new ManualClock();
    const fake = fakeContext(clock);
    const source = createSystemSource(options({ ...host.paths, interval: '10ms' }), fake.context);
    const readings: Reading[] = [];
    await source.start((reading) => readings.push(reading));
    await clock.advance(35);
    await source.stop();
    const count = readings.length;
    expect(count % 7).toBe(0);
    await clock.advance(50);
    expect(readings).toHaveLength(count);
  });

  it.skipIf(!existsSync('/proc/loadavg'))('reads finite values from the real /proc of this machine', async () => {
    const { readings, bySensor, badInputs } = await pollOnce({});
    expect(badInputs).toEqual([]);
    expect(readings.every((r) => Number.isFinite(r.value))).toBe(true);
    for (const sensor of ['system/load1', 'system/load5', 'system/load15', 'system/uptime_seconds']) {
      expect(bySensor[sensor]).toBeGreaterThanOrEqual(0);
    }
    expect(bySensor['system/memory_available_bytes']).toBeGreaterThan(0);
    expect(bySensor['system/memory_used_percent']).toBeGreaterThanOrEqual(0);
    expect(bySensor['system/memory_used_percent']).toBeLessThanOrEqual(100);
    if (bySensor['system/cpu_temperature'] !== undefined) {
      expect(bySensor['system/cpu_temperature']).toBeGreaterThan(-50);
      expect(bySensor['system/cpu_temperature']).toBeLessThan(150);
    }
  });

  it('reports the use of each file system in disk_paths, like df', async () => {
    const { bySensor } = await pollOnce({ include: ['disk'], disk_paths: ['/', tmpdir()] });
    expect(bySensor['system/disk_used_percent']).toBeGreaterThan(0);
    expect(bySensor['system/disk_used_percent']).toBeLessThanOrEqual(100);
    expect(bySensor['system/disk_free_bytes']).toBeGreaterThan(0);
    const other = `system/disk/${tmpdir().replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9_-]+/g, '_')}`;
    expect(bySensor[`${other}_used_percent`]).toBeGreaterThanOrEqual(0);
  });

  it('reads under-voltage and throttling from vcgencmd, and skips it once where the tool is absent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-vcgencmd-'));
    const tool = join(dir, 'vcgencmd');
    await writeFile(tool, '#!/bin/sh\necho "throttled=0x50005"\n', { mode: 0o755 });
    const { bySensor } = await pollOnce({ include: ['throttling'], vcgencmd: tool });
    expect(bySensor).toEqual({
      'system/throttled_flags': 0x50005,
      'system/under_voltage': 1,
      'system/throttled': 1,
      'system/soft_temperature_limit': 0,
      'system/under_voltage_since_boot': 1,
      'system/throttled_since_boot': 1,
    });
    const absent = await pollOnce({ include: ['throttling'], vcgencmd: join(dir, 'missing') });
    expect(absent.readings).toEqual([]);
    expect(absent.infos()).toEqual([`${join(dir, 'missing')} not usable (ENOENT): throttling skipped`]);
    await rm(dir, { recursive: true, force: true });
  });
});
