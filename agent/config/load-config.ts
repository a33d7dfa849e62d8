import { readFileSync } from 'node:fs';
import { type Document, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { SINK_DRIVERS, SOURCE_DRIVERS } from '../../drivers/registry.js';
import { compileFilterExpression, ExpressionError } from '../../rules/filter-expression.js';
import type { RuleSpec } from '../../rules/rule-spec.js';
import { BY_SOURCE_AND_SENSOR } from '../../rules/windows/group-index.js';
import { configSchema, type ParsedConfig } from './config-schema.js';
import { DEFAULT_AGGREGATES } from './rule-schema.js';
import { ConfigError, type ConfigProblem } from './config-problem.js';
import { didYouMeanSuffix } from '../../rules/did-you-mean.js';
import { substituteEnv } from './env-substitution.js';
import { CONFIG_WORDS, explainIssue } from '../../rules/issue-explainer.js';
import { EMPTY_FILE_MESSAGE, missingSectionMessage, PIPELINE_SECTIONS, type PipelineSection } from './pipeline-sections.js';
import { YamlLocator } from './yaml-locator.js';

/** A source or sink instance whose options its driver has validated. */
export interface DriverInstance {
  readonly name: string;
  readonly driver: string;
  /** The driver's parsed options (its schema's output). */
  readonly options: unknown;
}

/** A rule ready for the engine, plus where its results go. */
export interface RuleConfig extends RuleSpec {
  readonly to: readonly string[];
}

/** A config that passed every check: what the agent runs. */
export interface TributaryConfig {
  readonly file: string;
  readonly agent: ParsedConfig['agent'];
  readonly buffer: ParsedConfig['buffer'];
  readonly forwarding: ParsedConfig['forwarding'];
  readonly history: ParsedConfig['history'];
  readonly time: ParsedConfig['time'];
  /** This agent as a fleet device; absent when it is not one. */
  readonly fleet?: ParsedConfig['fleet'];
  readonly sources: readonly DriverInstance[];
  readonly sinks: readonly DriverInstance[];
  readonly rules: readonly RuleConfig[];
}

export type ConfigCheck = { ok: true; config: TributaryConfig } | { ok: false; problems: ConfigProblem[] };

/**
 * Reads, parses and checks a config file; every problem is reported with its file, line and column. `needs`: the
 * sections that must be there; the agent needs all three, `replay` and `test-rules` only rules.
 */
export function checkConfigFile(file: string, env: NodeJS.ProcessEnv = process.env, needs: readonly PipelineSection[] = PIPELINE_SECTIONS): ConfigCheck {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String((error as Error).message);
    return { ok: false, problems: [{ file, line: 1, column: 1, path: '', message: `cannot read config: ${reason}` }] };
  }
  return checkConfigText(text, file, env, needs);
}

/** Like `checkConfigFile`, for text already in memory; `file` is only used in messages. */
export function checkConfigText(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  needs: readonly PipelineSection[] = PIPELINE_SECTIONS,
): ConfigCheck {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const locator = new YamlLocator(document, lines);
  const problems: ConfigProblem[] = [];
  const report = (path: readonly PropertyKey[], message: string, at: 'key' | 'value' = 'value', offset?: number) => {
    const { line, column } = offset === undefined ? locator.position(path, at) : locator.positionOf(offset);
    problems.push({ file, line, column, path: path.map(String).join('.'), message });
  };

  for (const error of document.errors) {
    report([], `YAML syntax: ${error.message.split('\n')[0]}`, 'value', error.pos[0]);
  }
  reportUndefinedAliases(document, report);
  if (problems.length > 0) return { ok: false, problems };
  if (isEmptyDocument(document)) {
    report([], EMPTY_FILE_MESSAGE, 'value', 0);
    return { ok: false, problems };
  }

  visit(document, {
    Scalar(_key, node, ancestors) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const { value, missing } = substituteEnv(node.value, env);
      for (const name of missing) {
        const message = `environment variable ${name} is not set (write \${${name}:-fallback} to give a default)`;
        report(keyPath([...ancestors, node]), message, 'value', node.range?.[0]);
      }
      node.value = value;
    },
  });

  const raw = (document.toJS() as unknown) ?? {};
  const parsed = configSchema.safeParse(raw);
  if (isRecord(raw)) {
    for (const section of needs) if (!Object.hasOwn(raw, section)) report([section], missingSectionMessage(section), 'key');
  }
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      for (const explained of explainIssue(issue, { schema: configSchema, words: CONFIG_WORDS, written: locator })) report(explained.path, explained.message, explained.at);
    }
  }
  // Drivers and references are checked even when the top level has problems, so one run lists them all.
  const sections = isRecord(raw) ? raw : {};
  const sources = checkInstances('sources', 'source', sections.sources, SOURCE_DRIVERS, locator, report);
  const sinks = checkInstances('sinks', 'sink', sections.sinks, SINK_DRIVERS, locator, report);
  checkRuleReferences(sections, locator, report);
  if (problems.length > 0 || !parsed.success) return { ok: false, problems: sortByPosition(problems) };

  const config = parsed.data;
  return {
    ok: true,
    config: { file, agent: config.agent, buffer: config.buffer, forwarding: config.forwarding, history: config.history, time: config.time, ...(config.fleet === undefined ? {} : { fleet: config.fleet }), sources, sinks, rules: ruleConfigs(config) },
  };
}

