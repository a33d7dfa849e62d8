import type { RuleChanges, RuleEngine } from '../../rules/rule-engine.js';
import { unboundedWindowWarning } from '../../rules/windows/unbounded-window.js';
import { formatProblem, type ConfigProblem } from '../config/config-problem.js';
import { checkConfigFile, type RuleConfig, type TributaryConfig } from '../config/load-config.js';
import type { RuleRouting } from '../forwarding/rule-routing.js';
import type { Logger } from '../logger.js';
import { changesNeedingRestart, ruleSpecOf } from './config-changes.js';

/** What a reload did: the rules swapped in, or the problems that kept the running rules in place. */
export type ReloadOutcome =
  | {
      readonly ok: true;
      /** Rule names by what happened to them; `rerouted`: same rule, other sinks (its state is kept). */
      readonly kept: string[];
      readonly added: string[];
      readonly removed: string[];
      readonly changed: string[];
      readonly rerouted: string[];
      /** Changes outside `rules` that were not applied (`sources.sim`, `agent.tick` …). */
      readonly needRestart: string[];
    }
  | { readonly ok: false; readonly problems: ConfigProblem[] };
/** The parts of the running agent a reload swaps rules in. */
export interface ReloadParts {
  readonly engine: RuleEngine;
  readonly routing: RuleRouting;
  readonly log: Logger;
  /** Hands what the running rules have made so far to the buffer, before they are swapped. */
  readonly handOver: () => void;
}

/**
 * Reads the config file of `running` again and swaps in its rules at once: rules whose spec is unchanged keep their
 * open windows, the others start afresh, and each sink receives the results of the rules now routed to it. An
 * invalid file changes nothing; its problems are logged and returned. Changes to sources, sinks and the other
 * sections need a restart: they are named in a warning and not applied. Returns the config now running.
 */
export function reloadRules(running: TributaryConfig, { engine, routing, log, handOver }: ReloadParts): { outcome: ReloadOutcome; running: TributaryConfig } {
  const { file } = running;
  const reject = (problems: ConfigProblem[]) => ({ outcome: rejectReload(problems, file, log), running });
  const checked = checkConfigFile(file);
  if (!checked.ok) return reject(checked.problems);
  const next = checked.config;
  handOver();
  let changes: RuleChanges;
  try {
    changes = engine.replaceRules(next.rules.map(ruleSpecOf));
  } catch (error) {
    // The config check compiles every rule, so this is not expected; if it happens, the running rules stay.
    return reject([{ file, line: 1, column: 1, path: 'rules', message: (error as Error).message }]);
  }
  const rerouted = routing.update(next.rules);
  const reloaded = { ...running, rules: next.rules };
  const needRestart = changesNeedingRestart(reloaded, next);
  if (needRestart.length > 0) {
    log.warn({ file, sections: needRestart }, `config reloaded, but only its rules; restart to apply changes to: ${needRestart.join(', ')}`);
  }
  log.info({ file, ...changes, rerouted }, 'rules reloaded');
  warnUnboundedWindows(next.rules, log);
  return { outcome: { ok: true, ...changes, rerouted, needRestart }, running: reloaded };
}

/** Warns of each rule whose windows could grow without bound. */
export function warnUnboundedWindows(rules: readonly RuleConfig[], log: Logger): void {
  for (const rule of rules) {
    const warning = unboundedWindowWarning(ruleSpecOf(rule));
    if (warning !== undefined) log.warn({ rule: rule.name }, warning);
  }
}

function rejectReload(problems: ConfigProblem[], file: string, log: Logger): ReloadOutcome {
  for (const problem of problems) {
    log.error({ file: problem.file, line: problem.line, column: problem.column, path: problem.path }, formatProblem(problem));
  }
  log.error({ file, problems: problems.length }, 'config reload rejected; the previous rules keep running');
  return { ok: false, problems };
}
