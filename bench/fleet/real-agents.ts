import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { agentNodeFlags } from '../agent-node-flags.js';
import { REPO, track } from '../pipeline/processes.js';
import { benchDeviceConfig, type BenchDevice } from './bench-configs.js';

export interface RealAgent {
  readonly device: string;
  readonly child: ChildProcess;
  /** Its last log lines, to say why it failed. */
  logTail(): string;
  /** How it applied pushed configs so far: by reloading its rules, or by restarting the agent in its process. */
  applied(): { reloads: number; restarts: number };
}

/**
 * Starts the built agent (`dist/agent/cli.js`, with the Node flags of systemd/tributary.service) as one fleet device,
 * with its own config file and data dir under `work`. Killed with the benchmark's other children when it ends.
 */
export async function startRealAgent(device: BenchDevice, work: string): Promise<RealAgent> {
  const config = path.join(work, `${device.device}.yaml`);
  await writeFile(config, benchDeviceConfig(device));
  const child = track(
    spawn(process.execPath, [...agentNodeFlags(), path.join(REPO, 'dist/agent/cli.js'), 'run', '--config', config, '--data-dir', path.join(work, `data-${device.device}`)], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let tail = '';
  const applied = { reloads: 0, restarts: 0 };
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    // JSON log lines: the messages of run-command.ts and reload-rules.ts.
    applied.reloads += text.match(/"msg":"rules reloaded"/g)?.length ?? 0;
    applied.restarts += text.match(/"msg":"fleet: restarting the agent on a new config"/g)?.length ?? 0;
    tail = (tail + text).slice(-4_000);
  });
  return { device: device.device, child, logTail: () => tail, applied: () => ({ ...applied }) };
}
