import { parseArgs } from 'node:util';
import { safeText } from '../../drivers/safe-text.js';
import { notRunningMessage } from '../health/agent-url.js';
import { DEFAULT_CONFIG_FILE } from './default-config-file.js';
import { agentRequestHeaders, runningAgentUrl } from './running-agent-url.js';

export const ALERTS_HELP = `Usage: tributary alerts ack <rule> <sensor> [--source NAME] [--config FILE] [--url URL]

Acknowledges a firing alert of the running agent: it resolves now (state
resolved, resolution acknowledged, sent to the sinks like any transition) and
its sensor's current level is taken as normal. It does not page again until its
condition has cleared. Asks the agent's health server (POST /alerts/ack).

Exit status: 0 acknowledged, 1 nothing to acknowledge (unknown rule or sensor,
or not firing), 2 bad usage, 3 the agent is not running.

Options:
  -s, --source NAME  the source of the sensor, when two sources have one of that name
  -c, --config FILE  config of the running agent, to find agent.http.listen
                     (default: $TRIBUTARY_CONFIG or ${DEFAULT_CONFIG_FILE})
  -u, --url URL      the agent's health server, e.g. http://127.0.0.1:9108
  -h, --help         show this help
`;

export async function alertsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      source: { type: 'string', short: 's' },
      config: { type: 'string', short: 'c' },
      url: { type: 'string', short: 'u' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(ALERTS_HELP);
    return 0;
  }
  const [action, rule, sensor, ...extra] = positionals;
  if (action !== 'ack' || rule === undefined || sensor === undefined || extra.length > 0) {
    process.stderr.write(`tributary alerts: expected ack <rule> <sensor>\n\n${ALERTS_HELP}`);
    return 2;
  }
  const healthServer = runningAgentUrl('alerts', values);
  if (healthServer === undefined) return 3;
  const body = JSON.stringify({ rule, sensor, ...(values.source === undefined ? {} : { source: values.source }) });
  let response: Response;
  try {
    response = await fetch(`${healthServer}/alerts/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...agentRequestHeaders(values) },
      body,
      signal: AbortSignal.timeout(5_000),
    });
  } catch (error) {
    process.stderr.write(`tributary alerts: ${notRunningMessage(healthServer, error)}\n`);
    return 3;
  }
  const answer = (await response.json().catch(() => ({}))) as { acknowledged?: { message?: string; source?: string }; error?: string };
  if (response.status === 200 && answer.acknowledged) {
    process.stdout.write(`acknowledged ${rule} ${answer.acknowledged.source ?? ''}/${sensor}: ${safeText(answer.acknowledged.message ?? '')}\n`);
    return 0;
  }
  const reason = answer.error ?? `HTTP ${response.status} from ${healthServer}/alerts/ack; is that a Tributary agent of this version?`;
  process.stderr.write(`tributary alerts: ${safeText(reason)}\n`);
  return response.status === 400 || response.status === 404 || response.status === 409 ? 1 : 3;
}
