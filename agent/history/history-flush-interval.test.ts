import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/helpers/manual-clock.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { Agent } from '../agent.js';
import { checkConfigText } from '../config/load-config.js';
import { HISTORY_FILE } from './history-file.js';

/**
 * `history.flush_interval`: the history is written in one transaction per interval, not per result. A second
 * connection to the real file counts the transactions: SQLite's `data_version` changes once for every commit made by
 * another connection, and it is read after every 5 ms of the agent's clock, which the test moves (no sleeping).
 */
describe('history.flush_interval', () => {
  let dir: TempDir | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await dir?.remove();
  });

  async function runAgent(history: string): Promise<{ commits: number; rows: () => number; agent: Agent }> {
    dir = await makeTempDir('history-flush');
    const checked = checkConfigText(
      `
agent: { tick: 20ms, http: { enabled: false }, watch_config: false }
sources: { sim: { driver: simulator, interval: 10ms } }
rules: { latest: { where: "value > -1000" } }
sinks: { away: { driver: mqtt, url: "mqtt://127.0.0.1:1", reconnect_period: 10s } }
buffer: { commit_interval: 10ms }
history: ${history}
`,
      'history-flush.yaml',
      {},
    );
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    const dataDir = path.join(dir.path, 'data');
    const clock = new ManualClock(Date.now());
    agent = new Agent(checked.config, { log: pino({ level: 'silent' }), dataDir, clock });
    await agent.start();
    const reader = new Database(path.join(dataDir, HISTORY_FILE), { readonly: true });
    const version = () => reader.pragma('data_version', { simple: true }) as number;
    let commits = 0;
    let last = version();
    for (let elapsed = 0; elapsed < 2_500; elapsed += 5) {
      await clock.advance(5);
      const now = version();
      if (now !== last) commits += 1;
      last = now;
    }
    const rows = () => (reader.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n;
    return { commits, rows, agent };
  }

  it('writes a second of results in one transaction, and everything at a clean stop', async () => {
    const run = await runAgent('{ results: 1d, flush_interval: 1s }');
    // About 300 results a second for 2.5 s: written twice (at 1 s and 2 s), not once per buffer commit (every 10 ms).
    expect(run.agent.resultsOut).toBeGreaterThan(300);
    expect(run.commits).toBeGreaterThanOrEqual(1);
    expect(run.commits).toBeLessThanOrEqual(3);
    await run.agent.stop();
    // Nothing made before the stop is missing: the last rows are written when the agent stops.
    expect(run.rows()).toBe(run.agent.resultsOut);
  });

  it('writes nothing before the first interval ends (default 1 min)', async () => {
    const run = await runAgent('{ results: 1d }');
    expect(run.agent.resultsOut).toBeGreaterThan(300);
    expect(run.commits).toBe(0);
    expect(run.rows()).toBe(0);
    await run.agent.stop();
    expect(run.rows()).toBe(run.agent.resultsOut);
  });
});
