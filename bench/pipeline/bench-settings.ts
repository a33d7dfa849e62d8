/**
 * The knobs of the pipeline and peers benchmarks, from the environment; the defaults are the full benchmark.
 * Shorter runs while working on the harness: BENCH_PIPELINE_SECONDS=5 BENCH_PIPELINE_MAX_RATE=40000.
 */
import type { RateSearchOptions } from './rate-search.js';
import type { TrialSettings } from './trial.js';

const number = (name: string, fallback: number) => {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}=${text}: expected a positive number`);
  return value;
};

export function benchSettings(broker: string, workDir: string): { trial: TrialSettings; search: RateSearchOptions } {
  return {
    trial: {
      broker,
      workDir,
      /** Seconds each trial publishes for. */
      seconds: number('BENCH_PIPELINE_SECONDS', 20),
      sensors: 1_000,
      /** Publisher processes sharing the fleet, so that no single publisher is the limit. */
      publishers: number('BENCH_PIPELINE_PUBLISHERS', 2),
      outOfRangeEvery: 50,
      minAchieved: 0.97,
    },
    search: {
      start: number('BENCH_PIPELINE_START_RATE', 10_000),
      max: number('BENCH_PIPELINE_MAX_RATE', 400_000),
      min: 1_000,
      growth: 2,
      resolution: number('BENCH_PIPELINE_RESOLUTION', 0.05),
      step: 100,
      maxTrials: number('BENCH_PIPELINE_MAX_TRIALS', 16),
    },
  };
}

/** Agent (or peer) against the bare subscriber: the headline. */
export function ratioLine(consumer: { consumer: string; rate: number; cpu_s_per_million: number | null }, bare: { rate: number; cpu_s_per_million: number | null }) {
  return {
    bench: 'pipeline.ratio',
    consumer: consumer.consumer,
    to: 'bare',
    rate_ratio: bare.rate > 0 ? Number((consumer.rate / bare.rate).toFixed(3)) : null,
    cpu_ratio: consumer.cpu_s_per_million && bare.cpu_s_per_million ? Number((consumer.cpu_s_per_million / bare.cpu_s_per_million).toFixed(2)) : null,
  };
}
