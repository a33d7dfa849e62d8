import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/helpers/manual-clock.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { Agent } from '../agent.js';
import { checkConfigText } from '../config/load-config.js';

/**
 * Alert state and the SD card: with memory first (`buffer.spill_after` above 0) alert-state.sqlite is written when an
 * alert goes firing or resolves, not each time a noisy sensor starts a pending episode, and at most once per
 * `spill_after`; with `0s` at every change. A second connection to the real file counts the transactions
 * (`data_version`), read after every 5 ms of the agent's clock, which the test moves (no sleeping).
 */
describe('saving alert state', () => {
  let dir: TempDir | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await dir?.remove();
  });

  /** Fires and resolves at nearly every reading (20 ms apart): the worst case of a badly tuned alert. */
  const FLAPPING_RULES = `
  flapping: { select: noisy, alert: { threshold: { above: 10 } } }
  steady: { select: hot, alert: { threshold: { above: 50 }, for: 200ms } }`;

  async function transactionsWhileRunning(
    spillAfter: string,
    rules?: string,
  ): Promise<{ commits: number; pendingTransitions: number; flappingStates: string[]; saved: () => string[]; savedState: (rule: string) => unknown }> {
    dir = await makeTempDir('alert-saves');
    const checked = checkConfigText(
      `
agent: { tick: 20ms, http: { enabled: false }, watch_config: false }
sources:
  sim:
    driver: simulator
    interval: 20ms
    sensors: [{ name: noisy, base: 10, noise: 1 }, { name: hot, base: 100, noise: 0.1 }]
rules:${rules ?? `
  # Around its threshold all the time: pending episodes start and end, and never last the hour to fire.
  flapping: { select: noisy, alert: { threshold: { above: 10 }, for: 1h } }
  # Fires once, 200 ms after the start.
  steady: { select: hot, alert: { threshold: { above: 50 }, for: 200ms } }`}
sinks: { out: { driver: console, format: json } }
buffer: { commit_interval: 10ms, spill_after: ${spillAfter} }
`,
      'alert-saves.yaml',
      {},
    );
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    const dataDir = path.join(dir.path, 'data');
    let pendingTransitions = 0;
    const flappingStates: string[] = [];
    const clock = new ManualClock(Date.now());
    agent = new Agent(checked.config, { log: pino({ level: 'silent' }), dataDir, clock });
    agent.tap.onResult((result) => {
      if (result.kind === 'alert' && result.rule === 'flapping' && result.state === 'pending') pendingTransitions += 1;
      if (result.kind === 'alert' && result.rule === 'flapping') flappingStates.push(result.state);
    });
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write; // the console sink's lines
    try {
      await agent.start();
      const reader = new Database(path.join(dataDir, 'alert-state.sqlite'), { readonly: true });
      const version = () => reader.pragma('data_version', { simple: true }) as number;
      let commits = 0;
      let last = version();
      for (let elapsed = 0; elapsed < 2_500; elapsed += 5) {
        await clock.advance(5);
        const now = version();
        if (now !== last) commits += 1;
        last = now;
      }
      await agent.stop();
      const saved = () => (reader.prepare('SELECT rule FROM alert_state ORDER BY rule').all() as { rule: string }[]).map((row) => row.rule);
      const savedState = (rule: string) => {
        const row = reader.prepare<[string], { state: string }>('SELECT state FROM alert_state WHERE rule = ?').get(rule);
        return row === undefined ? undefined : (JSON.parse(row.state) as unknown);
      };
      return { commits, pendingTransitions, flappingStates, saved, savedState };
    } finally {
      process.stdout.write = write;
    }
  }

  it('memory first: writes when an alert fires, not for every pending episode, and everything at stop', async () => {
    const run = await transactionsWhileRunning('5s');
    expect(run.pendingTransitions).toBeGreaterThan(5);
    expect(run.commits).toBe(1);
    expect(run.saved()).toEqual(['flapping', 'steady']);
  });

  it('memory first: an alert firing and resolving all the time is saved at most once per spill_after, and as it was at stop', async () => {
    const run = await transactionsWhileRunning('1s', FLAPPING_RULES);
    // Dozens of firings and resolves in 2.5 s; at most one write per second of them (the first at once).
    expect(run.flappingStates.filter((state) => state === 'firing').length).toBeGreaterThan(10);
    expect(run.commits).toBeGreaterThanOrEqual(2);
    expect(run.commits).toBeLessThanOrEqual(4);
    // Whatever came after the last of them was written at stop: the saved state is the last transition's.
    expect(run.savedState('flapping')).toMatchObject({ alerts: [{ sensor: 'noisy', lifecycle: { state: run.flappingStates.at(-1) } }] });
    expect(run.saved()).toEqual(['flapping', 'steady']);
  });

  it('spill_after 0s: writes at every change, as before', async () => {
    const run = await transactionsWhileRunning('0s');
    expect(run.pendingTransitions).toBeGreaterThan(5);
    expect(run.commits).toBeGreaterThan(5);
  });
});
