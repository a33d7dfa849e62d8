import { readFileSync } from 'node:fs';

const UNIT = new URL('../systemd/tributary.service', import.meta.url);

/**
 * The flags systemd gives Node when it runs the agent (between `node` and the CLI on the unit's ExecStart line):
 * benchmarks run the agent as it runs on a device.
 */
export function agentNodeFlags(unitText = readFileSync(UNIT, 'utf8')): string[] {
  const execStart = /^ExecStart=\S+ (.*?)\S*\/cli\.js /m.exec(unitText);
  if (!execStart) throw new Error('systemd/tributary.service: no ExecStart line running cli.js');
  return execStart[1]!.split(' ').filter(Boolean);
}
