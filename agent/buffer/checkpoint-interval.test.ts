import { statSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/helpers/manual-clock.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { Agent } from '../agent.js';
import { checkConfigText } from '../config/load-config.js';

/**
 * The buffer's write-ahead log (`synchronous: normal`; with `full` a rollback journal writes into the file at each
 * commit) is copied into the database file every `buffer.checkpoint_interval`. Results for a sink that cannot be
 * reached stay in the buffer, so what the file holds after a while shows whether a checkpoint ran. The test moves the
 * agent's clock rather than sleeping.
 */
describe('buffer.checkpoint_interval', () => {
  let dir: TempDir | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await dir?.remove();
  });

  async function bufferFileAfter(ms: number, buffer: string): Promise<{ before: number; after: number; wal: number }> {
    dir = await makeTempDir('checkpoint-interval');
    const checked = checkConfigText(
      `
agent: { tick: 20ms, http: { enabled: false }, watch_config: false }
sources: { sim: { driver: simulator, interval: 10ms } }
rules: { latest: { where: "value > -1000" } }
sinks: { away: { driver: mqtt, url: "mqtt://127.0.0.1:1", reconnect_period: 10s } }
buffer: ${buffer.replace('{ ', '{ synchronous: normal, ')}
`,
      'checkpoint.yaml',
      {},
    );
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    const dataDir = path.join(dir.path, 'data');
    const file = path.join(dataDir, 'buffer.sqlite');
    const clock = new ManualClock(Date.now());
    agent = new Agent(checked.config, { log: pino({ level: 'silent' }), dataDir, clock });
    await agent.start();
    const before = statSync(file).size;
    for (let elapsed = 0; elapsed < ms; elapsed += 10) await clock.advance(10);
    return { before, after: statSync(file).size, wal: statSync(`${file}-wal`).size };
  }

  it('copies the log into the buffer file as often as it says', async () => {
    const often = await bufferFileAfter(1_500, '{ commit_interval: 10ms, checkpoint_interval: 200ms }');
    expect(often.after).toBeGreaterThan(often.before);
  });

  it('leaves the results in the log until then (default 30 s)', async () => {
    const rarely = await bufferFileAfter(1_500, '{ commit_interval: 10ms }');
    expect(rarely.after).toBe(rarely.before);
    expect(rarely.wal).toBeGreaterThan(0);
  });
});
