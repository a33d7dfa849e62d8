/**
 * The far end of the pipeline benchmark, in a process of its own. Subscribes to `topic` and, until `expected`
 * is reached or nothing came for `idleMs`, counts:
 * - `messages`: every message (the broker-only baseline);
 * - `readings`: the `count` field of each window result (readings the agent took in and summarised);
 * - `latency`: ms from the reading's `time` (publish time) to arrival, from pass-through results' `timestamp`.
 * Prints one JSON line when done. Sends `ready` on stdout once subscribed.
 *
 *   node --import tsx bench/pipeline/counter.ts <url> <topic> <messages|readings|latency> <expected> [idleMs]
 */
import mqtt from 'mqtt';

const [url, topic, mode, expectedText, idleText = '5000'] = process.argv.slice(2);
const expected = Number(expectedText);
const idleMs = Number(idleText);

const client = await mqtt.connectAsync(url!, { clean: true, reconnectPeriod: 0 });
let total = 0;
let messages = 0;
let first = 0;
let last = 0;
const latencies: number[] = [];
let finish: () => void = () => {};
const done = new Promise<void>((resolve) => (finish = resolve));
let idleTimer = setTimeout(() => finish(), idleMs * 6);

/** What the counter reads of a result. */
interface Counted {
  count?: number;
  timestamp?: number;
}

client.on('message', (_topic, payload) => {
  const now = performance.now();
  if (messages === 0) first = now;
  last = now;
  messages += 1;
  if (mode === 'messages') total += 1;
  else {
    // A sink with `batch: true` publishes an array of results.
    const parsed = JSON.parse(payload.toString()) as Counted | Counted[];
    for (const result of Array.isArray(parsed) ? parsed : [parsed]) {
      if (mode === 'readings') total += result.count ?? 0;
      else {
        total += 1;
        latencies.push(Date.now() - result.timestamp!);
      }
    }
  }
  clearTimeout(idleTimer);
  if (total >= expected) finish();
  else idleTimer = setTimeout(() => finish(), idleMs);
});
await client.subscribeAsync(topic!, { qos: mode === 'messages' ? 0 : 1 });
process.stdout.write('ready\n');
await done;
await client.endAsync(true);
latencies.sort((a, b) => a - b);
const percentile = (p: number) => (latencies.length === 0 ? null : latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]);
process.stdout.write(
  `${JSON.stringify({ total, messages, seconds: (last - first) / 1000, p50_ms: percentile(50), p99_ms: percentile(99) })}\n`,
);
