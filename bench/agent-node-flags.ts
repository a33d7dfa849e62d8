import { readFileSync } from 'node:fs';

const UNIT = new URL('../systemd/tributary.service', import.meta.url);

/**
 * The flags systemd gives Node when it runs the agent (between `node` and the CLI on the unit's ExecStart line):
 * benchmarks run the agent as it runs on a device. BENCH_AGENT_NODE_FLAGS replaces them, to try other flags
 * before changing the unit.
 */
export function agentNodeFlags(unitText?: string): string[] {
  const override = process.env.BENCH_AGENT_NODE_FLAGS;
  if (unitText === undefined && override !== undefined) return override.split(' ').filter(Boolean);
  return flagsOfUnit(unitText ?? readFileSync(UNIT, 'utf8'));
}

function flagsOfUnit(unitText: string): string[] {
  const execStart = /^ExecStart=\S+ (.*?)\S*\/cli\.js /m.exec(unitText);
  if (!execStart) throw new Error('systemd/tributary.service: no ExecStart line running cli.js');
  return execStart[1]!.split(' ').filter(Boolean);
}
