/**
 * One hour of an agent's life in a few minutes: does anything pile up? Each part in its own process, as in the field:
 *   sensor fleet → Mosquitto "local" → agent (built CLI) → SQLite buffer → MQTT sink → Mosquitto "upstream" → counter.
 *
 * The agent runs with the Node flags of systemd/tributary.service. Time is compressed: BENCH_SOAK_SECONDS (default
 * 180) make one simulated hour, 20× by default. The fleet stamps its readings with the compressed clock, and the
 * agent runs with the same clock (bench/soak/fast-clock.mjs, loaded with --import), because its rules close windows
 * by its own clock: readings stamped ahead of a real-time agent would hold every window open, readings stamped in
 * the past would all be late. Rules of every kind run: a 10 s tumbling window, a 1 min / 20 s hopping window with
 * percentiles, a session window, a count window, a pass-through with per-sensor transforms, and a threshold alert.
 * The fleet churns (200 sensors at a time, each
 * living 5–20 simulated minutes, ~1,000 in the hour; quiet spells end sessions; hot spells fire alerts). At 20 % of
 * the hour the local broker restarts (the source reconnects); at 30 % the upstream broker is down for 5 simulated
 * minutes (the buffer grows), then the backlog drains.
 *
 * Every BENCH_SOAK_SAMPLE_MS (default 2000) of real time: VmRSS, heap after a forced full collection (the probe in
 * fast-clock.mjs), heap used from /metrics, open file descriptors, active handles, threads, buffer backlog and
 * bytes, WAL and history file sizes. Judged over the second half of the hour (see bench/soak/trend.ts); at the end,
 * every result the agent made must have reached the counter exactly once by sequence number (duplicates from
 * at-least-once redelivery are counted, not failed).
 *
 *   npm run bench:soak     (BENCH_SOAK_SECONDS=… to change the compression, BENCH_SOAK_SENSORS=…,
 *                           BENCH_SOAK_CHURN=0: the same sensors all hour,
 *                           BENCH_SOAK_SNAPSHOTS=<dir>: heap snapshots at 25 %, 50 % and the end,
 *                           BENCH_SOAK_SAMPLES=<file>: every sample as a JSON line)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '../test/helpers/free-port.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { AgentSampler, type AgentSample } from './soak/agent-sampler.js';
import { boundedTrend, FLAT_HEAP_PERCENT_PER_HOUR, FLAT_PERCENT_PER_HOUR, memoryTrend, slope, type Point } from './soak/trend.js';
import { agentNodeFlags } from './agent-node-flags.js';
import { stopChild } from './pipeline/fleet-agent.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const CLI = path.join(REPO, 'dist/agent/cli.js');
const FAST_CLOCK = pathToFileURL(path.join(REPO, 'bench/soak/fast-clock.mjs')).href;
const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 180);
const SIMULATED_SECONDS = 3_600;
const SPEED = SIMULATED_SECONDS / SECONDS;
const SAMPLE_MS = Number(process.env.BENCH_SOAK_SAMPLE_MS ?? 2_000);
const SENSORS = Number(process.env.BENCH_SOAK_SENSORS ?? 200);
/** 0: the same sensors all hour, a control for what grows per departed sensor. */
const CHURN = process.env.BENCH_SOAK_CHURN !== '0';
const READING_INTERVAL_MS = 2_000; // simulated, per sensor
const SNAPSHOTS = process.env.BENCH_SOAK_SNAPSHOTS;
const LOCAL_RESTART_AT = 0.2;
const OUTAGE_AT = 0.3;
const OUTAGE_SIMULATED_S = 300;
const CLOCK_TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
};

/** Durations are simulated time: the agent's clock runs SPEED times faster. Timers of the agent (tick) are real. */
function agentConfig(local: string, upstream: string, port: number): string {
  const lateness = 'allowed_lateness: 20s';
  return [
    // Departed sensors forgotten within the hour (a sensor lives 5–20 minutes), so what they left behind can be seen to go.
    `agent: { http: { listen: "127.0.0.1:${port}" }, watch_config: false, log_format: json, forget_silent_sensors: 10m }`,
    // The benchmark's clock is its own: nothing to wait for.
    'time: { sync: always }',
    // Short enough that history is pruned within the hour: its file must stop growing too.
    'history: { results: 15m }',
    // Timers are real, so the default checkpoint (every 30 s) would let the log hold 20× the results it holds on a
    // device between two checkpoints: the checkpoint keeps 30 simulated seconds instead.
    `buffer: { checkpoint_interval: ${Math.round(30_000 / SPEED)}ms }`,
    'sources:',
    `  fleet: { driver: mqtt, url: "${local}", topics: "soak/in/#", qos: 0, strip_prefix: soak/in/, timestamp_field: time }`,
    'rules:',
    `  summary_10s: { where: "value > -40 and value < 125", window: { size: 10s, ${lateness} }, aggregates: [count, mean, min, max] }`,
    `  percentiles_1m: { window: { type: hopping, size: 1m, slide: 20s, ${lateness} }, aggregates: [median, p95, p99] }`,
    `  sessions: { window: { type: session, gap: 30s, ${lateness} }, aggregates: [count, twa] }`,
    '  every_50: { window: { type: count, size: 50 }, aggregates: [mean, stddev] }',
    '  fahrenheit: { transform: [{ multiply: 1.8 }, { offset: 32 }, { throttle: 1m }] }',
    '  too_hot: { alert: { threshold: { above: 80, clear_below: 70 }, for: 20s, message: "{{sensor}} at {{value}}" } }',
    'sinks:',
    `  upstream: { driver: mqtt, url: "${upstream}", topic: "soak/out/{rule}/{sensor}", qos: 1 }`,
    '',
  ].join('\n');
}

