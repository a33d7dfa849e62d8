import { isMap, isScalar, parseDocument } from 'yaml';
import { formatProblem } from '../config/config-problem.js';
import { checkConfigText, type TributaryConfig } from '../config/load-config.js';
import { ruleTestFileSchema } from '../rule-tests/rule-test-file.js';
import { runRuleTest } from '../rule-tests/run-rule-test.js';

export type BundleCheck = { ok: true; config: TributaryConfig; text: string } | { ok: false; reason: string };

/** At most this many problems are named in a rejection; the rest are counted. */
const NAMED_PROBLEMS = 3;

/** Whether a config text has a top-level `fleet:` key: a bundle must not, each device keeps its own. */
export function hasFleetSection(text: string): boolean {
  const document = parseDocument(text);
  return isMap(document.contents) && document.has('fleet');
}

/**
 * The device's own `fleet:` section, as written in its local config file (`${NAME}` references unresolved), to be
 * appended to each bundle's config: a bundle cannot change where a device listens or whom it trusts.
 */
export function fleetSectionText(localText: string): string {
  const document = parseDocument(localText);
  if (!isMap(document.contents)) return '';
  const pair = document.contents.items.find((item) => isScalar(item.key) && item.key.value === 'fleet');
  const start = (pair?.key as { range?: [number, number, number] } | undefined)?.range?.[0];
  const end = (pair?.value as { range?: [number, number, number] } | undefined)?.range?.[1];
  // Sliced from the file as written: comments, `${NAME}` and layout stay as the device's owner wrote them.
  return start === undefined || end === undefined ? '' : `${localText.slice(start, end).trimEnd()}\n`;
}

/**
 * Validates a bundle's config on this device (its `${NAME}` resolved from this device's environment) with the
 * device's fleet section appended, then runs the bundle's rule tests against its rules. `label` names the bundle
 * in messages; the config returned carries `file` as its file, where it is written before it runs.
 */
export async function checkBundleConfig(config: string, tests: string | undefined, fleetText: string, label: string, file: string, env: NodeJS.ProcessEnv = process.env): Promise<BundleCheck> {
  if (hasFleetSection(config)) return { ok: false, reason: 'the bundle has a fleet: section; each device keeps its own' };
  const text = `${config.endsWith('\n') ? config : `${config}\n`}# fleet: this device's own section, kept from its local config file\n${fleetText}`;
  const checked = checkConfigText(text, label, env);
  if (!checked.ok) {
    const named = checked.problems.slice(0, NAMED_PROBLEMS).map(formatProblem);
    const more = checked.problems.length - named.length;
    return { ok: false, reason: `invalid config: ${named.join('; ')}${more > 0 ? `; and ${more} more` : ''}` };
  }
  if (tests !== undefined) {
    const failed = await failedRuleTests(tests, checked.config);
    if (failed !== undefined) return { ok: false, reason: failed };
  }
  return { ok: true, config: { ...checked.config, file }, text };
}

/** Runs the bundle's rule tests; undefined when all pass, else what failed. */
export async function failedRuleTests(tests: string, config: TributaryConfig): Promise<string | undefined> {
  const document = parseDocument(tests, { uniqueKeys: true });
  if (document.errors.length > 0) return `rule tests: YAML syntax: ${document.errors[0]!.message.split('\n')[0]}`;
  const raw = document.toJS() as unknown;
  // The tests run against the bundle's rules: a `config:` naming a file on the operator's machine means nothing here.
  const parsed = ruleTestFileSchema.safeParse(typeof raw === 'object' && raw !== null ? { config: 'bundle', ...raw } : raw);
  if (!parsed.success) return `rule tests: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`;
  const defaultSource = config.sources.length === 1 ? config.sources[0]!.name : 'test';
  const failures: string[] = [];
  for (const test of parsed.data.tests) {
    const outcome = await runRuleTest(test, config.rules, defaultSource, { forgetSilentMs: config.agent.forget_silent_sensors });
    if (!outcome.passed) failures.push(`${outcome.name} (${outcome.differences.slice(0, 2).join('; ')})`);
  }
  return failures.length === 0 ? undefined : `rule test(s) failed: ${failures.join('; ')}`;
}
