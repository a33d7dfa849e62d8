import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgentProcess } from '../helpers/agent-process.js';
import { tributary } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

describe('tributary query', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await makeTempDir('query');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('shows the results and readings a running agent recorded, filtered by sensor and rule', async () => {
    const config = path.join(dir.path, 'agent.yaml');
    const data = path.join(dir.path, 'data');
    await writeFile(
      config,
      [
        `agent: { tick: 50ms, http: { enabled: false }, data_dir: "${data}" }`,
        'sources:',
        '  greenhouse: { driver: simulator, interval: 100ms }',
        'rules:',
        '  fast: { window: { size: 500ms, allowed_lateness: 0s }, aggregates: [count, mean] }',
        'history: { readings: 1h, results: 1d, flush_interval: 200ms }',
        // Nothing listens there: results wait in the buffer; the test reads the history.
        'sinks: { away: { driver: mqtt, url: "mqtt://127.0.0.1:1", reconnect_period: 10s } }',
        '',
      ].join('\n'),
    );
    const agent = startAgentProcess(config, data);
    try {
      await agent.waitForLog(/agent running/);
      let table = '';
      // Read while the agent keeps writing.
      for (let tries = 0; tries < 40 && !/temperature/.test(table); tries++) {
        table = (await tributary('query', '--config', config, 'greenhouse/temperature')).stdout;
        if (!/temperature/.test(table)) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const lines = table.trim().split('\n');
      expect(lines[0]).toMatch(/^time\s+rule\s+source\s+sensor\s+values$/);
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines.slice(1)) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+Z\s+fast\s+greenhouse\s+greenhouse\/temperature\s+count=\d+ mean=[\d.]+$/);

      const readings = await tributary('query', '--data-dir', data, '--readings', '--format', 'jsonl', '--since', '10m', '-n', '5', 'greenhouse/*');
      expect(readings.code).toBe(0);
      const rows = readings.stdout.trim().split('\n').map((line) => JSON.parse(line) as { sensor: string; value: number; time: number });
      expect(rows).toHaveLength(5);
      for (const row of rows) expect(row).toMatchObject({ sensor: expect.stringMatching(/^greenhouse\//), value: expect.any(Number) });
      expect(rows.map((row) => row.time)).toEqual([...rows.map((row) => row.time)].sort((a, b) => a - b));

      const csv = await tributary('query', '--data-dir', data, '--rule', 'fast', '--format', 'csv', '-n', '2');
      expect(csv.stdout.split('\n')[0]).toBe('time,rule,source,sensor,values');
      const none = await tributary('query', '--data-dir', data, '--rule', 'nonexistent');
      expect(none.stderr).toMatch(/^nothing recorded from /);
    } finally {
      agent.child.kill('SIGTERM');
      await agent.exited;
    }
    const missing = await tributary('query', '--data-dir', path.join(dir.path, 'elsewhere'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no history at .*elsewhere\/history\.sqlite/);
    const wrong = await tributary('query', '--data-dir', data, '--since', 'yesterday');
    expect(wrong.stderr).toMatch(/--since: expected a duration such as 15m, 2h or 7d, not "yesterday"/);
  });
});
