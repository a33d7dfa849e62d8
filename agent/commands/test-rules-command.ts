import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LineCounter, parseDocument } from 'yaml';
import { formatProblem, type ConfigProblem } from '../config/config-problem.js';
import { safeText } from '../../drivers/safe-text.js';
import { CONFIG_WORDS, explainIssue } from '../../rules/issue-explainer.js';
import { checkConfigFile } from '../config/load-config.js';
import { YamlLocator } from '../config/yaml-locator.js';
import { ruleTestFileSchema, type RuleTestFile } from '../rule-tests/rule-test-file.js';
import { runRuleTest } from '../rule-tests/run-rule-test.js';

export const TEST_RULES_HELP = `Usage: tributary test-rules FILE ...

Unit tests for rules, like Prometheus' "promtool test rules". Each file names a
config whose rules it tests and lists tests: input series with timestamps, and
the results expected. Every difference is printed; the exit status is 1 if any
test fails or a file is invalid.

  config: greenhouse.yaml            # relative to the test file
  tests:
    - name: 10-second means
      input:
        - sensor: greenhouse/temperature
          interval: 1s
          values: [20, 21, 22, null, 23]      # null: no reading
      expect:
        - rule: greenhouse_10s
          sensor: greenhouse/temperature
          start: 0s
          values: { count: 4, mean: 21.5 }

Options:
  -h, --help   show this help
`;

export async function testRulesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(TEST_RULES_HELP);
    return 0;
  }
  if (positionals.length === 0) {
    process.stderr.write('tributary test-rules: name at least one test file\n');
    return 1;
  }
  let failed = 0;
  let total = 0;
  for (const file of positionals) {
    const loaded = loadTestFile(file);
    if ('problems' in loaded) {
      for (const problem of loaded.problems) process.stdout.write(`${formatProblem(problem)}\n`);
      failed += 1;
      continue;
    }
    const configFile = resolve(dirname(file), loaded.tests.config);
    // Only the rules are tested: a config of rules alone is enough.
    const checked = checkConfigFile(configFile, process.env, ['rules']);
    if (!checked.ok) {
      for (const problem of checked.problems) process.stdout.write(`${formatProblem(problem)}\n`);
      failed += 1;
      continue;
    }
    const { rules, sources, agent } = checked.config;
    const defaultSource = sources.length === 1 ? sources[0]!.name : 'test';
    for (const test of loaded.tests.tests) {
      total += 1;
      // As the agent runs them: silent sensors forgotten after the config's time.
      const outcome = await runRuleTest(test, rules, defaultSource, { forgetSilentMs: agent.forget_silent_sensors });
      process.stdout.write(safeText(`${outcome.passed ? 'PASS' : 'FAIL'} ${file}: ${outcome.name}`) + '\n');
      // Names, sensors and values come from the test file: printed escaped, like config problems.
      for (const difference of outcome.differences) process.stdout.write(`  ${safeText(difference)}\n`);
      if (!outcome.passed) failed += 1;
    }
  }
  process.stdout.write(`${total} rule test(s), ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

function loadTestFile(file: string): { tests: RuleTestFile } | { problems: ConfigProblem[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { problems: [{ file, line: 1, column: 1, path: '', message: `cannot read test file: ${(error as Error).message}` }] };
  }
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const locator = new YamlLocator(document, lines);
  const problems: ConfigProblem[] = document.errors.map((error) => ({
    file,
    ...locator.positionOf(error.pos[0]),
    path: '',
    message: `YAML syntax: ${error.message.split('\n')[0]}`,
  }));
  if (problems.length > 0) return { problems };
  const parsed = ruleTestFileSchema.safeParse(document.toJS());
  if (parsed.success) return { tests: parsed.data };
  for (const issue of parsed.error.issues) {
    for (const explained of explainIssue(issue, { schema: ruleTestFileSchema, words: CONFIG_WORDS, written: locator })) {
      problems.push({ file, ...locator.position(explained.path, explained.at), path: explained.path.map(String).join('.'), message: explained.message });
    }
  }
  return { problems };
}
