import { describe, expect, it } from 'vitest';
import { pumpOptions, pumpRounds } from '../../test/helpers/pump-recording.js';
import type { Reading } from '../reading.js';
import type { AlertResult } from '../rule-result.js';
import { NO_DELAYS } from './alert-lifecycle.js';
import { GroupAlertTracker, type GroupModelEvent } from './group-alert-tracker.js';
import { GROUP_DEFAULTS, type GroupAnomalySpec } from './group-anomaly.js';

const HOUR = 3600;
const MINUTE = 60_000;
const PUMP = ['pump/flow', 'pump/pressure', 'pump/current', 'pump/vibration'];

function tracker(group: Partial<GroupAnomalySpec> = {}, events?: GroupModelEvent[]): GroupAlertTracker {
  return new GroupAlertTracker(
    {
      rule: 'pump_together',
      detector: { kind: 'anomaly' },
      lifecycle: { ...NO_DELAYS, keep_firing_for: 2 * MINUTE },
      severity: 'warning',
      group: { ...GROUP_DEFAULTS, across: PUMP, ...group },
    },
    events && ((event) => events.push(event)),
  );
}

/**
 * The sample pump, one round a second; time is the readings' timestamps. Its valve closes 1 h in (the relational
 * fault: flow down, pressure and current up, each within its range).
 */
const ROUNDS = [...pumpRounds(pumpOptions(), 0, HOUR + 300)].map(({ readings }) => readings);

/** Feeds rounds [from, to) and ticks once a second; returns every transition. */
function run(alerts: GroupAlertTracker, from: number, to: number): AlertResult[] {
  const results: AlertResult[] = [];
  for (const readings of ROUNDS.slice(from, to)) {
    for (const reading of readings as Reading[]) {
      const result = alerts.observe(reading);
      if (result) results.push(result);
    }
    results.push(...alerts.tick(readings[0]!.timestamp));
  }
  return results;
}

/** What a stop writes and a start reads back: plain JSON. */
const throughJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

describe('a group model kept across a restart (anomaly: { across })', () => {
  it('learns, stops, starts again with what it learnt, and fires for a relational fault right after the restart', () => {
    const events: GroupModelEvent[] = [];
    const before = tracker({}, events);
    // 3000 rows of learning (50 min), then 5 quiet minutes, then the agent stops.
    expect(run(before, 0, 3300)).toEqual([]);
    expect(events).toEqual([{ rule: 'pump_together', source: 'pump', sensor: 'pump', learnt: true, components: expect.any(Number) }]);
    const saved = throughJson(before.exportModels());
    expect(saved).toMatchObject({ version: 1, groups: [{ source: 'pump', group: 'pump', names: PUMP, model: { phase: 'watching', rows: 3000 } }] });

    const after = tracker();
    expect(after.importModels(saved)).toBeUndefined();
    expect(after.detectorOf('pump', 'pump')!.learnt).toBe(true);
    expect(after.detectorOf('pump', 'pump')!.limits).toEqual(before.detectorOf('pump', 'pump')!.limits);
    // The valve closes 5 minutes after the restart: it fires within its ramp, as it would have without the restart.
    const results = run(after, 3300, HOUR + 300);
    expect(results.map((result) => result.state)).toEqual(['firing']);
    expect(results[0]!.timestamp).toBeGreaterThan(HOUR * 1000);
    expect(results[0]!.timestamp).toBeLessThan((HOUR + 120) * 1000);
    expect(results[0]!.message).toMatch(/^pump: relationship broken: pump\//);

    // Without what it learnt, the restarted group would be learning (the fault among its rows) and say nothing.
    expect(run(tracker(), 3300, HOUR + 300)).toEqual([]);
  });

  it('carries on learning from where it stopped, in either part of the learning period', () => {
    const straight = tracker();
    run(straight, 0, 3100);
    const reference = straight.detectorOf('pump', 'pump')!;
    expect(reference.learnt).toBe(true);
    // Stopped while fitting (1500 rows) and while scoring the held-out third (2500 rows).
    for (const stopAt of [1500, 2500]) {
      const before = tracker();
      run(before, 0, stopAt);
      const saved = throughJson(before.exportModels()) as { groups: { model: { phase: string } }[] };
      expect(saved.groups[0]!.model.phase).toBe(stopAt < 2000 ? 'fitting' : 'calibrating');
      const after = tracker();
      expect(after.importModels(saved)).toBeUndefined();
      run(after, stopAt, 3010);
      const resumed = after.detectorOf('pump', 'pump')!;
      // Learnt after 3000 rows in all, not 3000 after the restart; the row in the making at the stop is lost.
      expect(resumed.learnt).toBe(true);
      expect(resumed.components).toBe(reference.components);
      expect(resumed.limits.spe).toBeCloseTo(reference.limits.spe, 1);
      expect(resumed.limits.t2).toBeCloseTo(reference.limits.t2, 1);
    }
  });

  it('learns afresh, saying why, when across or a learning option changed', () => {
    const before = tracker({ learn: 1000 });
    run(before, 0, 1100);
    const saved = throughJson(before.exportModels());

    const fewer = tracker({ across: PUMP.slice(0, 3), learn: 1000 });
    expect(fewer.importModels(saved)).toBe(
      'learnt with other options (across [pump/flow, pump/pressure, pump/current, pump/vibration] → [pump/flow, pump/pressure, pump/current])',
    );
    expect(fewer.detectorOf('pump', 'pump')).toBeUndefined();
    run(fewer, 1100, 1400);
    expect(fewer.detectorOf('pump', 'pump')!.learnt).toBe(false);

    expect(tracker({ learn: 2000 }).importModels(saved)).toBe('learnt with other options (learn 1000 → 2000)');
    expect(tracker({ learn: 1000, margin: 2 }).importModels(saved)).toBe('learnt with other options (margin 1.5 → 2)');
    // Which statistic fires is not part of what was learnt.
    expect(tracker({ learn: 1000, watch: 'both' }).importModels(saved)).toBeUndefined();
  });

  it('refuses a snapshot that is not one, and then learns afresh', () => {
    const before = tracker({ learn: 1000 });
    run(before, 0, 1100);
    const saved = throughJson(before.exportModels()) as { groups: { model: { comoment: number[] } }[] };
    saved.groups[0]!.model.comoment.pop();
    const after = tracker({ learn: 1000 });
    expect(after.importModels(saved)).toBe('groups[0] (pump): group model: comoment is not 16 finite numbers');
    expect(after.detectorOf('pump', 'pump')).toBeUndefined();
    expect(after.importModels({ version: 2 })).toBe('the saved group models have unknown version 2');
    expect(after.importModels('not json')).toBe('the saved group models are not an object');
  });

  it('tells of a model dropped by an acknowledgement, so the saved one is replaced', () => {
    const events: GroupModelEvent[] = [];
    const alerts = tracker({}, events);
    run(alerts, 0, HOUR + 300);
    const outcome = alerts.acknowledge('pump', undefined, (HOUR + 300) * 1000);
    expect(outcome.ok).toBe(true);
    expect(events.map((event) => event.learnt)).toEqual([true, false]);
    expect(alerts.exportModels()).toBeUndefined(); // nothing learnt since: nothing to keep
  });
});
