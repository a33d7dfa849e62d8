/**
 * A device fleet for the pipeline benchmark, in a process of its own: publishes `count` JSON readings
 * (`{"value": …, "time": <ms>}`) over `sensors` topics at `rate` messages/s (0: as fast as the socket takes them),
 * then prints `{"sent": n, "seconds": s}` and exits.
 *
 *   node --import tsx bench/pipeline/publisher.ts <url> <count> <rate> [sensors] [qos]
 */
import mqtt from 'mqtt';

const [url, countText, rateText, sensorsText = '1000', qosText = '0'] = process.argv.slice(2);
const count = Number(countText);
const rate = Number(rateText);
const sensors = Number(sensorsText);
const qos = Number(qosText) as 0 | 1;
const topics = Array.from({ length: sensors }, (_, i) => `bench/in/s${i}`);
const TICK_MS = 10;

const client = await mqtt.connectAsync(url!, { clean: true, reconnectPeriod: 0 });
const started = performance.now();
let sent = 0;

/**
 * Publishes up to `n` messages and resolves once the last of them was written out: packets go out in order, so
 * waiting for the last one is backpressure for the whole burst, not a fixed pause.
 */
function burst(n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const end = Math.min(count, sent + n);
    for (; sent < end; sent++) {
      const payload = `{"value":${20 + (sent % 100) / 10},"time":${Date.now()}}`;
      const last = sent === end - 1;
      client.publish(topics[sent % sensors]!, payload, { qos }, last ? (error) => (error ? reject(error) : resolve()) : undefined);
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
process.stdout.write(`${JSON.stringify({ sent, seconds })}\n`);
