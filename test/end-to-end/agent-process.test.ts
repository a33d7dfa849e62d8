import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgentProcess } from '../helpers/agent-process.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { eventually, recordMqtt } from '../helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { BUFFER_MODES } from './outage-fixture.js';

/** Identity of a window result, the same in the buffer and on the wire. */
const windowKey = (r: { rule: unknown; sensor: unknown; start: unknown }) => `${String(r.rule)}|${String(r.sensor)}|${Number(r.start)}`;

describe('the agent as a process', () => {
  let broker: MosquittoBroker;
  let dir: TempDir;
  beforeEach(async () => {
    broker = await startMosquitto();
    dir = await makeTempDir('agent-process');
  });
  afterEach(async () => {
    await broker.dispose();
    await dir.remove();
  });

  async function writeConfig(spillAfter = '5s'): Promise<string> {
    const file = path.join(dir.path, 'tributary.yaml');
    await writeFile(
      file,
      `
agent: { log_format: json, tick: 20ms }
sources:
  sim:
    driver: simulator
    interval: 20ms
    sensors:
      - { name: a, base: 10, noise: 1 }
      - { name: b, base: 20, noise: 1 }
rules:
  fast:
    window: { size: 100ms, allowed_lateness: 0s }
sinks:
  upstream:
    driver: mqtt
    url: ${broker.url}
    reconnect_period: 100ms
buffer: { commit_interval: 20ms, spill_after: ${spillAfter} }
forwarding: { retry_initial: 50ms, retry_max: 200ms }
`,
    );
    return file;
  }

  it.each(BUFFER_MODES)('delivers every result it had committed after being killed with SIGKILL and restarted on the same data directory (buffer $mode)', async ({ spillAfter }) => {
    const config = await writeConfig(spillAfter);
    const dataDir = path.join(dir.path, 'data');
    const recorder = await recordMqtt(broker.url, 'tributary/#', 'crash-recorder');
    try {
      const first = startAgentProcess(config, dataDir);
      await first.waitForLog(/agent running/);
      await recorder.waitFor((messages) => messages.length >= 6, 10_000, 'results before the outage');
      // With the broker gone results pile up in the buffer (also in memory-first mode: a sink that is down is spilled
      // for at once); then the agent dies without any chance to clean up.
      await broker.stop();
      await new Promise((resolve) => setTimeout(resolve, 800));
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');

      const db = new Database(path.join(dataDir, 'buffer.sqlite'));
      const pending = (db.prepare('SELECT payload FROM results ORDER BY seq').all() as { payload: string }[]).map(
        (row) => JSON.parse(row.payload) as { rule: string; sensor: string; start: number },
      );
      db.close();
      expect(pending.length).toBeGreaterThan(10);

      await broker.restart();
      const second = startAgentProcess(config, dataDir);
      await second.waitForLog(/agent running/);
      const received = () => new Set(recorder.messages.map((m) => windowKey(m.payload as never)));
      await eventually(() => pending.every((result) => received().has(windowKey(result))), 15_000, 'every committed result');
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);

      // Nothing between the first result and the last committed one is missing, per sensor.
      for (const sensor of ['a', 'b']) {
        const starts = [...new Set(recorder.messages.filter((m) => m.payload.sensor === sensor).map((m) => Number(m.payload.start)))].sort((x, y) => x - y);
        const lastCommitted = Math.max(...pending.filter((r) => r.sensor === sensor).map((r) => r.start));
        const upToCrash = starts.filter((start) => start <= lastCommitted);
        expect(upToCrash.length).toBe((lastCommitted - upToCrash[0]!) / 100 + 1);
      }
    } finally {
      await recorder.close();
    }
  });

  it('stops cleanly within 5 s on SIGTERM and SIGINT, with its buffer committed and closed', async () => {
    const config = await writeConfig();
    await broker.stop(); // results stay in the buffer, so the file shows what was committed at stop
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const dataDir = path.join(dir.path, `data-${signal}`);
      const agent = startAgentProcess(config, dataDir);
      await agent.waitForLog(/agent running/);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = Date.now();
      agent.child.kill(signal);
      const { code } = await agent.exited;
      const took = Date.now() - started;
      expect(code).toBe(0);
      expect(took).toBeLessThan(5_000);
      const stopped = await agent.waitForLog(/agent stopped; buffer closed/, 1);
      const db = new Database(path.join(dataDir, 'buffer.sqlite'));
      const rows = (db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n;
      // synchronous full (the default): a rollback journal, not a write-ahead log (see Outbox.openFile); the agent
      // keeps it (PERSIST), a new connection reads the file with the default, 'delete'.
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      db.close();
      expect(rows).toBeGreaterThan(0);
      expect(stopped.backlog).toEqual([{ sink: 'upstream', pending: rows }]);
    }
  });
});
