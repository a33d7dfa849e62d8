import type { RuleSpec } from '../../rules/rule-spec.js';
import { sameSpec } from '../../rules/same-spec.js';
import type { DriverInstance, RuleConfig, TributaryConfig } from '../config/load-config.js';

/** The engine's part of a rule: everything but where its results go, which the forwarders decide. */
export function ruleSpecOf(rule: RuleConfig): RuleSpec {
  const { to: _to, ...spec } = rule;
  return spec;
}

/**
 * What differs between the running config and a new one outside `rules`: those parts cannot change while the
 * agent runs. Keys of `agent`, `buffer` and `forwarding` are named one by one (`agent.tick`), sources and sinks by
 * instance (`sources.sim`), whether added, removed or changed.
 */
export function changesNeedingRestart(running: TributaryConfig, next: TributaryConfig): string[] {
  const changed: string[] = [];
  for (const section of ['agent', 'buffer', 'forwarding', 'history', 'time'] as const) {
    const before = running[section] as Record<string, unknown>;
    const after = next[section] as Record<string, unknown>;
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (!sameSpec(before[key], after[key])) changed.push(`${section}.${key}`);
    }
  }
  for (const section of ['sources', 'sinks'] as const) {
    const before = byName(running[section]);
    const after = byName(next[section]);
    for (const name of new Set([...before.keys(), ...after.keys()])) {
      if (!sameSpec(before.get(name), after.get(name))) changed.push(`${section}.${name}`);
    }
  }
  return changed;
}

function byName(instances: readonly DriverInstance[]): Map<string, DriverInstance> {
  return new Map(instances.map((instance) => [instance.name, instance]));
}
