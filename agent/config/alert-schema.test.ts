import { describe, expect, it } from 'vitest';
import { formatProblem } from './config-problem.js';
import { checkConfigText } from './load-config.js';

function check(rule: string) {
  return checkConfigText(`sources:\n  sim:\n    driver: simulator\nrules:\n  hot:\n    from: sim\n${rule}sinks:\n  out: { driver: console }\n`, 'alerts.yaml', {});
}
const problemsOf = (rule: string) => {
  const checked = check(rule);
  return checked.ok ? [] : checked.problems.map(formatProblem);
};

describe('alerts in the config', () => {
  it('turn into a detector, a lifecycle in ms, and the GPIO action', () => {
    const checked = check(
      '    alert:\n      threshold: { above: 30, clear_below: 28 }\n      for: 2m\n      keep_firing_for: 30s\n      severity: critical\n      gpio: { pin: 17, max_on: 10m }\n',
    );
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.config.rules[0]!.alert).toEqual({
      detector: { kind: 'threshold', above: 30, clear_below: 28 },
      lifecycle: { for: 120_000, keep_firing_for: 30_000, cooldown: 0 },
      severity: 'critical',
      gpio: { pin: 17, activeLow: false, maxOnMs: 600_000 },
    });
  });

  it("fill in each detector's defaults, and anomaly: {} is short for alert: { anomaly: {} }", () => {
    const zscore = check('    alert: { zscore: {} }\n');
    expect(zscore.ok && zscore.config.rules[0]!.alert!.detector).toEqual({
      kind: 'zscore',
      threshold: 3,
      window: { readings: 100 },
      min_readings: 10,
      direction: 'both',
    });
    const anomaly = check('    anomaly: {}\n');
    expect(anomaly.ok && anomaly.config.rules[0]!.alert).toMatchObject({ detector: { kind: 'anomaly' }, severity: 'warning' });
    const bare = check('    anomaly:\n');
    expect(bare.ok && bare.config.rules[0]!.alert!.detector).toEqual({ kind: 'anomaly' });
  });

  it('hands learn_new_normal_after, written with anomaly, to the lifecycle in ms, and refuses a duration without a unit', () => {
    const learning = check('    anomaly: { learn_new_normal_after: 12h }\n');
    expect(learning.ok && learning.config.rules[0]!.alert).toMatchObject({
      detector: { kind: 'anomaly' },
      lifecycle: { learn_new_normal_after: 12 * 3_600_000 },
    });
    expect(learning.ok && learning.config.rules[0]!.alert!.detector).toEqual({ kind: 'anomaly' });
    const inAlert = check('    alert: { anomaly: { learn_new_normal_after: 30m }, for: 1m }\n');
    expect(inAlert.ok && inAlert.config.rules[0]!.alert!.lifecycle).toEqual({ for: 60_000, keep_firing_for: 0, cooldown: 0, learn_new_normal_after: 1_800_000 });
    expect(check('    anomaly: { learn_new_normal_after: 12 }\n').ok).toBe(false);
  });

  it('say where an alert is wrong and what to write instead', () => {
    expect(problemsOf('    alert: { for: 5m }\n')).toEqual([
      'alerts.yaml:7:12: rules.hot.alert: name a detector: threshold, rate, zscore, mad, ewma, cusum, flatline, range, missing, anomaly (anomaly: {} needs no tuning)',
    ]);
    expect(problemsOf('    alert: { threshold: { above: 30 }, range: { max: 50 } }\n')).toEqual([
      'alerts.yaml:7:47: rules.hot.alert.range: one detector per alert, got threshold and range: write a rule for each',
    ]);
    const typo = problemsOf('    alert: { thresold: { above: 30 } }\n');
    expect(typo).toHaveLength(1);
    expect(typo[0]).toMatch(/^alerts\.yaml:7:14: rules\.hot\.alert\.thresold: unknown key "thresold" \(did you mean "threshold"\?\)/);
    expect(problemsOf('    alert: { threshold: { above: 30, clear_below: 31 } }\n')).toEqual([
      'alerts.yaml:7:25: rules.hot.alert.threshold: clear_below (31) must be at most above (30)',
    ]);
    expect(problemsOf('    alert: { threshold: {} }\n')).toEqual(['alerts.yaml:7:25: rules.hot.alert.threshold: give above, below or both']);
    expect(problemsOf('    alert: { range: { max: 50 }, message: "{{sensr}} is odd" }\n')[0]).toMatch(/^alerts\.yaml:7:43: rules\.hot\.alert\.message: unknown placeholder \{\{sensr\}\}/);
    expect(problemsOf('    window: { size: 10s }\n    anomaly: {}\n')).toEqual([
      'alerts.yaml:8:14: rules.hot.anomaly: a rule alerts on readings or aggregates them, not both: to alert on window results, add a rule with from: <this rule> and the anomaly there',
    ]);
  });
});
