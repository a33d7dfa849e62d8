import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { eventually } from '../helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

/** A window result as the console sink prints it with `format: json`. */
interface PrintedResult {
  rule: string;
  start: number;
  end: number;
  values: Record<string, number>;
}

/** Every complete result line the agent printed so far. */
function printed(agent: AgentProcess, rule?: string): PrintedResult[] {
  const lines = agent.stdout().split('\n').slice(0, -1);
  const results = lines.map((line) => JSON.parse(line) as PrintedResult);
  return rule === undefined ? results : results.filter((result) => result.rule === rule);
}

/** Results of one sensor only arrive once per window, so consecutive starts differ by exactly the window size. */
function gaps(results: PrintedResult[], sizeMs: number): number[] {
  const starts = results.map((result) => result.start).sort((a, b) => a - b);
  return starts.slice(1).filter((start, index) => start - starts[index]! !== sizeMs);
}

/** A config with one simulated sensor and its results printed as JSON lines; `rules` is the YAML under `rules:`. */
function configText({ rules, interval = '20ms', agent = '' }: { rules: string; interval?: string; agent?: string }): string {
  return `agent: { log_format: json, tick: 20ms${agent} }
sources:
  sim:
    driver: simulator
    interval: ${interval}
    sensors:
      - { name: a, base: 10, noise: 1 }
rules:
${rules}
sinks:
  out: { driver: console, format: json }
buffer: { commit_interval: 20ms }
`;
}

