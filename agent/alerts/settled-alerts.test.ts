import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { Agent } from '../agent.js';
import { checkConfigText } from '../config/load-config.js';

/**
 * Alert state and the SD card: with memory first (`buffer.spill_after` above 0) alert-state.sqlite is written when an
 * alert goes firing or resolves, not each time a noisy sensor starts a pending episode; with `0s` at every change. A
 * second connection to the real file counts the transactions (`data_version`).
 */
describe('saving alert state', () => {
  let dir: TempDir | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await dir?.remove();
  });

  async function transactionsWhileRunning(spillAfter: string): Promise<{ commits: number; pendingTransitions: number; saved: () => string[] }> {
    dir = await makeTempDir('alert-saves');
    const checked = checkConfigText(
      `
agent: { tick: 20ms, http: { enabled: false }, watch_config: false }
sources:
  sim:
    driver: simulator
    interval: 20ms
    sensors: [{ name: noisy, base: 10, noise: 1 }, { name: hot, base: 100, noise: 0.1 }]
rules:
  # Around its threshold all the time: pending episodes start and end, and never last the hour to fire.
  flapping: { select: noisy, alert: { threshold: { above: 10 }, for: 1h } }
  # Fires once, 200 ms after the start.
  steady: { select: hot, alert: { threshold: { above: 50 }, for: 200ms } }
sinks: { out: { driver: console, format: json } }
buffer: { commit_interval: 10ms, spill_after: ${spillAfter} }
`,
      'alert-saves.yaml',
      {},
    );
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    const dataDir = path.join(dir.path, 'data');
    let pendingTransitions = 0;
    agent = new Agent(checked.config, { log: pino({ level: 'silent' }), dataDir });
    agent.tap.onResult((result) => {
      if (result.kind === 'alert' && result.rule === 'flapping' && result.state === 'pending') pendingTransitions += 1;
    });
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write; // the console sink's lines
    try {
      await agent.start();
      const reader = new Database(path.join(dataDir, 'alert-state.sqlite'), { readonly: true });
      const version = () => reader.pragma('data_version', { simple: true }) as number;
      let commits = 0;
      let last = version();
      const started = Date.now();
      while (Date.now() - started < 2_500) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        const now = version();
        if (now !== last) commits += 1;
        last = now;
      }
      await agent.stop();
      const saved = () => (reader.prepare('SELECT rule FROM alert_state ORDER BY rule').all() as { rule: string }[]).map((row) => row.rule);
      return { commits, pendingTransitions, saved };
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

  it('spill_after 0s: writes at every change, as before', async () => {
    const run = await transactionsWhileRunning('0s');
    expect(run.pendingTransitions).toBeGreaterThan(5);
    expect(run.commits).toBeGreaterThan(5);
  });
});
