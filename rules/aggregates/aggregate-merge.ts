import type { MergeContext } from './aggregate-definition.js';
import { aggregateOfOutput } from './aggregate-catalog.js';

/**
 * The values of consecutive windows of one series (oldest first) merged into one window's, by each output's
 * aggregate (its `merge`): what cannot be recombined exactly is left out. Keys keep the rule's order.
 */
export function mergeAggregateValues(windows: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const context = new Merge(windows);
  const out: Record<string, number> = {};
  for (const key of new Set(windows.flatMap((values) => Object.keys(values)))) {
    const value = context.merged(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

class Merge implements MergeContext {
  readonly counts: readonly number[] | undefined;
  readonly total: number | undefined;
  private readonly done = new Map<string, number | undefined>();
  private deviations: { value: number | undefined } | undefined;

  constructor(readonly windows: readonly Readonly<Record<string, number>>[]) {
    this.counts = this.everyHas('count') ? windows.map((values) => values['count']!) : undefined;
    this.total = this.counts?.reduce((a, b) => a + b, 0);
  }

  present(key: string): number[] {
    return this.windows.filter((values) => Object.hasOwn(values, key)).map((values) => values[key]!);
  }

  everyHas(key: string): boolean {
    return this.windows.every((values) => Object.hasOwn(values, key));
  }

  merged(key: string): number | undefined {
    if (this.done.has(key)) return this.done.get(key);
    this.done.set(key, undefined);
    // Only outputs some window has: a merge asking for another (delta for first) gets nothing when the rule lacks it.
    const merge = this.windows.some((values) => Object.hasOwn(values, key)) ? aggregateOfOutput(key)?.merge : undefined;
    const value = merge ? merge(key, this) : undefined;
    this.done.set(key, value);
    return value;
  }

  squaredDeviations(): number | undefined {
    this.deviations ??= { value: this.poolDeviations() };
    return this.deviations.value;
  }

  /** Each window's own squared deviations plus count × (its mean − the overall mean)²; one reading has none. */
  private poolDeviations(): number | undefined {
    const mean = this.merged('mean');
    if (!this.counts || this.total === undefined || mean === undefined) return undefined;
    let squaredDeviations = 0;
    for (let i = 0; i < this.windows.length; i++) {
      const n = this.counts[i]!;
      if (n === 0) continue;
      const own = ownSquaredDeviations(this.windows[i]!, n);
      const windowMean = this.windows[i]!['mean'];
      if (own === undefined || windowMean === undefined) return undefined;
      squaredDeviations += own + n * (windowMean - mean) ** 2;
    }
    return squaredDeviations;
  }
}

function ownSquaredDeviations(values: Readonly<Record<string, number>>, n: number): number | undefined {
  if (values['variance_population'] !== undefined) return values['variance_population'] * n;
  if (values['stddev_population'] !== undefined) return values['stddev_population'] ** 2 * n;
  if (values['variance'] !== undefined) return values['variance'] * (n - 1);
  if (values['stddev'] !== undefined) return values['stddev'] ** 2 * (n - 1);
  return n === 1 ? 0 : undefined;
}
