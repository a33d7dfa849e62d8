/**
 * Scores one detector configuration on a NAB-layout corpus: every series the windows file names, readings fed in
 * order through the real alert lifecycle, each transition to firing counted as one NAB detection. Prints one JSON
 * line per series, then a summary line whose `standard` is the normalised standard-profile score.
 *
 *   npx tsx bench/nab/score-detectors.ts [--data <dir>] [--windows <windows.json>] [--out <results-dir>]
 *       [--detector '{"kind":"anomaly"}'] [--lifecycle '{"for":0,…}'] [--replay] [--quiet]
 *
 * --data defaults to `../shared/data/nab/` from the repository root, --windows to `<data>/windows.json`.
 * --out writes `<results-dir>/<folder>/<name>.csv` (`timestamp,score`) for each series.
 * --replay runs each series through the agent's own `tributary replay` instead of the library: the same score, end to end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { NO_DELAYS, type LifecycleSpec } from '../../rules/anomaly/alert-lifecycle.js';
import type { DetectorSpec } from '../../rules/anomaly/detector-spec.js';
import { libraryDetections } from './library-detections.js';
import { loadNabCorpus, nabLocation, REPOSITORY_ROOT, userPath, type NabSeries } from './nab-data.js';
import { NAB_PROFILES, normalisedScore, scoreSeries } from './nab-scorer.js';
import { replayConfig, replayDetections } from './replay-detections.js';
import { writeResultFile } from './result-files.js';

const { values: options } = parseArgs({
  options: {
    data: { type: 'string' },
    windows: { type: 'string' },
    out: { type: 'string' },
    detector: { type: 'string', default: '{"kind":"anomaly"}' },
    lifecycle: { type: 'string' },
    quiet: { type: 'boolean' },
    replay: { type: 'boolean' },
  },
});
const detector = JSON.parse(options.detector!) as DetectorSpec;
const lifecycle = options.lifecycle ? (JSON.parse(options.lifecycle) as LifecycleSpec) : NO_DELAYS;
const location = nabLocation(options.data && userPath(options.data), options.windows && userPath(options.windows));

let corpus: NabSeries[];
let config = '';
try {
  corpus = loadNabCorpus(location);
  if (options.replay) config = replayConfig(detector, lifecycle);
} catch (error) {
  process.stderr.write(`bench:nab: ${(error as Error).message}\n`);
  process.exit(2);
}

const started = performance.now();
let detections: number[][];
if (options.replay) {
  const work = mkdtempSync(join(tmpdir(), 'tributary-nab-'));
  try {
    detections = corpus.map((series) => replayDetections(series, location.data, config, work));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
} else {
  detections = corpus.map((series) => libraryDetections(series, detector, lifecycle));
}
const elapsedMs = performance.now() - started;
const readings = corpus.reduce((sum, series) => sum + series.timestamps.length, 0);

let falsePositives = 0;
let detected = 0;
corpus.forEach((series, index) => {
  if (options.out) writeResultFile(userPath(options.out), series, detections[index]!);
  const score = scoreSeries(series, detections[index]!, NAB_PROFILES.standard);
  falsePositives += score.falsePositives;
  detected += score.truePositives;
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
  Object.entries(NAB_PROFILES).map(([name, profile]) => [name, Number(normalisedScore(corpus, detections, profile).toFixed(1))]),
);
console.log(JSON.stringify({
  summary: true,
  standard: scores.standard,
  via: options.replay ? 'tributary replay' : 'library',
  detector,
  lifecycle,
  // Relative to the repository, so printed figures name no particular machine.
  data: relative(REPOSITORY_ROOT, location.data),
  series: corpus.length,
  windows: corpus.reduce((sum, series) => sum + series.windows.length, 0),
  detected,
  false_positives: falsePositives,
  scores,
  readings,
  us_per_reading: Number(((elapsedMs * 1000) / readings).toFixed(2)),
  ...(options.out ? { results: relative(REPOSITORY_ROOT, userPath(options.out)) } : {}),
}));
