import { normalisedScore, scoreSeries, STANDARD_PROFILE, type CostMatrix, type LabelledSeries } from './nab-scorer.js';

/** A labelled series and the NAB folder it belongs to: the unit the cross-validation holds out. */
export interface FolderSeries extends LabelledSeries {
  readonly folder: string;
}

/** Detections (row indices) of each candidate on each series: `detections[candidate][series]`. */
export type CandidateDetections = readonly (readonly (readonly number[])[])[];

export interface Fold {
  readonly heldOut: string;
  /** Index of the candidate with the best score on the other folders (the first listed on a tie). */
  readonly chosen: number;
  /** Each candidate's normalised score on the other folders, pooled. */
  readonly trainingScores: readonly number[];
  /** The chosen candidate's normalised score on the held-out folder alone; null when that folder has no window. */
  readonly heldOutFolderScore: number | null;
  readonly heldOutFalsePositives: number;
  readonly heldOutDetected: number;
  readonly heldOutWindows: number;
}

export interface CrossValidation {
  readonly folds: readonly Fold[];
  /**
   * Every series scored with the detections of the candidate chosen without its folder, normalised over the whole
   * corpus at once. Pooled because a folder with no window (artificialNoAnomaly) has no score of its own: there
   * null and perfect both score 0, and only its false positives count, against the windows of the rest.
   */
  readonly heldOutScore: number;
  readonly heldOutFalsePositives: number;
  /** Each candidate's normalised score on the whole corpus: what a choice made on all of it would be judged by. */
  readonly inSampleScores: readonly number[];
}

/** Whether the perfect detector scores above the null one here (NaN otherwise): some window lies past probation. */
const hasScorableWindow = (series: readonly LabelledSeries[]) => normalisedScore(series, [], STANDARD_PROFILE) === 0;

function pick<T>(items: readonly T[], indices: readonly number[]): T[] {
  return indices.map((index) => items[index]!);
}

/**
 * Leave-one-folder-out cross-validation: for each folder, choose the candidate that scores best on the other
 * folders, then judge that choice on the folder it never saw.
 */
export function leaveOneFolderOut(
  corpus: readonly FolderSeries[],
  detections: CandidateDetections,
  profile: CostMatrix = STANDARD_PROFILE,
): CrossValidation {
  if (detections.length === 0) throw new Error('cross-validation needs at least one candidate');
  const folders = [...new Set(corpus.map((series) => series.folder))].sort();
  if (folders.length < 2) throw new Error(`cross-validation needs series in at least two folders, got ${folders.join(', ') || 'none'}`);
  const heldOutDetections: (readonly number[])[] = corpus.map(() => []);
  const folds = folders.map((heldOut): Fold => {
    const training = corpus.flatMap((series, index) => (series.folder === heldOut ? [] : [index]));
    const testing = corpus.flatMap((series, index) => (series.folder === heldOut ? [index] : []));
    const trainingSeries = pick(corpus, training);
    if (!hasScorableWindow(trainingSeries)) throw new Error(`the folders other than ${heldOut} have no labelled window to choose by`);
    const trainingScores = detections.map((byCandidate) => normalisedScore(trainingSeries, pick(byCandidate, training), profile));
    const chosen = trainingScores.reduce((best, score, index) => (score > trainingScores[best]! ? index : best), 0);
    const testingSeries = pick(corpus, testing);
    const chosenDetections = pick(detections[chosen]!, testing);
    testing.forEach((seriesIndex, position) => (heldOutDetections[seriesIndex] = chosenDetections[position]!));
    const scores = testingSeries.map((series, position) => scoreSeries(series, chosenDetections[position]!, profile));
    return {
      heldOut,
      chosen,
      trainingScores,
      heldOutFolderScore: hasScorableWindow(testingSeries) ? normalisedScore(testingSeries, chosenDetections, profile) : null,
      heldOutFalsePositives: scores.reduce((sum, score) => sum + score.falsePositives, 0),
      heldOutDetected: scores.reduce((sum, score) => sum + score.truePositives, 0),
      heldOutWindows: scores.reduce((sum, score) => sum + score.truePositives + score.falseNegatives, 0),
    };
  });
  return {
    folds,
    heldOutScore: normalisedScore(corpus, heldOutDetections, profile),
    heldOutFalsePositives: folds.reduce((sum, fold) => sum + fold.heldOutFalsePositives, 0),
    inSampleScores: detections.map((byCandidate) => normalisedScore(corpus, byCandidate, profile)),
  };
}
