/**
 * Node-RED 4 as a consumer of the pipeline benchmark. It is installed on demand into the OS temp dir
 * (`npm install --prefix <tmp>/tributary-bench-node-red node-red@4`, not a project dependency) and kept there
 * between runs; delete that folder to get the newest 4.x. Runs with Node's default flags.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/helpers/free-port.js';
import { startCounter, type Consumer, type Counted } from '../pipeline/consumers.js';
import { stopChild } from '../pipeline/fleet-agent.js';
import { track, waitForOutput } from '../pipeline/processes.js';
import { nodeRedFlow, nodeRedSettings } from './node-red-flow.js';

export const NODE_RED_DIR = path.join(tmpdir(), 'tributary-bench-node-red');

/** The path of red.js, installing Node-RED first if it is not in the cache folder. */
export function ensureNodeRed(): string {
  const red = path.join(NODE_RED_DIR, 'node_modules/node-red/red.js');
  if (!existsSync(red)) {
    process.stderr.write(`installing node-red@4 into ${NODE_RED_DIR} (once; kept for later runs)\n`);
    execFileSync('npm', ['install', '--prefix', NODE_RED_DIR, '--no-audit', '--no-fund', '--no-save', 'node-red@4'], { stdio: ['ignore', 2, 2] });
  }
  return red;
}

export function nodeRedConsumer(red: string): Consumer {
  return {
    name: 'node-red',
    async start(plan) {
      await mkdir(plan.dir, { recursive: true });
      const flowFile = path.join(plan.dir, 'flows.json');
      const settingsFile = path.join(plan.dir, 'settings.js');
      await writeFile(flowFile, JSON.stringify(nodeRedFlow(Number(new URL(plan.broker).port))));
      await writeFile(settingsFile, nodeRedSettings(await freePort(), flowFile));
      const expected = plan.readings - plan.outOfRange;
      const counter = await startCounter(plan.broker, 'bench/out/#', 'readings', expected);
      const child = track(spawn(process.execPath, [red, '--userDir', plan.dir, '--settings', settingsFile], { cwd: plan.dir, stdio: ['ignore', 'pipe', 'pipe'] }));
      await waitForOutput(child, 'stdout', [/Started flows/, /Connected to broker/], 60_000, 'node-red');
      return {
        pid: child.pid!,
        counted: counter.total.then((c): Counted => c),
        expected,
        async stop() {
          await stopChild(child);
          await stopChild(counter.child);
        },
      };
    },
  };
}
