import { describe, expect, it } from 'vitest';
import type { ForgottenAlert } from './anomaly/alert-tracker.js';
import type { Reading } from './reading.js';
import { RuleEngine } from './rule-engine.js';
import type { ReadingResult, RuleResult, WindowResult } from './rule-result.js';
import type { RuleSpec } from './rule-spec.js';
import { BY_SOURCE_AND_SENSOR } from './windows/group-index.js';
import type { WindowSpec } from './windows/window-spec.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const SILENT = 10 * MINUTE;

const timing = { time: 'event', allowedLatenessMs: 0, late: 'drop', updateWithinMs: 0, empty: 'skip' } as const;
const count = (size: number, slide = size) => ({ type: 'count', size, slide, ...timing }) as WindowSpec;

function rule(name: string, overrides: Partial<RuleSpec> = {}): RuleSpec {
  return { name, from: [], select: [], tags: {}, transform: [], groupBy: BY_SOURCE_AND_SENSOR, aggregates: ['count', 'sum'], ...overrides };
}

const reading = (sensor: string, at: number, value = 1): Reading => ({ source: 'zigbee', sensor, value, timestamp: T0 + at, tags: {} });

/** An engine that forgets sensors silent for 10 minutes, driven like the agent: readings, and a tick every 10 s. */
class Driven {
  readonly engine: RuleEngine;
  readonly results: RuleResult[] = [];
  readonly forgotten: ForgottenAlert[] = [];
  /** The last tick, every 10 s from T0. */
  private ticked = T0;

  constructor(rules: RuleSpec[], forgetSilentMs = SILENT) {
    this.engine = new RuleEngine(rules, { forgetSilentMs, alertForgotten: (alert) => this.forgotten.push(alert) });
  }

  push(sensor: string, at: number, value = 1): this {
    this.tickTo(at);
    this.engine.push(reading(sensor, at, value), T0 + at);
    this.results.push(...this.engine.advance(T0 + at));
    return this;
  }

  /** Ticks every 10 s up to `at` (ms after T0). */
  tickTo(at: number): this {
    for (let t = this.ticked + 10 * SECOND; t <= T0 + at; t += 10 * SECOND) this.results.push(...this.engine.advance((this.ticked = t)));
    return this;
  }

  tracked(name: string) {
    return this.engine.trackedSensors().find((rule) => rule.rule === name)!;
  }

  windows(): WindowResult[] {
    return this.results.filter((result): result is WindowResult => result.kind === 'window');
  }

  readings(): ReadingResult[] {
    return this.results.filter((result): result is ReadingResult => result.kind === 'reading');
  }
}

