import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../rules/duration.js';
import { formatProblem } from '../config/config-problem.js';
import { checkConfigFile } from '../config/load-config.js';
import { queryHistory, type HistoryRow } from '../history/history-query.js';
import { HISTORY_FILE } from '../history/history-file.js';
import { parseTimestamp } from '../replay/parse-timestamp.js';
import { DEFAULT_CONFIG_FILE } from './default-config-file.js';

export const QUERY_HELP = `Usage: tributary query [options] [SENSOR_GLOB ...]

Shows what this device recorded, from its local history (history.sqlite in the
data directory): results by default, or raw readings. Works while the agent runs.
What is kept, and for how long, is set in the config's history section.

Options:
  -c, --config FILE      config whose agent.data_dir to read (default:
                         $TRIBUTARY_CONFIG or ${DEFAULT_CONFIG_FILE})
  -d, --data-dir DIR     read this data directory instead
      --readings         raw readings instead of results
  -r, --rule NAME        only results of this rule (may be repeated)
      --since DURATION   from this long ago, e.g. 15m, 2h, 7d (default 1h)
      --from TIME        from this time: ISO 8601, "YYYY-MM-DD HH:MM:SS" (UTC)
                         or ms since the epoch
      --to TIME          until this time (default: now)
  -n, --limit N          at most N rows, the newest (default 1000)
      --format FORMAT    table (default), csv or jsonl
  -h, --help             show this help

Sensor globs: * within one level of the name, ** across levels,
e.g. tributary query 'greenhouse/*' --since 1d
`;

export async function queryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      'data-dir': { type: 'string', short: 'd' },
      readings: { type: 'boolean' },
      rule: { type: 'string', short: 'r', multiple: true },
      since: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string', short: 'n' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(QUERY_HELP);
    return 0;
  }
  const fail = (message: string) => {
    process.stderr.write(`tributary query: ${message}\n`);
    return 1;
  };
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'csv' && format !== 'jsonl') return fail(`--format must be table, csv or jsonl, not "${format}"`);
  const limit = values.limit === undefined ? 1_000 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) return fail(`--limit must be a whole number of at least 1, not "${values.limit}"`);
  if (values.readings && values.rule) return fail('--rule picks results; raw readings have no rule');

  const now = Date.now();
  const to = values.to === undefined ? now : parseTimestamp(values.to);
  if (to === undefined) return fail(`--to: cannot read "${values.to}" as a time`);
  let from: number | undefined;
  if (values.from !== undefined) {
    if (values.since !== undefined) return fail('give --since or --from, not both');
    from = parseTimestamp(values.from);
    if (from === undefined) return fail(`--from: cannot read "${values.from}" as a time`);
  } else {
    const since = parseDuration(values.since ?? '1h');
    if (since === undefined) return fail(`--since: expected a duration such as 15m, 2h or 7d, not "${values.since}"`);
    from = to - since;
  }

  let dataDir = values['data-dir'];
  if (dataDir === undefined) {
    const file = values.config ?? process.env.TRIBUTARY_CONFIG ?? DEFAULT_CONFIG_FILE;
    const checked = checkConfigFile(file);
    if (!checked.ok) {
      for (const problem of checked.problems) process.stderr.write(`${formatProblem(problem)}\n`);
      return 1;
    }
    dataDir = checked.config.agent.data_dir;
  }

  let rows: HistoryRow[];
  try {
    rows = queryHistory(resolve(dataDir, HISTORY_FILE), {
      what: values.readings ? 'readings' : 'results',
      from,
      to,
      sensors: positionals,
      rules: values.rule ?? [],
      limit,
      newest: true,
    });
  } catch (error) {
    return fail((error as Error).message);
  }
  process.stdout.write(render(rows, values.readings ? 'readings' : 'results', format));
  if (rows.length === 0) process.stderr.write(`nothing recorded from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}\n`);
  return 0;
}

function render(rows: HistoryRow[], what: 'readings' | 'results', format: 'table' | 'csv' | 'jsonl'): string {
  if (format === 'jsonl') return rows.map((row) => `${JSON.stringify(row.result ?? { ...row })}\n`).join('');
  const header = what === 'readings' ? ['time', 'source', 'sensor', 'value', 'tags'] : ['time', 'rule', 'source', 'sensor', 'values'];
  const lines = rows.map((row) => (what === 'readings' ? readingCells(row) : resultCells(row)));
  if (format === 'csv') return [header, ...lines].map((cells) => `${cells.map(csvCell).join(',')}\n`).join('');
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((cells) => cells[column]!.length)));
  // The last column is not padded: it is the widest and trailing spaces only wrap lines on a narrow terminal.
  const pad = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  return [header, ...lines].map((cells) => `${pad(cells)}\n`).join('');
}

function readingCells(row: HistoryRow): string[] {
  const tags = Object.entries(row.tags ?? {}).map(([name, value]) => `${name}=${value}`).join(',');
  return [new Date(row.time).toISOString(), row.source, row.sensor, String(row.value), tags];
}

function resultCells(row: HistoryRow): string[] {
  const result = row.result!;
  let values: string;
  if (result.kind === 'window') {
    values = Object.entries(result.values as Record<string, number>).map(([name, value]) => `${name}=${round(value)}`).join(' ');
    if (result.revision) values += ` (revision ${String(result.revision)})`;
  } else if (result.kind === 'alert') {
    values = `${String(result.state)} ${String(result.severity)}: ${String(result.message)}`;
  } else {
    values = `value=${round(result.value as number)}`;
  }
  return [new Date(row.time).toISOString(), String(result.rule), row.source, row.sensor, values];
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

function csvCell(cell: string): string {
  return /[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}