/** Like `checkConfigFile`, but throws a `ConfigError` listing every problem. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): TributaryConfig {
  const checked = checkConfigFile(file, env);
  if (!checked.ok) throw new ConfigError(checked.problems);
  return checked.config;
}

type Report = (path: readonly PropertyKey[], message: string, at?: 'key' | 'value') => void;

function checkInstances(
  section: 'sources' | 'sinks',
  kind: string,
  instances: unknown,
  registry: Readonly<Record<string, { options: z.ZodType }>>,
  locator: YamlLocator,
  report: Report,
): DriverInstance[] {
  const checked: DriverInstance[] = [];
  if (!isRecord(instances)) return checked;
  for (const [name, instance] of Object.entries(instances)) {
    if (!isRecord(instance) || typeof instance.driver !== 'string') continue; // the top-level schema reports it
    const entry = registry[instance.driver];
    if (!entry) {
      const known = Object.keys(registry);
      report(
        [section, name, 'driver'],
        `unknown ${kind} driver "${instance.driver}"${didYouMeanSuffix(instance.driver, known)}; available: ${known.join(', ')}`,
      );
      continue;
    }
    const parsed = entry.options.safeParse(instance);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        for (const explained of explainIssue(issue, { schema: entry.options, prefix: [section, name], words: CONFIG_WORDS, written: locator })) {
          report(explained.path, explained.message, explained.at);
        }
      }
      continue;
    }
    checked.push({ name, driver: instance.driver, options: parsed.data });
  }
  return checked;
}

/** Every source a rule reads from and every sink it sends to must exist; its filter must compile. */
function checkRuleReferences(sections: Record<string, unknown>, locator: YamlLocator, report: Report): void {
  const sourceNames = isRecord(sections.sources) ? Object.keys(sections.sources) : [];
  const sinkNames = isRecord(sections.sinks) ? Object.keys(sections.sinks) : [];
  if (!isRecord(sections.rules)) return;
  const ruleNames = Object.keys(sections.rules);
  reportCycles(sections.rules, locator, report);
  for (const [name, rule] of Object.entries(sections.rules)) {
    if (!isRecord(rule)) continue;
    const checkNames = (field: 'from' | 'to', known: string[], kind: string, plural: string) => {
      const value = rule[field];
      const names = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
      names.forEach((referenced: unknown, index) => {
        if (typeof referenced !== 'string' || known.includes(referenced)) return;
        const path = Array.isArray(value) ? ['rules', name, field, index] : ['rules', name, field];
        const available = known.length > 0 ? `; defined ${plural}: ${known.join(', ')}` : `; no ${plural} are defined`;
        report(path, `no ${kind} named "${referenced}"${didYouMeanSuffix(referenced, known)}${available}`);
      });
    };
    checkNames('from', [...sourceNames, ...ruleNames.filter((other) => other !== name)], 'source or rule', 'sources and rules');
    checkNames('to', sinkNames, 'sink', 'sinks');
    if (sourceNames.includes(name)) {
      report(['rules', name], `a rule cannot have the name of a source ("${name}"): other rules could not tell which one they read from`, 'key');
    }
    if (typeof rule.where === 'string') {
      try {
        compileFilterExpression(rule.where);
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        const at = error.index === undefined ? '' : ` at character ${error.index + 1}`;
        report(['rules', name, 'where'], `invalid filter expression${at}: ${error.message}`);
      }
    }
  }
}