describe('reloading the rules of a running agent', () => {
  let dir: TempDir;
  let agent: AgentProcess | undefined;
  beforeEach(async () => {
    dir = await makeTempDir('reload');
  });
  afterEach(async () => {
    agent?.child.kill('SIGKILL');
    await agent?.exited;
    agent = undefined;
    await dir.remove();
  });

  /** Saves the way editors do: a new file renamed over the old one. */
  async function save(file: string, text: string): Promise<void> {
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  }

  async function stopCleanly(running: AgentProcess): Promise<void> {
    running.child.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
  }

  it('applies a changed aggregate when the file changes, while untouched rules keep their open windows and emit without a gap', async () => {
    const file = path.join(dir.path, 'tributary.yaml');
    // batch: every 50 readings (about 1 s), its start and end the first and last reading's time; second: 1 s windows.
    const untouched = `  batch:\n    window: { type: count, size: 50 }\n    aggregates: [count]\n  second:\n    window: { size: 1s, allowed_lateness: 0s }\n    aggregates: [count]\n`;
    const tuned = (aggregates: string) => `  tuned:\n    window: { size: 200ms, allowed_lateness: 0s }\n    aggregates: [${aggregates}]`;
    await writeFile(file, configText({ rules: untouched + tuned('count, mean') }));
    const running = (agent = startAgentProcess(file, path.join(dir.path, 'data')));
    await running.waitForLog(/agent running/);
    // Saved just after a batch closed, so the swap (after the 300 ms debounce) lands well inside the next batch.
    await eventually(() => printed(running, 'batch').length >= 1, 5_000, 'a first batch');
    await save(file, configText({ rules: untouched + tuned('count, max') }));

    const reloaded = await running.waitForLog(/rules reloaded/, 5_000);
    expect(reloaded).toMatchObject({ kept: ['batch', 'second'], changed: ['tuned'], added: [], removed: [] });
    const swappedAt = Number(reloaded.time);
    await eventually(
      () => printed(running, 'second').some((result) => result.start > swappedAt) && printed(running, 'batch').some((result) => result.start > swappedAt),
      5_000,
      'windows of the untouched rules after the swap',
    );

    const tunedResults = printed(running, 'tuned');
    expect(tunedResults.filter((result) => result.end <= swappedAt).every((result) => Object.keys(result.values).join() === 'count,mean')).toBe(true);
    const after = tunedResults.filter((result) => result.start >= swappedAt);
    expect(after.length).toBeGreaterThan(0);
    for (const result of after) expect(Object.keys(result.values)).toEqual(['count', 'max']);

    // A restarted batch would start after the swap; the kept one holds readings from both sides of it.
    const batches = printed(running, 'batch');
    expect(batches.find((result) => result.start < swappedAt && swappedAt < result.end)).toMatchObject({ values: { count: 50 } });
    expect(gaps(printed(running, 'second'), 1_000)).toEqual([]);
    await stopCleanly(running);
  });

  it('on SIGHUP, reports an invalid file with line and column and keeps the previous rules producing', async () => {
    const file = path.join(dir.path, 'tributary.yaml');
    // Windows of 500 ms: a gap would need the event loop to stall for longer than that (a loaded CI machine can
    // stall a child process for more than 100 ms, which would leave a window without readings).
    const rule = (aggregates: string) => `  r:\n    window: { size: 500ms, allowed_lateness: 0s }\n    aggregates: [${aggregates}]`;
    await writeFile(file, configText({ rules: rule('count, mean'), agent: ', watch_config: false' }));
    const running = (agent = startAgentProcess(file, path.join(dir.path, 'data')));
    await running.waitForLog(/agent running/);
    await eventually(() => printed(running, 'r').length >= 2, 5_000, 'results before the reload');

    await writeFile(file, configText({ rules: rule('count, meen'), agent: ', watch_config: false' }));
    running.child.kill('SIGHUP');
    await running.waitForLog(/config reload rejected; the previous rules keep running/, 5_000);
    const problem = running.logs().find((line) => String(line.msg).startsWith(`${file}:`));
    expect(problem).toMatchObject({ level: 50, line: 11, column: 25, path: 'rules.r.aggregates.1' });
    expect(String(problem!.msg)).toMatch(new RegExp(`^${file.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}:11:25: rules\\.r\\.aggregates\\.1: unknown aggregate "meen" \\(did you mean "mean"\\?\\)`));

    const before = printed(running, 'r').length;
    await eventually(() => printed(running, 'r').length >= before + 3, 5_000, 'results after the rejected reload');
    expect(printed(running, 'r').every((result) => Object.keys(result.values).join() === 'count,mean')).toBe(true);
    expect(gaps(printed(running, 'r'), 500)).toEqual([]);
    await stopCleanly(running);
  });

  it('applies the rules of a file that also changed a source, and warns that the source needs a restart', async () => {
    const file = path.join(dir.path, 'tributary.yaml');
    const r = `  r:\n    window: { size: 100ms, allowed_lateness: 0s }`;
    await writeFile(file, configText({ rules: r }));
    const running = (agent = startAgentProcess(file, path.join(dir.path, 'data')));
    await running.waitForLog(/agent running/);

    await save(file, configText({ rules: `${r}\n  added:\n    window: { size: 100ms, allowed_lateness: 0s }\n    aggregates: [max]`, interval: '1s' }));
    const warning = await running.waitForLog(/restart to apply changes to/, 5_000);
    expect(warning).toMatchObject({ level: 40, sections: ['sources.sim'] });
    expect(String(warning.msg)).toContain('restart to apply changes to: sources.sim');
    const reloaded = await running.waitForLog(/rules reloaded/, 1_000);
    expect(reloaded).toMatchObject({ kept: ['r'], added: ['added'], changed: [], removed: [] });
    const afterReload = (rule: string) => printed(running, rule).filter((result) => result.start >= Number(reloaded.time));
    await eventually(() => afterReload('added').length >= 3 && afterReload('r').length >= 3, 5_000, 'results after the reload');
    // The source kept its old interval, 20 ms: about five readings per 100 ms window, where 1 s would give at most one.
    const counts = afterReload('r').map((result) => result.values.count!);
    expect(counts.reduce((sum, count) => sum + count, 0) / counts.length).toBeGreaterThanOrEqual(2.5);
    await stopCleanly(running);
  });
});
