/**
 * Fleet rollouts at scale (issue 22, item 6): how long a pushed config takes to reach every device, and how much
 * control traffic it makes, from 10 to 1,000 devices on one Mosquitto.
 *
 * Its own Mosquitto (loopback, free port, `sys_interval 1`), a key pair, BENCH_FLEET_AGENTS (default 30) real agent
 * processes (the built CLI, each with its own config and data dir: simulator source, one window rule, console sink)
 * and simulated devices for the rest (bench/fleet/simulated-device.ts: the product's own protocol code, without an
 * agent behind it; BENCH_FLEET_PER_PROCESS, default 250, per process). Real agents are part of every step. For each
 * device count of BENCH_FLEET_COUNTS (default 10,30,100,300,1000) the operator pushes a new config (one rule
 * renamed: the agents reload their rules) to the group with the product's push code, and notes per device when its
 * applied report arrives, then when its probation (3 s) is over. Messages are counted from the push until every
 * device is past probation and a second more: each PUBLISH into the fleet tree (seen once by the operator, who is
 * subscribed to `<prefix>/#`), and the broker's own `$SYS` counters (MQTT packets of every kind and bytes, in and
 * out: each delivery counts). Last, a canary rollout with `tributary fleet push --canary BENCH_FLEET_CANARY` (default 10) at the
 * largest count. The machine (2 cores) runs everything: broker, agents, simulated devices and operator.
 *
 *   npm run bench:fleet                     (BENCH_FLEET_COUNTS=10,30 BENCH_FLEET_AGENTS=10 for a quick look)
 *
 * Prints JSON lines: fleet.rollout (one per device count), fleet.canary, fleet.summary.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BundleContent } from '../agent/fleet/config-bundle.js';
import { FleetDirectory } from '../agent/fleet/fleet-directory.js';
import { generateKeyFiles, readPrivateKey } from '../agent/fleet/fleet-keys.js';
import { publishBundle } from '../agent/fleet/rollout.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { BENCH_GROUP, BENCH_PREFIX, pushedConfig, type BenchDevice } from './fleet/bench-configs.js';
import { BrokerCounters, countsBetween, type BrokerCounts } from './fleet/broker-counters.js';
import { cpuSecondsOf, pidWithArgument, rssOf } from './fleet/process-figures.js';
import { startRealAgent, type RealAgent } from './fleet/real-agents.js';
import { RolloutWatch, type FleetTraffic } from './fleet/rollout-watch.js';
import { killAll, REPO, track, waitForOutput } from './pipeline/processes.js';

const REAL_AGENTS = Number(process.env.BENCH_FLEET_AGENTS ?? 30);
const COUNTS = (process.env.BENCH_FLEET_COUNTS ?? '10,30,100,300,1000').split(',').map(Number);
const PER_PROCESS = Number(process.env.BENCH_FLEET_PER_PROCESS ?? 250);
const CANARY = Number(process.env.BENCH_FLEET_CANARY ?? 10);
const PROBATION_MS = 3_000;
// Longer than a run: the periodic status would otherwise be background traffic inside the counted windows.
const STATUS_INTERVAL_MS = 600_000;
const GOAL_MS = 10_000;
const ROLLOUT_TIMEOUT_MS = 120_000;

const work = await mkdtemp(path.join(tmpdir(), 'tributary-bench-fleet-'));
const broker = await startMosquitto({ extraConfig: ['sys_interval 1'], autosaveIntervalSeconds: 1800 });
let finishing: Promise<void> | undefined;
const finish = () =>
  (finishing ??= (async () => {
    killAll();
    await broker.dispose();
    await rm(work, { recursive: true, force: true });
  })());
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void finish().finally(() => process.exit(130)));

const print = (line: object) => process.stdout.write(`${JSON.stringify({ ...line, node: process.version, real_agents: REAL_AGENTS })}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

const keyFile = path.join(work, 'fleet-key');
const { publicKey } = generateKeyFiles(keyFile);
const signingKey = readPrivateKey(keyFile);
const watch = await RolloutWatch.open(broker.url);
const counters = await BrokerCounters.open(broker.url);
const brokerPid = pidWithArgument(path.join(broker.dir, 'mosquitto.conf'));
// Only its topics are used: the operator's connection is the watch's.
const directory = new FleetDirectory({ brokers: [broker.url] }, BENCH_PREFIX);

const deviceName = (index: number) => `dev-${String(index).padStart(4, '0')}`;
const benchDevice = (index: number): BenchDevice => ({ device: deviceName(index), brokerUrl: broker.url, publicKey, probationMs: PROBATION_MS, statusIntervalMs: STATUS_INTERVAL_MS });
const realAgents: RealAgent[] = [];
const simulatedPids: number[] = [];
let simulated = 0;
let version = 0;

/** Starts real agents up to min(count, REAL_AGENTS), simulated devices for the rest; waits until all run `version`. */
async function growTo(count: number): Promise<string[]> {
  const real = Math.min(count, REAL_AGENTS);
  while (realAgents.length < real) realAgents.push(await startRealAgent(benchDevice(realAgents.length), work));
  while (simulated < count - real) {
    const share = Math.min(PER_PROCESS, count - real - simulated);
    const devices = Array.from({ length: share }, (_, i) => benchDevice(REAL_AGENTS + simulated + i));
    const child = track(spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/fleet/simulated-devices.ts'), JSON.stringify({ devices })], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] }));
    await waitForOutput(child, 'stdout', [/^ready$/m], 60_000, `${share} simulated devices`);
    simulatedPids.push(child.pid!);
    simulated += share;
  }
  const devices = [...realAgents.map((agent) => agent.device), ...Array.from({ length: simulated }, (_, i) => deviceName(REAL_AGENTS + i))];
  // Every device online and, after the first push, on the version pushed last (a newcomer takes the retained bundle).
  const current = (device: string) => {
    const status = watch.statuses.get(device);
    return status?.online === true && status.healthy === true && (status.config_version ?? 0) === version && status.probation !== true;
  };
  await watch.waitFor(() => devices.every(current), 180_000, () => {
    const behind = devices.filter((device) => !current(device));
    const agent = realAgents.find((candidate) => behind.includes(candidate.device));
    return `${behind.length} device(s) not ready (${behind.slice(0, 5).join(', ')}): ${JSON.stringify(watch.statuses.get(behind[0]!))}${agent ? `\n${agent.logTail()}` : ''}`;
  });
  return devices;
}

function content(rule: string, target: BundleContent['target']): BundleContent {
  return { version, target, action: 'apply', config: pushedConfig(rule), created_at: new Date().toISOString() };
}

function nextVersion(): number {
  // As `fleet push` does: newer than every version before, and than the clock's.
  version = Math.max(version + 1, Math.floor(Date.now() / 1000));
  return version;
}

/** p-th percentile (nearest rank) of ascending `sorted`. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function latencies(arrivals: Map<string, number>, devices: readonly string[], t0: number) {
  const all = devices.map((device) => arrivals.get(device)! - t0).sort((a, b) => a - b);
  return { p50_ms: round(percentile(all, 50)), p99_ms: round(percentile(all, 99)), max_ms: round(all[all.length - 1]!) };
}

interface Costs {
  traffic: FleetTraffic;
  broker: BrokerCounts;
  cpu_s: { broker: number; real_agents: number; simulated: number; bench: number };
}

/** Runs `rollout` between two readings of the broker's counters and of everyone's CPU time. */
async function measured(rollout: () => Promise<void>): Promise<Costs> {
  const cpu = () => ({ broker: cpuSecondsOf([brokerPid]), real_agents: cpuSecondsOf(realAgents.map((agent) => agent.child.pid)), simulated: cpuSecondsOf(simulatedPids), bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6 });
  const before = await counters.next();
  const cpuBefore = cpu();
  watch.startCounting();
  await rollout();
  // Stragglers: a status sent just after the last probation ended.
  await sleep(1_000);
  const traffic = watch.stopCounting();
  const cpuAfter = cpu();
  const after = await counters.next();
  const cpuUsed = Object.fromEntries(Object.entries(cpuAfter).map(([name, seconds]) => [name, round(seconds - cpuBefore[name as keyof typeof cpuBefore], 2)])) as Costs['cpu_s'];
  return { traffic, broker: countsBetween(before, after), cpu_s: cpuUsed };
}

function waitForAll(which: 'applied' | 'settled', at: number, devices: readonly string[]): Promise<void> {
  const arrivals = () => (which === 'applied' ? watch.appliedAt(at) : watch.settledAt(at));
  return watch.waitFor(
    () => {
      const refused = watch.refusedBy(at);
      if (refused.size > 0) throw new Error(`version ${at} refused: ${JSON.stringify([...refused].slice(0, 3))}`);
      return devices.every((device) => arrivals().has(device));
    },
    ROLLOUT_TIMEOUT_MS,
    () => `${devices.filter((device) => !arrivals().has(device)).length} of ${devices.length} devices not ${which} version ${at}`,
  );
}

const perDevice = (value: number, devices: number) => round(value / devices, 2);

/** Reloads and restarts of the real agents so far, summed. */
function appliedBy(): { reloads: number; restarts: number } {
  return realAgents.reduce((sum, agent) => ({ reloads: sum.reloads + agent.applied().reloads, restarts: sum.restarts + agent.applied().restarts }), { reloads: 0, restarts: 0 });
}

function since(before: { reloads: number; restarts: number }, after: { reloads: number; restarts: number }) {
  return { reload: after.reloads - before.reloads, restart: after.restarts - before.restarts };
}

/** Memory now, RSS in MB: a real agent's (mean), all processes of simulated devices', the broker's. */
function rss() {
  const mb = (pids: readonly (number | undefined)[]) => pids.reduce<number>((sum, pid) => sum + rssOf(pid), 0) / 1024 / 1024;
  return {
    real_agent_mean: round(mb(realAgents.map((agent) => agent.child.pid)) / Math.max(1, realAgents.length), 1),
    simulated_processes: round(mb(simulatedPids), 1),
    broker: round(mb([brokerPid]), 1),
  };
}

try {
  // A first version everywhere: from then on an agent applies a push by reloading its rules, as a device does
  // after its first pushed config (the first one restarts the agent on the file kept in its data dir).
  await growTo(COUNTS[0]!);
  nextVersion();
  await publishBundle(watch.client, directory, content('warmup', { group: BENCH_GROUP }), signingKey);
  const rollouts: Record<number, { all_applied_ms: number; messages_per_device: number; broker_packets_per_device: number }> = {};
  for (const count of COUNTS) {
    const devices = await growTo(count);
    const at = nextVersion();
    let t0 = 0;
    let allAppliedAt = 0;
    const appliedBefore = appliedBy();
    const costs = await measured(async () => {
      t0 = performance.now();
      await publishBundle(watch.client, directory, content(`rollout_${count}`, { group: BENCH_GROUP }), signingKey);
      await waitForAll('applied', at, devices);
      allAppliedAt = performance.now();
      await waitForAll('settled', at, devices);
    });
    const real = devices.slice(0, realAgents.length);
    const sims = devices.slice(realAgents.length);
    const line = {
      bench: 'fleet.rollout',
      devices: count,
      real: real.length,
      simulated: sims.length,
      applied: latencies(watch.appliedAt(at), devices, t0),
      all_applied_ms: round(allAppliedAt - t0),
      applied_real: latencies(watch.appliedAt(at), real, t0),
      ...(sims.length > 0 ? { applied_simulated: latencies(watch.appliedAt(at), sims, t0) } : {}),
      past_probation: latencies(watch.settledAt(at), devices, t0),
      fleet_messages: costs.traffic,
      messages_per_device: perDevice(costs.traffic.messages, count),
      broker: costs.broker,
      broker_packets_per_device: perDevice(costs.broker['messages/received'] + costs.broker['messages/sent'], count),
      cpu_s: costs.cpu_s,
      real_agents_applied_by: since(appliedBefore, appliedBy()),
      rss_mb: rss(),
    };
    print(line);
    rollouts[count] = { all_applied_ms: line.all_applied_ms, messages_per_device: line.messages_per_device, broker_packets_per_device: line.broker_packets_per_device };
  }

  // Canary: the CLI sends the version to CANARY devices, waits until they are past probation, then to the group.
  const largest = COUNTS[COUNTS.length - 1]!;
  const devices = await growTo(largest);
  const file = path.join(work, 'canary.yaml');
  await writeFile(file, pushedConfig('canary_rollout'));
  let canaryVersion = 0;
  let t0 = 0;
  let cliExit = 0;
  let cliOutput = '';
  const costs = await measured(async () => {
    t0 = performance.now();
    const cli = track(spawn(process.execPath, [path.join(REPO, 'dist/agent/cli.js'), 'fleet', 'push', '--broker', broker.url, '--key', keyFile, '--group', BENCH_GROUP, '--canary', String(CANARY), '--timeout', '120', file], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] }));
    cli.stdout!.on('data', (chunk: Buffer) => (cliOutput += chunk.toString()));
    cli.stderr!.on('data', (chunk: Buffer) => (cliOutput += chunk.toString()));
    cliExit = await new Promise<number>((resolve) => cli.once('exit', (code) => resolve(code ?? 1)));
    if (cliExit !== 0) throw new Error(`fleet push --canary exited with ${cliExit}: ${cliOutput}`);
    canaryVersion = Number(/version (\d+) pushed/.exec(cliOutput)?.[1]);
    version = Math.max(version, canaryVersion);
    await waitForAll('applied', canaryVersion, devices);
    await waitForAll('settled', canaryVersion, devices);
  });
  const canaries = (/canary on (.*)\n/.exec(cliOutput)?.[1] ?? '').split(', ');
  const rest = devices.filter((device) => !canaries.includes(device));
  const canary = {
    bench: 'fleet.canary',
    devices: largest,
    canaries: canaries.length,
    canaries_applied: latencies(watch.appliedAt(canaryVersion), canaries, t0),
    canaries_past_probation: latencies(watch.settledAt(canaryVersion), canaries, t0),
    rest_applied: latencies(watch.appliedAt(canaryVersion), rest, t0),
    all_applied_ms: latencies(watch.appliedAt(canaryVersion), devices, t0).max_ms,
    probation_ms: PROBATION_MS,
    fleet_messages: costs.traffic,
    messages_per_device: perDevice(costs.traffic.messages, largest),
    broker: costs.broker,
    cpu_s: costs.cpu_s,
  };
  print(canary);

  const first = COUNTS[0]!;
  print({
    bench: 'fleet.summary',
    counts: COUNTS,
    all_applied_ms: Object.fromEntries(COUNTS.map((count) => [count, rollouts[count]!.all_applied_ms])),
    messages_per_device: Object.fromEntries(COUNTS.map((count) => [count, rollouts[count]!.messages_per_device])),
    // 1.0: control traffic grows linearly with the fleet.
    messages_per_device_growth: round(rollouts[largest]!.messages_per_device / rollouts[first]!.messages_per_device, 2),
    broker_packets_per_device: Object.fromEntries(COUNTS.map((count) => [count, rollouts[count]!.broker_packets_per_device])),
    broker_packets_per_device_growth: round(rollouts[largest]!.broker_packets_per_device / rollouts[first]!.broker_packets_per_device, 2),
    goal_ms: GOAL_MS,
    goal_met: rollouts[largest]!.all_applied_ms < GOAL_MS && largest >= 1000,
    load_average: (await import('node:os')).loadavg().map((load) => round(load, 2)),
  });
} finally {
  await watch.close().catch(() => undefined);
  await counters.close().catch(() => undefined);
  await finish();
}