/** Rules that read from each other in a circle would never produce anything. */
function reportCycles(rules: Record<string, unknown>, _locator: YamlLocator, report: Report): void {
  const fromOf = (name: string): string[] => {
    const rule = rules[name];
    if (!isRecord(rule)) return [];
    const from = rule.from;
    return (typeof from === 'string' ? [from] : Array.isArray(from) ? from : []).filter(
      (other): other is string => typeof other === 'string' && Object.hasOwn(rules, other),
    );
  };
  const done = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    if (done.has(name)) return;
    const at = path.indexOf(name);
    if (at >= 0) {
      const cycle = [...path.slice(at), name];
      report(['rules', name, 'from'], `rules read from each other in a circle: ${cycle.join(' → ')}`);
      for (const member of cycle) done.add(member);
      return;
    }
    for (const upstream of fromOf(name)) visit(upstream, [...path, name]);
    done.add(name);
  };
  for (const name of Object.keys(rules)) visit(name, []);
}

function ruleConfigs(config: ParsedConfig): RuleConfig[] {
  const sinkNames = Object.keys(config.sinks);
  return Object.entries(config.rules).map(([name, rule]) => ({
    name,
    from: rule.from ?? [],
    select: rule.select ?? [],
    tags: Object.fromEntries(Object.entries(rule.tags ?? {}).map(([tag, values]) => [tag, typeof values === 'string' ? [values] : values])),
    ...(rule.where === undefined ? {} : { where: rule.where }),
    transform: rule.transform ?? [],
    ...(rule.derive === undefined ? {} : { derive: rule.derive }),
    ...(rule.window === undefined ? {} : { window: rule.window }),
    groupBy: rule.group_by ?? BY_SOURCE_AND_SENSOR,
    aggregates: rule.aggregates ?? DEFAULT_AGGREGATES,
    ...(rule.field === undefined ? {} : { field: rule.field }),
    ...(rule.alert === undefined ? (rule.anomaly === undefined ? {} : { alert: rule.anomaly }) : { alert: rule.alert }),
    to: rule.to ?? sinkNames,
  }));
}

/** Nothing but whitespace and comments (or a lone `~`): what a truncated or never-written file looks like. */
function isEmptyDocument(document: Document): boolean {
  const contents = document.contents;
  return contents === null || (isScalar(contents) && contents.value === null);
}

/**
 * `*name` with no `&name` before it: the YAML library only finds out when it builds the value, and then throws
 * without a position, so each alias is resolved here first and reported where it is written.
 */
function reportUndefinedAliases(document: Document, report: (path: readonly PropertyKey[], message: string, at: 'value', offset?: number) => void): void {
  visit(document, {
    Alias(_key, alias) {
      if (alias.resolve(document) !== undefined) return;
      const message = `undefined alias *${alias.source}: no anchor &${alias.source} before it; mark the value to reuse with &${alias.source} above this line, or write the value here`;
      report([], message, 'value', alias.range?.[0]);
    },
  });
}

/** The key path of a node from its ancestors as `visit` hands them over (document, maps, pairs, lists). */
function keyPath(chain: readonly unknown[]): (string | number)[] {
  const path: (string | number)[] = [];
  chain.forEach((ancestor, index) => {
    if (isPair(ancestor) && isScalar(ancestor.key)) path.push(String(ancestor.key.value));
    if (isSeq(ancestor)) path.push(ancestor.items.indexOf(chain[index + 1] as never));
  });
  return path;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function sortByPosition(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}
