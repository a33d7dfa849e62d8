/**
 * The soak benchmark's sensors, in a process of their own: `slots` sensors at a time publish JSON readings
 * (`{"value": …, "time": <ms>}`) on `soak/in/dev<n>/temp`, one every `interval` of simulated time, stamped with the
 * benchmark's compressed clock (SOAK_CLOCK_ORIGIN, SOAK_CLOCK_SPEED, as the agent's; see fast-clock.mjs). Over
 * `simulatedSeconds` the fleet churns as real ones do:
 * - each sensor lives 5–20 simulated minutes, then disappears for good; a new one (a new name) takes its slot
 *   after up to 2 minutes, so group state of the gone must be dropped;
 * - now and then a sensor goes quiet for 45–150 s (longer than the session gap), ending its session;
 * - now and then a sensor runs hot (85–95) for 1–3 minutes, so the alert rule fires and resolves.
 * With `churn` 0 the same sensors live all hour (a control: what grows then is not per departed sensor).
 * While the broker is down readings are not sent (counted), as a sensor's would be lost. Deterministic (seeded).
 * Prints `ready` once connected, `sensors <n>` (sensors so far) every second, and
 * `{"sent", "offline", "sensors", "simulated_s", "real_s"}` when done.
 *
 *   SOAK_CLOCK_ORIGIN=… SOAK_CLOCK_SPEED=… node --import tsx bench/soak/sensor-fleet.ts <url> <simulatedSeconds> [slots] [interval ms] [churn 1|0]
 */
import mqtt from 'mqtt';

const [url, simulatedText, slotsText = '200', intervalText = '2000', churnText = '1'] = process.argv.slice(2);
const ORIGIN = Number(process.env.SOAK_CLOCK_ORIGIN);
const SPEED = Number(process.env.SOAK_CLOCK_SPEED);
const SLOTS = Number(slotsText);
const INTERVAL_MS = Number(intervalText);
const CHURN = churnText !== '0';
const TICK_MS = 10;
const MINUTE = 60_000;

const simulatedNow = () => ORIGIN + (Date.now() - ORIGIN) * SPEED;

/** mulberry32: a small seeded generator, so every run churns the same way. */
let seed = 0x50a4;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
const between = (low: number, high: number) => low + random() * (high - low);

interface Slot {
  topic: string;
  /** Simulated ms: when the next reading is due. */
  nextDue: number;
  /** When the sensor disappears, and when its successor appears. */
  diesAt: number;
  bornAt: number;
  quietUntil: number;
  hotUntil: number;
  base: number;
  phase: number;
}

let sensors = 0;
function newSensor(slot: Slot | undefined, now: number, lifetime: number): Slot {
  const id = sensors++;
  const bornAt = slot === undefined ? now : now + between(0, 2 * MINUTE);
  return {
    topic: `soak/in/dev${id}/temp`,
    nextDue: bornAt + random() * INTERVAL_MS,
    bornAt,
    diesAt: CHURN ? bornAt + lifetime : Number.POSITIVE_INFINITY,
    quietUntil: 0,
    hotUntil: 0,
    base: between(15, 30),
    phase: random() * 2 * Math.PI,
  };
}

function value(slot: Slot, time: number): number {
  if (time < slot.hotUntil) return between(85, 95);
  return slot.base + 5 * Math.sin((2 * Math.PI * time) / (10 * MINUTE) + slot.phase) + between(-0.5, 0.5);
}

const client = await mqtt.connectAsync(url!, { clean: true, reconnectPeriod: 500, queueQoSZero: false });
const startedReal = performance.now();
const start = simulatedNow();
const end = start + Number(simulatedText) * 1000;
// Remaining lifetimes spread over the first 20 minutes, so departures do not come all at once.
const slots = Array.from({ length: SLOTS }, () => newSensor(undefined, start, between(0, 20 * MINUTE)));
let sent = 0;
let offline = 0;
process.stdout.write('ready\n');
const progress = setInterval(() => process.stdout.write(`sensors ${sensors}\n`), 1_000);

/** Everything due up to `now`; resolves once the last message was written out (backpressure for the burst). */
function publishDue(now: number): Promise<void> {
  let last: Promise<void> = Promise.resolve();
  for (let i = 0; i < slots.length; i++) {
    let slot = slots[i]!;
    while (slot.nextDue <= now && slot.nextDue < end) {
      const time = Math.round(slot.nextDue);
      slot.nextDue += INTERVAL_MS;
      if (time >= slot.diesAt) {
        slot = slots[i] = newSensor(slot, time, between(5 * MINUTE, 20 * MINUTE));
        continue;
      }
      if (time < slot.bornAt || time < slot.quietUntil) continue;
      // About once every 10 minutes of a sensor's life it goes quiet, about once every 15 it runs hot.
      if (random() < INTERVAL_MS / (10 * MINUTE)) slot.quietUntil = time + between(45_000, 150_000);
      if (random() < INTERVAL_MS / (15 * MINUTE)) slot.hotUntil = time + between(MINUTE, 3 * MINUTE);
      if (!client.connected) {
        offline += 1;
        continue;
      }
      const payload = `{"value":${value(slot, time).toFixed(2)},"time":${time}}`;
      last = new Promise((resolve) => client.publish(slot.topic, payload, { qos: 0 }, () => resolve()));
      sent += 1;
    }
  }
  return last;
}

while (simulatedNow() < end) {
  await publishDue(simulatedNow());
  await new Promise((resolve) => setTimeout(resolve, TICK_MS));
}
await publishDue(end);
clearInterval(progress);
await client.endAsync();
process.stdout.write(
  `${JSON.stringify({ sent, offline, sensors, simulated_s: (end - start) / 1000, real_s: Number(((performance.now() - startedReal) / 1000).toFixed(1)) })}\n`,
);
