/** Readings between two exact recomputations of every candidate's distance (bounds the drift of the running sums). */
const REFRESH_EVERY = 256;
/** The unit roundoff of a double, 2^-53. */
const ROUNDOFF = 2 ** -53;
/** Near candidates remembered during a pass; more than that, and the pass's sums are scanned again instead. */
const NEAR_KEPT = 64;
/** Readings further apart than this (a squared distance could overflow) are searched directly. */
const MAX_RANGE = 1e150;

/**
 * How new the shape of the latest readings is: the distance from the last `length` readings to the nearest
 * stretch of the same length in the past `history` readings (a nearest-neighbour nonconformity score, as in
 * KNN-CAD). A value inside the usual range can still be news when it comes in an order never seen: a missing
 * daily peak, a flat stretch in a busy signal, a burst of spikes.
 *
 * The answer is always exactly the smallest of the candidates' squared distances, each summed newest reading first (the
 * order fixes the last bits). Once the history is full, it is found with running sums: each candidate's distance, kept
 * per lag, takes one term in and drops one term out per reading, O(1) per candidate whatever the signal (the direct
 * search with early abandoning, still used while the history fills, prunes little on noise, where every candidate is
 * about as near as the best: about 19 µs of CPU a reading there against 2). The running sums drift from the exact ones
 * by rounding, by at most a `slack` computed from the readings' range and the readings since the sums were last made
 * exact (every REFRESH_EVERY readings); only candidates whose running sum is within twice that of the smallest can be
 * the nearest, and only those are summed exactly, so the answer is the same to the last bit.
 */
export class PatternNovelty {
  /**
   * A ring buffer written twice (at i and i + capacity), so every stretch is contiguous: no modulo in the search.
   * One slot more than the history needs: the reading that has just left the history is still there, as the
   * longest lag's running sum needs it.
   */
  private readonly values: Float64Array;
  /** Readings kept for the search: `history + length`. */
  private readonly size: number;
  private readonly capacity: number;
  private count = 0;
  private next = 0;
  /** Lag of the previous pattern's nearest stretch: shifted by one reading it is usually near the new one too. */
  private previousBestLag = 0;
  /** Per lag, the running squared distance of the newest pattern to the stretch `lag` readings back. */
  private readonly running: Float64Array;
  /** Lags whose running sum was near the smallest so far during a pass (reused, no allocation per reading). */
  private readonly near = new Int32Array(NEAR_KEPT);
  /** Readings since `running` was last recomputed exactly; -1 when it is not valid (history not yet full). */
  private sinceExact = -1;
  /** The smallest and largest reading in the buffer at the last exact recomputation, and since. */
  private low = 0;
  private high = 0;

  constructor(
    private readonly length: number,
    history: number,
  ) {
    if (!(length >= 2 && history > 2 * length)) throw new Error('pattern: history must exceed twice the pattern length');
    this.size = history + length;
    this.capacity = this.size + 1;
    this.values = new Float64Array(2 * this.capacity);
    this.running = new Float64Array(this.size + 1);
  }

  /** Adds a reading; returns the distance of the newest pattern to its nearest past one (NaN while filling up). */
  push(value: number): number {
    const { capacity, values } = this;
    values[this.next] = value;
    values[this.next + capacity] = value;
    const newestEnd = this.next + capacity;
    this.next = (this.next + 1) % capacity;
    this.count = Math.min(this.count + 1, this.size);
    if (this.count < 3 * this.length) return Number.NaN;
    if (this.count < this.size) return Math.sqrt(this.search(newestEnd));
    if (this.sinceExact >= 0 && this.sinceExact < REFRESH_EVERY) {
      if (value < this.low) this.low = value;
      if (value > this.high) this.high = value;
      if (this.high - this.low <= MAX_RANGE) {
        this.sinceExact += 1;
        return Math.sqrt(this.slide(newestEnd));
      }
    }
    this.measureRange();
    if (this.high - this.low <= MAX_RANGE) return Math.sqrt(this.recompute(newestEnd));
    // Not finite, or so far apart that a running sum could overflow: direct search, exact sums again after.
    this.sinceExact = -1;
    return Math.sqrt(this.search(newestEnd));
  }

  /** The smallest and largest reading in the buffer, the one that has just left the history included. */
  private measureRange(): void {
    const { values, capacity } = this;
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (let index = 0; index < capacity; index++) {
      const reading = values[index]!;
      if (reading < low) low = reading;
      if (reading > high) high = reading;
    }
    this.low = low;
    this.high = high;
  }

  /**
   * The nearest stretch by direct search: the previous nearest one, one reading on, first (a small `best` from the
   * start lets the early abandon drop most candidates after a reading or two), then every candidate, each dropped as
   * soon as its partial distance exceeds the best so far. Used while the history fills up.
   */
  private search(newestEnd: number): number {
    const { length, values } = this;
    let best = Number.POSITIVE_INFINITY;
    let bestLag = 0;
    if (this.previousBestLag >= length && this.previousBestLag + length <= this.count) {
      best = this.distanceAt(newestEnd, this.previousBestLag, best);
      bestLag = this.previousBestLag;
    }
    // Candidates end at least `length` readings back, so the pattern never matches a shifted copy of itself.
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
    return best;
  }

