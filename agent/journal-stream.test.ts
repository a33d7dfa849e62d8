import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../test/helpers/mqtt-recorder.js';
import { REPO } from '../test/helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../test/helpers/temp-dir.js';

/** Under systemd, standard error is the journal's stream; journald reads a leading <N> as the line's priority. */
describe('log levels in the journal', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await makeTempDir('journal');
  });
  afterEach(async () => {
    await dir.remove();
  });

  /** Runs the agent briefly with standard error going to a file; returns what it wrote there. */
  async function runWithStderrFile(journalStream: (file: string) => string | undefined): Promise<string> {
    const config = path.join(dir.path, 'tributary.yaml');
    writeFileSync(
      config,
      `agent: { log_format: json, http: { enabled: false } }
sources:
  sim: { driver: simulator, interval: 50ms }
  gps: { driver: serial, path: ${path.join(dir.path, 'no-such-tty')}, baud_rate: 9600, format: { type: nmea } }
rules:
  passed_on: {}
sinks:
  out: { driver: console }
`,
    );
    const logFile = path.join(dir.path, 'stderr.log');
    const fd = openSync(logFile, 'w');
    const stream = journalStream(logFile);
    const child = spawn(process.execPath, ['--import', 'tsx', 'agent/cli.ts', 'run', '-c', config, '-d', path.join(dir.path, 'data')], {
      cwd: REPO,
      env: { ...process.env, JOURNAL_STREAM: stream },
      stdio: ['ignore', 'ignore', fd],
    });
    closeSync(fd);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await eventually(() => readFileSync(logFile, 'utf8').includes('agent running'), 20_000, 'the agent running');
    } finally {
      child.kill('SIGTERM');
    }
    await exited;
    return readFileSync(logFile, 'utf8');
  }

  it('prefixes each JSON line with the syslog priority of its level when standard error is the journal stream', async () => {
    const text = await runWithStderrFile((file) => {
      const stats = statSync(file, { bigint: true });
      return `${stats.dev}:${stats.ino}`;
    });
    const lines = text.trim().split('\n');
    const priorities = new Set<string>();
    for (const line of lines) {
      const match = /^<(\d)>(\{.*\})$/.exec(line);
      expect(match, line).not.toBeNull();
      const { level } = JSON.parse(match![2]!) as { level: number };
      expect(match![1]).toBe(String({ 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 }[level]));
      priorities.add(match![1]!);
    }
    // Info lines and the warning or error about the missing serial port.
    expect(priorities.has('6')).toBe(true);
    expect(priorities.has('4') || priorities.has('3')).toBe(true);
  });

  it('writes plain JSON lines when JOURNAL_STREAM names another stream (inherited from a parent under systemd)', async () => {
    const text = await runWithStderrFile(() => '1:2');
    const lines = text.trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line.startsWith('{"level":')).toBe(true);
  });
});
