import { parseArgs } from 'node:util';
import { checkConfigFile } from '../config/load-config.js';
import { formatProblem } from '../config/config-problem.js';
import { safeText } from '../../drivers/safe-text.js';
import { ruleSpecOf } from '../reload/config-changes.js';
import { unboundedWindowWarning } from '../../rules/windows/unbounded-window.js';
import { DEFAULT_CONFIG_FILE } from './default-config-file.js';

export const VALIDATE_HELP = `Usage: tributary validate [FILE ...]

Checks config files without running anything. Every problem is printed as
  file:line:column: key.path: what is wrong
and the exit status is 1. A valid file prints a one-line summary; exit status 0.
Environment references (\${NAME}) are resolved from the current environment.

Options:
  -h, --help   show this help
Default FILE: $TRIBUTARY_CONFIG or ${DEFAULT_CONFIG_FILE}
`;

export async function validateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(VALIDATE_HELP);
    return 0;
  }
  const files = positionals.length > 0 ? positionals : [process.env.TRIBUTARY_CONFIG ?? DEFAULT_CONFIG_FILE];
  let failed = false;
  for (const file of files) {
    const checked = checkConfigFile(file);
    if (!checked.ok) {
      failed = true;
      for (const problem of checked.problems) process.stdout.write(`${formatProblem(problem)}\n`);
      process.stdout.write(`${safeText(file)}: ${checked.problems.length} problem(s)\n`);
      continue;
    }
    const { sources, rules, sinks } = checked.config;
    process.stdout.write(
      `${safeText(file)}: valid — ${count(sources.length, 'source')}, ${count(rules.length, 'rule')}, ${count(sinks.length, 'sink')}\n`,
    );
    for (const rule of rules) {
      const warning = unboundedWindowWarning(ruleSpecOf(rule));
      if (warning !== undefined) process.stdout.write(`${safeText(file)}: warning: ${warning}\n`);
    }
  }
  return failed ? 1 : 0;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
