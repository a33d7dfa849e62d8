import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { DriverContext, SourceDriver } from '../../drivers/driver.js';
import type { Reading } from '../../rules/reading.js';
import { ManualClock } from '../../test/helpers/manual-clock.js';
import { SourceTimestampCheck } from './source-timestamp-check.js';
import { SupervisedSource } from './supervised-source.js';

const silent = pino({ level: 'silent' });
const reading = (value: number): Reading => ({ source: 's', sensor: 'x', value, timestamp: 0, tags: {} });

function supervise(create: (context: DriverContext) => SourceDriver, emit: (reading: Reading) => void = () => {}) {
  const badInput = vi.fn();
  const clock = new ManualClock();
  const source = new SupervisedSource({
    name: 's',
    driver: 'test',
    create,
    context: { name: 's', log: silent, now: () => 1_000, clock, badInput },
    log: silent,
    emit,
    now: () => 1_000,
    retryInitialMs: 20,
    retryMaxMs: 40,
  });
  return { source, badInput, clock };
}

describe('a supervised source', () => {
  it('counts readings, rejections and reconnects, and remembers its last reading', async () => {
    let context: DriverContext | undefined;
    let emit: ((reading: Reading) => void) | undefined;
    const { source, badInput } = supervise((given) => {
      context = given;
      return { start: async (e) => void (emit = e), stop: async () => {} };
    });
    await source.start();
    emit!(reading(1));
    emit!(reading(2));
    context!.badInput('bad-line', 'garbage');
    context!.setConnected(false, 'unplugged');
    expect(source.status()).toMatchObject({ up: false, reason: 'unplugged', readings: 2, rejected: 1, reconnects: 0, lastReadingAt: 1_000 });
    context!.setConnected(true);
    expect(source.status()).toMatchObject({ up: true, reason: undefined, reconnects: 1 });
    expect(badInput).toHaveBeenCalledWith('bad-line', 'garbage', undefined);
    await source.stop();
  });

  it('counts a reconnect only after an outage: not the first connect, nor a device that was absent at start', async () => {
    let context: DriverContext | undefined;
    const { source } = supervise((given) => {
      context = given;
      // As the MQTT, serial and Modbus drivers do: "connecting" until the far side answers.
      return { start: async () => given.setConnected(false, 'connecting'), stop: async () => {} };
    });
    await source.start();
    expect(source.status()).toMatchObject({ up: false, reason: 'connecting', reconnects: 0 });
    context!.setConnected(false, 'connect ECONNREFUSED');
    context!.setConnected(true);
    expect(source.status()).toMatchObject({ up: true, reconnects: 0 });
    context!.setConnected(true);
    expect(source.status().reconnects).toBe(0);
    context!.setConnected(false, 'offline');
    context!.setConnected(false, 'connection closed');
    context!.setConnected(true);
    expect(source.status()).toMatchObject({ up: true, reconnects: 1 });
    await source.stop();
  });

  it('reports a start that fails as down with its reason, and starts it again later', async () => {
    let attempts = 0;
    const { source, clock } = supervise(() => ({
      start: async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('permission denied on /dev/ttyUSB0');
      },
      stop: async () => {},
    }));
    await source.start();
    expect(source.status()).toMatchObject({ up: false, reason: 'permission denied on /dev/ttyUSB0' });
    // Again after 20 ms, then 40 ms (retryInitialMs, doubled).
    await clock.advance(19);
    expect(attempts).toBe(1);
    await clock.advance(1);
    expect(attempts).toBe(2);
    await clock.advance(39);
    expect(attempts).toBe(2);
    await clock.advance(1);
    expect(source.status().up).toBe(true);
    expect(attempts).toBe(3);
    await source.stop();
  });

  it('keeps the driver alive when handling a reading throws, and stops retrying once stopped', async () => {
    let emit: ((reading: Reading) => void) | undefined;
    const { source } = supervise(
      () => ({ start: async (e) => void (emit = e), stop: async () => {} }),
      (r) => {
        if (r.value < 0) throw new Error('bug downstream');
      },
    );
    await source.start();
    expect(() => emit!(reading(-1))).not.toThrow();
    emit!(reading(1));
    expect(source.status().readings).toBe(2);

    let attempts = 0;
    const { source: failing, clock } = supervise(() => ({
      start: async () => {
        attempts += 1;
        throw new Error('no device');
      },
      stop: async () => {},
    }));
    await failing.start();
    await failing.stop();
    await clock.advance(100);
    expect(attempts).toBe(1);
    await source.stop();
  });

  it('checks only the readings whose time came from their input, and drops, re-stamps or passes them as its check says', async () => {
    const taken: Reading[] = [];
    let emit: ((reading: Reading, timeFromInput?: boolean) => void) | undefined;
    const check = (onSkew: 'replace' | 'drop') =>
      new SourceTimestampCheck('s', { maxAheadMs: 300_000, maxBehindMs: 300_000, onSkew }, () => true, { skewed: () => {}, info: () => {} });
    const run = async (onSkew: 'replace' | 'drop') => {
      taken.length = 0;
      const source = new SupervisedSource({
        name: 's',
        driver: 'test',
        create: () => ({ start: async (e) => void (emit = e), stop: async () => {} }),
        context: { name: 's', log: silent, now: () => 1_000, clock: new ManualClock(), badInput: () => {} },
        log: silent,
        emit: (r) => void taken.push(r),
        now: () => 10_000_000,
        timestamps: check(onSkew),
      });
      await source.start();
      const ahead = { ...reading(1), timestamp: 10_000_000 + 3_600_000 };
      emit!(ahead); // stamped on arrival as far as the driver knows: not checked
      emit!(ahead, true);
      emit!({ ...reading(2), timestamp: 10_000_000 - 1_000 }, true);
      await source.stop();
      return source.status();
    };

    expect(await run('replace')).toMatchObject({ readings: 3, rejected: 0, skewedTimestamps: { replace: 1, keep: 0, drop: 0 } });
    expect(taken.map((r) => r.timestamp)).toEqual([13_600_000, 10_000_000, 9_999_000]);
    expect(await run('drop')).toMatchObject({ readings: 2, rejected: 1, skewedTimestamps: { replace: 0, keep: 0, drop: 1 } });
    expect(taken.map((r) => r.value)).toEqual([1, 2]);
  });
});
