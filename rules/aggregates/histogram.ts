/**
 * Counts of a window's values per bucket, reported cumulatively like Prometheus: `le_10` is the number of values
 * ≤ 10, `le_inf` of all values. Upper bounds are sorted; the counts array has one more slot, for +Inf.
 */
export class Histogram {
  readonly counts: Float64Array;

  constructor(private readonly bounds: Float64Array) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  add(value: number): void {
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]!) bucket++;
    this.counts[bucket]! += 1;
  }

  clear(): void {
    this.counts.fill(0);
  }

  merge(other: Histogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
  }

  /** Writes the cumulative counts under `names` (one per bound, then +Inf). */
  emit(out: Record<string, number>, names: readonly string[]): void {
    let cumulative = 0;
    for (let i = 0; i < this.counts.length; i++) {
      cumulative += this.counts[i]!;
      out[names[i]!] = cumulative;
    }
  }
}

/** The output key of an upper bound: `le_10`, `le_2_5` for 2.5, `le_m5` for −5, `le_inf` for +Inf. */
export function bucketKey(bound: number): string {
  if (bound === Number.POSITIVE_INFINITY) return 'le_inf';
  return `le_${String(bound).replaceAll('-', 'm').replaceAll('.', '_').replaceAll('+', '')}`;
}
