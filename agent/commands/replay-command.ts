import { createWriteStream, type WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import type { RuleResult } from '../../rules/rule-result.js';
import { formatProblem } from '../config/config-problem.js';
import { safeText } from '../../drivers/safe-text.js';
import { checkConfigFile } from '../config/load-config.js';
import { readRecording, type RejectedLine } from '../replay/recorded-readings.js';
import { replay } from '../replay/replay.js';
import { DEFAULT_CONFIG_FILE } from './default-config-file.js';

export const REPLAY_HELP = `Usage: tributary replay --input FILE [options]

Runs recorded readings through the rules of a config as fast as possible, with
the recording's own timestamps as the clock, and writes every result as a JSON
line. Sources and sinks of the config are not started.

Input: CSV with a header (a timestamp column in ISO 8601, "YYYY-MM-DD HH:MM:SS"
(UTC) or epoch ms/s; the value in column "value", or each other numeric column
as its own sensor), or JSON lines ({"sensor", "value", "timestamp", "source"?,
"tags"?}) when the file ends in .jsonl or .ndjson.

Options:
  -c, --config FILE          rules to run (default: $TRIBUTARY_CONFIG or ${DEFAULT_CONFIG_FILE})
  -i, --input FILE           the recording
  -o, --output FILE          write results here instead of standard output
      --source NAME          source name of the readings (default: the config's
                             only source, else "replay")
      --sensor NAME          sensor name (default: the input file's name)
      --timestamp-column C   CSV column of the timestamp (default: timestamp)
      --value-column C       CSV column of the value
      --sensor-column C      CSV column holding the sensor name
  -h, --help                 show this help

A summary (readings, results, rejected lines) goes to standard error.
`;

export async function replayCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      input: { type: 'string', short: 'i' },
      output: { type: 'string', short: 'o' },
      source: { type: 'string' },
      sensor: { type: 'string' },
      'timestamp-column': { type: 'string' },
      'value-column': { type: 'string' },
      'sensor-column': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(REPLAY_HELP);
    return 0;
  }
  if (!values.input) {
    process.stderr.write('tributary replay: --input FILE is required\n');
    return 1;
  }
  const configFile = values.config ?? process.env.TRIBUTARY_CONFIG ?? DEFAULT_CONFIG_FILE;
  // Sources and sinks are not started: rules alone are enough.
  const checked = checkConfigFile(configFile, process.env, ['rules']);
  if (!checked.ok) {
    for (const problem of checked.problems) process.stderr.write(`${formatProblem(problem)}\n`);
    return 1;
  }
  const { config } = checked;
  const source = values.source ?? (config.sources.length === 1 ? config.sources[0]!.name : 'replay');
  const rejected: RejectedLine[] = [];
  const readings = readRecording(
    values.input,
    {
      source,
      timestampColumn: values['timestamp-column'] ?? 'timestamp',
      ...(values.sensor === undefined ? {} : { sensor: values.sensor }),
      ...(values['sensor-column'] === undefined ? {} : { sensorColumn: values['sensor-column'] }),
      ...(values['value-column'] === undefined ? {} : { valueColumn: values['value-column'] }),
    },
    (line) => rejected.push(line),
  );

  const output: WriteStream | NodeJS.WriteStream = values.output ? createWriteStream(values.output) : process.stdout;
  let buffered = '';
  const write = (result: RuleResult) => {
    buffered += `${JSON.stringify(result)}\n`;
    if (buffered.length > 64_000) {
      output.write(buffered);
      buffered = '';
    }
  };
  // As the agent runs them: silent sensors forgotten after the config's time.
  const summary = await replay(config.rules, readings, write, { forgetSilentMs: config.agent.forget_silent_sensors });
  output.write(buffered);
  if (output !== process.stdout) await new Promise((resolve) => (output as WriteStream).end(resolve));

  for (const line of rejected.slice(0, 10)) process.stderr.write(`${safeText(`${values.input}:${line.line}: skipped: ${line.reason}`)}\n`);
  if (rejected.length > 10) process.stderr.write(`… and ${rejected.length - 10} more skipped lines\n`);
  const late = summary.rules.reduce((sum, rule) => sum + rule.late, 0);
  process.stderr.write(
    `replayed ${summary.readings} readings` +
      (summary.first === undefined ? '' : ` from ${new Date(summary.first).toISOString()} to ${new Date(summary.last!).toISOString()}`) +
      `: ${summary.results} results, ${rejected.length} lines skipped, ${late} late readings dropped\n`,
  );
  return 0;
}
