/**
 * Where to try next when looking for the highest rate a consumer takes with zero loss: upward from a start rate
 * until a trial loses readings, then bisecting between the highest confirmed pass and the lowest failure. A pass
 * counts only once a second trial at the same rate passes too (confirmation). A trial whose publishers could not
 * reach the asked rate is inconclusive: it says nothing about the consumer, so it bounds the search from above
 * (no higher rate can be asked for either) and the result says the publishers, not the consumer, were the limit.
 * Pure: the caller runs the trials and feeds their outcomes back.
 */

/** What one trial showed. */
export type TrialOutcome = 'pass' | 'loss' | 'inconclusive';

export interface TrialRecord {
  rate: number;
  outcome: TrialOutcome;
}

export interface RateSearchOptions {
  /** The first rate tried, readings/s. */
  start: number;
  /** Never ask for more than this (the search then ends with `bounded_by: 'max_rate'`). */
  max: number;
  /** Never try below this; a failure at or below it ends the search with nothing passing. */
  min: number;
  /** Each confirmed pass with no failure above it multiplies the rate by this. */
  growth: number;
  /** Bisection stops once the lowest failure is within this fraction above the highest pass (0.05: 5 %). */
  resolution: number;
  /** Rates are rounded to a multiple of this. */
  step: number;
  /** At most this many trials in all. */
  maxTrials: number;
}

/** Why the search stopped: what the highest passing rate is bounded by. */
export type SearchBound = 'loss' | 'publishers' | 'max_rate' | 'trials';

export interface SearchState {
  /** The highest rate passed twice, none of whose trials lost or was inconclusive; 0 if none. */
  highestConfirmed: number;
  /** The lowest rate with a lost or inconclusive trial (a pass there not confirmed counts too); null if none. */
  lowestFailed: number | null;
  /** Whether that lowest failure was inconclusive (the publishers fell short) rather than a loss. */
  failedInconclusive: boolean;
  /** A rate passed once and not yet tried again. */
  unconfirmed: number | null;
}

/** Sums up the trials so far, rate by rate. */
export function searchState(trials: readonly TrialRecord[]): SearchState {
  const byRate = new Map<number, TrialOutcome[]>();
  for (const trial of trials) byRate.set(trial.rate, [...(byRate.get(trial.rate) ?? []), trial.outcome]);
  let lowestFailed: number | null = null;
  let failedInconclusive = false;
  for (const [rate, outcomes] of byRate) {
    if (outcomes.every((o) => o === 'pass')) continue;
    if (lowestFailed === null || rate < lowestFailed) {
      lowestFailed = rate;
      // A loss at this rate outweighs an inconclusive trial there: the consumer did lose readings.
      failedInconclusive = !outcomes.includes('loss');
    }
  }
  // Only passes below the lowest failure count: on a shared machine a higher rate can pass by luck after a lower
  // one failed, and the failure is what bounds the claim.
  let highestConfirmed = 0;
  let unconfirmed: number | null = null;
  for (const [rate, outcomes] of byRate) {
    if (!outcomes.every((o) => o === 'pass') || (lowestFailed !== null && rate > lowestFailed)) continue;
    if (outcomes.length >= 2) highestConfirmed = Math.max(highestConfirmed, rate);
    else unconfirmed = rate;
  }
  return { highestConfirmed, lowestFailed, failedInconclusive, unconfirmed };
}

export type NextStep = { rate: number } | { done: SearchBound };

/** The rate of the next trial, or why the search is over. */
export function nextRate(trials: readonly TrialRecord[], options: RateSearchOptions): NextStep {
  const state = searchState(trials);
  const bound = (): SearchBound =>
    state.lowestFailed === null ? (state.highestConfirmed >= options.max ? 'max_rate' : 'trials') : state.failedInconclusive ? 'publishers' : 'loss';
  if (trials.length >= options.maxTrials) {
    // Out of trials: say so, unless the search was over anyway.
    const uncapped = nextRate(trials, { ...options, maxTrials: Number.POSITIVE_INFINITY });
    return 'done' in uncapped ? uncapped : { done: 'trials' };
  }
  if (state.unconfirmed !== null) return { rate: state.unconfirmed };
  const round = (rate: number) => Math.max(options.min, Math.round(rate / options.step) * options.step);
  if (state.lowestFailed === null) {
    if (trials.length === 0) return { rate: Math.min(options.max, round(options.start)) };
    if (state.highestConfirmed >= options.max) return { done: 'max_rate' };
    return { rate: Math.min(options.max, round(state.highestConfirmed * options.growth)) };
  }
  const low = state.highestConfirmed;
  const high = state.lowestFailed;
  if (low === 0 && high <= options.min) return { done: bound() };
  if (low > 0 && high <= low * (1 + options.resolution)) return { done: bound() };
  const middle = round((low + high) / 2);
  if (middle <= low || middle >= high) return { done: bound() };
  return { rate: middle };
}
