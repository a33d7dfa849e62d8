/**
 * A sorted multiset of numbers in one growable Float64Array: insert and remove by binary search, median and median
 * absolute deviation without allocating. O(n) per change, which is cheap for the few hundred readings of a window.
 */
export class SortedValues {
  private values = new Float64Array(64);
  private count = 0;

  get size(): number {
    return this.count;
  }

  insert(value: number): void {
    if (this.count === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    const at = this.lowerBound(value);
    this.values.copyWithin(at + 1, at, this.count);
    this.values[at] = value;
    this.count += 1;
  }

  remove(value: number): void {
    const at = this.lowerBound(value);
    if (at >= this.count || this.values[at] !== value) return;
    this.values.copyWithin(at, at + 1, this.count);
    this.count -= 1;
  }

  /**
   * Removes `old` and inserts `value` in one pass: only the values between the two places move (on a sliding
   * window, about a third of the array on average instead of all of it twice). `old` must be present.
   */
  replace(old: number, value: number): void {
    if (old === value) return;
    const from = this.lowerBound(old);
    if (from >= this.count || this.values[from] !== old) throw new Error(`sorted values: ${old} is not present`);
    const to = this.lowerBound(value);
    if (value > old) {
      // Values in (from, to) are below `value`: each moves down one place, `value` goes just below `to`.
      this.values.copyWithin(from, from + 1, to);
      this.values[to - 1] = value;
    } else {
      // Values in [to, from) are at least `value`: each moves up one place over `old`.
      this.values.copyWithin(to + 1, to, from);
      this.values[to] = value;
    }
  }

  /** The q-quantile (0..1) by linear interpolation between neighbours. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const position = q * (this.count - 1);
    const below = Math.floor(position);
    const above = Math.min(below + 1, this.count - 1);
    const low = this.values[below]!;
    return low + (this.values[above]! - low) * (position - below);
  }

  get median(): number {
    return this.quantile(0.5);
  }

  /**
   * Median of |x - median|: deviations below and above the median are each sorted when walked outward from it,
   * so merging the two walks finds the middle one in n/2 steps.
   */
  medianAbsoluteDeviation(): number {
    if (this.count === 0) return Number.NaN;
    const median = this.median;
    if (Number.isFinite(median)) {
      const found = this.deviationBySearch(median);
      if (found !== 0) return found;
    }
    // A deviation of 0 (its sign depends on the walk) or a median that is not finite: the walk itself.
    return this.deviationByWalk(median);
  }

  /**
   * The same median of |x - median| in O(log n): the deviations below the median, walked down, and above it, walked
   * up, are two sorted runs, and the middle ones of both together are found by bisecting how many come from the
   * first. Each deviation is computed exactly as the walk does, so any nonzero answer is the walk's to the last bit;
   * 0 when the answer involves a deviation of 0 (the walk decides its sign).
   */
  private deviationBySearch(median: number): number {
    const { values, count } = this;
    const split = this.lowerBound(median);
    // Below: below(i) = median - values[split - 1 - i], i < split; above: above(j) = values[split + j] - median.
    const belowCount = split;
    const aboveCount = count - split;
    const wanted = Math.floor((count - 1) / 2);
    // Take `fromBelow` of the `wanted + 1` smallest from below, the rest from above.
    let low = Math.max(0, wanted + 1 - aboveCount);
    let high = Math.min(belowCount, wanted + 1);
    while (low < high) {
      const middle = (low + high) >>> 1;
      const fromAbove = wanted + 1 - middle;
      if (fromAbove > 0 && values[split + fromAbove - 1]! - median > median - values[split - 1 - middle]!) low = middle + 1;
      else high = middle;
    }
    const fromBelow = low;
    const fromAbove = wanted + 1 - fromBelow;
    const lastBelow = fromBelow > 0 ? median - values[split - fromBelow]! : Number.NEGATIVE_INFINITY;
    const lastAbove = fromAbove > 0 ? values[split + fromAbove - 1]! - median : Number.NEGATIVE_INFINITY;
    const deviation = lastBelow > lastAbove ? lastBelow : lastAbove;
    if (count % 2 === 1) return deviation === 0 ? 0 : deviation;
    const nextBelow = fromBelow < belowCount ? median - values[split - 1 - fromBelow]! : Number.POSITIVE_INFINITY;
    const nextAbove = fromAbove < aboveCount ? values[split + fromAbove]! - median : Number.POSITIVE_INFINITY;
    const nextDeviation = nextBelow < nextAbove ? nextBelow : nextAbove;
    if (deviation === 0 || nextDeviation === 0) return 0;
    return (deviation + nextDeviation) / 2;
  }

  private deviationByWalk(median: number): number {
    let left = this.lowerBound(median) - 1;
    let right = left + 1;
    const wanted = Math.floor((this.count - 1) / 2);
    let deviation = 0;
    let nextDeviation = 0;
    for (let taken = 0; taken <= wanted + 1 && (left >= 0 || right < this.count); taken++) {
      const leftDeviation = left >= 0 ? median - this.values[left]! : Number.POSITIVE_INFINITY;
      const rightDeviation = right < this.count ? this.values[right]! - median : Number.POSITIVE_INFINITY;
      const smaller = Math.min(leftDeviation, rightDeviation);
      if (leftDeviation <= rightDeviation) left--;
      else right++;
      if (taken === wanted) deviation = smaller;
      if (taken === wanted + 1) nextDeviation = smaller;
    }
    return this.count % 2 === 1 ? deviation : (deviation + nextDeviation) / 2;
  }

  clear(): void {
    this.count = 0;
  }

  private lowerBound(value: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.values[middle]! < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
