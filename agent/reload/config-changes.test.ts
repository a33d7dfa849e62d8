import { describe, expect, it } from 'vitest';
import { checkConfigText, type TributaryConfig } from '../config/load-config.js';
import { changesNeedingRestart, ruleSpecOf } from './config-changes.js';

function config(text: string): TributaryConfig {
  const checked = checkConfigText(text, 'test.yaml', {});
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return checked.config;
}

const base = `
agent: { tick: 100ms }
sources:
  sim: { driver: simulator, interval: 1s }
  host: { driver: system }
sinks:
  screen: { driver: console }
rules:
  r: { window: { size: 10s } }
`;

describe('changesNeedingRestart', () => {
  it('finds nothing when only rules changed', () => {
    expect(changesNeedingRestart(config(base), config(base.replace('size: 10s', 'size: 1m')))).toEqual([]);
  });

  it('names each changed setting and each added, removed or changed source and sink', () => {
    const next = base
      .replace('tick: 100ms', 'tick: 100ms, log_level: debug')
      .replace('interval: 1s', 'interval: 2s')
      .replace('  host: { driver: system }\n', '')
      .replace('  screen: { driver: console }', '  screen: { driver: console }\n  json: { driver: console, format: json }');
    expect(changesNeedingRestart(config(base), config(`${next}buffer: { commit_interval: 1s }\n`))).toEqual([
      'agent.log_level',
      'buffer.commit_interval',
      'sources.sim',
      'sources.host',
      'sinks.json',
    ]);
  });
});

describe('ruleSpecOf', () => {
  it('leaves out where results go, so a rule routed to other sinks keeps running in the engine', () => {
    const [rule] = config(base).rules;
    expect(rule).toHaveProperty('to');
    expect(ruleSpecOf(rule!)).not.toHaveProperty('to');
  });
});
