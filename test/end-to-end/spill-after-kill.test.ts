import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { recordMqtt } from '../helpers/mqtt-recorder.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { sleep } from './outage-fixture.js';

/**
 * What `buffer.spill_after` promises when the agent is killed (SIGKILL: no chance to write anything): nothing a sink
 * confirmed and nothing written to the buffer file is lost, and of the rest at most the last `spill_after`; a result
 * arrives more than once only as QoS 1 allows (the same id and seq). Three sensors read every 100 ms, each reading
 * passed on as a result, so every result can be accounted for by its sensor and time.
 */
const SPILL_AFTER_MS = 2_000;
const INTERVAL_MS = 100;
const SENSORS = ['a', 'b', 'c'];

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function config(dir: string, upstream: MosquittoBroker): string {
  const file = path.join(dir, 'tributary.yaml');
  writeFileSync(
    file,
    `
agent: { log_format: json, tick: 50ms, watch_config: false, http: { enabled: false } }
sources:
  sim:
    driver: simulator
    interval: ${INTERVAL_MS}ms
    sensors: [${SENSORS.map((name) => `{ name: ${name}, base: 10, noise: 1 }`).join(', ')}]
rules: { passed_on: {} }
sinks:
  upstream: { driver: mqtt, url: ${upstream.url}, qos: 1, reconnect_period: 200ms }
buffer: { commit_interval: 50ms, spill_after: ${SPILL_AFTER_MS}ms }
forwarding: { retry_initial: 200ms, retry_max: 1s }
`,
  );
  return file;
}

/** Sensor and time of each result the buffer file holds: what was written, and must survive. */
function written(file: string): string[] {
  // Not read-only: a killed agent may leave a hot rollback journal, which only a connection that may write rolls back.
  const db = new Database(file, { fileMustExist: true });
  try {
    const rows = db.prepare("SELECT payload FROM results WHERE rule = 'passed_on'").all() as { payload: string }[];
    return rows.map(({ payload }) => {
      const result = JSON.parse(payload) as { sensor: string; timestamp: number };
      return `${result.sensor}@${result.timestamp}`;
    });
  } finally {
    db.close();
  }
}

describe.each([
  { sink: 'up', brokerDown: false },
  { sink: 'down', brokerDown: true },
])('SIGKILL with spill_after 2s and the sink $sink', ({ brokerDown }) => {
  it('loses nothing confirmed or written, at most the last spill_after of the rest, duplicates only with the same id and seq', { timeout: 180_000 }, async () => {
    const upstream = await startMosquitto();
    cleanups.push(() => upstream.dispose());
    const dir = await makeTempDir('spill-after-kill');
    cleanups.push(() => dir.remove());
    const file = config(dir.path, upstream);
    const dataDir = path.join(dir.path, 'data');
    const recorder = await recordMqtt(upstream.url, 'tributary/#');
    cleanups.push(() => recorder.close());

    const runs: { started: number; killed: number }[] = [];
    const mustSurvive = new Set<string>();
    // Killed at several moments of its run: early, mid-second, later.
    for (const runFor of [2_600, 4_150, 6_300]) {
      const agent: AgentProcess = startAgentProcess(file, dataDir);
      cleanups.push(async () => {
        if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
        await agent.exited;
      });
      await agent.waitForLog(/^agent running$/, 30_000);
      const started = Date.now();
      if (brokerDown) {
        // Up long enough to deliver a little, then gone: what follows must be written, not lost.
        await sleep(800);
        await upstream.stop();
      }
      await sleep(runFor - (Date.now() - started));
      agent.child.kill('SIGKILL');
      await agent.exited;
      runs.push({ started, killed: Date.now() });
      for (const key of written(path.join(dataDir, 'buffer.sqlite'))) mustSurvive.add(key);
      if (brokerDown) await upstream.restart();
    }
    // A last run, stopped cleanly, delivers what the killed ones left in the buffer.
    const last = startAgentProcess(file, dataDir);
    cleanups.push(async () => {
      if (last.child.exitCode === null) last.child.kill('SIGKILL');
      await last.exited;
    });
    await last.waitForLog(/^agent running$/, 30_000);
    await sleep(3_000);
    last.child.kill('SIGTERM');
    expect(await last.exited).toMatchObject({ code: 0 });
    await sleep(1_000);

    const results = recorder.messages.map((m) => m.payload).filter((p) => p['rule'] === 'passed_on');
    const byKey = new Map<string, Record<string, unknown>[]>();
    for (const result of results) {
      const key = `${String(result['sensor'])}@${Number(result['timestamp'])}`;
      byKey.set(key, [...(byKey.get(key) ?? []), result]);
    }
    // Duplicates only as QoS 1 allows: every copy the same result, with the same id and seq.
    for (const copies of byKey.values()) for (const copy of copies) expect(copy).toEqual(copies[0]);
    // A sequence number is never given to two results, also across restarts.
    const seqs = [...byKey.values()].map(([first]) => Number(first!['seq']));
    expect(new Set(seqs).size).toBe(seqs.length);

    // Nothing that was in the buffer file at a kill is missing upstream.
    const missingWritten = [...mustSurvive].filter((key) => !byKey.has(key));
    expect(missingWritten).toEqual([]);

    // Every reading of a killed run older than spill_after (and a commit) at the kill reached upstream.
    for (const [run, { started, killed }] of runs.entries()) {
      // This run's readings: after the run before was killed (it starts reading before it logs "agent running",
      // and on a busy machine a second or more may pass between the two; that pause is no loss).
      const previousKilled = run === 0 ? 0 : runs[run - 1]!.killed;
      for (const sensor of SENSORS) {
        const times = [...byKey.keys()]
          .filter((key) => key.startsWith(`${sensor}@`))
          .map((key) => Number(key.slice(sensor.length + 1)))
          .filter((time) => time > previousKilled && time <= killed)
          .sort((a, b) => a - b);
        const mustHaveUntil = killed - SPILL_AFTER_MS - 300;
        expect(times[0], `first result of ${sensor} in the run from ${started}`).toBeLessThanOrEqual(started + 500);
        const covered = times.filter((time) => time <= mustHaveUntil);
        expect(covered.at(-1)!, `last result of ${sensor} before ${mustHaveUntil}`).toBeGreaterThan(mustHaveUntil - 2 * INTERVAL_MS);
        const gaps = covered.slice(1).map((time, index) => ({ gap: time - covered[index]!, after: covered[index]! - started, beforeKill: killed - time }));
        const largest = gaps.reduce((a, b) => (b.gap > a.gap ? b : a));
        // A reading every 100 ms (timer jitter of a busy machine allowed): one lost result would leave 200 ms.
        expect(largest.gap, `largest gap between results of ${sensor}: ${JSON.stringify(largest)}`).toBeLessThan(1.8 * INTERVAL_MS);
      }
    }
    // The sensors are read together: a time one of them has, every one has (nothing lost from the middle of a batch),
    // except in the last spill_after before a kill, where a result in flight may be lost alone.
    const ticks = new Set([...byKey.keys()].map((key) => Number(key.split('@')[1])));
    const nearKill = (tick: number) => runs.some(({ killed }) => tick <= killed && tick > killed - SPILL_AFTER_MS - 300);
    for (const tick of [...ticks].filter((tick) => !nearKill(tick))) {
      for (const sensor of SENSORS) expect(byKey.has(`${sensor}@${tick}`), `${sensor}@${tick}`).toBe(true);
    }
  });
});
