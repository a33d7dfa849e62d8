import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Reading } from '../../rules/reading.js';
import type { DriverContext, SourceDriver } from '../driver.js';
import { FakeGpioBus } from '../../test/helpers/fake-gpio.js';
import { ManualClock } from '../../test/helpers/manual-clock.js';
import { GpioAccessError } from './gpio-access.js';
import { gpioOptions } from './gpio-options.js';
import { GpioOutput } from './gpio-output.js';
import { createGpioSource } from './gpio-source.js';

const dirs: string[] = [];
const sources: SourceDriver[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fake /sys/class/gpio of a Pi 4 on kernel 6.6: BCM n is sysfs 512 + n. */
async function pi4Sysfs(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'tributary-gpio-'));
  dirs.push(root);
  await writeFile(join(root, 'export'), '');
  await mkdir(join(root, 'gpiochip512'));
  await writeFile(join(root, 'gpiochip512', 'base'), '512\n');
  await writeFile(join(root, 'gpiochip512', 'ngpio'), '58\n');
  await writeFile(join(root, 'gpiochip512', 'label'), 'pinctrl-bcm2711\n');
  return root;
}

/** `skew.ms` moves the agent's wall clock away from the timers' time, as a busy event loop does. */
function fakeContext(clock: ManualClock, skew = { ms: 0 }) {
  const logs: { level: string; message: string }[] = [];
  const badInputs: { kind: string; message: string }[] = [];
  const log = (level: string) => (_context: object, message: string) => void logs.push({ level, message });
  const context: DriverContext = {
    name: 'shed',
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    now: () => clock.now() + skew.ms,
    clock,
    badInput: (kind, message) => void badInputs.push({ kind, message }),
    setConnected: () => {},
  };
  return { context, logs, badInputs };
}

async function startSource(pins: unknown[], extra: Record<string, unknown> = {}) {
  const chipPath = await pi4Sysfs();
  const clock = new ManualClock(1_000_000);
  const bus = new FakeGpioBus();
  const skew = { ms: 0 };
  const fake = fakeContext(clock, skew);
  const options = gpioOptions.parse({ driver: 'gpio', pins, chip_path: chipPath, ...extra });
  const source = createGpioSource(options, fake.context, { loadPortFactory: bus.load });
  sources.push(source);
  const readings: Reading[] = [];
  await source.start((reading) => readings.push(reading));
  const values = () => readings.map((r) => [r.sensor, r.value, r.timestamp - 1_000_000]);
  return { ...fake, source, bus, clock, skew, readings, values, chipPath };
}

describe('gpio options', () => {
  it('defaults: 10 ms debounce, both edges for state, rising edges and 1-minute rate for counters', () => {
    const options = gpioOptions.parse({ driver: 'gpio', pins: [{ pin: 17, mode: 'state' }, { pin: 27, mode: 'counter' }] });
    expect(options).toEqual({
      driver: 'gpio',
      pins: [
        { pin: 17, mode: 'state', edge: 'both', debounce: 10, active_low: false },
        { pin: 27, mode: 'counter', edge: 'rising', debounce: 10, active_low: false, unit_per_pulse: 1, rate_interval: 60_000 },
      ],
      chip_path: '/sys/class/gpio',
      tags: {},
    });
  });

  it('rejects duplicate pins and names, counter options on a state pin, and unknown modes', () => {
    const bad = (pins: unknown[]) => gpioOptions.safeParse({ driver: 'gpio', pins }).success;
    expect(bad([{ pin: 17, mode: 'state' }, { pin: 17, mode: 'counter' }])).toBe(false);
    expect(bad([{ pin: 17, mode: 'state', name: 'a' }, { pin: 18, mode: 'state', name: 'a' }])).toBe(false);
    expect(bad([{ pin: 17, mode: 'state', unit_per_pulse: 2 }])).toBe(false);
    expect(bad([{ pin: 17, mode: 'pwm' }])).toBe(false);
    expect(bad([{ pin: 17 }])).toBe(false);
    expect(bad([{ pin: 64, mode: 'state' }])).toBe(false);
    expect(bad([])).toBe(false);
  });

  it('accepts its own sample.yaml', () => {
    const sample = parse(readFileSync(new URL('./sample.yaml', import.meta.url), 'utf8')) as {
      sources: Record<string, unknown>;
    };
    const options = gpioOptions.parse(sample.sources['shed']);
    expect(options.pins.map((pin) => [pin.pin, pin.mode])).toEqual([
      [17, 'state'],
      [27, 'counter'],
    ]);
    expect(options.pins[1]).toMatchObject({ unit_per_pulse: 0.2794, rate_interval: 60_000, debounce: 50 });
  });
});

