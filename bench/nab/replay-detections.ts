import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LifecycleSpec } from '../../rules/anomaly/alert-lifecycle.js';
import type { DetectorSpec } from '../../rules/anomaly/detector-spec.js';
import { REPOSITORY_ROOT, type NabSeries } from './nab-data.js';

/**
 * A config with one rule holding the detector and lifecycle, as a user would write it. JSON is YAML, and the
 * lifecycle's durations are written in ms. Only `anomaly` options are written back: the other detectors' validated
 * specs do not read the same as their YAML (windows, durations).
 */
export function replayConfig(detector: DetectorSpec, lifecycle: LifecycleSpec): string {
  if (detector.kind !== 'anomaly') {
    throw new Error(`--replay runs the anomaly detector only, got "${detector.kind}": leave out --replay to score it through the library`);
  }
  const { kind, ...options } = detector;
  const alert = {
    [kind]: options,
    for: `${lifecycle.for}ms`,
    keep_firing_for: `${lifecycle.keep_firing_for}ms`,
    cooldown: `${lifecycle.cooldown}ms`,
    ...(lifecycle.flap ? { flap: { window: `${lifecycle.flap.window}ms`, max_firings: lifecycle.flap.max_firings } } : {}),
  };
  return `${JSON.stringify({ rules: { nab: { alert } } }, null, 2)}\n`;
}

/**
 * Row indices of firing transitions, from `tributary replay` of the series' CSV (the built CLI when there is one):
 * the same measurement as the library's, end to end through the agent's config loader and replay.
 */
export function replayDetections(series: NabSeries, dataDir: string, config: string, work: string): number[] {
  const configFile = join(work, 'nab.yaml');
  writeFileSync(configFile, config);
  const output = join(work, 'results.jsonl');
  const built = join(REPOSITORY_ROOT, 'dist/agent/cli.js');
  const cli = existsSync(built) ? [built] : ['--import', 'tsx', join(REPOSITORY_ROOT, 'agent/cli.ts')];
  const input = join(dataDir, series.name);
  execFileSync(process.execPath, [...cli, 'replay', '--config', configFile, '--input', input, '--output', output], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const rowOf = new Map(series.timestamps.map((timestamp, row) => [timestamp, row]));
  return readFileSync(output, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { kind: string; state?: string; timestamp?: number })
    .filter((result) => result.kind === 'alert' && result.state === 'firing')
    .map((result) => rowOf.get(result.timestamp!)!);
}
