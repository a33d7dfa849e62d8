import { truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentProcess } from '../helpers/agent-process.js';
import { tributary } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { eventually } from '../helpers/mqtt-recorder.js';

const COMPLETE = [
  'agent: { http: { enabled: false }, watch_config: false, tick: 50ms }',
  'sources: { sim: { driver: simulator, interval: 50ms, sensors: [{ name: a, base: 1 }] } }',
  'rules: { passed_on: {} }',
  'sinks: { out: { driver: console, format: json } }',
  '',
].join('\n');

/** What an SD card may leave of a config: nothing, or the first lines. */
const CUT_SHORT = ['agent: { http: { enabled: false } }', 'sources: { sim: { driver: simulator } }', ''].join('\n');

describe('a config that is empty, cut short or missing a section', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await makeTempDir('incomplete-config');
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('fails validate with the file, line and column, and exit status 1', async () => {
    const empty = path.join(dir.path, 'empty.yaml');
    await writeFile(empty, '# written by hand\n\n');
    const cut = path.join(dir.path, 'cut.yaml');
    await writeFile(cut, CUT_SHORT);
    const result = await tributary('validate', empty, cut);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${empty}:1:1: the config file is empty`);
    expect(result.stdout).toContain(`${cut}:1:1: rules: missing section "rules"`);
    expect(result.stdout).toContain(`${cut}:1:1: sinks: missing section "sinks"`);
    expect(result.stdout).not.toContain('valid —');
  });

  it('keeps run from starting, with exit status 1', { timeout: 60_000 }, async () => {
    for (const [name, text, problem] of [
      ['cut-run.yaml', CUT_SHORT, ':1:1: sinks: missing section "sinks"'],
      ['empty-run.yaml', '', ':1:1: the config file is empty'],
    ]) {
      const config = path.join(dir.path, name!);
      await writeFile(config, text!);
      // As a process of its own, so an agent that does start is killed rather than left running.
      const agent = startAgentProcess(config, path.join(dir.path, 'never'));
      try {
        const exit = await Promise.race([agent.exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 15_000))]);
        expect(exit).toEqual({ code: 1, signal: null });
        const said = agent.logs().map((line) => String(line.msg)).join('\n');
        expect(said).toContain(`${config}${problem!}`);
        expect(said).toContain('the agent did not start');
      } finally {
        agent.child.kill('SIGKILL');
      }
    }
  });

  it('is rejected by a reload, which keeps the running rules', { timeout: 60_000 }, async () => {
    const config = path.join(dir.path, 'reloaded.yaml');
    await writeFile(config, COMPLETE);
    const agent = startAgentProcess(config, path.join(dir.path, 'data'));
    const results = () => agent.stdout().split('\n').filter((line) => line.includes('"passed_on"')).length;
    try {
      await agent.waitForLog(/^agent running$/);
      await truncate(config, 0);
      agent.child.kill('SIGHUP');
      await agent.waitForLog(/^config reload rejected/);
      expect(agent.logs().some((line) => String(line.msg).startsWith(`${config}:1:1: the config file is empty`))).toBe(true);

      await writeFile(config, COMPLETE.replace('rules: { passed_on: {} }', 'rules: {}'));
      const rejectedBefore = agent.logs().filter((line) => /^config reload rejected/.test(String(line.msg))).length;
      agent.child.kill('SIGHUP');
      await eventually(
        () => agent.logs().filter((line) => /^config reload rejected/.test(String(line.msg))).length > rejectedBefore,
        20_000,
        'the second reload rejected',
      );
      expect(agent.logs().some((line) => String(line.msg).startsWith(`${config}:3:8: rules: no rules`))).toBe(true);

      // The rules that ran before are still running.
      const seen = results();
      await eventually(() => results() > seen + 3, 10_000, 'more results of the running rule');
      expect(agent.logs().some((line) => line.msg === 'rules reloaded')).toBe(false);
    } finally {
      agent.child.kill('SIGTERM');
      await agent.exited;
    }
  });
});