describe('gpio source, state mode', () => {
  it('opens BCM 17 as sysfs 529 input with debounce and active_low passed to onoff', async () => {
    const { bus } = await startSource([{ pin: 17, mode: 'state', debounce: '25ms', active_low: true }]);
    const port = bus.port(529);
    expect([port.gpio, port.direction, port.edge, port.options]).toEqual([
      529,
      'in',
      'both',
      { debounceTimeout: 25, activeLow: true },
    ]);
  });

  it('emits the initial state at start, then 1 or 0 on every edge', async () => {
    const { bus, clock, values, readings } = await startSource([{ pin: 17, mode: 'state', name: 'door' }], {
      tags: { site: 'x' },
    });
    expect(values()).toEqual([['door', 0, 0]]);
    await clock.advance(1500);
    bus.port(529).interrupt(1);
    await clock.advance(250);
    bus.port(529).interrupt(0);
    expect(values()).toEqual([
      ['door', 0, 0],
      ['door', 1, 1500],
      ['door', 0, 1750],
    ]);
    expect(readings.every((r) => r.source === 'shed' && r.tags['site'] === 'x')).toBe(true);
  });

  it('reports a failed read after an edge as bad input and emits nothing for it', async () => {
    const { bus, values, badInputs } = await startSource([{ pin: 17, mode: 'state' }]);
    bus.port(529).interrupt(1, new Error('EIO'));
    expect(values()).toEqual([['gpio/17', 0, 0]]);
    expect(badInputs).toEqual([{ kind: 'gpio-read', message: 'GPIO17: reading after an edge failed' }]);
  });

  it('logs the config.txt line for a pull-up, which sysfs cannot set', async () => {
    const { logs } = await startSource([{ pin: 17, mode: 'state', pull: 'up' }]);
    expect(logs.map((l) => l.message)).toContain(
      'GPIO17 needs pull-up, which sysfs cannot set: add gpio=17=ip,pu to /boot/firmware/config.txt (or run pinctrl set 17 ip pu)',
    );
  });
});

