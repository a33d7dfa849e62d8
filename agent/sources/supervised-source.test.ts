import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { DriverContext, SourceDriver } from '../../drivers/driver.js';
import type { Reading } from '../../rules/reading.js';
import { SupervisedSource } from './supervised-source.js';

const silent = pino({ level: 'silent' });
const reading = (value: number): Reading => ({ source: 's', sensor: 'x', value, timestamp: 0, tags: {} });

function supervise(create: (context: DriverContext) => SourceDriver, emit: (reading: Reading) => void = () => {}) {
  const badInput = vi.fn();
  const source = new SupervisedSource({
    name: 's',
    driver: 'test',
    create,
    context: { name: 's', log: silent, now: () => 1_000, badInput },
    log: silent,
    emit,
    now: () => 1_000,
    retryInitialMs: 20,
    retryMaxMs: 40,
  });
  return { source, badInput };
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

  it('reports a start that fails as down with its reason, and starts it again later', async () => {
    let attempts = 0;
    const { source } = supervise(() => ({
      start: async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('permission denied on /dev/ttyUSB0');
      },
      stop: async () => {},
    }));
    await source.start();
    expect(source.status()).toMatchObject({ up: false, reason: 'permission denied on /dev/ttyUSB0' });
    await vi.waitFor(() => expect(source.status().up).toBe(true), { timeout: 2_000 });
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
    const failing = supervise(() => ({
      start: async () => {
        attempts += 1;
        throw new Error('no device');
      },
      stop: async () => {},
    })).source;
    await failing.start();
    await failing.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(attempts).toBe(1);
    await source.stop();
  });
});
