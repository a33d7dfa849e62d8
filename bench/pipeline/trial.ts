/**
 * One trial: a fresh consumer, the publishers at one rate for a fixed time, and what came out. CPU is the
 * consumer's utime + stime from the publishers' start to the last reading counted; RSS idle is sampled just before
 * the start, RSS under load is the highest of samples every 250 ms until the end.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from './consumers.js';
import { cpuSecondsPerMillion, readProcessSample, ticksPerSecond } from './proc-stat.js';
import { script } from './processes.js';
import type { TrialOutcome } from './rate-search.js';

export interface TrialSettings {
  broker: string;
  seconds: number;
  sensors: number;
  publishers: number;
  /** Every this-many-th reading is out of range (dropped by the job's `where`). */
  outOfRangeEvery: number;
  /** Publishers reaching less than this fraction of the asked rate make a trial inconclusive. */
  minAchieved: number;
  /** Where trials keep their files. */
  workDir: string;
}

export interface TrialResult {
  consumer: string;
  rate: number;
  outcome: TrialOutcome;
  achieved_rate: number;
  sent: number;
  expected: number;
  counted: number;
  lost: number;
  cpu_s: number;
  cpu_s_per_million: number;
  rss_idle_mb: number;
  rss_load_mb: number;
}

/** How a trial came out: publishers short of the rate say nothing about the consumer, whatever was counted. */
export function trialOutcome(rate: number, achievedRate: number, minAchieved: number, expected: number, counted: number): TrialOutcome {
  if (achievedRate < rate * minAchieved) return 'inconclusive';
  return counted >= expected ? 'pass' : 'loss';
}

/** Splits `total` readings over `parts` publishers, and counts the out-of-range ones each will send. */
export function shares(total: number, parts: number, outOfRangeEvery: number): { count: number; outOfRange: number }[] {
  return Array.from({ length: parts }, (_, i) => {
    const count = Math.floor(total / parts) + (i < total % parts ? 1 : 0);
    return { count, outOfRange: outOfRangeEvery > 0 ? Math.floor(count / outOfRangeEvery) : 0 };
  });
}

let trialNumber = 0;

export async function runTrial(consumer: Consumer, rate: number, settings: TrialSettings): Promise<TrialResult> {
  const parts = shares(rate * settings.seconds, settings.publishers, settings.outOfRangeEvery);
  const readings = parts.reduce((sum, p) => sum + p.count, 0);
  const outOfRange = parts.reduce((sum, p) => sum + p.outOfRange, 0);
  const dir = path.join(settings.workDir, `trial-${++trialNumber}-${consumer.name}-${rate}`);
  const running = await consumer.start({ broker: settings.broker, readings, outOfRange, dir });
  try {
    const publishers = parts.map((part, i) =>
      script(
        'publisher.ts',
        [settings.broker, part.count, rate / settings.publishers, settings.sensors, 0, '--part', `${i}/${settings.publishers}`, '--out-of-range-every', settings.outOfRangeEvery, '--wait'],
        { stdin: true },
      ),
    );
    await Promise.all(publishers.map((p) => p.ready));
    await sleep(1_000);
    const idle = readProcessSample(running.pid);
    if (!idle) throw new Error(`${consumer.name} (pid ${running.pid}) is gone before the trial started`);
    let rssPeak = idle.rssBytes;
    const sampler = setInterval(() => {
      const sample = readProcessSample(running.pid);
      if (sample) rssPeak = Math.max(rssPeak, sample.rssBytes);
    }, 250);
    for (const publisher of publishers) publisher.child.stdin!.end('go\n');
    const sent = (await Promise.all(publishers.map((p) => p.result))) as unknown as { sent: number; seconds: number }[];
    const { readings: counted, cpuTicks: reportedTicks } = await running.counted;
    const end = readProcessSample(running.pid);
    clearInterval(sampler);
    const endTicks = reportedTicks ?? end?.cpuTicks;
    if (endTicks === undefined) throw new Error(`${consumer.name} (pid ${running.pid}) was gone before its CPU time was read`);
    const totalSent = sent.reduce((sum, s) => sum + s.sent, 0);
    const achievedRate = Math.round(totalSent / Math.max(...sent.map((s) => s.seconds)));
    const cpuTicks = endTicks - idle.cpuTicks;
    return {
      consumer: consumer.name,
      rate,
      outcome: trialOutcome(rate, achievedRate, settings.minAchieved, running.expected, counted),
      achieved_rate: achievedRate,
      sent: totalSent,
      expected: running.expected,
      counted,
      lost: Math.max(0, running.expected - counted),
      cpu_s: Number((cpuTicks / ticksPerSecond()).toFixed(2)),
      cpu_s_per_million: Number(cpuSecondsPerMillion(0, cpuTicks, ticksPerSecond(), totalSent).toFixed(2)),
      rss_idle_mb: mb(idle.rssBytes),
      rss_load_mb: mb(Math.max(rssPeak, end?.rssBytes ?? 0)),
    };
  } finally {
    await running.stop();
  }
}

const mb = (bytes: number) => Number((bytes / 1024 / 1024).toFixed(1));
