import { describe, expect, it } from 'vitest';
import { nextRate, searchState, type RateSearchOptions, type TrialOutcome, type TrialRecord } from './rate-search.js';
import { shares, trialOutcome } from './trial.js';

const OPTIONS: RateSearchOptions = { start: 10_000, max: 400_000, min: 1_000, growth: 2, resolution: 0.05, step: 100, maxTrials: 40 };

/** Runs the search against a consumer that passes every rate up to `ceiling` (and publishers that reach `reach`). */
function simulate(ceiling: number, reach = Infinity, options = OPTIONS, flaky: (rate: number, n: number) => TrialOutcome | undefined = () => undefined) {
  const trials: TrialRecord[] = [];
  for (;;) {
    const step = nextRate(trials, options);
    if ('done' in step) return { trials, done: step.done, state: searchState(trials) };
    const outcome = flaky(step.rate, trials.length) ?? (step.rate > reach ? 'inconclusive' : step.rate <= ceiling ? 'pass' : 'loss');
    trials.push({ rate: step.rate, outcome });
  }
}

describe('rate search', () => {
  it('goes upward from the start rate, doubling, and confirms each pass with a second trial before going higher', () => {
    const { trials } = simulate(50_000);
    expect(trials.slice(0, 7).map((t) => `${t.rate} ${t.outcome}`)).toEqual([
      '10000 pass',
      '10000 pass',
      '20000 pass',
      '20000 pass',
      '40000 pass',
      '40000 pass',
      '80000 loss',
    ]);
  });

  it('bisects between the highest confirmed pass and the lowest loss until they are within 5 %', () => {
    const { done, state } = simulate(50_000);
    expect(done).toBe('loss');
    expect(state.highestConfirmed).toBeLessThanOrEqual(50_000);
    expect(state.lowestFailed!).toBeGreaterThan(50_000);
    expect(state.lowestFailed! / state.highestConfirmed).toBeLessThanOrEqual(1.05);
    expect(state.highestConfirmed).toBeGreaterThan(50_000 / 1.05);
  });

  it('finds a ceiling far above 0.9 of anything: the old search could never report more than its first guess', () => {
    const { state, done } = simulate(181_800);
    expect(done).toBe('loss');
    expect(state.highestConfirmed).toBeGreaterThan(172_000);
    expect(state.highestConfirmed).toBeLessThanOrEqual(181_800);
  });

  it('does not count a pass that fails its confirmation', () => {
    // 40,000 passes once, then loses the second time: it is a failure, and the claim stays below it.
    const { trials, state } = simulate(50_000, Infinity, OPTIONS, (rate, n) => (rate === 40_000 && n === 5 ? 'loss' : undefined));
    expect(trials.slice(4, 6)).toEqual([
      { rate: 40_000, outcome: 'pass' },
      { rate: 40_000, outcome: 'loss' },
    ]);
    expect(state.lowestFailed).toBe(40_000);
    expect(state.highestConfirmed).toBeLessThan(40_000);
  });

  it('treats a rate the publishers cannot reach as an upper bound and says the publishers were the limit', () => {
    const { done, state, trials } = simulate(500_000, 60_000);
    expect(done).toBe('publishers');
    expect(trials.some((t) => t.outcome === 'inconclusive')).toBe(true);
    expect(state.highestConfirmed).toBeLessThanOrEqual(60_000);
    expect(state.highestConfirmed).toBeGreaterThan(60_000 / 1.05);
  });

  it('stops at the maximum rate when everything passes', () => {
    const { done, state, trials } = simulate(Infinity, Infinity, { ...OPTIONS, max: 40_000 });
    expect(done).toBe('max_rate');
    expect(state.highestConfirmed).toBe(40_000);
    expect(trials.every((t) => t.rate <= 40_000)).toBe(true);
  });

  it('bisects downward when the first rate already loses, and reports nothing when even the minimum loses', () => {
    expect(simulate(3_000).state.highestConfirmed).toBeGreaterThan(2_800);
    const none = simulate(500);
    expect(none.state.highestConfirmed).toBe(0);
    expect(none.done).toBe('loss');
  });

  it('stops after the maximum number of trials', () => {
    const { trials, done } = simulate(Infinity, Infinity, { ...OPTIONS, maxTrials: 5 });
    expect(trials).toHaveLength(5);
    expect(done).toBe('trials');
  });

  it('says it ran out of trials when a pass was still to be confirmed, even with a failure above it', () => {
    const trials: TrialRecord[] = [
      { rate: 15_000, outcome: 'pass' },
      { rate: 15_000, outcome: 'pass' },
      { rate: 30_000, outcome: 'inconclusive' },
      { rate: 22_500, outcome: 'pass' },
    ];
    expect(nextRate(trials, { ...OPTIONS, maxTrials: 4 })).toEqual({ done: 'trials' });
    expect(nextRate(trials, OPTIONS)).toEqual({ rate: 22_500 });
  });

  it('ignores a lucky pass above a rate that already failed', () => {
    const state = searchState([
      { rate: 20_000, outcome: 'pass' },
      { rate: 20_000, outcome: 'pass' },
      { rate: 40_000, outcome: 'loss' },
      { rate: 60_000, outcome: 'pass' },
      { rate: 60_000, outcome: 'pass' },
    ]);
    expect(state).toEqual({ highestConfirmed: 20_000, lowestFailed: 40_000, failedInconclusive: false, unconfirmed: null });
  });
});

describe('trial outcome', () => {
  it('is inconclusive when the publishers fell short of the rate, even with nothing lost', () => {
    expect(trialOutcome(100_000, 90_000, 0.97, 1_000, 1_000)).toBe('inconclusive');
    expect(trialOutcome(100_000, 97_500, 0.97, 1_000, 1_000)).toBe('pass');
    expect(trialOutcome(100_000, 99_000, 0.97, 1_000, 999)).toBe('loss');
  });

  it('splits the readings over the publishers and counts the out-of-range ones each sends', () => {
    expect(shares(10_001, 2, 50)).toEqual([
      { count: 5_001, outOfRange: 100 },
      { count: 5_000, outOfRange: 100 },
    ]);
    expect(shares(99, 1, 0)).toEqual([{ count: 99, outOfRange: 0 }]);
  });
});
