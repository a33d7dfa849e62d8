/**
 * How new the shape of the latest readings is: the distance from the last `length` readings to the nearest
 * stretch of the same length in the past `history` readings (a nearest-neighbour nonconformity score, as in
 * KNN-CAD). A value inside the usual range can still be news when it comes in an order never seen: a missing
 * daily peak, a flat stretch in a busy signal, a burst of spikes.
 */
export class PatternNovelty {
  /** A ring buffer written twice (at i and i + size), so every stretch is contiguous: no modulo in the search. */
  private readonly values: Float64Array;
  private readonly size: number;
  private count = 0;
  private next = 0;
  /** Lag of the previous pattern's nearest stretch: shifted by one reading it is usually near the new one too. */
  private previousBestLag = 0;

  constructor(
    private readonly length: number,
    history: number,
  ) {
    if (!(length >= 2 && history > 2 * length)) throw new Error('pattern: history must exceed twice the pattern length');
    this.size = history + length;
    this.values = new Float64Array(2 * this.size);
  }

  /** Adds a reading; returns the distance of the newest pattern to its nearest past one (NaN while filling up). */
  push(value: number): number {
    const { size, length, values } = this;
    values[this.next] = value;
    values[this.next + size] = value;
    const newestEnd = this.next + size;
    this.next = (this.next + 1) % size;
    this.count = Math.min(this.count + 1, size);
    if (this.count < 3 * length) return Number.NaN;
    // The previous nearest stretch, one reading on, is tried first: a small `best` from the start lets the
    // early abandon below drop most candidates after a reading or two (same answer, several times faster).
    let best = Number.POSITIVE_INFINITY;
    let bestLag = 0;
    if (this.previousBestLag >= length && this.previousBestLag + length <= this.count) {
      best = this.distanceAt(newestEnd, this.previousBestLag, best);
      bestLag = this.previousBestLag;
    }
    // Candidates end at least `length` readings back, so the pattern never matches a shifted copy of itself;
    // a candidate is dropped as soon as its partial distance exceeds the best so far.
    const newest = values[newestEnd]!;
    for (let lag = length; lag + length <= this.count; lag++) {
      const candidateEnd = newestEnd - lag;
      // Most candidates are out after their newest reading: that test alone, before the loop, is the hot path.
      const first = newest - values[candidateEnd]!;
      let distance = first * first;
      if (distance >= best) continue;
      for (let offset = 1; offset < length && distance < best; offset++) {
        const difference = values[newestEnd - offset]! - values[candidateEnd - offset]!;
        distance += difference * difference;
      }
      if (distance < best) {
        best = distance;
        bestLag = lag;
      }
    }
    this.previousBestLag = bestLag;
    return Math.sqrt(best);
  }

  /** Squared distance from the newest pattern to the one `lag` readings back (at least `best` when abandoned). */
  private distanceAt(newestEnd: number, lag: number, best: number): number {
    const { length, values } = this;
    let distance = 0;
    for (let offset = 0; offset < length && distance < best; offset++) {
      const difference = values[newestEnd - offset]! - values[newestEnd - lag - offset]!;
      distance += difference * difference;
    }
    return distance;
  }
}
