/**
 * What the pipeline benchmarks measure: a consumer of the publishers' readings, started fresh for each trial. Each
 * says how many readings it accounted for; the bare subscriber counts messages, the others the `count` of the
 * window results that reached a counter process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { agentNodeFlags } from '../agent-node-flags.js';
import { fleetAgentConfig, stopChild } from './fleet-agent.js';
import { REPO, script, track, waitForOutput } from './processes.js';

/** What a trial tells a consumer before it starts. */
export interface TrialPlan {
  broker: string;
  /** Readings the publishers will send. */
  readings: number;
  /** Of those, the ones out of range, which the job's `where` drops. */
  outOfRange: number;
  /** A fresh directory for this trial's files. */
  dir: string;
}

export interface RunningConsumer {
  /** The process whose CPU and memory are measured. */
  pid: number;
  /** Readings accounted for, once they all arrived or nothing came for a while. */
  counted: Promise<Counted>;
  /** What a trial must count to pass. */
  expected: number;
  stop(): Promise<void>;
}

export interface Counted {
  readings: number;
  /** The measured process's CPU ticks at the end, when it reports them itself (it may exit before it is sampled). */
  cpuTicks?: number;
}

export interface Consumer {
  /** `bare`, `agent`, `node-red`: the `consumer` field of the JSON lines. */
  name: string;
  /** Starts one, resolving once it is subscribed and a counter (if any) listens to what it sends. */
  start(plan: TrialPlan): Promise<RunningConsumer>;
}

/** The job of the benchmark, as the agent's rule: the `where` the publisher's out-of-range values fail. */
export const JOB_RULE =
  '  summary: { where: "value > -40 and value < 125", window: { size: 1s, allowed_lateness: 2s }, aggregates: [count, mean, min, max] }';

/** How long the counter waits for more after the last message (window results trail the readings by ~3 s; as before). */
const COUNTER_IDLE_MS = 8_000;

/** Starts the counter on the consumer's output and waits until it is subscribed. */
export async function startCounter(broker: string, topic: string, mode: 'messages' | 'readings' | 'latency', expected: number) {
  const counter = script('counter.ts', [broker, topic, mode, expected, COUNTER_IDLE_MS]);
  await counter.ready;
  return { pid: counter.child.pid!, result: counter.result, total: counter.result.then((r): Counted => ({ readings: r.total as number })), child: counter.child };
}

/** The limit: a bare MQTT.js subscriber, in its own process, that only counts the readings (bare-subscriber.mjs). */
export const bareSubscriber: Consumer = bareSubscriberWith('bare', []);

/**
 * The bare subscriber run with the given Node flags: with the agent's, it shows what the flags alone cost the same
 * work (the agent trades CPU for memory with them).
 */
export function bareSubscriberWith(name: string, nodeFlags: readonly string[]): Consumer {
  return {
    name,
    async start(plan) {
      const subscriber = script('bare-subscriber.mjs', [plan.broker, 'bench/in/#', plan.readings, COUNTER_IDLE_MS], { nodeFlags });
      await subscriber.ready;
      const counted = subscriber.result.then((r): Counted => ({ readings: r.total as number, cpuTicks: r.cpu_ticks as number }));
      return { pid: subscriber.child.pid!, counted, expected: plan.readings, stop: () => stopChild(subscriber.child) };
    },
  };
}

/**
 * The agent as systemd runs it: the built CLI with the unit's Node flags (or `nodeFlags`), else the sources through
 * tsx.
 */
export async function startAgent(config: string, dataDir: string, nodeFlags: readonly string[] = agentNodeFlags()): Promise<ChildProcess> {
  const built = path.join(REPO, 'dist/agent/cli.js');
  const args = [...nodeFlags, ...(existsSync(built) ? [built] : ['--import', 'tsx', path.join(REPO, 'agent/cli.ts')])];
  const child = track(spawn(process.execPath, [...args, 'run', '--config', config, '--data-dir', dataDir], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] }));
  // Running, and subscribed: the source logs its connection.
  await waitForOutput(child, 'stderr', [/agent running/, /connected to MQTT broker/], 30_000, 'agent');
  return child;
}

/** Tributary with the job's rule, every result through its buffer to the MQTT sink at QoS 1. */
export const agent: Consumer = agentWith('agent');

/** The same with the sink's `batch: true`: one message per rule and send instead of one per result. */
export const agentBatched: Consumer = agentWith('agent_batch', { batch: true });

/** The agent run with other Node flags than the unit's: to try flags on the same job before changing the unit. */
export function agentWithFlags(name: string, nodeFlags: readonly string[]): Consumer {
  return agentWith(name, {}, nodeFlags);
}

function agentWith(name: string, sink: { batch?: boolean } = {}, nodeFlags?: readonly string[]): Consumer {
  return {
    name,
    async start(plan) {
      const config = path.join(plan.dir, 'agent.yaml');
      await mkdir(plan.dir, { recursive: true });
      await writeFile(config, fleetAgentConfig(plan.broker, JOB_RULE, sink));
      const expected = plan.readings - plan.outOfRange;
      const counter = await startCounter(plan.broker, 'bench/out/#', 'readings', expected);
      const child = await startAgent(config, path.join(plan.dir, 'data'), nodeFlags);
      return {
        pid: child.pid!,
        counted: counter.total,
        expected,
        async stop() {
          await stopChild(child);
          await stopChild(counter.child);
        },
      };
    },
  };
}
