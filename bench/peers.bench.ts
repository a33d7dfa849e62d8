/**
 * The pipeline benchmark's job (bench/pipeline.bench.ts) through a peer beside the agent, in one run, with the same
 * broker, publishers, counter, upward search and confirmation: the bare subscriber (the limit), Tributary, and
 * Node-RED 4 (installed on demand into the OS temp dir, bench/peers/node-red.ts). One `pipeline.ceiling` line per
 * consumer and one `pipeline.ratio` line per consumer against the bare subscriber.
 *
 *   npm run bench:peers    (the same BENCH_PIPELINE_* variables; BENCH_PEERS=bare,node-red runs only those)
 */
import { ensureNodeRed, nodeRedConsumer } from './peers/node-red.js';
import { ratioLine } from './pipeline/bench-settings.js';
import { startBenchRun } from './pipeline/bench-run.js';
import { findCeiling, type Ceiling } from './pipeline/ceiling.js';
import { agent, bareSubscriber, type Consumer } from './pipeline/consumers.js';

const red = ensureNodeRed();
const wanted = (process.env.BENCH_PEERS ?? 'bare,agent,node-red').split(',');
const consumers: Consumer[] = [bareSubscriber, agent, nodeRedConsumer(red)].filter((c) => c.name === 'bare' || wanted.includes(c.name));
const { trial, search, print, finish } = await startBenchRun('peers');
try {
  const ceilings: Ceiling[] = [];
  for (const consumer of consumers) {
    const ceiling = await findCeiling(consumer, search, trial);
    ceilings.push(ceiling);
    print(ceiling);
  }
  const bare = ceilings[0]!;
  for (const ceiling of ceilings.slice(1)) print(ratioLine(ceiling, bare));
} finally {
  await finish();
}
