import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentProcess } from '../../test/helpers/agent-process.js';
import { tributary } from '../../test/helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';

/** Bytes a terminal acts on: C0 controls but the line ends, DEL and C1 controls (a bare CSI clears a screen too). */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const ESC = '\u001b';

/** An ESC sequence that clears the screen, as a key and inside a value. */
const HOSTILE_CONFIG = [
  'agent:',
  `  "${ESC}[2J${ESC}[H": 1`,
  'sources:',
  `  sim: { driver: "simul${ESC}[31mator" }`,
  'rules:',
  '  r: { from: sim }',
  'sinks:',
  '  out: { driver: console }',
  '',
].join('\n');

const GOOD_CONFIG = [
  'agent: { http: { enabled: false }, watch_config: false }',
  'sources: { sim: { driver: simulator } }',
  'rules:',
  '  r: { from: sim, window: { size: 10s }, aggregates: [count] }',
  'sinks: { out: { driver: console } }',
  '',
].join('\n');

describe('config problems and file content on the terminal', () => {
  let dir: TempDir;
  let hostile: string;
  let binary: string;
  beforeAll(async () => {
    dir = await makeTempDir('escaped-problems');
    hostile = path.join(dir.path, 'hostile.yaml');
    await writeFile(hostile, HOSTILE_CONFIG);
    // A binary file named as the config by mistake: NULs and bytes that are not UTF-8.
    binary = path.join(dir.path, 'binary.yaml');
    await writeFile(binary, Buffer.concat([readFileSync(process.execPath).subarray(0, 64), Buffer.from([0x9b, 0x32, 0x4a])]));
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('validate prints an ESC sequence and NULs from the file as escapes', async () => {
    const result = await tributary('validate', hostile, binary);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toMatch(CONTROL);
    expect(result.stdout).toContain(`${hostile}:2:3: agent.\\x1b[2J\\x1b[H: unknown key "\\x1b[2J\\x1b[H"`);
    expect(result.stdout).toContain('unknown source driver "simul\\x1b[31mator"');
    expect(result.stdout).toMatch(/binary\.yaml:1:1: .*\\x00/);
  });

  it('run prints the problems that keep the agent from starting as escapes', async () => {
    const result = await tributary('run', '--config', hostile);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(CONTROL);
    expect(result.stderr).toContain('unknown key "\\x1b[2J\\x1b[H"');
    expect(result.stderr).toContain('the agent did not start');
  });

  it('test-rules prints test names, differences and config problems as escapes', async () => {
    await writeFile(path.join(dir.path, 'good.yaml'), GOOD_CONFIG);
    const failing = path.join(dir.path, 'failing.test.yaml');
    await writeFile(
      failing,
      [
        'config: good.yaml',
        'tests:',
        `  - name: "clear ${ESC}[2J screen"`,
        '    input:',
        `      - { sensor: "room${ESC}[31m/a", interval: 1s, values: [1, 2] }`,
        '    expect:',
        `      - { rule: r, sensor: "room${ESC}[31m/a", start: 0s, values: { count: 5 } }`,
        '',
      ].join('\n'),
    );
    const broken = path.join(dir.path, 'broken.test.yaml');
    await writeFile(broken, `config: hostile.yaml\ntests:\n  - { name: t, input: [{ sensor: a, interval: 1s, values: [1] }], expect: [] }\n`);
    const result = await tributary('test-rules', failing, broken);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toMatch(CONTROL);
    expect(result.stdout).toContain('FAIL');
    expect(result.stdout).toContain('clear \\x1b[2J screen');
    expect(result.stdout).toContain('room\\x1b[31m/a');
    expect(result.stdout).toContain('unknown key "\\x1b[2J\\x1b[H"');
  });

  it('a rejected reload logs the problems as escapes', { timeout: 60_000 }, async () => {
    const config = path.join(dir.path, 'reloaded.yaml');
    await writeFile(config, GOOD_CONFIG);
    const agent = startAgentProcess(config, path.join(dir.path, 'data'));
    try {
      await agent.waitForLog(/^agent running$/);
      await writeFile(config, GOOD_CONFIG.replace('aggregates: [count]', `aggregates: [count], "${ESC}[2J": 1`));
      agent.child.kill('SIGHUP');
      await agent.waitForLog(/^config reload rejected/);
      const problems = agent.logs().filter((line) => String(line.msg).startsWith(config));
      expect(problems.length).toBeGreaterThan(0);
      for (const line of problems) expect(String(line.msg)).not.toMatch(CONTROL);
      expect(problems.map((line) => String(line.msg)).join('\n')).toContain('unknown key "\\x1b[2J"');
    } finally {
      agent.child.kill('SIGTERM');
      await agent.exited;
    }
  });
});