  /** Every candidate's distance summed exactly into `running` (history full); returns the smallest. */
  private recompute(newestEnd: number): number {
    const { length, values, running, size } = this;
    let best = Number.POSITIVE_INFINITY;
    let bestLag = 0;
    for (let lag = length; lag + length <= size; lag++) {
      const distance = this.distanceAt(newestEnd, lag, Number.POSITIVE_INFINITY);
      running[lag] = distance;
      if (distance < best) {
        best = distance;
        bestLag = lag;
      }
    }
    this.sinceExact = 0;
    this.previousBestLag = bestLag;
    return best;
  }

  /**
   * One reading on: every running sum takes the new reading's term and drops the one that left the pattern, then the
   * candidates that can still be the nearest are summed exactly.
   */
  private slide(newestEnd: number): number {
    const { length, values, running, size, near } = this;
    // How far a running sum can be from the exact one, in units of u·range² (u the unit roundoff; every difference of
    // two readings is at most the range, so every squared difference at most range²). A slide adds
    // (e − l)·(e + l) = e² − l², e and l each the difference of two readings: within 16 of its true value (the
    // differences' roundings, 2 each, and three more on |e ± l| ≤ 2·range); the sum it goes into is at most
    // (length + 1)·range², so its rounding is at most length + 1. An exact sum of `length` squared differences is
    // within (length + 2)·length of the true sum: once when the running sums were last made exact, once for the
    // candidate compared. Four times all that, for the roundings of this bound itself and anything overlooked.
    const range = this.high - this.low;
    const perSlide = 16 + 2 * (length + 1);
    const slack = 4 * (2 * (length + 2) * length + this.sinceExact * perSlide) * ROUNDOFF * range * range;
    const gap = 2 * slack;
    const newest = values[newestEnd]!;
    const leaving = values[newestEnd - length]!;
    let smallest = Number.POSITIVE_INFINITY;
    let limit = Number.POSITIVE_INFINITY;
    let smallestLag = length;
    let nearCount = 0;
    const lastLag = size - length;
    let lag = length;
    // Two lags per turn (about a third faster in V8); a running sum near the smallest so far is remembered.
    for (; lag < lastLag; lag += 2) {
      const candidateEnd = newestEnd - lag;
      const entering0 = newest - values[candidateEnd]!;
      const left0 = leaving - values[candidateEnd - length]!;
      const entering1 = newest - values[candidateEnd - 1]!;
      const left1 = leaving - values[candidateEnd - 1 - length]!;
      const distance0 = running[lag]! + (entering0 - left0) * (entering0 + left0);
      const distance1 = running[lag + 1]! + (entering1 - left1) * (entering1 + left1);
      running[lag] = distance0;
      running[lag + 1] = distance1;
      if (distance0 <= limit) {
        if (nearCount < NEAR_KEPT) near[nearCount] = lag;
        nearCount += 1;
        if (distance0 < smallest) {
          smallest = distance0;
          smallestLag = lag;
          limit = smallest + gap;
        }
      }
      if (distance1 <= limit) {
        if (nearCount < NEAR_KEPT) near[nearCount] = lag + 1;
        nearCount += 1;
        if (distance1 < smallest) {
          smallest = distance1;
          smallestLag = lag + 1;
          limit = smallest + gap;
        }
      }
    }
    if (lag === lastLag) {
      const entering = newest - values[newestEnd - lag]!;
      const left = leaving - values[newestEnd - lag - length]!;
      const distance = running[lag]! + (entering - left) * (entering + left);
      running[lag] = distance;
      if (distance <= limit) {
        if (nearCount < NEAR_KEPT) near[nearCount] = lag;
        nearCount += 1;
        if (distance < smallest) {
          smallest = distance;
          smallestLag = lag;
          limit = smallest + gap;
        }
      }
    }
    // The exact nearest stretch's running sum is at most its exact sum + slack ≤ (the smallest running sum's exact
    // sum) + slack ≤ smallest + 2·slack, so it is among `near`. The one with the smallest running sum goes first.
    let best = this.distanceAt(newestEnd, smallestLag, Number.POSITIVE_INFINITY);
    if (nearCount <= NEAR_KEPT) {
      for (let index = 0; index < nearCount; index++) {
        const lag = near[index]!;
        if (lag === smallestLag || running[lag]! > limit) continue;
        const distance = this.distanceAt(newestEnd, lag, best);
        if (distance < best) best = distance;
      }
      return best;
    }
    // Too many near ones to remember (a flat or repeating signal, where many stretches are alike): all are looked at.
    for (let lag = length; lag + length <= size; lag++) {
      if (lag === smallestLag || running[lag]! > limit) continue;
      const distance = this.distanceAt(newestEnd, lag, best);
      if (distance < best) best = distance;
    }
    return best;
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
