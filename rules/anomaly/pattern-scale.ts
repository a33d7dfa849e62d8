import { NoveltyScore } from './novelty-score.js';
import { PatternNovelty } from './pattern-novelty.js';
import { RecentRange } from './recent-range.js';
import type { ShapeMemory } from './shape-memory.js';

/** A long-term memory of shapes for a scale, and its match radius in typical nearest-neighbour distances. */
export interface ScaleMemory {
  readonly shapes: ShapeMemory;
  readonly radius: number;
}

/**
 * Pattern novelty at one time scale: the sensor's readings averaged over blocks of `block` readings (1 = raw), the
 * nearest-neighbour distance of the latest `length` blocks, and how new that distance is against the distances
 * seen before. Between block ends the last score is kept, so a coarse scale answers every reading.
 */
export class PatternScale {
  private readonly novelty: PatternNovelty;
  private readonly distances: NoveltyScore;
  private sum = 0;
  private filled = 0;
  private last = 0;
  /** Blocks taken in so far, up to `warmup` (a search over fewer candidates finds larger distances). */
  private searched = 0;
  /** Blocks taken in so far, counted while the search's history fills (up to `history + length`). */
  private blocks = 0;
  private readonly fullAt: number;
  /** While the history fills: the range of the distances found among at least `fillRange` of today's candidates. */
  private recent: RecentRange | undefined;

  constructor(
    private readonly block: number,
    length: number,
    /** Blocks of history to search and to judge distances against. */
    history: number,
    /** Distances to collect before judging. */
    private readonly minHistory: number,
    /** Shapes established long-term: a stretch near one is judged by that distance when it is the smaller. */
    private readonly memory?: ScaleMemory,
    /**
     * Blocks the search must have taken in before its distances join the history they are judged against: a
     * nearest neighbour among a few dozen candidates is farther than among a full history, and such early distances
     * would widen the range of distances seen (holding later novelty under 1) until they leave it.
     */
    private readonly warmup = 0,
    /**
     * While the search's history fills, a distance is held under 1 only inside the range of the distances found
     * since this share of the blocks seen so far (found among at least about that share of today's candidates):
     * the larger distances of a smaller search no longer bound what counts as seen (0: every distance kept does).
     */
    private readonly fillRange = 0,
  ) {
    this.novelty = new PatternNovelty(length, history);
    this.distances = new NoveltyScore(history);
    this.fullAt = history + length;
    if (fillRange > 0) this.recent = new RecentRange();
  }

  private judge(distance: number, threshold: number): number {
    const { recent } = this;
    if (!recent) return this.distances.score(distance, threshold);
    recent.dropBefore(Math.ceil(this.blocks * this.fillRange));
    const { low, high } = recent;
    // None found late enough yet: the whole history's range, as without the option.
    return Number.isNaN(high) ? this.distances.score(distance, threshold) : this.distances.score(distance, threshold, low, high);
  }

  /** Adds a reading; returns the novelty score (1 at `threshold` robust σ, held under 1 inside the range seen). */
  push(value: number, threshold: number): number {
    this.sum += value;
    if (++this.filled < this.block) return this.last;
    const mean = this.sum / this.block;
    if (this.searched < this.warmup) this.searched += 1;
    if (this.blocks < this.fullAt) this.blocks += 1;
    const distance = this.novelty.push(mean);
    this.sum = 0;
    this.filled = 0;
    this.last = 0;
    const judged = this.distances.size >= this.minHistory;
    // The memory learns shapes once the typical distance (its match radius) is known. The stretch is judged by the
    // nearer of the window and the established shapes, against the window's own distances, so the memory can only
    // quieten the scale, never make it keener.
    const remembered = this.memory
      ? this.memory.shapes.push(mean, judged ? this.memory.radius * this.distances.median : Number.NaN)
      : Number.POSITIVE_INFINITY;
    if (Number.isNaN(distance)) return 0;
    if (judged) this.last = this.judge(Math.min(distance, remembered), threshold);
    if (this.searched >= this.warmup) {
      this.distances.add(distance);
      this.recent?.add(this.blocks, distance);
    }
    // Full: every distance kept was found among a full history's candidates, the range seen is the history's own.
    if (this.blocks >= this.fullAt) this.recent = undefined;
    return this.last;
  }
}
