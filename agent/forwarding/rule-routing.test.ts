import { describe, expect, it } from 'vitest';
import type { RuleConfig } from '../config/load-config.js';
import { RuleRouting } from './rule-routing.js';

/** Only the name and the sinks matter for routing. */
const rule = (name: string, ...to: string[]) => ({ name, to }) as unknown as RuleConfig;

describe('RuleRouting', () => {
  it('routes each rule to the sinks it names', () => {
    const routing = new RuleRouting(['screen', 'upstream'], [rule('a', 'screen'), rule('b', 'screen', 'upstream')]);
    expect([...routing.rulesOf('screen')]).toEqual(['a', 'b']);
    expect([...routing.rulesOf('upstream')]).toEqual(['b']);
  });

  it('updates the sets the forwarders hold in place, and names the rules that now go elsewhere', () => {
    const routing = new RuleRouting(['screen', 'upstream'], [rule('a', 'screen'), rule('b', 'screen')]);
    const screen = routing.rulesOf('screen');
    const upstream = routing.rulesOf('upstream');
    expect(routing.update([rule('a', 'screen'), rule('b', 'upstream'), rule('c', 'upstream')])).toEqual(['b']);
    expect([...screen]).toEqual(['a']);
    expect([...upstream].sort()).toEqual(['b', 'c']);
  });

  it('keeps a removed rule routed so its buffered results are still delivered, until a rule of that name routes anew', () => {
    const routing = new RuleRouting(['screen', 'upstream'], [rule('a', 'screen'), rule('b', 'screen')]);
    expect(routing.update([rule('a', 'screen')])).toEqual([]);
    expect([...routing.rulesOf('screen')]).toEqual(['a', 'b']);
    expect(routing.update([rule('a', 'screen'), rule('b', 'upstream')])).toEqual([]);
    expect([...routing.rulesOf('screen')]).toEqual(['a']);
    expect([...routing.rulesOf('upstream')]).toEqual(['b']);
  });
});
