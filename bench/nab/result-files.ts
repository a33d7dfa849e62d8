import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NabSeries } from './nab-data.js';

/**
 * Writes `<out>/<folder>/<name>.csv` with `timestamp,score`: one row per input row, in order, the timestamp as in
 * the input, score 1 where an alert went to firing and 0 elsewhere. NAB's own scorer can read it with any threshold
 * in (0, 1].
 */
export function writeResultFile(out: string, series: NabSeries, detections: readonly number[]): string {
  const file = join(out, series.name);
  const fired = new Set(detections);
  const rows = series.timestampTexts.map((timestamp, row) => `${timestamp},${fired.has(row) ? 1 : 0}`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `timestamp,score\n${rows.join('\n')}\n`);
  return file;
}
