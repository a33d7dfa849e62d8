import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from '../../test/helpers/agent-process.js';
import { tributary } from '../../test/helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { HOLDER_FILE } from './data-dir-lock.js';

/** Results wait in the buffer: nothing listens on port 1. */
const CONFIG = [
  'agent: { http: { enabled: false }, watch_config: false, tick: 50ms }',
  'sources: { sim: { driver: simulator, interval: 50ms } }',
  'rules: { passed_on: {} }',
  'sinks: { away: { driver: mqtt, url: "mqtt://127.0.0.1:1", reconnect_period: 10s } }',
  'history: { results: 1d, flush_interval: 100ms }',
  '',
].join('\n');

/** Resolves with the exit, or 'running' when the process is still there after `ms`. */
function exitWithin(agent: AgentProcess, ms: number) {
  return Promise.race([agent.exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), ms))]);
}

describe('one agent per data dir', () => {
  let dir: TempDir;
  let config: string;
  let dataDir: string;
  const started: AgentProcess[] = [];
  const start = () => {
    const agent = startAgentProcess(config, dataDir);
    started.push(agent);
    return agent;
  };
  beforeEach(async () => {
    dir = await makeTempDir('data-dir-lock');
    config = path.join(dir.path, 'tributary.yaml');
    dataDir = path.join(dir.path, 'data');
    await writeFile(config, CONFIG);
  });
  afterEach(async () => {
    for (const agent of started.splice(0)) {
      agent.child.kill('SIGKILL');
      await agent.exited;
    }
    await dir.remove();
  });

  it('refuses a second agent on the same data dir, naming the dir and the PID of the first', { timeout: 60_000 }, async () => {
    const first = start();
    await first.waitForLog(/^agent running$/);
    const second = start();
    expect(await exitWithin(second, 20_000)).toEqual({ code: 1, signal: null });
    const refusal = second.logs().find((line) => line.msg === 'agent failed to start');
    expect(String(refusal?.error)).toContain(`the data dir ${dataDir} is in use by another agent (PID ${first.child.pid},`);
    expect(second.logs().some((line) => line.msg === 'buffer open')).toBe(false);
    // The first carries on.
    expect(first.child.exitCode).toBeNull();
    // Reading the history is no use of the buffer: it works while the agent runs.
    const query = await tributary('query', '--data-dir', dataDir, '--since', '1h');
    expect(query.stderr).toBe('');
    expect(query.code).toBe(0);
  });

  it('is free again after the agent holding it was killed with kill -9, with nothing to clean up', { timeout: 60_000 }, async () => {
    const killed = start();
    await killed.waitForLog(/^agent running$/);
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(existsSync(path.join(dataDir, HOLDER_FILE))).toBe(true); // left behind, and no obstacle
    const next = start();
    await next.waitForLog(/^agent running$/);
    const third = start();
    const refusal = await third.waitForLog(/^agent failed to start$/);
    expect(String(refusal.error)).toContain(`(PID ${next.child.pid},`);
  });

  it('is released by a clean stop', { timeout: 60_000 }, async () => {
    const first = start();
    await first.waitForLog(/^agent running$/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(path.join(dataDir, HOLDER_FILE))).toBe(false);
    const next = start();
    await next.waitForLog(/^agent running$/);
  });
});
