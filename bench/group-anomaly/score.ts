/**
 * Scores the group detector (`anomaly: { across }`) against per-sensor `anomaly: {}` on labelled simulated pump
 * recordings, honestly: each detector's parameters are chosen on the recordings of the tuning seeds (pooled: the best
 * point-wise F1 among the candidates with at most one false alarm a day), then the chosen ones are scored, pooled, on recordings of other seeds (held out). All run through the
 * replay path (recording reader, config validation, rule engine) with `keep_firing_for: 2m`.
 *
 *   npx tsx bench/group-anomaly/score.ts [--tune-seeds 42,43,44] [--test-seeds 10,11,12] [--hours 12] [--out DIR]
 *
 * One JSON line per candidate and split (pooled), then one `summary` line per detector with its held-out score.
 * Point-wise: a tick counts as flagged while any alert of the detector is firing; label = a device fault is active.
 * Event-wise: a fault episode is caught when the detector fires during it; a false alarm is an alert that goes
 * firing outside every fault episode.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkConfigText } from '../../agent/config/load-config.js';
import { readRecording } from '../../agent/replay/recorded-readings.js';
import { replay } from '../../agent/replay/replay.js';
import { GROUP_DEFAULTS } from '../../rules/anomaly/group-anomaly.js';
import type { AlertResult, RuleResult } from '../../rules/rule-result.js';
import { makeRecording } from './make-recording.js';

const SENSORS = ['pump/flow', 'pump/pressure', 'pump/current', 'pump/vibration'];
/** The selection rule: see the summary. */
const MAX_FALSE_ALARMS_PER_DAY = 1;

/** Candidate name → the detector block written in the rule. */
const GROUP_CANDIDATES: Record<string, string> = {};
for (const learn of [1000, 3000]) {
  for (const quantile of [0.99, 1]) {
    for (const margin of [1.2, 1.5, 2]) {
      for (const smoothing of [0.05, 0.1]) {
        GROUP_CANDIDATES[`group_l${learn}_q${quantile}_m${margin}_s${smoothing}`] =
          `anomaly: { across: [${SENSORS.join(', ')}], learn: ${learn}, quantile: ${quantile}, margin: ${margin}, smoothing: ${smoothing} }`;
      }
    }
  }
}
const PER_SENSOR_CANDIDATES: Record<string, string> = {};
for (const threshold of [5, 8]) {
  for (const pattern of [5, 8]) PER_SENSOR_CANDIDATES[`each_t${threshold}_p${pattern}`] = `anomaly: { threshold: ${threshold}, pattern_threshold: ${pattern} }`;
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
  episodes: number;
  caught: number;
  falseAlarms: number;
  days: number;
}

interface Score {
  readonly candidate: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly episodes: number;
  readonly episodes_caught: number;
  readonly false_alarms: number;
  readonly false_alarms_per_day: number;
}

function configText(candidates: Record<string, string>): string {
  const rules = Object.entries(candidates).map(([name, detector]) =>
    [`  ${name}:`, `    select: [${SENSORS.join(', ')}]`, '    alert:', `      ${detector}`, '      keep_firing_for: 2m'].join('\n'),
  );
  return `rules:\n${rules.join('\n')}\n`;
}

async function runRecording(file: string, candidates: Record<string, string>): Promise<AlertResult[]> {
  const checked = checkConfigText(configText(candidates), 'score.yaml', {}, ['rules']);
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  const alerts: AlertResult[] = [];
  await replay(checked.config.rules, readRecording(file, { source: 'pump', timestampColumn: 'timestamp' }, () => {}), (result: RuleResult) => {
    if (result.kind === 'alert') alerts.push(result);
  });
  return alerts;
}

function count(candidate: string, alerts: readonly AlertResult[], labels: readonly { timestamp: number; fault: boolean }[]): Counts {
  // Firing intervals: the detector's alerts (one per sensor, or one per group) in order of time.
  const firing = new Set<string>();
  const transitions = alerts.filter((alert) => alert.rule === candidate).sort((a, b) => a.timestamp - b.timestamp);
  let next = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let episodes = 0;
  let caught = 0;
  let falseAlarms = 0;
  let inEpisode = false;
  let episodeCaught = false;
  for (const { timestamp, fault } of labels) {
    if (fault && !inEpisode) {
      episodes += 1;
      episodeCaught = false;
    }
    if (!fault && inEpisode && episodeCaught) caught += 1;
    inEpisode = fault;
    while (next < transitions.length && transitions[next]!.timestamp <= timestamp) {
      const transition = transitions[next++]!;
      const key = `${transition.source}/${transition.sensor}`;
      if (transition.state === 'firing') {
        if (!firing.has(key) && fault) episodeCaught = true;
        if (!firing.has(key) && !fault) falseAlarms += 1;
        firing.add(key);
      } else if (transition.state === 'resolved') firing.delete(key);
    }
    if (fault && firing.size > 0) episodeCaught = true;
    const flagged = firing.size > 0;
    if (flagged && fault) tp += 1;
    else if (flagged) fp += 1;
    else if (fault) fn += 1;
  }
  if (inEpisode && episodeCaught) caught += 1;
  const days = (labels.length * (labels[1]!.timestamp - labels[0]!.timestamp)) / 86_400_000;
  return { tp, fp, fn, episodes, caught, falseAlarms, days };
}

