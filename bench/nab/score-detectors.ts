/**
 * Scores the default `anomaly` detector on the NAB series in /work/shared/data/nab (or $NAB_DATA): one configuration
 * for every series, readings fed in order through the real alert lifecycle, and each transition to firing counted
 * as one NAB detection. Prints one JSON line per series, then a summary line.
 *
 * With `--replay`, each series instead goes through the agent's own `tributary replay` (a config with one rule,
 * `anomaly: {}`), and the firing transitions are read from its output: the same score, end to end.
 *
 *   npx tsx bench/nab/score-detectors.ts [--detector '{"kind":"anomaly"}'] [--lifecycle '{"for":0,…}'] [--replay]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NO_DELAYS, type LifecycleSpec } from '../../rules/anomaly/alert-lifecycle.js';
import { AlertTracker } from '../../rules/anomaly/alert-tracker.js';
import type { DetectorSpec } from '../../rules/anomaly/detector-spec.js';
import { loadNabCorpus, NAB_DATA, type NabSeries } from './nab-data.js';
import { normalisedScore, scoreSeries, type CostMatrix } from './nab-scorer.js';

const PROFILES: Record<string, CostMatrix> = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
};

/** Row indices at which the alert for this series went to firing. */
export function detect(series: NabSeries, detector: DetectorSpec, lifecycle: LifecycleSpec): number[] {
  const tracker = new AlertTracker({ rule: 'nab', detector, lifecycle, severity: 'warning' });
  const detections: number[] = [];
  const sensor = series.name;
  series.timestamps.forEach((timestamp, row) => {
    // The clock ticks just before each reading arrives, as the agent's would, so silence can be noticed.
    const ticked = tracker.tick(timestamp);
    const result = tracker.observe({ source: 'nab', sensor, value: series.values[row]!, timestamp, tags: {} });
    if (ticked.some((alert) => alert.state === 'firing') || result?.state === 'firing') detections.push(row);
  });
  return detections;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Row indices of firing transitions, from `tributary replay` of the series' CSV with one `anomaly: {}` rule. */
function detectByReplay(series: NabSeries, work: string): number[] {
  const config = join(work, 'nab.yaml');
  writeFileSync(config, 'rules:\n  nab:\n    anomaly: {}\n');
  const output = join(work, 'results.jsonl');
  const built = join(REPO, 'dist/agent/cli.js');
  const cli = existsSync(built) ? [built] : ['--import', 'tsx', join(REPO, 'agent/cli.ts')];
  execFileSync(process.execPath, [...cli, 'replay', '--config', config, '--input', join(NAB_DATA, series.name), '--output', output], { stdio: ['ignore', 'ignore', 'pipe'] });
  const rowOf = new Map(series.timestamps.map((timestamp, row) => [timestamp, row]));
  return readFileSync(output, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { kind: string; state?: string; timestamp?: number })
    .filter((result) => result.kind === 'alert' && result.state === 'firing')
    .map((result) => rowOf.get(result.timestamp!)!);
}

const { values: options } = parseArgs({
  options: {
    detector: { type: 'string', default: '{"kind":"anomaly"}' },
    lifecycle: { type: 'string' },
    quiet: { type: 'boolean' },
    replay: { type: 'boolean' },
  },
});
const detector = JSON.parse(options.detector!) as DetectorSpec;
const lifecycle = options.lifecycle ? (JSON.parse(options.lifecycle) as LifecycleSpec) : NO_DELAYS;
const corpus = loadNabCorpus();
const started = performance.now();
let detections: number[][];
if (options.replay) {
  const work = mkdtempSync(join(tmpdir(), 'tributary-nab-'));
  try {
    detections = corpus.map((series) => detectByReplay(series, work));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
} else {
  detections = corpus.map((series) => detect(series, detector, lifecycle));
}
const elapsedMs = performance.now() - started;
const readings = corpus.reduce((sum, series) => sum + series.timestamps.length, 0);

let falsePositives = 0;
corpus.forEach((series, index) => {
  const score = scoreSeries(series, detections[index]!, PROFILES.standard);
  falsePositives += score.falsePositives;
  if (!options.quiet) {
    console.log(JSON.stringify({
      series: series.name,
      rows: series.timestamps.length,
      windows: series.windows.length,
      detected: score.truePositives,
      missed: score.falseNegatives,
      false_positives: score.falsePositives,
      raw: Number(score.raw.toFixed(3)),
    }));
  }
});
const scores = Object.fromEntries(
  Object.entries(PROFILES).map(([name, profile]) => [name, Number(normalisedScore(corpus, detections, profile).toFixed(1))]),
);
console.log(JSON.stringify({
  summary: true,
  via: options.replay ? 'tributary replay' : 'library',
  detector,
  lifecycle,
  series: corpus.length,
  windows: corpus.reduce((sum, series) => sum + series.windows.length, 0),
  false_positives: falsePositives,
  scores,
  readings,
  us_per_reading: Number(((elapsedMs * 1000) / readings).toFixed(2)),
}));
