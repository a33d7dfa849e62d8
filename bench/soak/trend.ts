/**
 * What a series of samples over the soak says: where it started and ended, its peak, and whether it still grows
 * once warmed up. The second half of the simulated hour is the steady part (broker restarts, the buffer's backlog
 * and the first sensors' departures all happen in the first), so growth is judged there.
 */

export interface Point {
  /** Simulated seconds since the fleet started. */
  readonly t: number;
  readonly value: number;
}

/** Least-squares slope of value over t, in value per second; 0 for fewer than two distinct times. */
export function slope(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanT = points.reduce((sum, p) => sum + p.t, 0) / n;
  const meanV = points.reduce((sum, p) => sum + p.value, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.t - meanT) * (p.value - meanV);
    variance += (p.t - meanT) ** 2;
  }
  return variance === 0 ? 0 : covariance / variance;
}

const mean = (points: readonly Point[]) => (points.length === 0 ? 0 : points.reduce((sum, p) => sum + p.value, 0) / points.length);
const max = (points: readonly Point[]) => points.reduce((peak, p) => Math.max(peak, p.value), Number.NEGATIVE_INFINITY);
const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** Splits samples at the middle of the simulated run. */
function halves(points: readonly Point[], simulatedSeconds: number): [Point[], Point[]] {
  const middle = simulatedSeconds / 2;
  return [points.filter((p) => p.t < middle), points.filter((p) => p.t >= middle)];
}

/** Growth that still counts as flat: this share of the level per simulated hour. */
export const FLAT_PERCENT_PER_HOUR = 5;
/**
 * The same for the heap after a forced full collection, which has no garbage in it and so little noise: without
 * churn it stayed within 0.4–1.9 % per simulated hour (6 runs), so 3 % already means something is kept.
 */
export const FLAT_HEAP_PERCENT_PER_HOUR = 3;

/**
 * A memory series (bytes), in MB. Flat: the least-squares line through the second half rises by less than
 * `flatPercent` % of the second half's mean per simulated hour.
 */
export function memoryTrend(points: readonly Point[], simulatedSeconds: number, flatPercent = FLAT_PERCENT_PER_HOUR) {
  const [, second] = halves(points, simulatedSeconds);
  const mb = (bytes: number) => round(bytes / 1_048_576, 1);
  const perHour = slope(second) * 3600;
  const level = mean(second);
  const percentPerHour = level === 0 ? 0 : (perHour / level) * 100;
  return {
    start_mb: mb(points[0]?.value ?? 0),
    end_mb: mb(points[points.length - 1]?.value ?? 0),
    max_mb: mb(max(points)),
    second_half_mean_mb: mb(level),
    slope_mb_per_simulated_hour: round(perHour / 1_048_576, 2),
    growth_percent_per_simulated_hour: round(percentPerHour, 1),
    flat: percentPerHour < flatPercent,
  };
}

/**
 * A count or size that must stay bounded (file descriptors, handles, file bytes). Flat: the second half never goes
 * above the first half's peak by more than `slack` (a count of a few, or a share for sizes), i.e. nothing piles up
 * once every kind of event (restarts, backlog, departures) has happened once.
 */
export function boundedTrend(points: readonly Point[], simulatedSeconds: number, slack: { count?: number; share?: number }) {
  const [first, second] = halves(points, simulatedSeconds);
  const firstPeak = max(first);
  const secondPeak = max(second);
  const allowed = firstPeak + (slack.count ?? 0) + firstPeak * (slack.share ?? 0);
  return {
    start: points[0]?.value ?? 0,
    end: points[points.length - 1]?.value ?? 0,
    max: max(points),
    first_half_max: firstPeak,
    second_half_max: secondPeak,
    slope_per_simulated_hour: round(slope(second) * 3600, 2),
    flat: secondPeak <= allowed,
  };
}
