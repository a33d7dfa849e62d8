import { NoveltyScore } from './novelty-score.js';
import { PatternNovelty } from './pattern-novelty.js';

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

  constructor(
    private readonly block: number,
    length: number,
    /** Blocks of history to search and to judge distances against. */
    history: number,
    /** Distances to collect before judging. */
    private readonly minHistory: number,
  ) {
    this.novelty = new PatternNovelty(length, history);
    this.distances = new NoveltyScore(history);
  }

  /** Adds a reading; returns the novelty score (1 at `threshold` robust σ, held under 1 inside the range seen). */
  push(value: number, threshold: number): number {
    this.sum += value;
    if (++this.filled < this.block) return this.last;
    const distance = this.novelty.push(this.sum / this.block);
    this.sum = 0;
    this.filled = 0;
    this.last = 0;
    if (Number.isNaN(distance)) return 0;
    if (this.distances.size >= this.minHistory) this.last = this.distances.score(distance, threshold);
    this.distances.add(distance);
    return this.last;
  }
}
