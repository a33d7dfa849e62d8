import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/helpers/temp-dir.js';
import { loadNabCorpus, nabLocation } from './nab-data.js';
import { normalisedScore } from './nab-scorer.js';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(REPOSITORY, 'bench/nab/score-detectors.ts');
const dir = await makeTempDir('nab-bench');
afterAll(() => dir.remove());

const ROWS = 700;
const SPIKE_ROW = 500;
const START = Date.UTC(2014, 3, 10);
const timeText = (row: number) => new Date(START + row * 300_000).toISOString().replace('T', ' ').slice(0, 19);

/** A daily-like wave with a little deterministic noise; `spike` adds one reading far above everything else. */
function seriesCsv(seed: number, spike: boolean): string {
  const rows = Array.from({ length: ROWS }, (_, row) => {
    const noise = Math.sin(row * 12.9898 + seed) * 43758.5453;
    const value = 50 + 10 * Math.sin((2 * Math.PI * row) / 48) + (noise - Math.floor(noise));
    return `${timeText(row)},${(spike && row === SPIKE_ROW ? value + 200 : value).toFixed(3)}`;
  });
  return `timestamp,value\n${rows.join('\n')}\n`;
}

const NAMES = ['other/steady.csv', 'plant/calm.csv', 'plant/spike.csv'];
const data = join(dir.path, 'data');

/** Three labelled series in two folders, and one CSV the windows file does not name. */
beforeAll(() => {
  for (const folder of ['plant', 'other']) mkdirSync(join(data, folder), { recursive: true });
  writeFileSync(join(data, 'plant/spike.csv'), seriesCsv(1, true));
  writeFileSync(join(data, 'plant/calm.csv'), seriesCsv(2, false));
  writeFileSync(join(data, 'other/steady.csv'), seriesCsv(3, false));
  writeFileSync(join(data, 'other/unlabelled.csv'), seriesCsv(4, true));
  const window = (from: number, to: number) => [`${timeText(from)}.000000`, `${timeText(to)}.000000`];
  const windows = { 'plant/spike.csv': [window(SPIKE_ROW - 10, SPIKE_ROW + 20)], 'plant/calm.csv': [], 'other/steady.csv': [window(600, 620)] };
  writeFileSync(join(data, 'labels.json'), JSON.stringify(windows));
});

function bench(...args: string[]): string[] {
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: REPOSITORY, encoding: 'utf8' });
  return stdout.trim().split('\n');
}

function resultRows(out: string, name: string): string[] {
  return readFileSync(join(out, name), 'utf8').trimEnd().split('\n');
}

describe('npm run bench:nab -- --data --windows --out', () => {
  it('writes one timestamp,score file per labelled series, row for row, and prints the normalised standard score last', () => {
    const out = join(dir.path, 'library');
    const lines = bench('--data', data, '--windows', join(data, 'labels.json'), '--out', out);

    expect(lines).toHaveLength(NAMES.length + 1);
    const perSeries = lines.slice(0, -1).map((line) => JSON.parse(line) as { series: string; detected: number });
    expect(perSeries.map((line) => line.series)).toEqual(NAMES);
    // The spike is a failure no detector may miss: the test is about the files, but they must hold a detection.
    expect(perSeries.find((line) => line.series === 'plant/spike.csv')!.detected).toBe(1);

    const corpus = loadNabCorpus(nabLocation(data, join(data, 'labels.json')));
    const detections = corpus.map((series) => {
      const rows = resultRows(out, series.name);
      expect(rows[0]).toBe('timestamp,score');
      const body = rows.slice(1).map((row) => row.split(','));
      expect(body.map(([timestamp]) => timestamp)).toEqual(Array.from({ length: ROWS }, (_, row) => timeText(row)));
      expect(body.filter(([, score]) => score !== '0' && score !== '1')).toEqual([]);
      return body.flatMap(([, score], row) => (score === '1' ? [row] : []));
    });
    expect(detections[2]!.some((row) => row >= SPIKE_ROW && row <= SPIKE_ROW + 20)).toBe(true);
    expect(existsSync(join(out, 'other/unlabelled.csv'))).toBe(false);

    const summary = JSON.parse(lines.at(-1)!) as { summary: boolean; standard: number; series: number };
    expect(summary).toMatchObject({ summary: true, series: 3 });
    expect(summary.standard).toBe(Number(normalisedScore(corpus, detections).toFixed(1)));
  });

  it('with --replay, tributary replay writes the same result files as the library', { timeout: 120_000 }, () => {
    const windows = join(data, 'labels.json');
    const library = join(dir.path, 'compare-library');
    const replayed = join(dir.path, 'compare-replay');
    const libraryLines = bench('--data', data, '--windows', windows, '--out', library, '--quiet');
    const replayLines = bench('--data', data, '--windows', windows, '--out', replayed, '--quiet', '--replay');
    for (const name of NAMES) expect(resultRows(replayed, name)).toEqual(resultRows(library, name));
    expect(JSON.parse(replayLines.at(-1)!)).toMatchObject({ via: 'tributary replay', standard: JSON.parse(libraryLines.at(-1)!).standard });
  });

  it('stops with the missing series named when the data folder lacks one', () => {
    const labels = join(dir.path, 'wider.json');
    writeFileSync(labels, JSON.stringify({ 'plant/spike.csv': [], 'realTraffic/speed_6005.csv': [] }));
    const run = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, '--data', data, '--windows', labels], { cwd: REPOSITORY, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/bench:nab: NAB data: 1 of the 2 series named in .*wider\.json are not in .*: realTraffic\/speed_6005\.csv/);
    expect(run.stdout).toBe('');
  });
});
