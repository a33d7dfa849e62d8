import type { RuleResult } from '../../rules/rule-result.js';
import type { DriverContext, SinkBatch, SinkDriver } from '../driver.js';
import type { ConsoleSinkOptions } from './console-options.js';

/** Writes results to standard output: readable lines for a person at a terminal, or JSON lines for a pipe. */
export function createConsoleSink(options: ConsoleSinkOptions, _context: DriverContext): SinkDriver {
  const format = options.format === 'json' ? (result: RuleResult) => JSON.stringify(result) : formatText;
  return {
    async start() {},
    async send(batch: SinkBatch) {
      let text = '';
      for (const { result } of batch) text += `${format(result)}\n`;
      if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve));
    },
    async stop() {},
  };
}

function formatText(result: RuleResult): string {
  if (result.kind === 'alert') {
    return `${clock(result.timestamp)} ${result.rule} ${result.source}:${result.sensor} ALERT ${result.state}${result.resolution === undefined ? '' : ` (${result.resolution})`} (${result.severity}, ${result.detector}): ${result.message}`;
  }
  if (result.kind === 'reading') {
    return `${clock(result.timestamp)} ${result.rule} ${result.source}:${result.sensor} value=${number(result.value)}`;
  }
  if (result.kind === 'event') {
    return `${clock(result.timestamp)}–${clock(result.end)} ${result.rule} ${result.source}:${result.sensor} EVENT ${result.event}: ${result.message}`;
  }
  const values = Object.entries(result.values)
    .map(([name, value]) => `${name}=${number(value)}`)
    .join(' ');
  const revision = result.revision === undefined ? '' : ` revision=${result.revision}`;
  const compacted = result.compacted === undefined ? '' : ` compacted=${result.compacted}`;
  return `${clock(result.start)}–${clock(result.end)} ${result.rule} ${result.source}:${result.sensor} ${values}${revision}${compacted}`;
}

/** HH:MM:SS in UTC. */
function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function number(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}
