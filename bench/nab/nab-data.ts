import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelledSeries } from './nab-scorer.js';

/** One NAB series on disk: its name (`folder/file.csv`), readings and labelled windows. */
export interface NabSeries extends LabelledSeries {
  readonly name: string;
  readonly values: readonly number[];
}

export const NAB_DATA = process.env.NAB_DATA ?? '/work/shared/data/nab';

/** NAB timestamps (`2014-04-10 07:15:00[.000000]`) are UTC wall-clock times. */
export function parseNabTime(text: string): number {
  const ms = Date.parse(`${text.trim().replace(' ', 'T').replace(/(\.\d{3})\d*$/, '$1')}Z`);
  if (Number.isNaN(ms)) throw new Error(`not a NAB timestamp: ${text}`);
  return ms;
}

export function loadNabCorpus(root = NAB_DATA): NabSeries[] {
  const windows = JSON.parse(readFileSync(join(root, 'windows.json'), 'utf8')) as Record<string, [string, string][]>;
  const series: NabSeries[] = [];
  const folders = readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  for (const folder of folders.map((entry) => entry.name).sort()) {
    for (const file of readdirSync(join(root, folder)).filter((name) => name.endsWith('.csv')).sort()) {
      const name = `${folder}/${file}`;
      const timestamps: number[] = [];
      const values: number[] = [];
      const lines = readFileSync(join(root, folder, file), 'utf8').split('\n').slice(1);
      for (const line of lines) {
        if (line.trim() === '') continue;
        const [time, value] = line.split(',');
        timestamps.push(parseNabTime(time!));
        values.push(Number(value));
      }
      const labelled = (windows[name] ?? []).map(([start, end]) => [parseNabTime(start), parseNabTime(end)] as const);
      series.push({ name, timestamps, values, windows: labelled });
    }
  }
  return series;
}
