import type { RuleConfig } from '../config/load-config.js';

/**
 * Which rules' results each sink receives. Each sink's set is handed to its forwarder once and updated in place
 * when the rules are reloaded, so a forwarder follows the new routing from its next batch on.
 */
export class RuleRouting {
  private readonly bySink = new Map<string, Set<string>>();
  /** The rules of the config last applied. */
  private current: ReadonlySet<string>;

  constructor(sinks: readonly string[], rules: readonly RuleConfig[]) {
    this.current = new Set(rules.map((rule) => rule.name));
    for (const sink of sinks) {
      this.bySink.set(sink, new Set(rules.filter((rule) => rule.to.includes(sink)).map((rule) => rule.name)));
    }
  }

  /** The rules whose results go to `sink`; the same set, kept current, for as long as the agent runs. */
  rulesOf(sink: string): ReadonlySet<string> {
    const rules = this.bySink.get(sink);
    if (!rules) throw new Error(`no sink named "${sink}" is routed`);
    return rules;
  }

  /**
   * Routes by a reloaded set of rules; returns the rules that kept their name but now go to other sinks. A rule that
   * no longer exists stays routed where it went: it makes no new results, and those still buffered are delivered.
   * A rerouted rule's buffered results follow its new routing.
   */
  update(rules: readonly RuleConfig[]): string[] {
    const rerouted = new Set<string>();
    for (const [sink, routed] of this.bySink) {
      for (const rule of rules) {
        const wanted = rule.to.includes(sink);
        if (wanted === routed.has(rule.name)) continue;
        if (wanted) routed.add(rule.name);
        else routed.delete(rule.name);
        if (this.current.has(rule.name)) rerouted.add(rule.name);
      }
    }
    this.current = new Set(rules.map((rule) => rule.name));
    return [...rerouted];
  }
}
