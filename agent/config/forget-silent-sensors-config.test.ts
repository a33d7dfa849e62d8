import { describe, expect, it } from 'vitest';
import { formatProblem } from './config-problem.js';
import { checkConfigText } from './load-config.js';

const REST = `
sources:
  sim: { driver: simulator }
rules:
  passed: {}
sinks:
  out: { driver: console }
`;

/** `agent.forget_silent_sensors` as parsed, in ms, or the problems as `validate` prints them. */
function forgetAfter(agent: string): number | string[] {
  const checked = checkConfigText(`${agent}${REST}`, 'test.yaml', {});
  return checked.ok ? checked.config.agent.forget_silent_sensors : checked.problems.map(formatProblem);
}

describe('agent.forget_silent_sensors in the config', () => {
  it('defaults to a day', () => {
    expect(forgetAfter('')).toBe(86_400_000);
  });

  it('takes a duration, and never or 0s to keep every sensor for ever (0)', () => {
    expect(forgetAfter('agent: { forget_silent_sensors: 10m }')).toBe(600_000);
    expect(forgetAfter('agent: { forget_silent_sensors: 2d }')).toBe(172_800_000);
    expect(forgetAfter('agent: { forget_silent_sensors: never }')).toBe(0);
    expect(forgetAfter('agent: { forget_silent_sensors: 0s }')).toBe(0);
  });

  it('reports anything else at its line and column, saying what it expects', () => {
    expect(forgetAfter('agent:\n  forget_silent_sensors: soon\n')).toEqual([
      'test.yaml:2:26: agent.forget_silent_sensors: expected a duration such as 24h or 30m, or never, got the text "soon"',
    ]);
    expect(forgetAfter('agent:\n  forget_silent_sensors: 3600\n')).toEqual([
      'test.yaml:2:26: agent.forget_silent_sensors: the number 3600 has the wrong shape: expected a duration such as 24h or 30m, or never',
    ]);
  });
});
