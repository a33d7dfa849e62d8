import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, tributary } from '../test/helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../test/helpers/temp-dir.js';

const run = promisify(execFile);

describe('the tributary command', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await makeTempDir('cli');
  });
  afterAll(async () => {
    await dir.remove();
  });

  it.each([
    [['--help'], /Usage: tributary <command>/],
    [['help'], /Commands:/],
    [['run', '--help'], /Usage: tributary run/],
    [['validate', '--help'], /Usage: tributary validate/],
    [['help', 'run'], /Usage: tributary run/],
  ])('prints help for %j and exits 0', async (args, expected) => {
    const result = await tributary(...args);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(expected);
  });

  it('prints its version', async () => {
    expect((await tributary('--version')).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('rejects an unknown command and an unknown option with a message and exit 1', async () => {
    const unknown = await tributary('frobnicate');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const option = await tributary('validate', '--frob');
    expect(option.code).toBe(1);
    expect(option.stderr).toContain("Unknown option '--frob'");
  });

  it('validates the bundled config with a one-line summary and exit 0', async () => {
    const result = await tributary('validate', 'config/tributary.yaml');
    expect(result).toMatchObject({ code: 0, stdout: 'config/tributary.yaml: valid — 2 sources, 2 rules, 2 sinks\n' });
  });

  it('warns of a session window whose memory has no bound, and still exits 0', async () => {
    const file = path.join(dir.path, 'unbounded.yaml');
    const rules = [
      'rules:',
      '  runs: { window: { type: session, gap: 2m }, aggregates: [count, twa] }',
      '  capped: { window: { type: session, gap: 2m, max_duration: 1h }, aggregates: [twa] }',
      '  plain: { window: { type: session, gap: 2m }, aggregates: [count, mean] }',
    ];
    await writeFile(file, ['sources: { sim: { driver: simulator } }', ...rules, 'sinks: { out: { driver: console } }', ''].join('\n'));
    const result = await tributary('validate', file);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter((line) => line.includes('warning'))).toEqual([
      `${file}: warning: rule "runs": a session window with mean_time_weighted (twa), integral or rate keeps every reading until the session ends, ` +
        'and a sensor that never pauses for the gap never ends it: set window.max_duration (or max_delay) to bound its memory',
    ]);
  });

  it('prints every problem of a broken config as file:line:column and exits 1', async () => {
    const file = path.join(dir.path, 'broken.yaml');
    await writeFile(file, 'sources:\n  s:\n    driver: simulatr\nrules:\n  r:\n    window: { size: 10 }\nsinks:\n  out: { driver: console }\n');
    const result = await tributary('validate', file);
    expect(result.code).toBe(1);
    expect(result.stdout.replace(/available: [a-z, ]+/, 'available: …')).toBe(
      `${file}:3:13: sources.s.driver: unknown source driver "simulatr" (did you mean "simulator"?); available: …\n` +
        `${file}:6:21: rules.r.window.size: expected a duration of at least 1ms such as 500ms, 10s, 5m or 1h, got the number 10\n` +
        `${file}: 2 problem(s)\n`,
    );
  });

  it('refuses to run a broken config, saying why, with exit 1', async () => {
    const file = path.join(dir.path, 'broken-run.yaml');
    await writeFile(file, 'agent:\n  data_dri: x\n');
    const result = await tributary('run', '--config', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:2:3: agent.data_dri: unknown key "data_dri" (did you mean "data_dir"?)`);
    expect(result.stderr).toContain('the agent did not start');
  });

  it('runs as `npx tributary` in the checkout (npm runs the package\'s own bin, the build)', async () => {
    // --no: never download a package of that name from the registry instead.
    const { stdout } = await run('npx', ['--no', 'tributary', 'validate', '--help'], { cwd: REPO });
    expect(stdout).toMatch(/Usage: tributary validate/);
  });
});
