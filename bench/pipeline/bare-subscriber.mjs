/**
 * The limit of the pipeline benchmarks: a bare MQTT.js subscriber that only counts messages, in plain JavaScript so
 * that its process holds no TypeScript loader (its memory and CPU are the floor the agent is measured against).
 * Subscribes to `topic` at QoS 0, prints `ready`, and once `expected` messages came (or none for `idleMs`) prints
 * `{"total", "seconds", "cpu_ticks"}`: its own utime + stime from /proc/self/stat, read before it exits.
 *
 *   node bench/pipeline/bare-subscriber.mjs <url> <topic> <expected> [idleMs]
 */
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';

const [url, topic, expectedText, idleText = '5000'] = process.argv.slice(2);
const expected = Number(expectedText);
const idleMs = Number(idleText);

const client = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 0 });
let total = 0;
let first = 0;
let last = 0;
let finish = () => {};
const done = new Promise((resolve) => (finish = resolve));
let idleTimer = setTimeout(() => finish(), idleMs * 6);
client.on('message', () => {
  last = performance.now();
  if (total === 0) first = last;
  total += 1;
  if (total >= expected) return finish();
  // Re-arming a timer per message would cost more than the counting: check for silence twice per idle period.
});
const silence = setInterval(() => {
  if (total > 0 && performance.now() - last > idleMs) finish();
}, idleMs / 2);
await client.subscribeAsync(topic, { qos: 0 });
process.stdout.write('ready\n');
await done;
clearTimeout(idleTimer);
clearInterval(silence);
const stat = readFileSync('/proc/self/stat', 'utf8');
const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
const cpuTicks = Number(fields[11]) + Number(fields[12]);
await client.endAsync(true);
process.stdout.write(`${JSON.stringify({ total, seconds: (last - first) / 1000, cpu_ticks: cpuTicks })}\n`);
