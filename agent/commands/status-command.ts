import { parseArgs } from 'node:util';
import { notRunningMessage } from '../health/agent-url.js';
import type { HealthReport } from '../health/health-report.js';
import { DEFAULT_CONFIG_FILE } from './default-config-file.js';
import { agentRequestHeaders, runningAgentUrl } from './running-agent-url.js';

export const STATUS_HELP = `Usage: tributary status [--config FILE] [--url URL] [--json]

Asks the running agent what it is doing: which sources are up and which are
down (and why), whether the buffer can be written, and per sink whether it is
reachable and how many results wait for it. Reads the agent's /healthz.

Exit status: 0 all healthy, 1 something is failing, 3 the agent is not running.

Options:
  -c, --config FILE  config of the running agent, to find agent.http.listen
                     (default: $TRIBUTARY_CONFIG or ${DEFAULT_CONFIG_FILE})
  -u, --url URL      the agent's health server, e.g. http://127.0.0.1:9108
      --json         print the report as JSON
  -h, --help         show this help
`;

export async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      url: { type: 'string', short: 'u' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(STATUS_HELP);
    return 0;
  }
  const healthServer = runningAgentUrl('status', values);
  if (healthServer === undefined) return 3;
  let report: HealthReport;
  try {
    const response = await fetch(`${healthServer}/healthz`, { headers: agentRequestHeaders(values), signal: AbortSignal.timeout(5_000) });
    if (response.status === 401) throw new Error(`${healthServer} asks for credentials: set TRIBUTARY_HTTP_TOKEN, or the variables agent.http.token or basic_auth name in the config`);
    if (response.status !== 200 && response.status !== 503) throw new Error(`HTTP ${response.status} from ${healthServer}/healthz; is that a Tributary agent?`);
    report = (await response.json()) as HealthReport;
  } catch (error) {
    process.stderr.write(`tributary status: ${notRunningMessage(healthServer, error)}\n`);
    return 3;
  }
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report, healthServer));
  return report.status === 'ok' ? 0 : 1;
}

const OK = '✓';
const BAD = '✗';

/** The one screen of `tributary status`. */
export function formatStatus(report: HealthReport, url: string): string {
  const lines: string[] = [];
  lines.push(`Tributary agent: running (pid ${report.pid}, up ${duration(report.uptime_s)}) on ${report.config}`);
  lines.push(`Health: ${report.status === 'ok' ? 'OK' : 'FAILING'}  (${url}/healthz)`);
  for (const problem of report.problems) lines.push(`  ${BAD} ${problem}`);
  lines.push(`Readings in: ${report.readings_in}, results out: ${report.results_out}`);

  lines.push('', 'Sources');
  lines.push(...table(
    ['', 'name', 'driver', 'readings', 'rejected', 'reconnects', 'last reading'],
    report.sources.map((s) => [
      s.up ? OK : BAD,
      s.name,
      s.driver,
      String(s.readings),
      String(s.rejected),
      String(s.reconnects),
      s.last_reading_age_s === undefined ? 'never' : `${duration(s.last_reading_age_s)} ago`,
    ]),
    report.sources.map((s) => (s.up ? undefined : s.reason)),
  ));

  const { buffer } = report;
  lines.push('', 'Buffer');
  lines.push(`  ${buffer.writable ? OK : BAD} ${buffer.file}  ${bytes(buffer.bytes)}${buffer.free_bytes === undefined ? '' : `, ${bytes(buffer.free_bytes)} free`}`);
  lines.push(`    queued ${buffer.queued}, dropped because full ${buffer.dropped}${buffer.writable ? '' : `  — ${buffer.reason ?? 'not writable'}`}`);

  lines.push('', 'Sinks');
  lines.push(...table(
    ['', 'name', 'backlog', 'oldest waiting', 'sent', 'failures'],
    report.sinks.map((s) => [
      s.reachable ? OK : BAD,
      s.name,
      String(s.pending),
      s.oldest_pending_age_s === undefined ? '-' : duration(s.oldest_pending_age_s),
      String(s.sent),
      String(s.failures),
    ]),
    report.sinks.map((s) => {
      const lastError = s.last_error !== undefined && s.last_error !== s.reason && s.pending > 0 ? `last error: ${s.last_error}` : undefined;
      return [s.reachable ? undefined : s.reason, lastError].filter(Boolean).join('; ') || undefined;
    }),
  ));

  const rules = report.rules ?? [];
  lines.push('', 'Rules');
  lines.push(...table(
    ['', 'name', 'results', 'errors'],
    rules.map((r) => [r.errors > 0 ? '!' : '', r.name, String(r.results), String(r.errors)]),
    rules.map((r) => (r.errors > 0 ? 'readings it could not compute and dropped: an expression or derive formula gave NaN or infinity (see the log)' : undefined)),
  ));

  const alerts = report.alerts ?? [];
  lines.push('', 'Alerts');
  lines.push(...table(
    ['', 'rule', 'sensor', 'state', 'severity', 'for'],
    alerts.map((a) => [
      a.state === 'firing' ? '!' : '',
      a.rule,
      `${a.source}/${a.sensor}`,
      a.resolution === undefined ? a.state : `resolved: ${a.resolution}`,
      a.severity,
      duration(a.age_s),
    ]),
    alerts.map((a) => (a.state === 'firing' ? `tributary alerts ack ${a.rule} ${a.sensor}` : undefined)),
  ));
  return `${lines.join('\n')}\n`;
}

/** Left-aligned columns; a note (why it is down) goes on its own line under its row. */
function table(header: string[], rows: string[][], notes: (string | undefined)[]): string[] {
  if (rows.length === 0) return ['  (none)'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `  ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')}`.trimEnd();
  const out = [line(header)];
  rows.forEach((row, index) => {
    out.push(line(row));
    if (notes[index]) out.push(`      ${notes[index]}`);
  });
  return out;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ${Math.floor(seconds % 60)} s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)} h ${Math.floor((seconds % 3_600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3_600)} h`;
}

function bytes(count: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = count;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