describe('gpio source, counter mode', () => {
  it('emits rate (units per second over the interval) and running total every rate_interval', async () => {
    const { bus, clock, values } = await startSource([
      { pin: 27, mode: 'counter', name: 'rain', unit_per_pulse: 0.2794, rate_interval: '1m' },
    ]);
    const port = bus.port(539);
    expect(port.edge).toBe('rising');
    expect(values()).toEqual([]);
    for (let i = 0; i < 3; i += 1) port.interrupt(1);
    await clock.advance(60_000);
    await clock.advance(60_000); // a minute without rain
    port.interrupt(1);
    await clock.advance(60_000);
    const rows = values();
    expect(rows.map(([sensor, , t]) => [sensor, t])).toEqual([
      ['rain/rate', 60_000],
      ['rain/total', 60_000],
      ['rain/rate', 120_000],
      ['rain/total', 120_000],
      ['rain/rate', 180_000],
      ['rain/total', 180_000],
    ]);
    const numbers = rows.map(([, value]) => value as number);
    expect(numbers[0]).toBeCloseTo((3 * 0.2794) / 60, 12);
    expect(numbers[1]).toBeCloseTo(3 * 0.2794, 12);
    expect(numbers[2]).toBe(0);
    expect(numbers[3]).toBeCloseTo(3 * 0.2794, 12);
    expect(numbers[4]).toBeCloseTo(0.2794 / 60, 12);
    expect(numbers[5]).toBeCloseTo(4 * 0.2794, 12);
  });

  it('averages the rate over the time that really passed when the clock and timer disagree', async () => {
    const { bus, clock, skew, values } = await startSource([
      { pin: 5, mode: 'counter', name: 'energy', unit_per_pulse: 0.001, rate_interval: '10s' },
    ]);
    for (let i = 0; i < 30; i += 1) bus.port(517).interrupt(1);
    skew.ms = 5_000; // the timer fires 5 s late by the wall clock
    await clock.advance(10_000);
    expect(values()).toEqual([
      ['energy/rate', 0.03 / 15, 15_000],
      ['energy/total', 0.03, 15_000],
    ]);
  });

  it('counts a failed read as bad input, not as a pulse', async () => {
    const { bus, clock, values, badInputs } = await startSource([{ pin: 27, mode: 'counter', rate_interval: '1s' }]);
    bus.port(539).interrupt(1, new Error('EIO'));
    bus.port(539).interrupt(1);
    await clock.advance(1_000);
    expect(values()).toEqual([
      ['gpio/27/rate', 1, 1000],
      ['gpio/27/total', 1, 1000],
    ]);
    expect(badInputs).toHaveLength(1);
  });
});

describe('gpio source, start and stop', () => {
  it('unwatches and unexports every pin on stop, stops its timers and emits nothing after', async () => {
    const { source, bus, clock, readings } = await startSource([
      { pin: 17, mode: 'state' },
      { pin: 27, mode: 'counter', rate_interval: '1s' },
    ]);
    expect(clock.pendingTimers).toBe(1);
    await source.stop();
    for (const port of bus.ports.values()) {
      expect(port.unwatchCalls).toBe(1);
      expect(port.callbacks).toEqual([]);
      expect(port.unexported).toBe(true);
    }
    expect(clock.pendingTimers).toBe(0);
    const count = readings.length;
    bus.port(529).interrupt(1);
    await clock.advance(5_000);
    expect(readings).toHaveLength(count);
  });

  it('fails to start with what to do when exporting is not permitted, closing the pins it opened', async () => {
    const chipPath = await pi4Sysfs();
    const bus = new FakeGpioBus();
    bus.failures.set(539, 'EACCES');
    const clock = new ManualClock();
    const options = gpioOptions.parse({
      driver: 'gpio',
      chip_path: chipPath,
      pins: [{ pin: 17, mode: 'state' }, { pin: 27, mode: 'state' }],
    });
    const source = createGpioSource(options, fakeContext(clock).context, { loadPortFactory: bus.load });
    const error = await source.start(() => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpioAccessError);
    expect((error as Error).message).toBe(
      'cannot open GPIO27 (sysfs gpio539): permission denied: add the user running tributary to group gpio (sudo usermod -aG gpio <user>, then log in again); under systemd add SupplementaryGroups=gpio to the [Service] section of the unit',
    );
    expect((error as Error).cause).toMatchObject({ code: 'EACCES' });
    expect(bus.port(529).unexported).toBe(true);
  });

  it('explains a busy pin', async () => {
    const chipPath = await pi4Sysfs();
    const bus = new FakeGpioBus();
    bus.failures.set(516, 'EBUSY');
    const options = gpioOptions.parse({ driver: 'gpio', chip_path: chipPath, pins: [{ pin: 4, mode: 'state' }] });
    const source = createGpioSource(options, fakeContext(new ManualClock()).context, { loadPortFactory: bus.load });
    await expect(source.start(() => {})).rejects.toThrow(/^cannot open GPIO4 \(sysfs gpio516\): in use .*w1-gpio takes GPIO4/);
  });

  it('fails before opening anything when there is no sysfs GPIO, or a pin beyond the chip', async () => {
    const bus = new FakeGpioBus();
    const missing = join(await pi4Sysfs(), 'missing');
    const opts = (chip_path: string, pin: number) =>
      gpioOptions.parse({ driver: 'gpio', chip_path, pins: [{ pin: 17, mode: 'state' }, { pin, mode: 'state' }] });
    const context = fakeContext(new ManualClock()).context;
    await expect(createGpioSource(opts(missing, 18), context, { loadPortFactory: bus.load }).start(() => {})).rejects.toThrow(
      `${missing} does not exist: this kernel or container offers no sysfs GPIO`,
    );
    const chipPath = await pi4Sysfs();
    await expect(createGpioSource(opts(chipPath, 60), context, { loadPortFactory: bus.load }).start(() => {})).rejects.toThrow(
      'pin 60 does not exist: gpiochip512 ("pinctrl-bcm2711") has GPIO 0 to 57',
    );
    expect(bus.ports.size).toBe(0);
  });
});

