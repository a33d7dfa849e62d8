import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../agent/buffer/outbox.js';
import type { WindowResult } from '../../rules/rule-result.js';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { startInfluxd, type Influxd } from '../helpers/influxd.js';
import { eventually } from '../helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { BUFFER_MODES } from './outage-fixture.js';

// Faults of the machine under the buffer: the agent killed mid-drain, a corrupt file, a full disk.
// Each runs the agent as its own process, as systemd would.

const T0 = Date.UTC(2025, 0, 1);
const cleanups: (() => Promise<unknown> | unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(name: string): Promise<TempDir> {
  const dir = await makeTempDir(name);
  cleanups.push(() => dir.remove());
  return dir;
}

function run(config: string, dataDir: string): AgentProcess {
  const agent = startAgentProcess(config, dataDir);
  cleanups.push(async () => {
    if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
    await agent.exited;
  });
  return agent;
}

function writeConfig(dir: string, body: string): string {
  const file = path.join(dir, 'tributary.yaml');
  writeFileSync(file, `agent: { log_format: json, tick: 20ms, watch_config: false }\n${body}`);
  return file;
}

/** One result per second of 2025 for ten sensors in turn: distinct series and times, so InfluxDB keeps each. */
function backlogWindow(n: number): WindowResult {
  return { kind: 'window', rule: 'climate', source: 'sim', sensor: `s${n % 10}`, tags: {}, start: T0 + n * 1_000, end: T0 + n * 1_000 + 1_000, values: { count: 1, mean: n } };
}

async function pointsIn(server: Influxd): Promise<number> {
  const response = await server.query('SELECT count("mean") FROM "climate"', { db: 'farm' });
  return Number(response.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}

function cursorOf(file: string, sink: string): number {
  // Not read-only: an agent killed within a commit leaves a hot rollback journal, which only a connection that may
  // write can roll back (as the agent does when it starts); a read-only one fails with "attempt to write a readonly
  // database".
  const db = new Database(file, { fileMustExist: true });
  try {
    return (db.prepare('SELECT acked_seq FROM sink_cursors WHERE sink = ?').get(sink) as { acked_seq: number }).acked_seq;
  } finally {
    db.close();
  }
}

describe('delivery through faults of the machine', () => {
  it('delivers every result of a backlog exactly once upstream when the agent is SIGKILLed mid-drain', { timeout: 120_000 }, async () => {
    const TOTAL = 40_000;
    const server = await startInfluxd();
    cleanups.push(() => server.dispose());
    await server.createDatabase('farm');
    const dir = await tempDir('kill-mid-drain');
    const dataDir = path.join(dir.path, 'data');
    const bufferFile = path.join(dataDir, 'buffer.sqlite');
    // The backlog a week-long outage would leave, written by the real buffer.
    const outbox = new Outbox(bufferFile, { synchronous: 'full', maxResults: 1_000_000 });
    outbox.open(['influx']);
    for (let n = 0; n < TOTAL; n++) outbox.append(backlogWindow(n));
    outbox.commit(Date.now());
    outbox.close(Date.now());

    const config = writeConfig(
      dir.path,
      `
sources:
  sim: { driver: simulator, interval: 1h }
rules:
  climate: { from: sim, window: { size: 1h }, aggregates: [count, mean] }
sinks:
  influx: { driver: influxdb, api: v1, url: ${server.url}, database: farm }
forwarding: { batch_size: 100 }
`,
    );
    const first = run(config, dataDir);
    const deadline = Date.now() + 60_000;
    // Kill as soon as part of the backlog has landed, while the rest is still being sent.
    while ((await pointsIn(server)) < 2_000) {
      if (Date.now() > deadline) throw new Error(`no drain within 60 s; logs: ${JSON.stringify(first.logs())}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.child.kill('SIGKILL');
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
    const acknowledged = cursorOf(bufferFile, 'influx');
    expect(acknowledged).toBeLessThan(TOTAL);

    const second = run(config, dataDir);
    const opened = await second.waitForLog(/^buffer open$/);
    expect((opened['backlog'] as { pending: number }[])[0]!.pending).toBe(TOTAL - acknowledged);
    const end = Date.now() + 90_000;
    while ((await pointsIn(server)) < TOTAL || cursorOf(bufferFile, 'influx') < TOTAL) {
      if (Date.now() > end) throw new Error(`backlog not drained after restart: ${await pointsIn(server)} points`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Exactly the backlog: the batch in flight at the kill was sent again, and InfluxDB kept one point per series and time.
    expect(await pointsIn(server)).toBe(TOTAL);
    const sums = await server.query('SELECT sum("mean") FROM "climate"', { db: 'farm' });
    expect(sums.results[0]!.series![0]!.values[0]![1]).toBe((TOTAL * (TOTAL - 1)) / 2);
    second.child.kill('SIGTERM');
    expect(await second.exited).toMatchObject({ code: 0 });
  });

  it('moves a corrupt buffer aside with a clear error and starts fresh instead of failing to start', { timeout: 60_000 }, async () => {
    const dir = await tempDir('corrupt-buffer');
    const dataDir = path.join(dir.path, 'data');
    mkdirSync(dataDir);
    // What a torn write on an SD card can leave: a file that is not a database any more.
    writeFileSync(path.join(dataDir, 'buffer.sqlite'), Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(16_384, 0xa5)]));
    const config = writeConfig(
      dir.path,
      `
sources:
  sim: { driver: simulator, interval: 20ms, sensors: [{ name: a, base: 10, noise: 1 }] }
rules:
  fast: { window: { size: 100ms, allowed_lateness: 0s }, aggregates: [count, mean] }
sinks:
  out: { driver: console, format: json }
buffer: { commit_interval: 20ms }
`,
    );
    const agent = run(config, dataDir);
    const error = await agent.waitForLog(/buffer file was unreadable/);
    expect(error).toMatchObject({ level: 50, buffer: path.join(dataDir, 'buffer.sqlite') });
    expect(String(error['movedTo'])).toMatch(/buffer\.sqlite\.corrupt-\d{4}-\d\d-\d\dT/);
    expect(readdirSync(dataDir)).toContain(path.basename(String(error['movedTo'])));
    // It runs on: results flow from a new buffer to the sink.
    await eventually(() => agent.stdout().split('\n').filter((line) => line.includes('"rule":"fast"')).length >= 3, 20_000, 'results after the fresh start');
    expect(agent.child.exitCode).toBeNull();
  });

  it.each(BUFFER_MODES)('keeps running with a clear error while the disk is full, and buffers again once there is room (buffer $mode)', async ({ spillAfter }) => {
    const dir = await tempDir('disk-full');
    const mountPoint = path.join(dir.path, 'small-disk');
    mkdirSync(mountPoint);
    // A 2 MB file system of its own (CI runs as root; so does this workplace), so only this test's disk is full.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
    cleanups.push(() => execFileSync('umount', ['-l', mountPoint]));
    const dataDir = path.join(mountPoint, 'data');
    const config = writeConfig(
      dir.path,
      `
sources:
  sim:
    driver: simulator
    interval: 5ms
    sensors: [{ name: a, base: 10, noise: 1 }, { name: b, base: 20, noise: 1 }, { name: c, base: 30, noise: 1 }]
rules:
  fast: { window: { size: 20ms, allowed_lateness: 0s }, aggregates: [count, sum, mean, min, max, first, last] }
sinks:
  # Never reachable: every result stays in the buffer until the disk is full.
  upstream: { driver: influxdb, api: v1, url: 'http://127.0.0.1:9', database: farm, timeout: 1s }
buffer: { commit_interval: 20ms, spill_after: ${spillAfter} }
`,
    );
    const agent = run(config, dataDir);
    await agent.waitForLog(/^agent running$/);
    // Fill most of the disk with something else, as a log file gone wild would.
    writeFileSync(path.join(mountPoint, 'filler'), Buffer.alloc(1_500_000));
    const full = await agent.waitForLog(/^buffer commit failed; retrying$/, 60_000);
    expect(String(full['error'])).toMatch(/disk is full|SQLITE_FULL|database or disk is full/i);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(agent.child.exitCode).toBeNull();
    // At most one line a second, not one per result.
    const failures = agent.logs().filter((line) => line['msg'] === 'buffer commit failed; retrying');
    expect(failures.length).toBeLessThanOrEqual(8);

    const rows = () => {
      const db = new Database(path.join(dataDir, 'buffer.sqlite'), { readonly: true });
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const whileFull = rows();
    rmSync(path.join(mountPoint, 'filler'));
    // The results held in memory meanwhile, and new ones, are committed once there is room.
    await eventually(() => rows() > whileFull, 20_000, 'new results in the buffer');
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toMatchObject({ code: 0 });
  }, 90_000);
});
