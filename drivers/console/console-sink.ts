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
  const values = Object.entries(result.values)
    .map(([name, value]) => `${name}=${Number.isInteger(value) ? value : value.toFixed(3)}`)
    .join(' ');
  const window = `${new Date(result.start).toISOString().slice(11, 19)}–${new Date(result.end).toISOString().slice(11, 19)}`;
  return `${window} ${result.rule} ${result.source}:${result.sensor} ${values}`;
}
