import { describe, expect, it } from 'vitest';
import type { HealthReport } from '../health/health-report.js';
import { Probation } from './probation.js';

function report(sources: Record<string, boolean>, sinks: Record<string, boolean> = {}, ruleErrors: Record<string, number> = {}, downReason = 'refused'): HealthReport {
  return {
    sources: Object.entries(sources).map(([name, up]) => ({ name, up, reason: up ? undefined : downReason })),
    sinks: Object.entries(sinks).map(([name, reachable]) => ({ name, reachable, reason: reachable ? undefined : 'offline' })),
    rules: Object.entries(ruleErrors).map(([name, errors]) => ({ name, results: 0, errors })),
  } as unknown as HealthReport;
}

describe('probation', () => {
  it('finds the device less healthy once a part that was up stays down for the grace time', () => {
    const probation = new Probation(report({ feed: true }, { out: true }), 60_000, 2_000);
    expect(probation.check(report({ feed: false }, { out: true }), 0)).toBeUndefined();
    expect(probation.check(report({ feed: false }, { out: true }), 1_999)).toBeUndefined();
    expect(probation.check(report({ feed: false }, { out: true }), 2_000)).toBe('source feed down since the new config (refused); it was up before');
  });

  it('forgives a part that comes back within the grace time, and one that was down before', () => {
    const probation = new Probation(report({ feed: true, gps: false }, { out: true }), 60_000, 2_000);
    expect(probation.check(report({ feed: false, gps: false }, { out: false }), 0)).toBeUndefined();
    expect(probation.check(report({ feed: true, gps: false }, { out: true }), 1_000)).toBeUndefined();
    expect(probation.check(report({ feed: true, gps: false }, { out: true }), 5_000)).toBeUndefined();
    expect(probation.check(report({ feed: false, gps: false }, { out: true }), 6_000)).toBeUndefined();
    expect(probation.check(report({ feed: false, gps: false }, { out: true }), 8_000)).toMatch(/^source feed down/);
  });

  it('gives a part still making its first connection the longer grace, and the normal one once that connection fails', () => {
    const probation = new Probation(report({ feed: true }), 4_000, 2_000, 15_000);
    const connecting = report({ feed: false }, {}, {}, 'connecting');
    expect(probation.check(connecting, 0)).toBeUndefined();
    expect(probation.check(connecting, 14_999)).toBeUndefined();
    expect(probation.check(connecting, 15_000)).toBe('source feed down since the new config (connecting); it was up before');

    const slow = new Probation(report({ feed: true }), 4_000, 2_000, 15_000);
    expect(slow.check(connecting, 0)).toBeUndefined();
    // Its first attempt fails: counted from when it went down, with the normal grace.
    expect(slow.check(report({ feed: false }, {}, {}, 'connection refused'), 1_000)).toBeUndefined();
    expect(slow.check(report({ feed: false }, {}, {}, 'connection refused'), 2_000)).toMatch(/^source feed down since the new config \(connection refused\)/);
  });

  it('passes once its time is up and no part is down within its grace: a source still connecting holds the verdict', () => {
    const probation = new Probation(report({ feed: true }), 4_000, 2_000, 15_000);
    expect(probation.check(report({ feed: false }, {}, {}, 'connecting'), 3_000)).toBeUndefined();
    expect(probation.passed(3_999)).toBe(false);
    expect(probation.check(report({ feed: false }, {}, {}, 'connecting'), 4_000)).toBeUndefined();
    expect(probation.passed(4_000)).toBe(false);
    expect(probation.check(report({ feed: true }), 6_000)).toBeUndefined();
    expect(probation.passed(6_000)).toBe(true);
  });

  it('counts a new part that never comes up', () => {
    const probation = new Probation(report({ feed: true }), 60_000, 2_000);
    expect(probation.check(report({ feed: true, extra: false }), 0)).toBeUndefined();
    expect(probation.check(report({ feed: true, extra: false }), 2_500)).toMatch(/^source extra down/);
  });

  it('finds the device less healthy when a rule that made no errors keeps making them for the grace time', () => {
    const probation = new Probation(report({ feed: true }, {}, { ratio: 0 }), 60_000, 2_000);
    expect(probation.check(report({ feed: true }, {}, { ratio: 0 }), 0)).toBeUndefined();
    expect(probation.check(report({ feed: true }, {}, { ratio: 3 }), 1_000)).toBeUndefined();
    expect(probation.check(report({ feed: true }, {}, { ratio: 5 }), 2_000)).toBeUndefined();
    expect(probation.check(report({ feed: true }, {}, { ratio: 9 }), 3_000)).toBe(
      'rule ratio: 9 reading(s) it could not compute since the new config (an expression or derived formula gave NaN or infinity); it made no errors before',
    );
  });

  it('counts a new rule that errs, but not a single error, nor a rule that erred before the push', () => {
    const probation = new Probation(report({ feed: true }, {}, { old: 4 }), 60_000, 2_000);
    // `old` erred under the config before: its errors go on, as a source down before the push would.
    expect(probation.check(report({ feed: true }, {}, { old: 0, once: 1 }), 1_000)).toBeUndefined();
    expect(probation.check(report({ feed: true }, {}, { old: 7, once: 1 }), 5_000)).toBeUndefined();
    expect(probation.check(report({ feed: true }, {}, { old: 9, once: 1, added: 2 }), 6_000)).toBeUndefined();
    expect(probation.check(report({ feed: true }, {}, { old: 9, once: 1, added: 4 }), 8_000)).toMatch(/^rule added: 4 reading\(s\) it could not compute/);
  });
});
