/**
 * The pipeline benchmark's job (bench/pipeline.bench.ts) through a peer beside the agent, in one run, with the same
 * broker, publishers, counter, upward search and confirmation: the bare subscriber (the limit), Tributary, and
 * Node-RED 4 (installed on demand into the OS temp dir, bench/peers/node-red.ts). One `pipeline.ceiling` line per
 * consumer and one `pipeline.ratio` line per consumer against the bare subscriber.
 *
 *   npm run bench:peers    (the same BENCH_PIPELINE_* variables; BENCH_PEERS=bare,node-red runs only those)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { ensureNodeRed, nodeRedConsumer } from './peers/node-red.js';
import { benchSettings, ratioLine } from './pipeline/bench-settings.js';
import { findCeiling, type Ceiling } from './pipeline/ceiling.js';
import { agent, bareSubscriber, type Consumer } from './pipeline/consumers.js';
import { killAll } from './pipeline/processes.js';

const red = ensureNodeRed();
const wanted = (process.env.BENCH_PEERS ?? 'bare,agent,node-red').split(',');
const consumers: Consumer[] = [bareSubscriber, agent, nodeRedConsumer(red)].filter((c) => c.name === 'bare' || wanted.includes(c.name));
const broker = await startMosquitto({ extraConfig: ['max_queued_messages 0', 'max_inflight_messages 0'] });
const work = await mkdtemp(path.join(tmpdir(), 'tributary-peers-'));
const { trial, search } = benchSettings(broker.url, work);
// Stopped halfway (Ctrl-C, a timeout): leave no consumer, publisher or broker running.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    void broker.dispose().finally(() => process.exit(130));
  });
}
const print = (line: object) => process.stdout.write(`${JSON.stringify({ ...line, node: process.version })}\n`);
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
  killAll();
  await broker.dispose();
  await rm(work, { recursive: true, force: true });
}
