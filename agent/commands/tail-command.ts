import { get } from 'node:http';
import { parseArgs } from 'node:util';
import type { Reading } from '../../rules/reading.js';
import type { RuleResult } from '../../rules/rule-result.js';
import { notRunningMessage } from '../health/agent-url.js';
import { DEFAULT_CONFIG_FILE } from './default-config-file.js';
import { agentRequestHeaders, runningAgentUrl } from './running-agent-url.js';

export const TAIL_HELP = `Usage: tributary tail [--sensor GLOB] [--readings | --results] [--json] [--config FILE] [--url URL]

Prints readings and rule results of the running agent as they happen, until
interrupted (Ctrl-C). Reads the agent's /tail stream.

Options:
  -s, --sensor GLOB  only sensors matching GLOB (* within a level, ** across levels)
      --readings     only readings
      --results      only rule results
      --json         one JSON object per line, {"event": "reading"|"result", ...}
  -c, --config FILE  config of the running agent, to find agent.http.listen
                     (default: $TRIBUTARY_CONFIG or ${DEFAULT_CONFIG_FILE})
  -u, --url URL      the agent's health server, e.g. http://127.0.0.1:9108
  -h, --help         show this help
`;

type Event = { event: 'reading'; data: Reading } | { event: 'result'; data: RuleResult };

export async function tailCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sensor: { type: 'string', short: 's' },
      readings: { type: 'boolean' },
      results: { type: 'boolean' },
      json: { type: 'boolean' },
      config: { type: 'string', short: 'c' },
      url: { type: 'string', short: 'u' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(TAIL_HELP);
    return 0;
  }
  const healthServer = runningAgentUrl('tail', values);
  if (healthServer === undefined) return 3;
  const wanted = (event: Event['event']) => (values.readings ? event === 'reading' : values.results ? event === 'result' : true);
  const print = (event: Event) => {
    if (!wanted(event.event)) return;
    process.stdout.write(values.json ? `${JSON.stringify({ event: event.event, ...event.data })}\n` : `${formatEvent(event)}\n`);
  };
  const url = `${healthServer}/tail?sensor=${encodeURIComponent(values.sensor ?? '**')}`;

  return new Promise<number>((resolve) => {
    const request = get(url, { headers: agentRequestHeaders(values) }, (response) => {
      if (response.statusCode !== 200) {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => {
          process.stderr.write(`tributary tail: HTTP ${response.statusCode} from ${healthServer}/tail: ${body.trim()}\n`);
          resolve(1);
        });
        return;
      }
      process.stderr.write(`tributary tail: following ${values.sensor ?? 'all sensors'} at ${healthServer} (Ctrl-C to stop)\n`);
      let pending = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        pending += chunk;
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const event = parseServerSentEvent(pending.slice(0, end));
          pending = pending.slice(end + 2);
          if (event) print(event);
        }
      });
      response.on('end', () => {
        process.stderr.write('tributary tail: the agent ended the stream (stopped or restarted)\n');
        resolve(1);
      });
    });
    request.on('error', (error) => {
      process.stderr.write(`tributary tail: ${notRunningMessage(healthServer, error)}\n`);
      resolve(3);
    });
    process.once('SIGINT', () => {
      request.destroy();
      resolve(0);
    });
  });
}

/** One `event:`/`data:` block; comments (keepalives) and unknown events give undefined. */
function parseServerSentEvent(block: string): Event | undefined {
  let name = 'message';
  let data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) name = line.slice(6).trim();
    else if (line.startsWith('data:')) data += line.slice(5).trim();
  }
  if ((name !== 'reading' && name !== 'result') || data === '') return undefined;
  try {
    return { event: name, data: JSON.parse(data) } as Event;
  } catch {
    return undefined;
  }
}

/** A readable line: time, what, where from, the value(s). */
export function formatEvent({ event, data }: Event): string {
  if (event === 'reading') return `${clock(data.timestamp)}  reading  ${data.source}:${data.sensor} = ${number(data.value)}`;
  const head = `result   ${data.rule}  ${data.source}:${data.sensor}`;
  switch (data.kind) {
    case 'window': {
      const values = Object.entries(data.values).map(([name, value]) => `${name}=${number(value)}`).join(' ');
      return `${clock(data.end)}  ${head}  [${clock(data.start)}–${clock(data.end)}] ${values}`;
    }
    case 'reading':
      return `${clock(data.timestamp)}  ${head} = ${number(data.value)}`;
    case 'alert':
      return `${clock(data.timestamp)}  ${head}  ALERT ${data.state} (${data.severity}): ${data.message}`;
    default: {
      // Kinds newer than this command: show them whole rather than not at all.
      const other = data as { timestamp?: number };
      return `${typeof other.timestamp === 'number' ? clock(other.timestamp) : '--:--:--.---'}  ${head}  ${JSON.stringify(data)}`;
    }
  }
}

/** HH:MM:SS.mmm in UTC, as the journal and the console sink show times. */
function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

function number(value: number | null): string {
  return value === null ? 'NaN' : String(Number(value.toPrecision(6)));
}
