import { NoveltyScore } from './novelty-score.js';
import { PatternNovelty } from './pattern-novelty.js';
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
  ) {
    this.novelty = new PatternNovelty(length, history);
    this.distances = new NoveltyScore(history);
  }

  /** Adds a reading; returns the novelty score (1 at `threshold` robust σ, held under 1 inside the range seen). */
  push(value: number, threshold: number): number {
    this.sum += value;
    if (++this.filled < this.block) return this.last;
    const mean = this.sum / this.block;
    if (this.searched < this.warmup) this.searched += 1;
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
    if (judged) this.last = this.distances.score(Math.min(distance, remembered), threshold);
    if (this.searched >= this.warmup) this.distances.add(distance);
    return this.last;
  }
}
