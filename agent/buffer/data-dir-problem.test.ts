import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgentProcess } from '../../test/helpers/agent-process.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';

const CONFIG = [
  'agent: { http: { enabled: false }, watch_config: false }',
  'sources: { sim: { driver: simulator } }',
  'rules: { passed_on: {} }',
  'sinks: { screen: { driver: console } }',
  '',
].join('\n');

const isRoot = process.getuid?.() === 0;

/**
 * Root writes anywhere, so as root the agent runs without capabilities (still uid 0, so it reads the repository
 * wherever it is checked out): permission bits then hold for it as for any user.
 */
const WITHOUT_PRIVILEGES = isRoot ? ['setpriv', '--bounding-set=-all', '--inh-caps=-all', '--ambient-caps=-all'] : [];

/** A private mount namespace (with a user namespace when not root) in which `dir` is a read-only tmpfs. */
function onReadOnlyMount(dir: string): string[] {
  const unshare = isRoot ? ['unshare', '--mount', '--propagation', 'private'] : ['unshare', '--user', '--map-root-user', '--mount', '--propagation', 'private'];
  return [...unshare, 'sh', '-c', 'mount -t tmpfs -o ro tributary-test "$1" && shift && exec "$@"', 'sh', dir];
}

/** Runs the agent until it gives up; returns why it did not start. */
async function whyNotStarted(config: string, dataDir: string, wrapper: readonly string[] = []): Promise<string> {
  const agent = startAgentProcess(config, dataDir, {}, wrapper);
  try {
    const refusal = await agent.waitForLog(/^agent failed to start$/);
    expect(await agent.exited).toEqual({ code: 1, signal: null });
    return String(refusal.error);
  } finally {
    agent.child.kill('SIGKILL');
  }
}

describe('a data dir the agent cannot use', () => {
  let dir: TempDir;
  let config: string;
  beforeEach(async () => {
    dir = await makeTempDir('data-dir-problem');
    config = path.join(dir.path, 'tributary.yaml');
    await writeFile(config, CONFIG);
  });
  afterEach(async () => {
    await chmod(dir.path, 0o700);
    await dir.remove();
  });

  it('names the dir, the user without write access and what to do', { timeout: 30_000 }, async () => {
    const dataDir = path.join(dir.path, 'data');
    await mkdir(dataDir, { mode: 0o555 });
    await chmod(dataDir, 0o555);
    const why = await whyNotStarted(config, dataDir, WITHOUT_PRIVILEGES);
    expect(why).toMatch(new RegExp(`^(user \\S+ \\(uid \\d+\\)|uid \\d+) may not write in the data dir ${escape(dataDir)} \\(owned by uid \\d+, mode 0555\\): give it write access \\(sudo chown `));
    await chmod(dataDir, 0o755);
  });

  it('says which dir could not be created, and in which parent permission is missing', { timeout: 30_000 }, async () => {
    const parent = path.join(dir.path, 'locked');
    await mkdir(parent, { mode: 0o555 });
    await chmod(parent, 0o555);
    const dataDir = path.join(parent, 'data');
    const why = await whyNotStarted(config, dataDir, WITHOUT_PRIVILEGES);
    expect(why).toContain(`cannot create the data dir ${dataDir}: `);
    expect(why).toContain(`may not write in ${parent} (owned by uid`);
    expect(why).toContain(`create it for that user (sudo install -d -o `);
    await chmod(parent, 0o755);
  });

  it('names a buffer file another user left behind', { timeout: 30_000 }, async () => {
    const dataDir = path.join(dir.path, 'data');
    await mkdir(dataDir);
    const buffer = path.join(dataDir, 'buffer.sqlite');
    new Database(buffer).close();
    await chmod(buffer, 0o444);
    const why = await whyNotStarted(config, dataDir, WITHOUT_PRIVILEGES);
    expect(why).toContain(`may not write ${buffer} (owned by uid`);
    expect(why).toContain('was the agent once run as another user (with sudo)?');
  });

  it('says the file system is read-only', { timeout: 30_000 }, async () => {
    const dataDir = path.join(dir.path, 'data');
    await mkdir(dataDir);
    const why = await whyNotStarted(config, dataDir, onReadOnlyMount(dataDir));
    expect(why).toContain(`the data dir ${dataDir} is on a read-only file system: remount it read-write`);
  });

  it('says when a part of the path is a file', { timeout: 30_000 }, async () => {
    const file = path.join(dir.path, 'not-a-dir');
    await writeFile(file, '');
    const why = await whyNotStarted(config, path.join(file, 'data'));
    expect(why).toBe(`cannot create the data dir ${path.join(file, 'data')}: ${file} is a file, not a directory; choose another directory with agent.data_dir or run --data-dir`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
