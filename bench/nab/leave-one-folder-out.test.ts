import { describe, expect, it } from 'vitest';
import { leaveOneFolderOut, type FolderSeries } from './leave-one-folder-out.js';
import { normalisedScore } from './nab-scorer.js';

/** 100 rows a minute apart (probation: the first 15), with windows given as row ranges. */
function series(folder: string, windows: [number, number][]): FolderSeries {
  const timestamps = Array.from({ length: 100 }, (_, row) => row * 60_000);
  return { folder, timestamps, windows: windows.map(([from, to]) => [timestamps[from]!, timestamps[to]!] as const) };
}

// Folders A and B hold one window each at rows 50–60, C one at rows 70–80, D (like artificialNoAnomaly) none.
const corpus = [series('A', [[50, 60]]), series('B', [[50, 60]]), series('C', [[70, 80]]), series('D', [])];

describe('leave-one-folder-out cross-validation', () => {
  it('chooses, for each held-out folder, the candidate best on the other folders, and pools what it did on the held-out ones', () => {
    // Candidate 0 never alerts; 1 catches A and B's windows early but not C's; 2 catches C's only and pages on D.
    const detections = [
      [[], [], [], []],
      [[50], [50], [], []],
      [[], [], [70], [30, 40]],
    ];
    const result = leaveOneFolderOut(corpus, detections);

    expect(result.folds.map((fold) => [fold.heldOut, fold.chosen])).toEqual([['A', 1], ['B', 1], ['C', 1], ['D', 1]]);
    const heldOutC = result.folds[2]!;
    expect(heldOutC.trainingScores[1]).toBeGreaterThan(heldOutC.trainingScores[2]!);
    expect(heldOutC).toMatchObject({ heldOutWindows: 1, heldOutDetected: 0, heldOutFalsePositives: 0, heldOutFolderScore: 0 });
    // D has no window: no score of its own, and its false positives count only when pooled.
    expect(result.folds[3]!.heldOutFolderScore).toBeNull();
    expect(result.heldOutScore).toBeCloseTo(normalisedScore(corpus, detections[1]!), 10);
    // In-sample, on all four folders: null −3 (three windows missed), perfect +3. Candidate 1: 1 + 1 − 1 (C missed);
    // candidate 2: 1 (C at its first row) − 2 (A, B missed) − 2 × 0.11 (D's alerts, far from any window).
    expect(result.inSampleScores[0]).toBe(0);
    expect(result.inSampleScores[1]).toBeCloseTo((100 * (1 + 3)) / 6, 6);
    expect(result.inSampleScores[2]).toBeCloseTo((100 * (1 - 2 - 0.22 + 3)) / 6, 6);
  });

  it('judges each folder by a choice made without it, so a candidate that only fits one folder is not chosen for it', () => {
    // Candidate 1 is perfect on C alone, misses A and B and pages once on D; candidate 0 catches A and B, misses C.
    const detections = [
      [[50], [50], [], []],
      [[], [], [70], [30]],
    ];
    const result = leaveOneFolderOut(corpus, detections);
    expect(result.folds.find((fold) => fold.heldOut === 'C')!.chosen).toBe(0);
    expect(result.folds.find((fold) => fold.heldOut === 'A')!.chosen).toBe(0);
    // Pooled held-out: A and B caught, C missed, D quiet.
    expect(result.heldOutScore).toBeCloseTo(normalisedScore(corpus, [[50], [50], [], []]), 10);
  });

  it('counts the false positives of a windowless held-out folder against the pooled score', () => {
    const quiet = [[[50], [50], [70], []]];
    const noisy = [[[50], [50], [70], [30, 40, 90]]];
    const quietResult = leaveOneFolderOut(corpus, quiet);
    const noisyResult = leaveOneFolderOut(corpus, noisy);
    expect(noisyResult.folds[3]).toMatchObject({ heldOut: 'D', heldOutFalsePositives: 3, heldOutFolderScore: null });
    expect(noisyResult.heldOutFalsePositives).toBe(3);
    expect(noisyResult.heldOutScore).toBeLessThan(quietResult.heldOutScore);
  });

  it('prefers the first listed candidate on a tie, and refuses a corpus of one folder', () => {
    const same = [[50], [50], [70], []];
    expect(leaveOneFolderOut(corpus, [same, same]).folds.every((fold) => fold.chosen === 0)).toBe(true);
    expect(() => leaveOneFolderOut(corpus.slice(0, 1), [[[50]]])).toThrow(/at least two folders, got A/);
  });
});
