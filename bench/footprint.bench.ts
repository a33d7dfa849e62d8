/**
 * What the agent costs a small device, next to a bare Node process measured in the same run. The agent runs as
 * systemd runs it (the built CLI), fed over a real Mosquitto by a publisher process:
 *
 * - `footprint.memory`: resident memory (VmRSS) idle and at the end of BENCH_FOOTPRINT_SECONDS (default 30) of
 *   10,000 readings/s from 1,000 sensors through 20 rules, and its peak (VmHWM); the yardstick is a bare Node
 *   process that loads the same libraries and opens the same connections (bench/footprint/bare-node.mjs).
 * - `footprint.cpu`: share of one core used at 100 readings/s, the typical load of a Pi, over the same duration,
 *   health server on (as shipped): 20 sensors at 5 Hz, and 1,000 sensors at 0.1 Hz (one message per result, and with
 *   the sink's `batch: true`); the yardsticks are the bare Node process receiving the same readings (MQTT.js's own
 *   cost of receiving them) and, the floor, a Node process reading the same packets off a bare TCP socket
 *   (bench/footprint/raw-receiver.mjs). BENCH_FOOTPRINT_CPU_ROUNDS rounds (default 3), each the bare receiver then
 *   every scenario; a scenario's ratio is taken against its own round's receiver, and the line gives the median.
 * - `footprint.startup`: ms from starting the process to the first result of a reading (simulator source,
 *   pass-through rule, console sink), best of 5.
 * - `footprint.disk`: bytes the agent had written to storage per reading (/proc/<pid>/io write_bytes) at 1,000
 *   readings/s with 10 s windows, synchronous: full (the default).
 * - `footprint.write_budget`: bytes written per day at the load of a Pi, with the sink up and down, history on and
 *   off, beside the results' own size and a raw batched insert of them (bench/footprint/write-budget.ts).
 *
 *   npm run bench:footprint                            (everything)
 *   npm run bench:footprint -- --only write-budget     (the write budget alone)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { fleetAgentConfig, stopChild } from './pipeline/fleet-agent.js';
import { agentNodeFlags } from './agent-node-flags.js';
import { measureWriteBudget } from './footprint/write-budget.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const CLI = path.join(REPO, 'dist/agent/cli.js');
const SECONDS = Number(process.env.BENCH_FOOTPRINT_SECONDS ?? 30);
const WARM_UP_SECONDS = 10;
/** `--only write-budget` runs that scenario alone (the rest takes several minutes). */
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const CLOCK_TICKS = 100; // USER_HZ on Linux: /proc/<pid>/stat counts CPU time in 1/100 s
/** Rounds of the CPU scenarios, each with its own bare receiver (BENCH_FOOTPRINT_CPU_ROUNDS). */
const CPU_ROUNDS = Math.max(1, Number(process.env.BENCH_FOOTPRINT_CPU_ROUNDS ?? 3));

