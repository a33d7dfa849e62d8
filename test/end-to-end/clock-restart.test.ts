import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { monotonicMs } from '../../agent/clock/monotonic-clock.js';
import { clockTestConfig } from './clock-fixture.js';
import type { WindowResult } from '../../rules/rule-result.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { eventually, recordMqtt, type RecordedMessage } from '../helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const THREE_DAYS = 3 * 86_400_000;
const ONE_HOUR = 3_600_000;
const BOOT = '5f0c6a3e-8d21-4b7e-9a44-0c1f2e3d4b5a';
const NEXT_BOOT = 'a7d2c9f1-3b6e-4f08-8c15-6e2d1b0a9f37';
/** Offsets are read from two clocks a few µs apart: a re-dated time is within this of the true one. */
const READ_SKEW_MS = 50;

interface WindowMessage {
  readonly seq: number;
  readonly id: string;
  readonly start: number;
  readonly end: number;
  readonly time_quality?: string;
}

/**
 * A Pi without a real-time clock whose agent systemd restarts before NTP answered: each run of the agent is a new
 * Agent on the same data directory, with the wall clock three days behind (fake-hwclock), the system's monotonic
 * clock (counting from boot, as in production) and a boot id file the test writes, as /proc would give it.
 */
describe('results made before the clock is synchronised, across a restart of the agent', () => {
  let dir: TempDir;
  let broker: MosquittoBroker;
  let flag: string;
  const clock = { offset: -THREE_DAYS };
  beforeEach(async () => {
    dir = await makeTempDir('clock-restart');
    broker = await startMosquitto();
    flag = path.join(dir.path, 'timesync', 'synchronized');
    await mkdir(path.dirname(flag));
    clock.offset = -THREE_DAYS;
  });
  afterEach(async () => {
    await broker.dispose();
    await dir.remove();
  });

  /** One run of the agent on this boot; `made` collects its windows as the rules make them, stale times and all. */
  async function run(bootId: string) {
    const config = clockTestConfig(`{ sync: timesyncd, sync_flag: "${flag}", check_interval: 100ms, hold_unsynchronised: 1h }`, broker.url, 'clock-restart.yaml');
    const bootIdFile = path.join(dir.path, 'boot_id');
    await writeFile(bootIdFile, `${bootId}\n`);
    const agent = new Agent(config, {
      log: pino({ level: 'silent' }),
      dataDir: path.join(dir.path, 'data'),
      now: () => Date.now() + clock.offset,
      monotonic: monotonicMs,
      bootIdFile,
    });
    const made: WindowResult[] = [];
    agent.tap.onResult((result) => void (result.kind === 'window' && made.push(result)));
    await agent.start();
    return { agent, made };
  }

  /**
   * Two runs at a stale time, then NTP sets the clock right and timesyncd says so. While the agent is down the clock
   * is set once more, still wrong (an hour back: a person, a script): the runs' offsets differ, so a result re-dated
   * by the other run's segment would be an hour out. The first run's windows are three days behind, the second's
   * three days and an hour.
   */
  async function restartThenSynchronise(secondBoot: string) {
    const upstream = await recordMqtt(broker.url, 'out/#');
    try {
      const first = await run(BOOT);
      await eventually(() => first.made.length >= 3, 10_000, 'windows of the first run');
      await first.agent.stop(); // systemd restarts the agent: SIGTERM, then a new process
      clock.offset -= ONE_HOUR;
      const second = await run(secondBoot);
      try {
        await eventually(() => second.made.length >= 3, 10_000, 'windows of the second run');
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(upstream.messages).toHaveLength(0); // held: their times are three days wrong

        clock.offset = 0;
        await writeFile(flag, '');
        const stepAt = Date.now();
        await upstream.waitFor(
          (messages) => messages.some((m) => m.topic === 'out/fast' && (m.payload.start as number) > stepAt && m.payload.time_quality === undefined),
          10_000,
          'windows after the step',
        );
      } finally {
        await second.agent.stop();
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      // What each run made at the stale time (the second run's windows after the step are live, not re-dated).
      const stale = (made: WindowResult[]) => made.filter((window) => window.start < Date.now() - THREE_DAYS / 2);
      return { first: stale(first.made), second: stale(second.made), messages: upstream.messages };
    } finally {
      await upstream.close();
    }
  }

  function windowsIn(messages: RecordedMessage[]): WindowMessage[] {
    return messages.filter((m) => m.topic === 'out/fast').map((m) => m.payload as unknown as WindowMessage);
  }

  function expectSentOnce(messages: RecordedMessage[]): void {
    // In order and complete: the buffer's sequence runs on across the restart with no gap and no repeat.
    const seqs = messages.map((m) => m.payload.seq as number);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    const ids = windowsIn(messages).map((window) => window.id);
    expect(new Set(ids).size).toBe(ids.length);
  }

  /** Each sent window is a made one moved by `shift` (within the skew of reading two clocks), its length kept. */
  function expectMoved(sent: readonly WindowMessage[], made: readonly WindowResult[], shift: number): void {
    expect(sent).toHaveLength(made.length);
    sent.forEach((window, i) => {
      expect(Math.abs(window.start - (made[i]!.start + shift))).toBeLessThan(READ_SKEW_MS);
      expect(window.end - window.start).toBe(made[i]!.end - made[i]!.start);
    });
  }

  it('are re-dated to their true time when systemd restarted the agent before NTP answered, every window of both runs once', async () => {
    const { first, second, messages } = await restartThenSynchronise(BOOT);
    expectSentOnce(messages);
    const windows = windowsIn(messages);
    const firstLive = windows.findIndex((window) => window.time_quality === undefined);
    expect(windows.slice(firstLive).every((window) => window.time_quality === undefined)).toBe(true);
    const redated = windows.slice(0, firstLive);
    expect(redated.every((window) => window.time_quality === 'redated')).toBe(true);
    expectMoved(redated.slice(0, first.length), first, THREE_DAYS);
    expectMoved(redated.slice(first.length), second, THREE_DAYS + ONE_HOUR);
    // None left three days in the past, none in the future.
    for (const window of windows) expect(window.start).toBeGreaterThan(Date.now() - 60_000);
  });

  it('leave the results of an earlier boot as they were, marked unsynchronised, and re-date this boot’s', async () => {
    const { first, second, messages } = await restartThenSynchronise(NEXT_BOOT);
    expectSentOnce(messages);
    const windows = windowsIn(messages);
    // The monotonic clock began again at the reboot: the first run's offsets say nothing about the true time.
    expectMoved(windows.slice(0, first.length), first, 0);
    expect(windows.slice(0, first.length).every((window) => window.time_quality === 'unsynchronised')).toBe(true);
    // Sent at synchronisation, not after hold_unsynchronised (1 h): waiting could not make them right.
    const ofThisBoot = windows.slice(first.length, first.length + second.length);
    expectMoved(ofThisBoot, second, THREE_DAYS + ONE_HOUR);
    expect(ofThisBoot.every((window) => window.time_quality === 'redated')).toBe(true);
  });
});
