import { describe, expect, it } from 'vitest';
import { formatProblem } from './config-problem.js';
import { checkConfigText } from './load-config.js';

/** Problems of a config text as `validate` prints them. */
function problemsOf(yaml: string): string[] {
  const checked = checkConfigText(yaml, 'test.yaml', {});
  return checked.ok ? [] : checked.problems.map(formatProblem);
}

const RULES_AND_SINKS = `
rules:
  passed: {}
sinks:
  out: { driver: console }
`;

describe('the check of timestamps readings carry themselves, in the config', () => {
  it('defaults to a tolerance of 5 minutes either way, replacing what is beyond it', () => {
    const checked = checkConfigText(`sources:\n  sim: { driver: simulator }\n${RULES_AND_SINKS}`, 'test.yaml', {});
    expect(checked.ok && checked.config.time.source_timestamps).toEqual({ max_skew: 300_000, on_skew: 'replace' });
  });

  it('takes a global default under time: and a source of its own under timestamps:, on the MQTT and serial sources', () => {
    const checked = checkConfigText(
      `
time:
  source_timestamps: { max_skew: 2m, max_behind: 1h, on_skew: keep }
sources:
  devices:
    driver: mqtt
    topics: sensors/#
    timestamp_field: ts
    timestamps: { max_skew: 30s, on_skew: drop }
  logger:
    driver: serial
    path: /dev/ttyUSB0
    format: { type: json, timestamp_field: t }
    timestamps: { max_behind: 1d }
${RULES_AND_SINKS}`,
      'test.yaml',
      {},
    );
    expect(checked.ok ? [] : checked.problems.map(formatProblem)).toEqual([]);
    if (!checked.ok) return;
    expect(checked.config.time.source_timestamps).toEqual({ max_skew: 120_000, max_behind: 3_600_000, on_skew: 'keep' });
    expect(checked.config.sources.map((source) => (source.options as { timestamps?: unknown }).timestamps)).toEqual([
      { max_skew: 30_000, on_skew: 'drop' },
      { max_behind: 86_400_000 },
    ]);
  });

  it('reports a tolerance that is not a duration or not above zero, an unknown action and a misspelt key at their line and column', () => {
    expect(
      problemsOf(`
time:
  source_timestamps:
    max_skew: fast
    on_skew: discard
sources:
  devices:
    driver: mqtt
    topics: sensors/#
    timestamps:
      max_skwe: 1m
      max_behind: 0s
${RULES_AND_SINKS}`),
    ).toEqual([
      'test.yaml:4:15: time.source_timestamps.max_skew: expected a duration such as 500ms, 10s, 5m or 1h, got the text "fast"',
      'test.yaml:5:14: time.source_timestamps.on_skew: the text "discard" is not allowed; use one of "replace", "keep", "drop"',
      'test.yaml:11:7: sources.devices.timestamps.max_skwe: unknown key "max_skwe" (did you mean "max_skew"?); allowed here: max_skew, max_behind, on_skew',
      'test.yaml:12:19: sources.devices.timestamps.max_behind: expected a duration above 0s, got the text "0s"',
    ]);
  });

  it('refuses timestamps: on a source whose readings are always stamped on arrival', () => {
    expect(problemsOf(`sources:\n  sim:\n    driver: simulator\n    timestamps: { on_skew: drop }\n${RULES_AND_SINKS}`)).toEqual([
      expect.stringMatching(/^test\.yaml:4:5: sources\.sim\.timestamps: unknown key "timestamps"/),
    ]);
  });
});
