/**
 * What the agent costs a small device, next to a bare Node process measured in the same run. The agent runs as
 * systemd runs it (the built CLI), fed over a real Mosquitto by a publisher process:
 *
 * - `footprint.memory`: resident memory (VmRSS) idle and at the end of BENCH_FOOTPRINT_SECONDS (default 30) of
 *   10,000 readings/s from 1,000 sensors through 20 rules, and its peak (VmHWM); the yardstick is a bare Node
 *   process that loads the same libraries and opens the same connections (bench/footprint/bare-node.mjs).
 * - `footprint.cpu`: share of one core used at 100 readings/s, the typical load of a Pi, over the same duration.
 * - `footprint.startup`: ms from starting the process to the first result of a reading (simulator source,
 *   pass-through rule, console sink), best of 5.
 * - `footprint.disk`: bytes the agent had written to storage per reading (/proc/<pid>/io write_bytes) at 1,000
 *   readings/s with 10 s windows, synchronous: full (the default).
 *
 *   npm run bench:footprint
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { fleetAgentConfig, stopChild } from './pipeline/fleet-agent.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const CLI = path.join(REPO, 'dist/agent/cli.js');
const SECONDS = Number(process.env.BENCH_FOOTPRINT_SECONDS ?? 30);
const CLOCK_TICKS = 100; // USER_HZ on Linux: /proc/<pid>/stat counts CPU time in 1/100 s

const procStatus = (pid: number, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime
};
const writtenBytes = (pid: number) => Number(/^write_bytes: (\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
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

/** The publisher of the pipeline benchmark: `count` readings at `rate`/s over 1,000 sensors. */
function publish(url: string, count: number, rate: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/pipeline/publisher.ts'), url, String(count), String(rate), '1000', '0'], {
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
const agentArgs = (file: string, dataDir: string) => [CLI, 'run', '--config', file, '--data-dir', dataDir];
const agentReady = /agent running[\s\S]*connected to MQTT broker|connected to MQTT broker[\s\S]*agent running/;
try {
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

  // CPU at the typical load; disk writes per reading at a busier one.
  for (const [rate, kind] of [[100, 'cpu'], [1_000, 'disk']] as const) {
    const file = path.join(work, `${kind}.yaml`);
    await writeFile(file, fleetAgentConfig(broker.url, '  summary: { window: { size: 10s }, aggregates: [count, mean, min, max] }'));
    const measured = await startProcess(agentArgs(file, path.join(work, kind)), agentReady);
    await sleep(1_000);
    const cpuBefore = cpuSeconds(measured.pid!);
    const writtenBefore = writtenBytes(measured.pid!);
    const started = performance.now();
    await publish(broker.url, rate * SECONDS, rate);
    const elapsed = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(measured.pid!) - cpuBefore;
    const written = writtenBytes(measured.pid!) - writtenBefore;
    await stopChild(measured);
    if (kind === 'cpu') {
      lines.push({ bench: 'footprint.cpu', readings_per_s: rate, seconds: Number(elapsed.toFixed(1)), cpu_seconds: cpu, percent_of_one_core: Number(((cpu / elapsed) * 100).toFixed(2)) });
    } else {
      lines.push({ bench: 'footprint.disk', readings_per_s: rate, readings: rate * SECONDS, written_bytes: written, bytes_per_reading: Number((written / (rate * SECONDS)).toFixed(1)), synchronous: 'full' });
    }
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
} finally {
  await broker.dispose();
  await rm(work, { recursive: true, force: true });
}
for (const line of lines) process.stdout.write(`${JSON.stringify({ ...line, node: process.version })}\n`);
