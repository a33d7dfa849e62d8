import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from '../../test/helpers/agent-process.js';
import { freePort } from '../../test/helpers/free-port.js';
import { eventually } from '../../test/helpers/mqtt-recorder.js';
import { REPO, tributary } from '../../test/helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';

/** `tributary status` and `tributary tail` against an agent running as its own process. */
describe('status and tail of the running agent', () => {
  let dir: TempDir;
  let agent: AgentProcess | undefined;
  beforeEach(async () => {
    dir = await makeTempDir('status');
  });
  afterEach(async () => {
    agent?.child.kill('SIGKILL');
    await agent?.exited;
    agent = undefined;
    await dir.remove();
  });

  /** An agent with a working simulator and a serial port that does not exist; returns its config file. */
  async function startAgent(): Promise<{ config: string; port: number }> {
    const port = await freePort();
    const config = path.join(dir.path, 'tributary.yaml');
    await writeFile(
      config,
      `
agent: { log_format: json, tick: 20ms, watch_config: false, http: { listen: 127.0.0.1:${port} } }
sources:
  sim: { driver: simulator, interval: 20ms, sensors: [{ name: room/a, base: 20 }, { name: hall/b, base: 30 }] }
  gps: { driver: serial, path: ${path.join(dir.path, 'no-such-tty')}, baud_rate: 9600, format: { type: nmea } }
rules:
  mean: { window: { size: 100ms, allowed_lateness: 0s }, aggregates: [mean] }
  ratio: { from: sim, transform: [{ expression: "log(value - 25)" }], window: { size: 100ms, allowed_lateness: 0s }, aggregates: [mean] }
sinks:
  out: { driver: console, format: json }
buffer: { commit_interval: 10ms }
`,
    );
    agent = startAgentProcess(config, path.join(dir.path, 'data'));
    await agent.waitForLog(/health and metrics/);
    return { config, port };
  }

  it('says what runs, what fails and why, and the backlog per sink; exit status 1 while something fails', async () => {
    const { config } = await startAgent();
    await eventually(() => agent!.stdout().split('\n').length > 3, 20_000, 'results on the console');
    const status = await tributary('status', '--config', config);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^Tributary agent: running \(pid \d+, up [\d.]+ s\) on /);
    expect(status.stdout).toContain('Health: FAILING');
    expect(status.stdout).toMatch(/✗ source gps: .*no-such-tty/);
    expect(status.stdout).toMatch(/\n {2}✓ +sim +simulator +\d+ +0 +0 +[\d.]+ s ago\n/);
    expect(status.stdout).toMatch(/\n {2}✗ +gps +serial +0 +0 +0 +never\n {6}.*no-such-tty/);
    expect(status.stdout).toMatch(/\nBuffer\n {2}✓ .*buffer\.sqlite/);
    expect(status.stdout).toMatch(/\nSinks\n.*\n {2}✓ +out +\d+ +/);
    // room/a (about 20) gives log of a negative number: a rule error for each of its readings; hall/b computes.
    expect(status.stdout).toMatch(/\nRules\n {5}name +results +errors\n {5}mean +\d+ +0\n {2}! +ratio +[1-9]\d* +[1-9]\d*\n {6}readings it could not compute and dropped/);

    const json = await tributary('status', '--config', config, '--json');
    const report = JSON.parse(json.stdout) as { status: string; sinks: { name: string; sent: number }[] };
    expect(report.status).toBe('failing');
    expect(report.sinks[0]!.name).toBe('out');
    expect(report.sinks[0]!.sent).toBeGreaterThan(0);
  });

  it('says plainly when no agent is running, with exit status 3', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const status = await tributary('status', '--url', url);
    expect(status.code).toBe(3);
    expect(status.stdout).toBe('');
    expect(status.stderr).toBe(`tributary status: the agent is not running: nothing answers at ${url} (systemctl status tributary; journalctl -u tributary)\n`);

    const config = path.join(dir.path, 'off.yaml');
    await writeFile(config, 'agent:\n  http: { enabled: false }\n');
    const off = await tributary('status', '--config', config);
    expect(off.code).toBe(3);
    expect(off.stderr).toContain('the health server is off in');
  });

  it('tail prints live readings and results of the matching sensors until interrupted', async () => {
    const { config } = await startAgent();
    const tail = spawn(process.execPath, ['--import', 'tsx', 'agent/cli.ts', 'tail', '--config', config, '--sensor', 'room/*'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    tail.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => tail.on('exit', (code) => resolve(code)));
    try {
      await eventually(() => / result +mean +sim:room\/a +\[/.test(stdout) && / reading +sim:room\/a = /.test(stdout), 20_000, 'a reading and a result line');
    } finally {
      tail.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.every((line) => /^\d\d:\d\d:\d\d\.\d{3} {2}(reading|result) .*sim:room\/a/.test(line))).toBe(true);
  });
});