/** Lets the promise chain the safety timer started run to its end. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('GpioOutput', () => {
  async function openOutput(extra: { activeLow?: boolean; maxOnMs?: number; onSafetyOff?: () => void } = {}) {
    const chipPath = await pi4Sysfs();
    const bus = new FakeGpioBus();
    const clock = new ManualClock();
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, warn: (_: object, m: string) => void warnings.push(m), error() {} };
    const output = await GpioOutput.open({ pin: 22, chipPath, ...extra }, { loadPortFactory: bus.load, clock, log });
    return { output, port: bus.port(534), clock, warnings };
  }

  it('opens as an output that is off from the first instant, also when active-low', async () => {
    const plain = await openOutput();
    expect([plain.port.direction, plain.port.edge, plain.port.options]).toEqual(['low', 'none', { activeLow: false }]);
    // sysfs "high"/"low" set the raw level: an active-low relay is off while the line is high.
    const inverted = await openOutput({ activeLow: true });
    expect([inverted.port.direction, inverted.port.options]).toEqual(['high', { activeLow: true }]);
  });

  it('writes 1 and 0 and closes switched off and unexported', async () => {
    const { output, port } = await openOutput();
    await output.set(true);
    expect(output.isOn).toBe(true);
    await output.set(false);
    await output.set(true);
    await output.close();
    expect(port.writes).toEqual([1, 0, 1, 0]);
    expect(port.unexported).toBe(true);
    await expect(output.set(true)).rejects.toThrow('GPIO22 output is closed');
  });

  it('switches off after max_on, counted from the off-to-on change, and says so', async () => {
    let safetyOffs = 0;
    const { output, port, clock, warnings } = await openOutput({ maxOnMs: 60_000, onSafetyOff: () => (safetyOffs += 1) });
    await output.set(true);
    await clock.advance(30_000);
    await output.set(true); // still on: does not extend the limit
    await clock.advance(29_999);
    expect(port.writes).toEqual([1, 1]);
    await clock.advance(1);
    await flush();
    expect(port.writes).toEqual([1, 1, 0]);
    expect(output.isOn).toBe(false);
    expect(safetyOffs).toBe(1);
    expect(warnings).toEqual(['GPIO22 was on for max_on (60000 ms): switched off']);
  });

  it('does not switch off after max_on when it was switched off and on again in between', async () => {
    const { output, port, clock } = await openOutput({ maxOnMs: 1_000 });
    await output.set(true);
    await clock.advance(900);
    await output.set(false);
    await output.set(true);
    await clock.advance(900);
    expect(port.writes).toEqual([1, 0, 1]);
    await clock.advance(100);
    await flush();
    expect(port.writes).toEqual([1, 0, 1, 0]);
  });
});