const procStatus = (pid: number, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime
};
const writtenBytes = (pid: number) => Number(/^write_bytes: (\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
/** CPU seconds a process used over `seconds` of wall-clock time. */
interface Share {
  seconds: number;
  cpu: number;
}
/** Index of the median of `values` (the lower one of an even count). */
const medianIndex = (values: readonly number[]) => values.map((value, index) => [value, index] as const).sort((a, b) => a[0] - b[0])[Math.floor((values.length - 1) / 2)]![1];
const mb = (bytes: number) => Number((bytes / 1_048_576).toFixed(1));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a process and resolves once `ready` matches its output (stdout or stderr). */
async function startProcess(args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${args.join(' ')}\n${output}`)), 30_000);
    const look = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

/** The publisher of the pipeline benchmark: `count` readings at `rate`/s over `sensors` sensors. */
function publish(url: string, count: number, rate: number, sensors = 1_000): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/pipeline/publisher.ts'), url, String(count), String(rate), String(sensors), '0'], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`publisher exited with ${code}`)))));
}

/** Twenty rules of the kinds users write, each over a slice of the 1,000 sensors (s0/value … s999/value). */
function twentyRules(): string {
  const rules: string[] = [];
  for (let i = 0; i < 20; i++) {
    const select = `select: "s${i % 10}*/value"`;
    const body = [
      `{ ${select}, where: "value > -40 and value < 125", window: { size: 10s }, aggregates: [count, mean, min, max] }`,
      `{ ${select}, window: { type: hopping, size: 1m, slide: 20s }, aggregates: [median, p95, p99] }`,
      `{ ${select}, transform: [{ multiply: 1.8 }, { offset: 32 }, { delta: 0.5 }] }`,
      `{ ${select}, window: { type: session, gap: 5s }, aggregates: [count, twa] }`,
      `{ ${select}, window: { type: count, size: 50 }, aggregates: [mean, stddev] }`,
    ][i % 5];
    rules.push(`  r${i}: ${body}`);
  }
  return rules.join('\n');
}

const broker = await startMosquitto({ extraConfig: ['max_queued_messages 0'] });
const work = await mkdtemp(path.join(tmpdir(), 'tributary-footprint-'));
const lines: Record<string, unknown>[] = [];
const agentArgs = (file: string, dataDir: string) => [...agentNodeFlags(), CLI, 'run', '--config', file, '--data-dir', dataDir];
const agentReady = /agent running[\s\S]*connected to MQTT broker|connected to MQTT broker[\s\S]*agent running/;
try {
  if (ONLY !== 'write-budget') {
    // The yardstick.
    const bare = await startProcess([path.join(REPO, 'bench/footprint/bare-node.mjs'), broker.url, path.join(work, 'bare.sqlite')], /ready/);
    await sleep(3_000);
    const bareRss = procStatus(bare.pid!, 'VmRSS');
    await stopChild(bare);

    // Memory: idle, then under load.
    const loadFile = path.join(work, 'load.yaml');
    await writeFile(loadFile, fleetAgentConfig(broker.url, twentyRules()));
    const agent = await startProcess(agentArgs(loadFile, path.join(work, 'load')), agentReady);
    await sleep(3_000);
    const idleRss = procStatus(agent.pid!, 'VmRSS');
    await publish(broker.url, 10_000 * SECONDS, 10_000);
    const loadRss = procStatus(agent.pid!, 'VmRSS');
    const peakRss = procStatus(agent.pid!, 'VmHWM');
    await stopChild(agent);
    lines.push({
      bench: 'footprint.memory',
      sensors: 1_000,
      rules: 20,
      readings_per_s: 10_000,
      seconds: SECONDS,
      bare_node_rss_mb: mb(bareRss),
      idle_rss_mb: mb(idleRss),
      load_rss_mb: mb(loadRss),
      peak_rss_mb: mb(peakRss),
      load_ratio_to_bare_node: Number((loadRss / bareRss).toFixed(2)),
      peak_ratio_to_bare_node: Number((peakRss / bareRss).toFixed(2)),
    });

    // CPU at the typical load of a Pi, 100 readings/s, with the health server on as shipped; the yardstick is the
    // bare Node process above, subscribed to the same readings (what MQTT.js alone costs to receive them).
    const summary = '  summary: { window: { size: 10s }, aggregates: [count, mean, min, max] }';
    const withHttp = (config: string) => config.replace('http: { enabled: false }', 'http: { enabled: true, listen: "127.0.0.1:0" }');
    // Measured after a warm-up, so the JIT compiling the hot paths is not counted as the steady cost.
    const cpuShare = async (child: ChildProcess, sensors: number | undefined): Promise<Share> => {
      const publishing = sensors === undefined ? sleep((WARM_UP_SECONDS + SECONDS) * 1000) : publish(broker.url, 100 * (WARM_UP_SECONDS + SECONDS), 100, sensors);
      await sleep(WARM_UP_SECONDS * 1000);
      const before = cpuSeconds(child.pid!);
      const started = performance.now();
      await sleep(SECONDS * 1000);
      const share = { seconds: (performance.now() - started) / 1000, cpu: cpuSeconds(child.pid!) - before };
      await publishing;
      return share;
    };
    // And the floor under both: Node reading the same packets off a bare socket, parsing nothing.
    const rawReceiver = await startProcess([path.join(REPO, 'bench/footprint/raw-receiver.mjs'), broker.url, 'bench/in/#'], /ready/);
    const rawCpu = await cpuShare(rawReceiver, 20);
    await stopChild(rawReceiver);
    const percent = (share: Share) => Number(((share.cpu / share.seconds) * 100).toFixed(2));
    const ratio = (share: Share, to: Share) => Number((share.cpu / share.seconds / (to.cpu / to.seconds)).toFixed(2));
    // A handful of sensors read often (a greenhouse: 20 sensors at 5 Hz, a summary each 10 s) and a fleet read
    // rarely (1,000 sensors every 10 s: every reading makes a summary, so as many results go out as come in), the
    // latter also with the sink's `batch: true` (one message per rule and send instead of one per result).
    const scenarios = [
      ['MQTT: 20 sensors at 5 Hz', 20, false],
      ['MQTT: 1,000 sensors at 0.1 Hz', 1_000, false],
      ['MQTT: 1,000 sensors at 0.1 Hz, sink batch: true', 1_000, true],
    ] as const;
    // A few tenths of a percent of a core drift by as much from one minute to the next on a shared machine: each
    // round measures the bare receiver and then every scenario, and each scenario is judged against its own round's
    // receiver; the line gives every round's ratio and their median.
    const bareShares: Share[] = [];
    const agentShares = new Map<string, Share[]>(scenarios.map(([scenario]) => [scenario, []]));
    for (let round = 0; round < CPU_ROUNDS; round++) {
      const bareReceiver = await startProcess([path.join(REPO, 'bench/footprint/bare-node.mjs'), broker.url, path.join(work, `bare-cpu-${round}.sqlite`)], /ready/);
      bareShares.push(await cpuShare(bareReceiver, 20));
      await stopChild(bareReceiver);
      for (const [scenario, sensors, batch] of scenarios) {
        const name = `cpu-${sensors}${batch ? '-batch' : ''}-${round}`;
        const file = path.join(work, `${name}.yaml`);
        await writeFile(file, withHttp(fleetAgentConfig(broker.url, summary, { batch })));
        const measured = await startProcess(agentArgs(file, path.join(work, name)), agentReady);
        agentShares.get(scenario)!.push(await cpuShare(measured, sensors));
        await stopChild(measured);
      }
    }
    for (const [scenario] of scenarios) {
      const shares = agentShares.get(scenario)!;
      const ratios = shares.map((share, round) => ratio(share, bareShares[round]!));
      const middle = medianIndex(ratios);
      const typical = shares[middle]!;
      lines.push({
        bench: 'footprint.cpu',
        scenario,
        readings_per_s: 100,
        seconds: Number(typical.seconds.toFixed(1)),
        rounds: shares.length,
        cpu_seconds: Number(typical.cpu.toFixed(2)),
        percent_of_one_core: percent(typical),
        bare_node_receiving_percent: percent(bareShares[middle]!),
        ratio_to_bare_node: ratios[middle]!,
        ratios_to_bare_node: ratios,
        raw_socket_receiving_percent: percent(rawCpu),
        ratio_to_raw_socket: ratio(typical, rawCpu),
      });
    }
    // Sensors on the device itself (serial, GPIO, 1-Wire: here the simulator, 20 sensors every 200 ms), nothing
    // coming in over the network: what the agent itself costs.
    {
      const file = path.join(work, 'cpu-local.yaml');
      const sensors = Array.from({ length: 20 }, (_, i) => `      - { name: room${i}/temperature, base: 20, amplitude: 2, noise: 0.2 }`);
      const config = fleetAgentConfig(broker.url, summary).replace(/^ {2}fleet: .*$/m, ['  local:', '    driver: simulator', '    interval: 200ms', '    sensors:', ...sensors].join('\n'));
      await writeFile(file, withHttp(config));
      const measured = await startProcess(agentArgs(file, path.join(work, 'cpu-local')), agentReady);
      const share = await cpuShare(measured, undefined);
      await stopChild(measured);
      lines.push({ bench: 'footprint.cpu', scenario: 'local: 20 sensors at 5 Hz', readings_per_s: 100, seconds: Number(share.seconds.toFixed(1)), cpu_seconds: share.cpu, percent_of_one_core: percent(share) });
    }

    // Bytes written per reading at a busier rate.
    {
      const file = path.join(work, 'disk.yaml');
      await writeFile(file, fleetAgentConfig(broker.url, summary));
      const measured = await startProcess(agentArgs(file, path.join(work, 'disk')), agentReady);
      await sleep(1_000);
      const writtenBefore = writtenBytes(measured.pid!);
      await publish(broker.url, 1_000 * SECONDS, 1_000);
      const written = writtenBytes(measured.pid!) - writtenBefore;
      await stopChild(measured);
      lines.push({ bench: 'footprint.disk', readings_per_s: 1_000, readings: 1_000 * SECONDS, written_bytes: written, bytes_per_reading: Number((written / (1_000 * SECONDS)).toFixed(1)), synchronous: 'full' });
    }

    // Start-up: process start to the first result on standard output.
    const startupFile = path.join(work, 'startup.yaml');
    await writeFile(
      startupFile,
      [
        'agent: { http: { enabled: false }, watch_config: false, log_format: json }',
        'sources: { sim: { driver: simulator, interval: 1s } }',
        'rules: { latest: { where: "value > -1000" } }',
        'sinks: { out: { driver: console, format: json } }',
        '',
      ].join('\n'),
    );
    const startups: number[] = [];
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      const child = spawn(process.execPath, agentArgs(startupFile, path.join(work, `startup-${run}`)), { cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'] });
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      startups.push(performance.now() - started);
      await stopChild(child);
    }
    lines.push({ bench: 'footprint.startup', runs: startups.length, best_ms: Math.round(Math.min(...startups)), median_ms: Math.round(startups.sort((a, b) => a - b)[2]!) });
  }
  if (ONLY === undefined || ONLY === 'write-budget') lines.push(...(await measureWriteBudget(broker, work, REPO, agentArgs, stopChild)));
} finally {
  await broker.dispose();
  await rm(work, { recursive: true, force: true });
}
for (const line of lines) process.stdout.write(`${JSON.stringify({ ...line, node: process.version })}\n`);
