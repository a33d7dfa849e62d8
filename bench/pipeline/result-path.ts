/**
 * What one result costs on its way out, in a process of its own started with the agent's Node flags: the agent's
 * MQTT sink (the real driver, QoS 1, each publish complete on its PUBACK) sending window results as the benchmark's
 * job makes them, `batch` at once every second (all 1 s windows of 1,000 sensors close together), each result given
 * its id as the forwarder does. Prints `ready`, then after `seconds` one JSON line: CPU µs per result, and the same
 * for the payloads and ids alone (no MQTT), so the rest is the MQTT client's publish and acknowledgement.
 *
 *   node <agent flags> --import tsx bench/pipeline/result-path.ts <url> [batch] [seconds] [each|batch]
 */
import { resultId } from '../../agent/buffer/result-id.js';
import type { BufferedResult } from '../../drivers/driver.js';
import { mqttSinkOptions } from '../../drivers/mqtt/mqtt-options.js';
import { createMqttSink } from '../../drivers/mqtt/mqtt-sink.js';
import { encodeResultPayload } from '../../drivers/mqtt/result-payload.js';
import type { WindowResult } from '../../rules/rule-result.js';
import { recordingContext } from '../../test/helpers/recording-context.js';

const [url, batchText = '1000', secondsText = '10', layout = 'each'] = process.argv.slice(2);
const batchSize = Number(batchText);
const seconds = Number(secondsText);
const T0 = Date.now();
const recording = recordingContext('upstream', () => Date.now());
// `each`: one message per result, as the agent's default; `batch`: the sink's `batch: true`, one message per rule and send.
const sinkTopic = layout === 'batch' ? { topic: 'bench/out/{rule}', batch: true } : { topic: 'bench/out/{rule}/{sensor}' };
const sink = createMqttSink(mqttSinkOptions.parse({ driver: 'mqtt', url, ...sinkTopic, qos: 1 }), recording.context);
await sink.start();
while (!recording.isConnected()) await new Promise((resolve) => setTimeout(resolve, 20));

const SEND_SIZE = 500;
let seq = 0;
/** The second's results, as the job's rule makes them: one 1 s window per sensor. */
function batchOf(second: number): BufferedResult[] {
  const items: BufferedResult[] = [];
  for (let i = 0; i < batchSize; i++) {
    const result: WindowResult = {
      kind: 'window',
      rule: 'summary',
      source: 'fleet',
      sensor: `s${i}/value`,
      tags: {},
      start: T0 + second * 1_000,
      end: T0 + second * 1_000 + 1_000,
      values: { count: 10, mean: 20 + (i % 100) / 10, min: 20, max: 29.9 },
    };
    seq += 1;
    items.push({ seq, result, id: resultId('bench', result), createdAt: T0 });
  }
  return items;
}

const cpu = () => {
  const used = process.cpuUsage();
  return used.user + used.system;
};
const perResult = (micros: number) => Number((micros / (batchSize * seconds)).toFixed(1));

await sink.send(batchOf(0)); // warm
process.stdout.write('ready\n');
const started = performance.now();
let sendMicros = 0;
for (let second = 1; second <= seconds; second++) {
  const before = cpu();
  // As the forwarder hands them over: at most forwarding.batch_size (500 by default) per send.
  const results = batchOf(second);
  for (let from = 0; from < results.length; from += SEND_SIZE) await sink.send(results.slice(from, from + SEND_SIZE));
  sendMicros += cpu() - before;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + second * 1_000 - performance.now())));
}
// The same results made and encoded, without MQTT: what the agent's own code costs of the above.
let encodeMicros = 0;
for (let second = 1; second <= seconds; second++) {
  const before = cpu();
  for (const item of batchOf(second)) encodeResultPayload(item);
  encodeMicros += cpu() - before;
}
await sink.stop();
process.stdout.write(
  `${JSON.stringify({ results: batchSize * seconds, batch: batchSize, layout, cpu_us_per_result: perResult(sendMicros), of_which_id_and_payload_us: perResult(encodeMicros) })}\n`,
);