describe('forgetting sensors that fell silent', () => {
  it('forgets `prev` of a departed sensor; when it comes back its first reading has no previous value', () => {
    const run = new Driven([rule('changed', { where: 'value != prev' })]);
    run.push('plug-1/power', 0, 5).push('plug-1/power', MINUTE, 5);
    expect(run.readings().map((r) => r.value)).toEqual([5]);
    run.tickTo(MINUTE + 1.5 * SILENT);
    expect(run.tracked('changed').where).toBe(0);
    run.push('plug-1/power', HOUR, 5);
    expect(run.readings().map((r) => r.value)).toEqual([5, 5]);
  });

  it('forgets the state of transform steps; a returning sensor passes its first reading as a new one', () => {
    const run = new Driven([rule('deadband', { transform: [{ delta: 1 }, { rename: '{sensor}_w' }] })]);
    run.push('plug-1/power', 0, 5).push('plug-1/power', MINUTE, 5.5);
    expect(run.tracked('deadband').transforms).toBe(2);
    run.tickTo(MINUTE + 1.5 * SILENT);
    expect(run.tracked('deadband').transforms).toBe(0);
    run.push('plug-1/power', HOUR, 5.5);
    expect(run.readings().map((r) => [r.sensor, r.value])).toEqual([
      ['plug-1/power_w', 5],
      ['plug-1/power_w', 5.5],
    ]);
  });

  it('stops the heartbeat of a silent sensor once it is forgotten, and beats again when it returns', () => {
    const run = new Driven([rule('beat', { transform: [{ heartbeat: '1m' }] })]);
    run.push('plug-1/power', 0, 7);
    run.tickTo(3 * HOUR);
    const beats = run.readings();
    // A beat a minute for the silent time (up to half as long again, as forgetting goes in slices), then none.
    expect(beats.length).toBeGreaterThanOrEqual(10);
    expect(beats.length).toBeLessThanOrEqual(15);
    expect(beats.every((beat) => beat.value === 7)).toBe(true);
    expect(run.tracked('beat').transforms).toBe(0);
    run.push('plug-1/power', 3 * HOUR, 8).tickTo(3 * HOUR + 2 * MINUTE);
    expect(run.readings().slice(beats.length).map((beat) => beat.value)).toEqual([8, 8]);
  });

  it('sends what a debounce holds before forgetting its sensor, even when the period is longer than the silent time', () => {
    const run = new Driven([rule('calm', { transform: [{ debounce: '30m' }] })]);
    run.push('door/contact', 0, 1);
    run.tickTo(25 * MINUTE);
    expect(run.tracked('calm').transforms).toBe(1);
    run.tickTo(31 * MINUTE);
    expect(run.readings().map((r) => [r.value, r.timestamp - T0])).toEqual([[1, 30 * MINUTE]]);
    run.tickTo(31 * MINUTE + 1.5 * SILENT);
    expect(run.tracked('calm').transforms).toBe(0);
  });

  it('forgets the inputs of a device whose sensors all fell silent', () => {
    const run = new Driven([
      rule('dew_point', { derive: { inputs: { t: 'temperature', rh: 'humidity' }, expression: 't - (100 - rh) / 5', toleranceMs: 5_000, output: 'dew_point' } }),
    ]);
    run.push('room-1/temperature', 0, 20).push('room-1/humidity', SECOND, 50);
    expect(run.readings().map((r) => [r.sensor, r.value])).toEqual([['room-1/dew_point', 10]]);
    expect(run.tracked('dew_point').derive).toBe(1);
    run.tickTo(SECOND + 1.5 * SILENT);
    expect(run.tracked('dew_point').derive).toBe(0);
  });

  it('emits an unfinished count window with the readings it has when its sensor is forgotten; a returning sensor starts a new one', () => {
    const run = new Driven([rule('every_5', { window: count(5) })]);
    for (let i = 0; i < 7; i++) run.push('plug-1/power', i * SECOND, i);
    expect(run.windows().map((w) => w.values)).toEqual([{ count: 5, sum: 10 }]);
    run.tickTo(1.5 * SILENT);
    expect(run.windows().map((w) => [w.values, w.start - T0, w.end - T0])).toEqual([
      [{ count: 5, sum: 10 }, 0, 4 * SECOND],
      [{ count: 2, sum: 11 }, 5 * SECOND, 6 * SECOND],
    ]);
    expect(run.tracked('every_5').countWindow).toBe(0);
    for (let i = 0; i < 5; i++) run.push('plug-1/power', HOUR + i * SECOND, 1);
    expect(run.windows().slice(2).map((w) => w.values)).toEqual([{ count: 5, sum: 5 }]);
  });

  it('emits the last readings of a sliding count window when some came since its last window, and nothing when none did', () => {
    const run = new Driven([rule('last_4', { window: count(4, 2) })]);
    for (let i = 0; i < 7; i++) run.push('plug-1/power', i * SECOND, i);
    for (let i = 0; i < 3; i++) run.push('plug-2/power', i * SECOND, i);
    for (let i = 0; i < 4; i++) run.push('plug-3/power', i * SECOND, i);
    run.tickTo(1.5 * SILENT);
    const bySensor = (sensor: string) => run.windows().filter((w) => w.sensor === sensor).map((w) => w.values);
    // Windows at readings 4 and 6, then the last four when forgotten: 3 + 4 + 5 + 6.
    expect(bySensor('plug-1/power')).toEqual([{ count: 4, sum: 6 }, { count: 4, sum: 14 }, { count: 4, sum: 18 }]);
    expect(bySensor('plug-2/power')).toEqual([{ count: 3, sum: 3 }]);
    expect(bySensor('plug-3/power')).toEqual([{ count: 4, sum: 6 }]);
    expect(run.tracked('last_4').countWindow).toBe(0);
  });

  it('forgets a resolved alert and says so with the rule and severity; keeps a firing one', () => {
    const alert = { detector: { kind: 'threshold', above: 30 }, lifecycle: { for: 0, keep_firing_for: 0, cooldown: 0 }, severity: 'critical' } as const;
    const run = new Driven([rule('too_hot', { alert })]);
    run.push('plug-1/temperature', 0, 35).push('plug-1/temperature', SECOND, 20).push('plug-2/temperature', SECOND, 35);
    run.tickTo(2 * SECOND + 1.5 * SILENT);
    expect(run.forgotten).toEqual([{ rule: 'too_hot', source: 'zigbee', sensor: 'plug-1/temperature', severity: 'critical' }]);
    expect(run.tracked('too_hot').alerts).toBe(1);
    expect([...run.engine.exportAlerts().keys()]).toEqual(['too_hot']);
  });

  it('measures silence across a step of the wall clock as if it had been right: a jump of three days forgets nothing', () => {
    const run = new Driven([rule('deadband', { transform: [{ delta: 1 }] })]);
    run.push('plug-1/power', 0, 5);
    run.tickTo(MINUTE);
    run.results.push(...run.engine.clockStepped(72 * HOUR, T0 + MINUTE + 72 * HOUR));
    run.tickTo(MINUTE + 72 * HOUR + 2 * MINUTE);
    expect(run.tracked('deadband').transforms).toBe(1);
    run.push('plug-1/power', 72 * HOUR + 4 * MINUTE, 5.5);
    expect(run.readings()).toHaveLength(1);
  });

  it('keeps every sensor when told never to forget', () => {
    const run = new Driven([rule('changed', { where: 'value != prev', transform: [{ delta: 1 }] })], 0);
    run.push('plug-1/power', 0, 5);
    run.tickTo(48 * HOUR);
    expect(run.tracked('changed')).toMatchObject({ where: 1, transforms: 1 });
  });

  it('keeps what it tracks bounded while 10,000 sensors come and go', () => {
    const alert = { detector: { kind: 'threshold', above: 30 }, lifecycle: { for: 0, keep_firing_for: 0, cooldown: 0 }, severity: 'warning' } as const;
    const rules = [
      rule('changed', { where: 'value != prev', transform: [{ delta: 0.5 }, { throttle: '1m' }] }),
      rule('every_50', { window: count(50) }),
      rule('too_hot', { alert }),
    ];
    const run = new Driven(rules);
    // Each sensor lives 5 minutes, reporting every 30 s (hot now and then); a new one starts every 3 s, so about 100 live at once.
    let most = 0;
    for (let sensor = 0; sensor < 10_000; sensor++) {
      const born = sensor * 3 * SECOND;
      run.tickTo(born);
      for (let k = 0; k < 10; k++) {
        const at = born + k * 30 * SECOND;
        run.engine.push(reading(`device-${sensor}/temperature`, at, k === 3 && sensor % 7 === 0 ? 35 : 20 + k), T0 + born);
      }
      if (sensor % 100 === 0) {
        const tracked = run.engine.trackedSensors();
        most = Math.max(most, tracked.reduce((sum, t) => sum + t.where + t.transforms + t.derive + t.countWindow + t.alerts, 0));
      }
      run.results.length = 0;
    }
    // Per stage, the sensors seen within one and a half silent times at most: 15 min × 20 a minute = 300; over the
    // 5 stages (prev, 2 transform steps, count window, alert).
    expect(most).toBeGreaterThan(5 * 200);
    expect(most).toBeLessThan(5 * 300);
    run.tickTo(10_000 * 3 * SECOND + 2 * SILENT);
    for (const tracked of run.engine.trackedSensors()) expect(tracked).toMatchObject({ where: 0, transforms: 0, derive: 0, countWindow: 0, alerts: 0 });
  });
});
