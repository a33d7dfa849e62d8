import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { checkConfigText } from '../../agent/config/load-config.js';
import type { EventResult, WindowResult } from '../../rules/rule-result.js';
import { eventually } from '../helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const THREE_DAYS = 3 * 86_400_000;

describe('the agent when the wall clock is set', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await makeTempDir('clock-step');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('sends the windows open at a jump of three days as they are, and no empty windows for the days skipped', async () => {
    const checked = checkConfigText(
      `
sources:
  sim: { driver: simulator, interval: 20ms, sensors: [{ name: a, base: 1 }] }
rules:
  fast: { window: { size: 100ms, allowed_lateness: 0s, empty: emit }, aggregates: [count] }
sinks:
  out: { driver: console, format: json }
agent: { tick: 20ms, http: { enabled: false } }
`,
      'clock-step.yaml',
      {},
    );
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    // The device's wall clock: real time plus an offset the test sets, as NTP would; monotonic time is the real one.
    let offset = 0;
    const logs: { msg: string; stepMs?: number }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line) as { msg: string }) });
    const agent = new Agent(checked.config, {
      log,
      dataDir: dir.path,
      now: () => Date.now() + offset,
      monotonic: () => performance.now(),
    });
    const windows: WindowResult[] = [];
    const events: EventResult[] = [];
    agent.tap.onResult((result) => void (result.kind === 'window' ? windows.push(result) : result.kind === 'event' && events.push(result)));
    const stdout = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await agent.start();
      await eventually(() => windows.length >= 5, 10_000, 'windows before the jump');
      const readingsBefore = agent.readingsIn;
      offset = THREE_DAYS;
      await eventually(() => windows.some((w) => w.start > Date.now() + THREE_DAYS / 2 && w.values.count! > 0), 10_000, 'windows after the jump');
      await eventually(() => logs.some((line) => /wall clock was set forward by 3 d/.test(line.msg)), 5_000, `the step logged: ${JSON.stringify(logs)}`);
      expect(agent.clockSteps).toBe(1);
      expect(events).toEqual([expect.objectContaining({ event: 'clock-step', sensor: 'clock', message: expect.stringMatching(/^wall clock set forward by 3 d; \d+ windows open at the step sent as they were$/) })]);
      expect(agent.readingsIn).toBeGreaterThan(readingsBefore);
      // Nothing in between: no window starts in the three days the clock skipped.
      const before = windows.filter((w) => w.start < Date.now());
      const after = windows.filter((w) => w.start >= Date.now());
      const lastBefore = Math.max(...before.map((w) => w.end));
      const firstAfter = Math.min(...after.map((w) => w.start));
      expect(firstAfter - lastBefore).toBeGreaterThan(THREE_DAYS - 60_000);
      expect(windows.length).toBeLessThan(1_000);
    } finally {
      await agent.stop();
      process.stdout.write = stdout;
    }
  });
});
