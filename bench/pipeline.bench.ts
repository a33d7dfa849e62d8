/**
 * End to end through a real Mosquitto, each part in its own process as in the field:
 *   publishers → Mosquitto → agent (MQTT source → rules → buffer → MQTT sink, QoS 1) → Mosquitto → counter.
 * The job: 1,000 sensors sending JSON readings, one in 50 out of range and dropped by `where`, a 1 s tumbling
 * count/mean/min/max per sensor, results out at QoS 1.
 *
 * - `pipeline.ceiling`, once for the bare subscriber (the limit: an MQTT.js client in its own process that only
 *   counts what the publishers send) and once for the agent, in the same run: the highest publish rate taken with
 *   zero loss for BENCH_PIPELINE_SECONDS (default 20), every reading counted in a window result that reached the
 *   counter. Rates go up from BENCH_PIPELINE_START_RATE (10,000/s), doubling, until a trial loses readings, then
 *   are bisected to within 5 %; every pass is tried once more before it counts, and a trial whose publishers
 *   (BENCH_PIPELINE_PUBLISHERS processes, default 2) fell short of the rate is inconclusive, not a pass. A fresh
 *   consumer for each trial. With the line: the publish rate reached, CPU-seconds per million readings and RSS
 *   idle / under load at that rate (/proc/<pid>/stat, /proc/<pid>/status), and every trial.
 * - `pipeline.ratio`: the agent against the bare subscriber, rate and CPU per reading (the headline).
 * - `pipeline.latency`: at 1,000 and 10,000 readings/s, ms from publish to the pass-through result of 1 % of the
 *   sensors arriving at the counter (p50, p99). BENCH_PIPELINE_LATENCY=0 skips it.
 *
 *   npm run bench:pipeline     (short: BENCH_PIPELINE_SECONDS=5 BENCH_PIPELINE_MAX_RATE=40000; see bench-settings.ts)
 *   npm run bench:peers        the same with Node-RED beside them (bench/peers.bench.ts)
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ratioLine } from './pipeline/bench-settings.js';
import { startBenchRun } from './pipeline/bench-run.js';
import { findCeiling } from './pipeline/ceiling.js';
import { agent, bareSubscriber, startAgent, startCounter } from './pipeline/consumers.js';
import { fleetAgentConfig, stopChild } from './pipeline/fleet-agent.js';
import { script } from './pipeline/processes.js';

const { broker, work, trial, search, print, finish } = await startBenchRun('pipeline');
try {
  const bare = await findCeiling(bareSubscriber, search, trial);
  print(bare);
  const tributary = await findCeiling(agent, search, trial);
  print(tributary);
  print(ratioLine(tributary, bare));

  // Latency: 1 % of the sensors (s10 … s19) passed on without a window.
  const passOn = '  latest: { select: "s1?/value", where: "value > -1000" }';
  for (const rate of process.env.BENCH_PIPELINE_LATENCY === '0' ? [] : [1_000, 10_000]) {
    const config = path.join(work, `latency-${rate}.yaml`);
    await writeFile(config, fleetAgentConfig(broker.url, passOn));
    const seconds = Math.min(trial.seconds, 20);
    const expected = Math.floor((rate * seconds) / 100);
    const counter = await startCounter(broker.url, 'bench/out/#', 'latency', expected);
    const agentProcess = await startAgent(config, path.join(work, `latency-${rate}`));
    const publishers = Array.from({ length: trial.publishers }, (_, i) =>
      script('publisher.ts', [broker.url, (rate * seconds) / trial.publishers, rate / trial.publishers, trial.sensors, 0, '--part', `${i}/${trial.publishers}`]),
    );
    await Promise.all(publishers.map((p) => p.result));
    const { total, p50_ms, p99_ms } = await counter.result;
    await stopChild(agentProcess);
    print({ bench: 'pipeline.latency', readings_per_s: rate, samples: total, expected, p50_ms, p99_ms });
  }
} finally {
  await finish();
}
