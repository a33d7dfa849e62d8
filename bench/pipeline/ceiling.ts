/**
 * The highest rate a consumer takes with zero loss, found by trials (see rate-search.ts), and the JSON line that
 * reports it with the CPU and memory of its last passing trial.
 */
import { nextRate, searchState, type RateSearchOptions, type SearchBound } from './rate-search.js';
import type { Consumer } from './consumers.js';
import { runTrial, type TrialResult, type TrialSettings } from './trial.js';

export interface Ceiling {
  bench: 'pipeline.ceiling';
  consumer: string;
  /** Highest rate passed twice, readings/s asked of the publishers; 0 if none. */
  rate: number;
  /** What stopped the search above it. */
  bounded_by: SearchBound;
  /** The lowest rate that lost readings or that the publishers could not reach; null if none. */
  lowest_failed: number | null;
  /** Of the last passing trial at `rate`: */
  achieved_publish_rate: number | null;
  cpu_s_per_million: number | null;
  rss_idle_mb: number | null;
  rss_load_mb: number | null;
  seconds: number;
  publishers: number;
  trials: Pick<TrialResult, 'rate' | 'outcome' | 'achieved_rate' | 'lost' | 'cpu_s_per_million'>[];
}

export async function findCeiling(consumer: Consumer, search: RateSearchOptions, settings: TrialSettings): Promise<Ceiling> {
  const trials: TrialResult[] = [];
  for (;;) {
    const step = nextRate(trials, search);
    if ('done' in step) {
      const rate = searchState(trials).highestConfirmed;
      const best = trials.filter((t) => t.rate === rate && t.outcome === 'pass').at(-1);
      return {
        bench: 'pipeline.ceiling',
        consumer: consumer.name,
        rate,
        bounded_by: step.done,
        lowest_failed: searchState(trials).lowestFailed,
        achieved_publish_rate: best?.achieved_rate ?? null,
        cpu_s_per_million: best?.cpu_s_per_million ?? null,
        rss_idle_mb: best?.rss_idle_mb ?? null,
        rss_load_mb: best?.rss_load_mb ?? null,
        seconds: settings.seconds,
        publishers: settings.publishers,
        trials: trials.map(({ rate, outcome, achieved_rate, lost, cpu_s_per_million }) => ({ rate, outcome, achieved_rate, lost, cpu_s_per_million })),
      };
    }
    const trial = await runTrial(consumer, step.rate, settings);
    trials.push(trial);
    process.stderr.write(`pipeline trial ${JSON.stringify(trial)}\n`);
  }
}
