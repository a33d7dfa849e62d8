/**
 * Writes a labelled recording of a simulated device for `tributary replay` and for scoring:
 *
 *   npx tsx bench/group-anomaly/make-recording.ts --seed 7 --hours 12 --out /tmp/pump
 *
 * → `<out>/pump-<seed>.jsonl`, one JSON line per reading ({source, sensor, value, timestamp}), and
 *   `<out>/pump-<seed>.labels.csv`, `timestamp,fault` with one row per tick (fault: the device faults active then,
 *   joined by +, empty when none). `--sample FILE` takes another config with a simulator source (default
 *   drivers/simulator/pump-sample.yaml); `--start` an ISO time (default 2026-01-01T00:00:00Z).
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { recordTicks, simulatedDevice } from './pump-recording.js';

export async function makeRecording(options: { seed: number; hours: number; out: string; sample?: string; start?: number }): Promise<{ readings: string; labels: string; ticks: number }> {
  const device = simulatedDevice(options.seed, options.sample);
  await mkdir(options.out, { recursive: true });
  const stem = path.join(options.out, `${device.name}-${options.seed}`);
  const readings = createWriteStream(`${stem}.jsonl`);
  const labels = createWriteStream(`${stem}.labels.csv`);
  labels.write('timestamp,fault\n');
  const ticks = Math.round((options.hours * 3_600_000) / device.options.interval);
  for (const tick of recordTicks(device, options.start ?? Date.UTC(2026, 0, 1), ticks)) {
    let chunk = '';
    for (const { source, sensor, value, timestamp } of tick.readings) chunk += `${JSON.stringify({ source, sensor, value, timestamp })}\n`;
    if (!readings.write(chunk)) await once(readings, 'drain');
    if (!labels.write(`${tick.timestamp},${tick.faults.join('+')}\n`)) await once(labels, 'drain');
  }
  readings.end();
  labels.end();
  await Promise.all([once(readings, 'finish'), once(labels, 'finish')]);
  return { readings: `${stem}.jsonl`, labels: `${stem}.labels.csv`, ticks };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { seed: { type: 'string', default: '42' }, hours: { type: 'string', default: '12' }, out: { type: 'string', default: '.' }, sample: { type: 'string' }, start: { type: 'string' } },
  });
  const written = await makeRecording({
    seed: Number(values.seed),
    hours: Number(values.hours),
    out: values.out!,
    ...(values.sample ? { sample: path.resolve(values.sample) } : {}),
    ...(values.start ? { start: Date.parse(values.start) } : {}),
  });
  process.stdout.write(`${JSON.stringify(written)}\n`);
}