/** A script of bench/soak in its own process; `lines` gets each line of its standard output. */
function script(name: string, args: (string | number)[], env: NodeJS.ProcessEnv, lines: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/soak', name), ...args.map(String)], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    for (const line of parts) lines(line);
  });
  return child;
}

/** Waits for `check`; `what` is said on a timeout (a function: said as it is then, e.g. the log so far). */
function until(check: () => boolean, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const look = () => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`));
      else setTimeout(look, 50);
    };
    look();
  });
}

/** Warnings and errors the agent logged, by message: restarts explain some, anything else is worth a look. */
class AgentLog {
  tail = '';
  readonly problems = new Map<string, number>();

  constructor(stream: Readable) {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      this.tail = (this.tail + text).slice(-32_768);
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const entry = /"level":(\d+).*"msg":"([^"]*)"/.exec(line);
        if (entry && Number(entry[1]) >= 40) this.problems.set(entry[2]!, (this.problems.get(entry[2]!) ?? 0) + 1);
      }
    });
  }
}

const local = await startMosquitto({ extraConfig: ['max_queued_messages 0'] });
// The counter's persistent session keeps what arrives while it reconnects; nothing may be dropped for it.
const upstream = await startMosquitto({ extraConfig: ['max_queued_messages 0', 'max_inflight_messages 0'] });
const work = await mkdtemp(path.join(tmpdir(), 'tributary-soak-'));
const children = new Set<ChildProcess>();
const track = (child: ChildProcess) => {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
};
const lines: Record<string, unknown>[] = [];
try {
  // The counter first, so its session exists before the first result.
  let counted = 0;
  let counterSummary: Record<string, number | Record<string, number>> | undefined;
  let counterReady = false;
  const counter = track(
    script('result-counter.ts', [upstream.url, 'soak/out/#'], {}, (line) => {
      if (line === 'ready') counterReady = true;
      else if (line.startsWith('counted ')) counted = Number(line.slice(8));
      else if (line.startsWith('{')) counterSummary = JSON.parse(line) as typeof counterSummary;
    }),
  );
  await until(() => counterReady, 30_000, 'the counter to subscribe');

  const origin = Date.now();
  const clock = { SOAK_CLOCK_ORIGIN: String(origin), SOAK_CLOCK_SPEED: String(SPEED) };
  const port = await freePort();
  const configFile = path.join(work, 'soak.yaml');
  const dataDir = path.join(work, 'data');
  const snapshotRequest = path.join(work, 'snapshot-request');
  await writeFile(configFile, agentConfig(local.url, upstream.url, port));
  const agent = track(
    // As systemd runs it (its Node flags), plus the compressed clock and the memory probe.
    spawn(process.execPath, [...agentNodeFlags(), '--expose-gc', '--import', FAST_CLOCK, CLI, 'run', '--config', configFile, '--data-dir', dataDir], {
      cwd: REPO,
      env: { ...process.env, ...clock, SOAK_PROBE_FD: '3', SOAK_SNAPSHOT_REQUEST: snapshotRequest },
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    }),
  );
  const log = new AgentLog(agent.stderr!);
  let stopping = false;
  agent.once('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`soak: the agent exited (${code ?? signal}) during the run:\n${log.tail}\n`);
  });
  // Running, source and sink connected (two connections), and serving /metrics.
  const started = () => /agent running/.test(log.tail) && /connected to MQTT broker[\s\S]*connected to MQTT broker/.test(log.tail) && /health and metrics/.test(log.tail);
  await until(started, 30_000, () => `the agent to start:\n${log.tail}`);
  const sampler = new AgentSampler(agent.pid!, `http://127.0.0.1:${port}/metrics`, dataDir, agent.stdio[3] as Readable);

  /** Sensors the fleet has brought up so far (departed ones included), as of each sample. */
  let sensorsSoFar = 0;
  const samples: (AgentSample & { t: number; real_s: number; sensors: number })[] = [];
  const startedReal = Date.now();
  const simulatedStart = origin + (startedReal - origin) * SPEED;
  const simulatedSince = () => (origin + (Date.now() - origin) * SPEED - simulatedStart) / 1000;
  const take = async () => {
    const sample = await sampler.sample();
    const t = Number(simulatedSince().toFixed(1));
    samples.push({ ...sample, t, real_s: Number(((Date.now() - startedReal) / 1000).toFixed(1)), sensors: sensorsSoFar });
    return sample;
  };
  const snapshot = async (name: string) => {
    if (SNAPSHOTS === undefined) return;
    await mkdir(SNAPSHOTS, { recursive: true });
    await writeFile(snapshotRequest, path.resolve(SNAPSHOTS, `soak-${name}.heapsnapshot`));
  };
  await take(); // idle, before the first reading
  const cpuBefore = cpuSeconds(agent.pid!);

  let fleetSummary: Record<string, number> | undefined;
  let fleetReady = false;
  const fleet = track(
    script('sensor-fleet.ts', [local.url, SIMULATED_SECONDS, SENSORS, READING_INTERVAL_MS, CHURN ? 1 : 0], clock, (line) => {
      if (line === 'ready') fleetReady = true;
      else if (line.startsWith('sensors ')) sensorsSoFar = Number(line.slice(8));
      else if (line.startsWith('{')) fleetSummary = JSON.parse(line) as Record<string, number>;
    }),
  );
  const fleetDone = new Promise<void>((resolve) => fleet.once('exit', () => resolve()));
  await until(() => fleetReady, 30_000, 'the sensor fleet to connect');

  // Outages, on their own schedule beside the sampling.
  const outages = (async () => {
    await sleep(LOCAL_RESTART_AT * SECONDS * 1000);
    await local.restart();
    await sleep((OUTAGE_AT - LOCAL_RESTART_AT) * SECONDS * 1000);
    await upstream.stop();
    await sleep((OUTAGE_SIMULATED_S / SPEED) * 1000);
    await upstream.restart();
  })();
  outages.catch(() => undefined); // awaited below; until then a failure must not end the process unhandled

  let fleetRunning = true;
  void fleetDone.then(() => (fleetRunning = false));
  const snapshotsAt = [0.25, 0.5];
  while (fleetRunning) {
    const next = Date.now() + SAMPLE_MS;
    if (snapshotsAt.length > 0 && simulatedSince() >= snapshotsAt[0]! * SIMULATED_SECONDS) await snapshot(`${snapshotsAt.shift()! * 100}pc`);
    await take();
    await Promise.race([sleep(Math.max(0, next - Date.now())), fleetDone]);
  }
  await outages;
  if (fleetSummary === undefined) throw new Error('the sensor fleet exited without its summary (see its output above)');
  const cpu = cpuSeconds(agent.pid!) - cpuBefore;
  const runSeconds = (Date.now() - startedReal) / 1000;
  const inRun = samples.filter((sample) => sample.t <= SIMULATED_SECONDS);

  // The last windows close (hopping size + lateness, or a session's gap + lateness), then the backlog drains.
  await sleep(((60 + 20) / SPEED) * 1000 + 1_000);
  let drained = await sampler.sample();
  const drainDeadline = Date.now() + 60_000;
  while ((drained.pending > 0 || drained.queued > 0) && Date.now() < drainDeadline) {
    await sleep(500);
    drained = await sampler.sample();
  }
  await until(() => counted >= drained.sent, 30_000, () => `the counter to receive ${drained.sent} results (has ${counted})`).catch((error: Error) =>
    process.stderr.write(`soak: ${error.message}\n`),
  );
  await snapshot('end');
  const after = await take();
  counter.kill('SIGTERM');
  await until(() => counterSummary !== undefined, 10_000, 'the counter summary');
  stopping = true;
  await stopChild(agent);

  const series = (pick: (sample: AgentSample) => number): Point[] => inRun.map((sample) => ({ t: sample.t, value: pick(sample) }));
  const mb = (bytes: number) => Number((bytes / 1_048_576).toFixed(1));
  const memory = {
    rss: memoryTrend(series((s) => s.rss), SIMULATED_SECONDS),
    heap_after_gc: memoryTrend(series((s) => s.heapAfterGc), SIMULATED_SECONDS, FLAT_HEAP_PERCENT_PER_HOUR),
    heap_total_after_gc: memoryTrend(series((s) => s.heapTotalAfterGc), SIMULATED_SECONDS),
    // SQLite's caches, buffers, code, thread stacks: RSS less what V8 holds for the heap.
    rss_outside_heap: memoryTrend(series((s) => s.rss - s.heapTotalAfterGc), SIMULATED_SECONDS),
    heap_used_scraped: memoryTrend(series((s) => s.heapUsed), SIMULATED_SECONDS),
    external: memoryTrend(series((s) => s.external), SIMULATED_SECONDS),
  };
  // What the retained heap grew by per sensor that came (and, with churn, went) in the second half: 0 when the
  // state of departed sensors is forgotten.
  const secondHalf = inRun.filter((sample) => sample.t >= SIMULATED_SECONDS / 2);
  const newSensorsPerSecond = slope(secondHalf.map((s) => ({ t: s.t, value: s.sensors })));
  const heapPerNewSensor = newSensorsPerSecond > 0 ? Math.round(slope(secondHalf.map((s) => ({ t: s.t, value: s.heapAfterGc }))) / newSensorsPerSecond) : null;
  const handles = {
    fds: boundedTrend(series((s) => s.fds), SIMULATED_SECONDS, { count: 2 }),
    active_handles: boundedTrend(series((s) => s.handles), SIMULATED_SECONDS, { count: 2 }),
    threads: boundedTrend(series((s) => s.threads), SIMULATED_SECONDS, { count: 0 }),
  };
  const buffer = {
    pending_results: boundedTrend(series((s) => s.pending), SIMULATED_SECONDS, {}),
    buffer_bytes: memoryTrend(series((s) => s.bufferBytes), SIMULATED_SECONDS),
    wal_bytes: memoryTrend(series((s) => s.walBytes), SIMULATED_SECONDS),
    history_bytes: memoryTrend(series((s) => s.historyBytes), SIMULATED_SECONDS),
  };
  const counts = counterSummary as {
    distinct: number;
    duplicates: number;
    alert_state_copies: number;
    gaps: number;
    min_seq: number;
    max_seq: number;
    by_kind: Record<string, number>;
  };
  const made = after.made;
  const common = { seconds: Number(runSeconds.toFixed(1)), simulated_seconds: SIMULATED_SECONDS, speed: SPEED };
  lines.push({
    bench: 'soak.run',
    ...common,
    sensors_at_a_time: SENSORS,
    churn: CHURN,
    sensors_in_total: fleetSummary?.sensors,
    readings_sent: fleetSummary?.sent,
    readings_not_sent_broker_down: fleetSummary?.offline,
    readings_accepted: after.readings,
    samples: inRun.length,
    sample_every_s: SAMPLE_MS / 1000,
    agent_cpu_percent_of_one_core: Number(((cpu / runSeconds) * 100).toFixed(1)),
    forced_gc_ms_max: Math.max(...inRun.map((s) => s.gcMs)),
    source_reconnects: after.reconnects,
    sink_send_failures: after.sendFailures,
    clock_steps: after.clockSteps,
    skewed_timestamps: after.skewedTimestamps,
    logged_warnings: Object.fromEntries(log.problems),
  });
  lines.push({
    bench: 'soak.memory',
    ...common,
    flat_rule: `least-squares slope over the second half < ${FLAT_PERCENT_PER_HOUR} % of its mean per simulated hour (heap after a full collection: ${FLAT_HEAP_PERCENT_PER_HOUR} %)`,
    ...memory,
    heap_after_gc_bytes_per_new_sensor: heapPerNewSensor,
    idle_rss_mb: mb(samples[0]!.rss),
    after_drain_rss_mb: mb(after.rss),
    after_drain_heap_after_gc_mb: mb(after.heapAfterGc),
  });
  lines.push({ bench: 'soak.handles', ...common, flat_rule: 'second-half peak ≤ first-half peak + 2', ...handles });
  lines.push({
    bench: 'soak.buffer',
    ...common,
    flat_rule: 'backlog: second-half peak ≤ first-half peak (the outage); file sizes (MB): as memory',
    ...buffer,
    drained: after.pending === 0 && after.queued === 0,
  });
  lines.push({
    bench: 'soak.delivery',
    ...common,
    results_made: made,
    results_made_by_kind: after.madeByKind,
    results_sent: after.sent,
    counter_distinct: counts.distinct,
    counter_by_kind: counts.by_kind,
    counter_duplicates: counts.duplicates,
    counter_alert_state_copies: counts.alert_state_copies,
    seq_range: [counts.min_seq, counts.max_seq],
    seq_gaps: counts.gaps,
    lost: made - counts.distinct,
    exact: made === after.sent && counts.distinct === made && counts.gaps === 0,
  });
  if (process.env.BENCH_SOAK_SAMPLES !== undefined) await writeFile(process.env.BENCH_SOAK_SAMPLES, samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
} finally {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all([local.dispose(), upstream.dispose()]);
  await rm(work, { recursive: true, force: true });
}
for (const line of lines) process.stdout.write(`${JSON.stringify({ ...line, node: process.version })}\n`);
