import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GROUP_DEFAULTS } from '../../rules/anomaly/group-anomaly.js';
import { formatProblem } from './config-problem.js';
import { checkConfigText } from './load-config.js';

function check(rule: string) {
  return checkConfigText(`sources:\n  pump:\n    driver: simulator\nrules:\n  together:\n    from: pump\n${rule}sinks:\n  out: { driver: console }\n`, 'group.yaml', {});
}
const problemsOf = (rule: string) => {
  const checked = check(rule);
  return checked.ok ? [] : checked.problems.map(formatProblem);
};

describe('group anomaly alerts in the config (anomaly: { across })', () => {
  it('turn into a group spec with its defaults, apart from the per-sensor detector spec', () => {
    const checked = check('    anomaly: { across: [pump/flow, pump/pressure, pump/current], learn: 600, stale_after: 10s }\n');
    expect(checked.ok && checked.config.rules[0]!.alert).toEqual({
      detector: { kind: 'anomaly' },
      group: { across: ['pump/flow', 'pump/pressure', 'pump/current'], learn: 600, variance: 0.9, smoothing: 0.05, quantile: 0.99, margin: 1.5, watch: 'spe', stale_after: 10_000 },
      lifecycle: { for: 0, keep_firing_for: 0, cooldown: 0 },
      severity: 'warning',
    });
  });

  it('take the lifecycle keys beside them in alert:, and learn_new_normal_after inside', () => {
    const checked = check('    alert:\n      anomaly: { across: [flow, pressure], learn_new_normal_after: 1h, watch: both }\n      for: 30s\n      keep_firing_for: 2m\n');
    expect(checked.ok && checked.config.rules[0]!.alert).toMatchObject({
      group: { across: ['flow', 'pressure'], watch: 'both' },
      lifecycle: { for: 30_000, keep_firing_for: 120_000, learn_new_normal_after: 3_600_000 },
    });
  });

  it('take by_tag, and refuse it without across', () => {
    const checked = check('    anomaly: { across: [flow, pressure], by_tag: device }\n');
    expect(checked.ok && checked.config.rules[0]!.alert!.group).toMatchObject({ across: ['flow', 'pressure'], by_tag: 'device' });
    expect(problemsOf('    anomaly: { by_tag: device }\n')[0]).toContain('by_tag is an option of a group: add across: [sensor, …]');
  });

  it('say which options belong to a group and which to the per-sensor detector', () => {
    expect(problemsOf('    anomaly: { across: [flow, pressure], window: 500 }\n')).toEqual([
      'group.yaml:7:50: rules.together.anomaly.window: window is an option of the per-sensor anomaly detector, not of a group (across)',
    ]);
    expect(problemsOf('    anomaly: { learn: 500 }\n')).toEqual([
      'group.yaml:7:23: rules.together.anomaly.learn: learn is an option of a group: add across: [sensor, …]',
    ]);
  });

  it('refuse a group the detector cannot learn, naming the option', () => {
    expect(problemsOf('    alert: { anomaly: { across: [flow] } }\n')).toEqual([
      'group.yaml:7:23: rules.together.alert.anomaly: across: name 2 to 16 sensors, got 1',
    ]);
    expect(problemsOf('    alert: { anomaly: { across: [pump/flow, pressure] } }\n')[0]).toContain('write every sensor as a full name (pump/flow) or every one as a last level (flow)');
  });

  it("match the docs: the README's group example is a valid config, and both references give every option's default", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('#### Anomalies across the sensors of one device'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const checked = checkConfigText(example, 'README.md', {}, ['rules']);
    expect(checked.ok && checked.config.rules.map((rule) => rule.alert?.group?.across)).toEqual([
      ['pump/flow', 'pump/pressure', 'pump/current', 'pump/vibration'],
      ['flow', 'pressure', 'current'],
    ]);
    const reference = readFileSync(new URL('../../rules/anomaly/README.md', import.meta.url), 'utf8');
    for (const [key, value] of Object.entries(GROUP_DEFAULTS)) {
      expect(section).toMatch(new RegExp(`\\| \`${key}\` \\| \`${value}\` \\|`));
      expect(reference).toMatch(new RegExp(`\\| \`${key}\` \\| \`?${value}\`? \\|`));
    }
  });
});
