/**
 * `footprint.write_budget`: bytes the agent writes to storage per day at the load of a Pi (20 sensors at 1 Hz, three
 * 10 s window rules, one alert rule), from /proc/<pid>/io write_bytes after a warm-up, extrapolated to a day. Every
 * scenario runs as its own agent process, all at once, so they share the same machine and minute:
 *
 * - `up`: MQTT sink up, history on (the default 7 d of results); `up, history off`;
 * - `down`: the sink's broker unreachable, history on and off;
 * - `up, spill_after 0s`: every result committed before it is sent (the behaviour before issue 21);
 * - `noisy alert`: the alert rule's sensors cross its threshold every minute, so it fires and resolves all the time.
 *
 * BENCH_WRITE_ONLY=<text> runs only the scenarios whose name contains it (the first one always runs: it sizes the
 * floor).
 *
 * Beside them, measured in the same run: the results' own bytes (their JSON as the sink sent it) per day, and the
 * floor, a raw batched better-sqlite3 insert of those same rows (bench/footprint/raw-batched-insert.ts), one
 * transaction per `history.flush_interval` worth of rows.
 *
 *   npm run bench:footprint -- --only write-budget     (BENCH_WRITE_SECONDS, default 120; warm-up 40 s)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import type { MosquittoBroker } from '../../test/helpers/mosquitto.js';
import { freePort } from '../../test/helpers/free-port.js';

const SECONDS = Number(process.env.BENCH_WRITE_SECONDS ?? 120);
/**
 * Past the first checkpoint of the buffer (every 30 s), which copies what the start wrote (schema, cursors, the first
 * block of sequence numbers): a cost of each start, not of each day.
 */
const WARM_UP_SECONDS = Number(process.env.BENCH_WRITE_WARM_UP_SECONDS ?? 40);
const DAY_S = 86_400;
const SENSORS = 20;
/** Rows per transaction of the raw insert: what the history groups by default (one minute of results). */
const HISTORY_FLUSH_S = 60;

interface Scenario {
  readonly name: string;
  readonly sinkUp: boolean;
  readonly history: boolean;
  /**
   * The sensors' sine takes 2 min instead of a day (one period per default measurement): every sensor crosses the
   * alert threshold twice a period, with noise, so the alert goes pending, fires and resolves on all 20 sensors every
   * 2 minutes, about 1.3 transitions a second: a badly tuned alert, to show what alert state costs.
   */
  readonly noisyAlert?: boolean;
  /** Absent: the default. */
  readonly spillAfter?: string;
}

export const WRITE_BUDGET_SCENARIOS: readonly Scenario[] = [
  { name: 'up', sinkUp: true, history: true },
  { name: 'up, history off', sinkUp: true, history: false },
  { name: 'down', sinkUp: false, history: true },
  { name: 'down, history off', sinkUp: false, history: false },
  { name: 'up, spill_after 0s', sinkUp: true, history: true, spillAfter: '0s' },
  { name: 'up, history off, spill_after 0s', sinkUp: true, history: false, spillAfter: '0s' },
  { name: 'up, history off, noisy alert', sinkUp: true, history: false, noisyAlert: true },
  { name: 'down, history off, noisy alert', sinkUp: false, history: false, noisyAlert: true },
];

/**
 * The Pi load: 20 simulated sensors at 1 Hz, three 10 s window rules, one alert rule, an MQTT sink at QoS 1. The
 * sensors follow a daily sine (20 ± 4) with noise, so the alert (above 23.5 for 10 s) goes pending, fires and
 * resolves a few times a day per sensor, near the top of the sine, as a room's "too warm" alert would.
 */
function piConfig(url: string, topic: string, scenario: Scenario): string {
  const period = scenario.noisyAlert ? '2m' : '1d';
  const sensors = Array.from({ length: SENSORS }, (_, i) => `      - { name: room${i}/temperature, base: 20, amplitude: 4, noise: 0.3, period: ${period} }`);
  return [
    'agent: { http: { enabled: true, listen: "127.0.0.1:0" }, watch_config: false, log_format: json }',
    'sources:',
    '  rooms:',
    '    driver: simulator',
    '    interval: 1s',
    '    sensors:',
    ...sensors,
    'rules:',
    '  summary_10s: { from: rooms, window: { size: 10s }, aggregates: [count, mean, min, max] }',
    '  spread_10s: { from: rooms, window: { size: 10s }, aggregates: [stddev, median] }',
    '  p95_10s: { from: rooms, window: { size: 10s }, aggregates: [p95, last] }',
    '  too_warm: { from: rooms, alert: { threshold: { above: 23.5, clear_below: 23 }, for: 10s } }',
    'sinks:',
    `  upstream: { driver: mqtt, url: "${url}", topic: "${topic}/{rule}/{sensor}", qos: 1 }`,
    `history: { results: ${scenario.history ? '7d' : '0s'} }`,
    ...(scenario.spillAfter === undefined ? [] : [`buffer: { spill_after: ${scenario.spillAfter} }`]),
    '',
  ].join('\n');
}

