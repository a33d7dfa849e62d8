/**
 * End to end through a real Mosquitto, each part in its own process as in the field:
 *   publisher → Mosquitto → agent (MQTT source → rules → SQLite buffer → MQTT sink) → Mosquitto → counter.
 *
 * - `pipeline.broker_only`: the limit, measured in the same run: the publisher straight to a subscriber through the
 *   same broker at QoS 0, as fast as it goes; messages/s at the subscriber, and how many were lost.
 * - `pipeline.sustained`: the highest publish rate the agent takes for BENCH_PIPELINE_SECONDS (default 30) with zero
 *   loss: every reading counted in a 1 s window result that reached the counter. Rates are tried from high to low,
 *   a fresh agent each time; reported with its ratio to the broker-only rate.
 * - `pipeline.latency`: at 1,000 and 10,000 readings/s, ms from publish to the pass-through result of 1 % of the
 *   sensors arriving at the counter (p50, p99).
 *
 *   npm run bench:pipeline     (BENCH_PIPELINE_SECONDS=… to shorten a trial)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { fleetAgentConfig, stopChild } from './pipeline/fleet-agent.js';
import { agentNodeFlags } from './agent-node-flags.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const SECONDS = Number(process.env.BENCH_PIPELINE_SECONDS ?? 30);
const SENSORS = 1_000;
const BROKER_MESSAGES = 300_000;

interface Counted {
  total: number;
  messages: number;
  seconds: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

/** Runs a TypeScript script of bench/pipeline in its own process; resolves with its last JSON line. */
function script(name: string, args: (string | number)[], onReady?: () => void): { child: ChildProcess; result: Promise<Record<string, unknown>> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/pipeline', name), ...args.map(String)], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (onReady && out.includes('ready\n')) {
      onReady();
      onReady = undefined;
    }
  });
  const result = new Promise<Record<string, unknown>>((resolve, reject) =>
    child.on('exit', (code) => {
      const lines = out.trim().split('\n');
      if (code !== 0) reject(new Error(`${name} exited with ${code}: ${out}`));
      else resolve(JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>);
    }),
  );
  return { child, result };
}

/** Starts the counter and resolves once it is subscribed, with the promise of its result. */
async function counter(url: string, topic: string, mode: string, expected: number, idleMs = 5_000) {
  let ready: () => void = () => {};
  const subscribed = new Promise<void>((resolve) => (ready = resolve));
  const { result } = script('counter.ts', [url, topic, mode, expected, idleMs], () => ready());
  await subscribed;
  return result as unknown as Promise<Counted>;
}

async function publish(url: string, count: number, rate: number) {
  return (await script('publisher.ts', [url, count, rate, SENSORS, 0]).result) as { sent: number; seconds: number };
}

/** Agents started and not yet stopped: killed if the benchmark fails halfway, so none is left running. */
const agents = new Set<ChildProcess>();

/** The agent as systemd runs it: the built CLI when there is one, else the sources through tsx. */
async function startAgent(config: string, dataDir: string): Promise<ChildProcess> {
  const built = path.join(REPO, 'dist/agent/cli.js');
  const args = [...agentNodeFlags(), ...(existsSync(built) ? [built] : ['--import', 'tsx', path.join(REPO, 'agent/cli.ts')])];
  const child = spawn(process.execPath, [...args, 'run', '--config', config, '--data-dir', dataDir], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  agents.add(child);
  child.once('exit', () => agents.delete(child));
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start: ${log}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      // Running, and subscribed: the source logs its connection.
      if (/agent running/.test(log) && /connected to MQTT broker/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`agent exited with ${code}: ${log}`)));
  });
  return child;
}

const broker = await startMosquitto({ extraConfig: ['max_queued_messages 0', 'max_inflight_messages 0'] });
const work = await mkdtemp(path.join(tmpdir(), 'tributary-pipeline-'));
const lines: Record<string, unknown>[] = [];
try {
  // The limit: publisher → broker → subscriber, nothing else.
  const baselineCount = counter(broker.url, 'bench/in/#', 'messages', BROKER_MESSAGES);
  const published = await publish(broker.url, BROKER_MESSAGES, 0);
  const baseline = await baselineCount;
  const brokerRate = Math.round(baseline.total / Math.max(baseline.seconds, published.seconds));
  lines.push({ bench: 'pipeline.broker_only', messages: BROKER_MESSAGES, received: baseline.total, lost: BROKER_MESSAGES - baseline.total, messages_per_s: brokerRate });

  // The highest rate the agent sustains with zero loss, from high to low.
  const summary = '  summary: { window: { size: 1s, allowed_lateness: 2s }, aggregates: [count, mean, min, max] }';
  const trials: Record<string, unknown>[] = [];
  let sustained: Record<string, unknown> | undefined;
  for (const fraction of [0.9, 0.7, 0.5, 0.35, 0.25, 0.15, 0.1, 0.05]) {
    const rate = Math.max(100, Math.round((brokerRate * fraction) / 100) * 100);
    const dir = path.join(work, `trial-${rate}`);
    const config = path.join(work, `trial-${rate}.yaml`);
    await writeFile(config, fleetAgentConfig(broker.url, summary));
    const agent = await startAgent(config, dir);
    const count = rate * SECONDS;
    const counted = counter(broker.url, 'bench/out/#', 'readings', count, 8_000);
    const sent = await publish(broker.url, count, rate);
    const result = await counted;
    await stopChild(agent);
    const trial = { rate, achieved_rate: Math.round(sent.sent / sent.seconds), sent: sent.sent, summarised: result.total, lost: sent.sent - result.total };
    trials.push(trial);
    process.stderr.write(`pipeline trial ${JSON.stringify(trial)}\n`);
    if (trial.lost === 0 && trial.achieved_rate >= rate * 0.97) {
      sustained = trial;
      break;
    }
  }
  const sustainedRate = (sustained?.achieved_rate as number | undefined) ?? 0;
  lines.push({
    bench: 'pipeline.sustained',
    seconds: SECONDS,
    sensors: SENSORS,
    readings_per_s: sustainedRate,
    broker_only_messages_per_s: brokerRate,
    ratio_to_broker_only: Number((sustainedRate / brokerRate).toFixed(3)),
    trials,
  });

  // Latency: 1 % of the sensors (s10 … s19) passed on without a window.
  const passOn = '  latest: { select: "s1?/value", where: "value > -1000" }';
  for (const rate of [1_000, 10_000]) {
    const config = path.join(work, `latency-${rate}.yaml`);
    await writeFile(config, fleetAgentConfig(broker.url, passOn));
    const agent = await startAgent(config, path.join(work, `latency-${rate}`));
    const seconds = Math.min(SECONDS, 20);
    const expected = Math.floor((rate * seconds) / 100);
    const counted = counter(broker.url, 'bench/out/#', 'latency', expected, 8_000);
    await publish(broker.url, rate * seconds, rate);
    const result = await counted;
    await stopChild(agent);
    lines.push({ bench: 'pipeline.latency', readings_per_s: rate, samples: result.total, expected, p50_ms: result.p50_ms, p99_ms: result.p99_ms });
  }
} finally {
  for (const agent of agents) agent.kill('SIGKILL');
  await broker.dispose();
  await rm(work, { recursive: true, force: true });
}
for (const line of lines) process.stdout.write(`${JSON.stringify({ ...line, node: process.version })}\n`);
