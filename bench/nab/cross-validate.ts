/**
 * Chooses a configuration the honest way: leave-one-folder-out cross-validation over the NAB folders. Each candidate
 * of the candidates file runs once on every series (through the library); then, for each folder, the candidate
 * best on the other folders is judged on that folder. Prints one JSON line per candidate (its in-sample score), one
 * per held-out folder, then a summary line: the pooled held-out score beside the in-sample ones.
 *
 *   npx tsx bench/nab/cross-validate.ts [--data <dir>] [--windows <windows.json>] [--candidates <file.json>]
 *
 * Defaults: the data of score-detectors.ts and `bench/nab/candidates.json`.
 */
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CANDIDATE, loadCandidates, type Candidate } from './candidate-configurations.js';
import { leaveOneFolderOut } from './leave-one-folder-out.js';
import { libraryDetections } from './library-detections.js';
import { loadNabCorpus, nabLocation, REPOSITORY_ROOT, userPath, type NabSeries } from './nab-data.js';
import { scoreSeries } from './nab-scorer.js';

const { values: options } = parseArgs({
  options: {
    data: { type: 'string' },
    windows: { type: 'string' },
    candidates: { type: 'string' },
  },
});
const location = nabLocation(options.data && userPath(options.data), options.windows && userPath(options.windows));
const candidatesFile = options.candidates ? userPath(options.candidates) : join(REPOSITORY_ROOT, 'bench/nab/candidates.json');

let corpus: NabSeries[];
let candidates: Candidate[];
try {
  corpus = loadNabCorpus(location);
  candidates = loadCandidates(candidatesFile);
} catch (error) {
  process.stderr.write(`bench:nab:cv: ${(error as Error).message}\n`);
  process.exit(2);
}

const round = (score: number) => Number(score.toFixed(1));
const readings = corpus.reduce((sum, series) => sum + series.timestamps.length, 0);
const detections = candidates.map((candidate) => {
  const started = performance.now();
  const found = corpus.map((series) => libraryDetections(series, candidate.detector, candidate.lifecycle));
  const elapsedMs = performance.now() - started;
  const scores = corpus.map((series, index) => scoreSeries(series, found[index]!));
  console.log(JSON.stringify({
    candidate: candidate.name,
    detector: candidate.detector,
    lifecycle: candidate.lifecycle,
    detected: scores.reduce((sum, score) => sum + score.truePositives, 0),
    false_positives: scores.reduce((sum, score) => sum + score.falsePositives, 0),
    us_per_reading: Number(((elapsedMs * 1000) / readings).toFixed(2)),
  }));
  return found;
});

const result = leaveOneFolderOut(corpus, detections);
for (const fold of result.folds) {
  console.log(JSON.stringify({
    held_out: fold.heldOut,
    chosen: candidates[fold.chosen]!.name,
    training_scores: Object.fromEntries(candidates.map((candidate, index) => [candidate.name, round(fold.trainingScores[index]!)])),
    held_out_folder_score: fold.heldOutFolderScore === null ? null : round(fold.heldOutFolderScore),
    held_out_windows: fold.heldOutWindows,
    held_out_detected: fold.heldOutDetected,
    held_out_false_positives: fold.heldOutFalsePositives,
  }));
}

const inSample = Object.fromEntries(candidates.map((candidate, index) => [candidate.name, round(result.inSampleScores[index]!)]));
const chosenNames = [...new Set(result.folds.map((fold) => candidates[fold.chosen]!.name))];
const bestInSample = result.inSampleScores.reduce((best, score, index) => (score > result.inSampleScores[best]! ? index : best), 0);
console.log(JSON.stringify({
  summary: true,
  held_out_standard: round(result.heldOutScore),
  held_out_false_positives: result.heldOutFalsePositives,
  chosen: Object.fromEntries(result.folds.map((fold) => [fold.heldOut, candidates[fold.chosen]!.name])),
  in_sample_of_chosen: Object.fromEntries(chosenNames.map((name) => [name, inSample[name]])),
  ...(DEFAULT_CANDIDATE in inSample ? { in_sample_default: inSample[DEFAULT_CANDIDATE] } : {}),
  best_in_sample: { candidate: candidates[bestInSample]!.name, standard: inSample[candidates[bestInSample]!.name] },
  in_sample: inSample,
  data: relative(REPOSITORY_ROOT, location.data),
  candidates: relative(REPOSITORY_ROOT, candidatesFile),
  series: corpus.length,
  folders: result.folds.length,
}));
