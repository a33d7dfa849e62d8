/**
 * A device fleet for the pipeline benchmarks, in a process of its own: publishes `count` JSON readings
 * (`{"value": …, "time": <ms>}`) over `sensors` topics (`bench/in/s<n>`) at `rate` messages/s (0: as fast as the
 * socket takes them), then prints `{"sent": n, "seconds": s, "out_of_range": n}` and exits.
 *
 *   node --import tsx bench/pipeline/publisher.ts <url> <count> <rate> [sensors] [qos]
 *        [--part i/n]               this process publishes the sensors whose number is i modulo n (several
 *                                   publisher processes share one fleet)
 *        [--out-of-range-every k]   every k-th reading is -999, for a `where` to drop (default 0: none)
 *        [--wait]                   warm up (20,000 messages on bench/warmup), print `ready` and start on a line on
 *                                   stdin, so that several publishers start together; `seconds` is counted from then
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { part: { type: 'string', default: '0/1' }, 'out-of-range-every': { type: 'string', default: '0' }, wait: { type: 'boolean', default: false } },
});
const [url, countText, rateText, sensorsText = '1000', qosText = '0'] = positionals;
const count = Number(countText);
const rate = Number(rateText);
const sensors = Number(sensorsText);
const qos = Number(qosText) as 0 | 1;
const [part, parts] = values.part.split('/').map(Number) as [number, number];
const outOfRangeEvery = Number(values['out-of-range-every']);
const topics = Array.from({ length: sensors }, (_, i) => `bench/in/s${i}`).filter((_, i) => i % parts === part);
const TICK_MS = 10;

const client = await mqtt.connectAsync(url!, { clean: true, reconnectPeriod: 0 });
if (values.wait) {
  // Warm up the JIT on a topic no consumer reads, so that a short trial is not short of its rate by the first
  // second's slow publishing.
  for (let i = 0; i < 20_000; i++) client.publish('bench/warmup', `{"value":${i},"time":${Date.now()}}`, { qos });
  await new Promise<void>((resolve) => client.publish('bench/warmup', 'end', { qos }, () => resolve()));
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  await new Promise((resolve) => lines.once('line', resolve));
  lines.close();
}
const started = performance.now();
let sent = 0;
let outOfRange = 0;

/**
 * Publishes up to `n` messages and resolves once the last of them was written out: packets go out in order, so
 * waiting for the last one is backpressure for the whole burst, not a fixed pause.
 */
function burst(n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const end = Math.min(count, sent + n);
    for (; sent < end; sent++) {
      const dropped = outOfRangeEvery > 0 && sent % outOfRangeEvery === outOfRangeEvery - 1;
      if (dropped) outOfRange += 1;
      const payload = `{"value":${dropped ? -999 : 20 + (sent % 100) / 10},"time":${Date.now()}}`;
      const last = sent === end - 1;
      client.publish(topics[sent % topics.length]!, payload, { qos }, last ? (error) => (error ? reject(error) : resolve()) : undefined);
    }
    if (end === sent && n === 0) resolve();
  });
}

if (rate <= 0) {
  while (sent < count) await burst(1_000);
} else {
  // Paced by the clock, not by sleeps: a late tick sends what is due, so the average rate holds.
  while (sent < count) {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    if (due > sent) await burst(due - sent);
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
}
const seconds = (performance.now() - started) / 1000;
await client.endAsync();
process.stdout.write(`${JSON.stringify({ sent, seconds, out_of_range: outOfRange })}\n`);
