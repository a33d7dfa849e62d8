import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { clockTestConfig } from './clock-fixture.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { eventually, recordMqtt } from '../helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const THREE_DAYS = 3 * 86_400_000;

/**
 * A Pi without a real-time clock: its wall clock is real time plus an offset the test sets (as fake-hwclock and then
 * NTP do), its monotonic clock the real one, and systemd-timesyncd's flag file one the test creates.
 */
describe('results made before the clock is synchronised', () => {
  let dir: TempDir;
  let broker: MosquittoBroker;
  beforeEach(async () => {
    dir = await makeTempDir('clock-sync');
    broker = await startMosquitto();
  });
  afterEach(async () => {
    await broker.dispose();
    await dir.remove();
  });

  async function startAgent(time: string, clock: { offset: number }) {
    const config = clockTestConfig(time, broker.url, 'clock-sync.yaml');
    const agent = new Agent(config, {
      log: pino({ level: 'silent' }),
      dataDir: path.join(dir.path, 'data'),
      now: () => Date.now() + clock.offset,
      monotonic: () => performance.now(),
    });
    await agent.start();
    return agent;
  }

  it('are held until NTP sets the clock three days forward, then sent re-dated to their true time, none lost', async () => {
    const flag = path.join(dir.path, 'timesync', 'synchronized');
    await mkdir(path.dirname(flag));
    const clock = { offset: -THREE_DAYS }; // booted with the time fake-hwclock saved three days ago
    const upstream = await recordMqtt(broker.url, 'out/#');
    const agent = await startAgent(`{ sync: timesyncd, sync_flag: "${flag}", check_interval: 100ms, hold_unsynchronised: 1h }`, clock);
    try {
      await eventually(() => agent.resultsOut >= 4, 10_000, 'windows made at the stale time');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(upstream.messages).toHaveLength(0); // held: their times are three days wrong

      // NTP steps the clock, and timesyncd says it is synchronised a moment later. In between, the held windows look
      // three days old by the wall clock; their hold is measured on the monotonic clock, so none leaves unsynchronised.
      clock.offset = 0;
      await eventually(() => agent.clockSteps === 1, 10_000, 'the step noticed');
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(upstream.messages).toHaveLength(0);
      await writeFile(flag, '');
      const stepAt = Date.now();
      await upstream.waitFor(
        (messages) => messages.some((m) => m.topic === 'out/fast' && (m.payload.start as number) > stepAt && m.payload.time_quality === undefined),
        10_000,
        'windows after the step',
      );
      await agent.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));

      // The clock step itself comes too, as an agent event on out/_agent.
      expect(upstream.messages.filter((m) => m.topic === 'out/_agent').map((m) => m.payload.event)).toEqual(['clock-step']);
      const windows = upstream.messages.filter((m) => m.topic === 'out/fast').map((m) => m.payload as { seq: number; start: number; count: number; time_quality?: string });
      const redated = windows.filter((w) => w.time_quality === 'redated');
      expect(redated.length).toBeGreaterThanOrEqual(4);
      // Every window at its true time: none three days in the past, none in the future.
      for (const window of windows) {
        expect(window.start).toBeGreaterThan(stepAt - 60_000);
        expect(window.start).toBeLessThan(Date.now());
      }
      // In order and complete: the buffer's sequence has no gap and no repeat.
      const seqs = upstream.messages.map((m) => m.payload.seq as number);
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
      // Every window made before the step came re-dated, every later one as it is.
      const firstLive = windows.findIndex((w) => w.time_quality === undefined);
      expect(windows.slice(0, firstLive).every((w) => w.time_quality === 'redated')).toBe(true);
      expect(windows.slice(firstLive).every((w) => w.time_quality === undefined)).toBe(true);
    } finally {
      await agent.stop();
      await upstream.close();
    }
  });

  it('are sent marked unsynchronised once held for hold_unsynchronised when the clock never synchronises', async () => {
    const clock = { offset: -THREE_DAYS };
    const upstream = await recordMqtt(broker.url, 'out/#');
    const agent = await startAgent('{ sync: never, check_interval: 100ms, hold_unsynchronised: 700ms }', clock);
    try {
      await eventually(() => agent.resultsOut >= 1, 10_000, 'a window');
      const firstMade = Date.now();
      await upstream.waitFor((messages) => messages.length >= 2, 10_000, 'windows sent after the hold');
      expect(Date.now() - firstMade).toBeGreaterThanOrEqual(300);
      for (const message of upstream.messages) {
        expect(message.payload.time_quality).toBe('unsynchronised');
        // As the clock said: three days behind.
        expect(message.payload.start as number).toBeLessThan(Date.now() - THREE_DAYS + 60_000);
      }
    } finally {
      await agent.stop();
      await upstream.close();
    }
  });
});