function pooled(candidate: string, counts: readonly Counts[]): Score {
  const sum = (key: keyof Counts) => counts.reduce((total, each) => total + each[key], 0);
  const [tp, fp, fn] = [sum('tp'), sum('fp'), sum('fn')];
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const round = (value: number) => Number(value.toFixed(3));
  return {
    candidate,
    precision: round(precision),
    recall: round(recall),
    f1: round(precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)),
    episodes: sum('episodes'),
    episodes_caught: sum('caught'),
    false_alarms: sum('falseAlarms'),
    false_alarms_per_day: round(sum('falseAlarms') / sum('days')),
  };
}

function readLabels(file: string): { timestamp: number; fault: boolean }[] {
  return readFileSync(file, 'utf8').trim().split('\n').slice(1).map((line) => {
    const [timestamp, fault] = line.split(',');
    return { timestamp: Number(timestamp), fault: (fault ?? '') !== '' };
  });
}

const { values } = parseArgs({
  options: { 'tune-seeds': { type: 'string', default: '42,43,44' }, 'test-seeds': { type: 'string', default: '10,11,12' }, hours: { type: 'string', default: '12' }, out: { type: 'string' } },
});
const out = values.out ?? (await mkdtemp(path.join(tmpdir(), 'group-score-')));
const candidates = { ...GROUP_CANDIDATES, ...PER_SENSOR_CANDIDATES };
const hours = Number(values.hours);
const scores = new Map<string, Map<string, Score>>();
for (const split of ['tune', 'test'] as const) {
  const seeds = values[`${split}-seeds`]!.split(',').map(Number);
  const counts = new Map<string, Counts[]>(Object.keys(candidates).map((candidate) => [candidate, []]));
  for (const seed of seeds) {
    const recording = await makeRecording({ seed, hours, out });
    const labels = readLabels(recording.labels);
    const alerts = await runRecording(recording.readings, candidates);
    for (const candidate of Object.keys(candidates)) counts.get(candidate)!.push(count(candidate, alerts, labels));
  }
  const bySplit = new Map<string, Score>();
  for (const candidate of Object.keys(candidates)) {
    const result = pooled(candidate, counts.get(candidate)!);
    bySplit.set(candidate, result);
    process.stdout.write(`${JSON.stringify({ bench: 'group_anomaly.score', split, seeds, hours, ...result })}\n`);
  }
  scores.set(split, bySplit);
}
for (const [detector, pool] of [['group (anomaly: { across })', GROUP_CANDIDATES], ['per-sensor (anomaly: {})', PER_SENSOR_CANDIDATES]] as const) {
  const names = Object.keys(pool);
  // A detector that pages for nothing gets switched off: the best point-wise F1 among the candidates with at most one
  // false alarm a day on the tuning recordings (the best F1 of all when none has so few).
  const tuning = scores.get('tune')!;
  const trusted = names.filter((name) => tuning.get(name)!.false_alarms_per_day <= MAX_FALSE_ALARMS_PER_DAY);
  const chosen = (trusted.length > 0 ? trusted : names).reduce((best, name) => (tuning.get(name)!.f1 > tuning.get(best)!.f1 ? name : best));
  const defaults = detector.startsWith('group')
    ? `group_l${GROUP_DEFAULTS.learn}_q${GROUP_DEFAULTS.quantile}_m${GROUP_DEFAULTS.margin}_s${GROUP_DEFAULTS.smoothing}`
    : 'each_t5_p5';
  process.stdout.write(
    `${JSON.stringify({
      bench: 'group_anomaly.summary',
      detector,
      chosen_on_tune_seeds: chosen,
      tuning: scores.get('tune')!.get(chosen),
      held_out: scores.get('test')!.get(chosen),
      defaults_held_out: scores.get('test')!.get(defaults) ?? null,
    })}\n`,
  );
}
if (values.out === undefined) await rm(out, { recursive: true });
