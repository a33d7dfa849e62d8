/**
 * The Numenta Anomaly Benchmark's scoring rule (NAB v1.1 `sweeper.py`), re-written from its description in the
 * data folder's README (`../shared/data/nab/README.md` from the repository root): early detections inside a labelled window earn up to `tpWeight`, missed windows
 * cost `fnWeight`, and detections outside windows cost up to `fpWeight`, less when they come just after a window.
 */

/** One profile's weights (NAB `profiles.json` → `CostMatrix`). */
export interface CostMatrix {
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
}

export const STANDARD_PROFILE: CostMatrix = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };

/** NAB's three profiles (`profiles.json`); `standard` is the headline score. */
export const NAB_PROFILES: Readonly<Record<string, CostMatrix>> = {
  standard: STANDARD_PROFILE,
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
};

/** One labelled series as the scorer needs it: row timestamps (ms, ascending) and `[start, end]` windows (ms). */
export interface LabelledSeries {
  readonly timestamps: readonly number[];
  readonly windows: readonly (readonly [number, number])[];
}

export interface SeriesScore {
  /** Sum of rewards and costs for this series. */
  readonly raw: number;
  readonly truePositives: number;
  readonly falseNegatives: number;
  readonly falsePositives: number;
  /** Sum of the (negative) weighted costs of the false positives. */
  readonly falsePositiveCost: number;
  /** Detections inside the probation period, ignored. */
  readonly ignored: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** NAB's `scaledSigmoid`: +~1 at a window's left edge, 0 at its right edge, down to -1 three widths after it. */
export function scaledSigmoid(relativePosition: number): number {
  return relativePosition > 3 ? -1 : 2 * sigmoid(-5 * relativePosition) - 1;
}

const MAX_TRUE_POSITIVE = scaledSigmoid(-1);

/** The first 15% of a series, at most 750 rows: the detector is still learning there, so its alerts are ignored. */
export function probationLength(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 0.15 * 5000);
}

interface RowWindow {
  readonly left: number;
  readonly right: number;
}

/** Turns time windows into row-index windows (rows with start ≤ timestamp ≤ end); empty windows are dropped. */
function rowWindows(series: LabelledSeries): RowWindow[] {
  const result: RowWindow[] = [];
  for (const [start, end] of series.windows) {
    let left = -1;
    let right = -1;
    series.timestamps.forEach((timestamp, index) => {
      if (timestamp < start || timestamp > end) return;
      if (left < 0) left = index;
      right = index;
    });
    if (left >= 0) result.push({ left, right });
  }
  return result.sort((a, b) => a.left - b.left);
}

/**
 * The weight one detection at row `index` earns (inside a window) or costs (outside), or undefined during probation.
 * Mirrors NAB: inside a window `p = -(right - i + 1) / width`; after a window `q = (i - previousRight) / (previousWidth - 1)`.
 */
function rowWeight(index: number, windows: readonly RowWindow[], probation: number, profile: CostMatrix) {
  if (index < probation) return undefined;
  let previous: RowWindow | undefined;
  for (const window of windows) {
    if (index >= window.left && index <= window.right) {
      const width = window.right - window.left + 1;
      const position = -(window.right - index + 1) / width;
      return { window, weight: (scaledSigmoid(position) * profile.tpWeight) / MAX_TRUE_POSITIVE };
    }
    if (window.right < index) previous = window;
  }
  if (!previous) return { window: undefined, weight: -profile.fpWeight };
  const width = previous.right - previous.left + 1;
  const position = width > 1 ? (index - previous.right) / (width - 1) : Number.POSITIVE_INFINITY;
  return { window: undefined, weight: scaledSigmoid(position) * profile.fpWeight };
}

/** Scores the detections (row indices) a detector made on one series. */
export function scoreSeries(series: LabelledSeries, detections: readonly number[], profile = STANDARD_PROFILE): SeriesScore {
  const windows = rowWindows(series);
  const probation = probationLength(series.timestamps.length);
  const bestInWindow = new Map<RowWindow, number>();
  let falsePositives = 0;
  let falsePositiveCost = 0;
  let ignored = 0;
  for (const index of detections) {
    const scored = rowWeight(index, windows, probation, profile);
    if (!scored) {
      ignored += 1;
    } else if (scored.window) {
      // Only the first detection in a window counts; the earliest is also the best rewarded.
      bestInWindow.set(scored.window, Math.max(bestInWindow.get(scored.window) ?? -Infinity, scored.weight));
    } else {
      falsePositives += 1;
      falsePositiveCost += scored.weight;
    }
  }
  let truePositiveReward = 0;
  for (const reward of bestInWindow.values()) truePositiveReward += reward;
  const falseNegatives = windows.length - bestInWindow.size;
  return {
    raw: truePositiveReward + falsePositiveCost - falseNegatives * profile.fnWeight,
    truePositives: bestInWindow.size,
    falseNegatives,
    falsePositives,
    falsePositiveCost,
    ignored,
  };
}

/** Detections of the perfect detector: each window's first row (or the first row after probation). */
export function perfectDetections(series: LabelledSeries): number[] {
  const probation = probationLength(series.timestamps.length);
  return rowWindows(series)
    .filter((window) => window.right >= probation)
    .map((window) => Math.max(window.left, probation));
}

/**
 * NAB's normalisation over a whole corpus: the null detector (never alerts) scores 0, the perfect one 100.
 * A corpus without any window (such as `artificialNoAnomaly/` alone) has perfect = null, so its score is NaN:
 * score such series pooled with labelled ones.
 */
export function normalisedScore(
  corpus: readonly LabelledSeries[],
  detections: readonly (readonly number[])[],
  profile = STANDARD_PROFILE,
): number {
  let raw = 0;
  let nullRaw = 0;
  let perfectRaw = 0;
  corpus.forEach((series, index) => {
    raw += scoreSeries(series, detections[index] ?? [], profile).raw;
    nullRaw += scoreSeries(series, [], profile).raw;
    perfectRaw += scoreSeries(series, perfectDetections(series), profile).raw;
  });
  return (100 * (raw - nullRaw)) / (perfectRaw - nullRaw);
}
