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
 * - Where the agent's CPU per reading at 10,000/s goes beyond the bare subscriber's (BENCH_PIPELINE_BREAKDOWN=0 skips
 *   it): `pipeline.flags_cost`, the bare subscriber with the agent's Node flags against Node's defaults (alternating
 *   trials at 10,000/s); `pipeline.result_path`, CPU µs per result through the agent's MQTT sink at QoS 1, 1,000
 *   results a second as this job makes them (result-path.ts), with the agent's flags and with Node's defaults;
 *   `pipeline.sink_batch`, alternating trials at 10,000/s of the bare subscriber, the agent, and the agent whose sink
 *   has `batch: true` (one message per rule and send, a JSON array of its results, instead of one per result).
 * - `pipeline.flag_candidates`, only with BENCH_PIPELINE_FLAG_CANDIDATES (flag sets separated by commas, e.g.
 *   "--max-semi-space-size=2 --heap-growing-percent=60"): alternating trials at 10,000/s of the bare subscriber, the
 *   agent with the unit's flags and the agent with each candidate (CPU-s per million and RSS under load per round),
 *   and CPU µs per result through the MQTT sink (result-path.ts) with each: to try flags before changing the unit.
 *
 *   npm run bench:pipeline     (short: BENCH_PIPELINE_SECONDS=5 BENCH_PIPELINE_MAX_RATE=40000; see bench-settings.ts)
 *   npm run bench:peers        the same with Node-RED beside them (bench/peers.bench.ts)
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ratioLine } from './pipeline/bench-settings.js';
import { startBenchRun } from './pipeline/bench-run.js';
import { findCeiling } from './pipeline/ceiling.js';
import { agentNodeFlags } from './agent-node-flags.js';
import { agent, agentBatched, agentWithFlags, bareSubscriber, bareSubscriberWith, startAgent, startCounter } from './pipeline/consumers.js';
import { fleetAgentConfig, stopChild } from './pipeline/fleet-agent.js';
import { script } from './pipeline/processes.js';
import { runTrial } from './pipeline/trial.js';

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

  if (process.env.BENCH_PIPELINE_BREAKDOWN !== '0') {
    const rate = 10_000;
    const withFlags = bareSubscriberWith('bare_agent_flags', agentNodeFlags());
    const cpu: Record<string, number[]> = { bare: [], bare_agent_flags: [] };
    for (let round = 0; round < 2; round++) {
      for (const consumer of [bareSubscriber, withFlags]) cpu[consumer.name]!.push((await runTrial(consumer, rate, trial)).cpu_s_per_million);
    }
    print({ bench: 'pipeline.flags_cost', readings_per_s: rate, agent_flags: agentNodeFlags().join(' '), bare_cpu_s_per_million: cpu.bare, with_agent_flags_cpu_s_per_million: cpu.bare_agent_flags });
    const runs: Record<string, unknown>[] = [];
    for (const [flags, nodeFlags] of [['agent', agentNodeFlags()], ['default', []]] as const) {
      for (let run = 0; run < 2; run++) runs.push({ flags, ...(await script('result-path.ts', [broker.url, 1_000, 10], { nodeFlags }).result) });
    }
    // The same results through a sink with `batch: true`, with the agent's flags.
    for (let run = 0; run < 2; run++) runs.push({ flags: 'agent', ...(await script('result-path.ts', [broker.url, 1_000, 10, 'batch'], { nodeFlags: agentNodeFlags() }).result) });
    print({ bench: 'pipeline.result_path', results_per_s: 1_000, runs });
    // The same job with the sink's `batch: true` (one message per rule and send): what the results' messages cost.
    const batched: Record<string, number[]> = { bare: [], agent: [], agent_batch: [] };
    for (let round = 0; round < 2; round++) {
      for (const consumer of [bareSubscriber, agent, agentBatched]) batched[consumer.name]!.push((await runTrial(consumer, rate, trial)).cpu_s_per_million);
    }
    print({ bench: 'pipeline.sink_batch', readings_per_s: rate, cpu_s_per_million: batched });
  }

  const candidates = (process.env.BENCH_PIPELINE_FLAG_CANDIDATES ?? '').split(',').map((flags) => flags.split(' ').filter(Boolean)).filter((flags) => flags.length > 0);
  if (candidates.length > 0) {
    const rate = 10_000;
    const consumers = [bareSubscriber, agentWithFlags('unit', agentNodeFlags()), ...candidates.map((flags) => agentWithFlags(flags.join(' '), flags))];
    const rounds: Record<string, { cpu_s_per_million: number; rss_load_mb: number }>[] = [];
    for (let round = 0; round < 3; round++) {
      const measured: Record<string, { cpu_s_per_million: number; rss_load_mb: number }> = {};
      for (const consumer of consumers) {
        const { cpu_s_per_million, rss_load_mb } = await runTrial(consumer, rate, trial);
        measured[consumer.name] = { cpu_s_per_million, rss_load_mb };
      }
      rounds.push(measured);
    }
    const resultPath: Record<string, unknown>[] = [];
    for (const flags of [agentNodeFlags(), ...candidates]) {
      for (let run = 0; run < 2; run++) resultPath.push({ flags: flags.join(' '), ...(await script('result-path.ts', [broker.url, 1_000, 10], { nodeFlags: flags }).result) });
    }
    print({ bench: 'pipeline.flag_candidates', readings_per_s: rate, unit: agentNodeFlags().join(' '), rounds, result_path: resultPath });
  }
} finally {
  await finish();
}