const writtenBytes = (pid: number) => Number(/^write_bytes: (\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const perDay = (bytes: number, seconds: number) => Math.round((bytes * DAY_S) / seconds);

async function startAgent(args: string[], cwd: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent not running: ${output}`)), 30_000);
    const look = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('agent running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.on('exit', (code) => reject(new Error(`agent exited with ${code}: ${output}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

/**
 * Runs every scenario at once for WARM_UP_SECONDS + SECONDS and returns one JSON line per scenario, plus the floor.
 * `agentArgs` makes the agent's command line from its config file and data dir.
 */
export async function measureWriteBudget(
  broker: MosquittoBroker,
  work: string,
  repo: string,
  agentArgs: (file: string, dataDir: string) => string[],
  stop: (child: ChildProcess) => Promise<void>,
  scenarios: readonly Scenario[] = WRITE_BUDGET_SCENARIOS.filter((s, i) => i === 0 || s.name.includes(process.env.BENCH_WRITE_ONLY ?? '')),
): Promise<Record<string, unknown>[]> {
  const nobody = `mqtt://127.0.0.1:${await freePort()}`;
  // What the first scenario's sink sends: its results, to size the floor.
  const received: string[] = [];
  let counting = false;
  const subscriber = await mqtt.connectAsync(broker.url);
  await subscriber.subscribeAsync('bench/wb/0/#', { qos: 1 });
  subscriber.on('message', (_topic, payload) => counting && received.push(payload.toString()));

  const agents: { scenario: Scenario; child: ChildProcess }[] = [];
  try {
    for (const [index, scenario] of scenarios.entries()) {
      const file = path.join(work, `write-budget-${index}.yaml`);
      await writeFile(file, piConfig(scenario.sinkUp ? broker.url : nobody, `bench/wb/${index}`, scenario));
      agents.push({ scenario, child: await startAgent(agentArgs(file, path.join(work, `write-budget-${index}`)), repo) });
    }
    await sleep(WARM_UP_SECONDS * 1000);
    const before = agents.map(({ child }) => writtenBytes(child.pid!));
    counting = true;
    const started = performance.now();
    await sleep(SECONDS * 1000);
    const after = agents.map(({ child }) => writtenBytes(child.pid!));
    const seconds = (performance.now() - started) / 1000;
    counting = false;

    const resultBytes = received.reduce((sum, payload) => sum + Buffer.byteLength(payload), 0);
    const rowsFile = path.join(work, 'write-budget-rows.jsonl');
    await writeFile(rowsFile, received.map((payload) => `${payload}\n`).join(''));
    const perTransaction = Math.round((received.length / seconds) * HISTORY_FLUSH_S);
    const raw = await rawInsert(repo, rowsFile, path.join(work, 'write-budget-raw.sqlite'), perTransaction);
    const floor = {
      results_per_day: Math.round((received.length * DAY_S) / seconds),
      results_own_bytes_per_day: perDay(resultBytes, seconds),
      raw_batched_insert_bytes_per_day: perDay(raw.written_bytes, seconds),
      raw_rows_per_transaction: perTransaction,
    };
    const lines: Record<string, unknown>[] = agents.map(({ scenario }, index) => {
      const bytesPerDay = perDay(after[index]! - before[index]!, seconds);
      return {
        bench: 'footprint.write_budget',
        scenario: scenario.name,
        sensors: SENSORS,
        readings_per_s: SENSORS,
        seconds: Number(seconds.toFixed(1)),
        written_bytes: after[index]! - before[index]!,
        bytes_per_day: bytesPerDay,
        mb_per_day: Number((bytesPerDay / 1_048_576).toFixed(2)),
        ratio_to_raw_batched_insert: Number((bytesPerDay / floor.raw_batched_insert_bytes_per_day).toFixed(2)),
        ...floor,
      };
    });
    return lines;
  } finally {
    await Promise.all(agents.map(({ child }) => stop(child)));
    await subscriber.endAsync();
  }
}

function rawInsert(repo: string, rowsFile: string, file: string, perTransaction: number): Promise<{ rows: number; written_bytes: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'bench/footprint/raw-batched-insert.ts'), rowsFile, file, String(perTransaction)], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(output) as { rows: number; written_bytes: number }) : reject(new Error(`raw insert exited with ${code}`)))),
  );
}
