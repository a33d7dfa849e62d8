import { writeFileSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';

/** The window of the outage tests' rule: count and sum of integer readings, so every total is exact. */
export const WINDOW_MS = 1_000;

/**
 * Both ways the buffer can keep results (`buffer.spill_after`): sent from memory and written only when a sink is late
 * (the default), and written before they are sent (`0s`). Every outage test runs in both.
 */
export const BUFFER_MODES = [
  { mode: 'memory first (spill_after 5s, the default)', spillAfter: '5s' },
  { mode: 'written first (spill_after 0s)', spillAfter: '0s' },
] as const;

/** The YAML both outage tests share: a device broker feeding an MQTT source, one rule, and `sink`. */
export function outageConfig(dir: string, deviceBrokerUrl: string, sink: string, spillAfter = '5s'): string {
  const file = path.join(dir, 'tributary.yaml');
  writeFileSync(
    file,
    `
agent: { log_format: json, tick: 50ms, watch_config: false }
sources:
  devices:
    driver: mqtt
    url: ${deviceBrokerUrl}
    topics: sensors/#
    strip_prefix: sensors/
    timestamp_field: ts
rules:
  rooms:
    from: devices
    window: { size: ${WINDOW_MS}ms, allowed_lateness: 2s }
    aggregates: [count, sum]
sinks:
${sink}
buffer: { commit_interval: 50ms, spill_after: ${spillAfter} }
forwarding: { retry_initial: 200ms, retry_max: 2s, backfill_after: 10s }
`,
  );
  return file;
}

/**
 * A device publishing one reading every 10 ms (100/s), QoS 1, values 0, 1, 2 … stamped with the time of sending.
 * Keeps what it published, so a test can compute every window the agent must deliver.
 */
export async function startPublisher(url: string) {
  const client = await mqtt.connectAsync(url, { clientId: `device-${process.pid}-${Math.random().toString(16).slice(2)}` });
  const published: { ts: number; value: number }[] = [];
  let next = 0;
  let sending = Promise.resolve();
  const timer = setInterval(() => {
    const reading = { ts: Date.now(), value: next++ };
    sending = sending.then(async () => {
      await client.publishAsync('sensors/room1', JSON.stringify({ temp: reading.value, ts: reading.ts }), { qos: 1 });
      published.push(reading);
    });
  }, 10);
  return {
    published,
    async stop() {
      clearInterval(timer);
      await sending;
      await client.endAsync();
    },
  };
}

/** Window start → { count, sum } of the published readings: what the rule must say about each window. */
export function expectedWindows(published: readonly { ts: number; value: number }[]): Map<number, { count: number; sum: number }> {
  const windows = new Map<number, { count: number; sum: number }>();
  for (const { ts, value } of published) {
    const start = ts - (ts % WINDOW_MS);
    const window = windows.get(start) ?? { count: 0, sum: 0 };
    window.count += 1;
    window.sum += value;
    windows.set(start, window);
  }
  return windows;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
