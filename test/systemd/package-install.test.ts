import { execFile, spawn } from 'node:child_process';
import { access, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentNodeFlags } from '../../bench/agent-node-flags.js';
import { installGlobally, packRepository } from '../helpers/npm-package.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
/** npm pack builds the package; npm install -g compiles better-sqlite3 and epoll: minutes on a busy machine. */
const INSTALL_TIMEOUT = 600_000;

const exists = (file: string) => access(file).then(() => true, () => false);

/** The package as a user gets it: `npm pack`, then `npm install -g` of the .tgz into a fresh prefix. */
describe('the npm package', () => {
  let dir: TempDir;
  let prefix: string;
  let installed: string;
  let tributary: string;
  beforeAll(async () => {
    dir = await makeTempDir('package');
    const tgz = await packRepository(dir.path);
    prefix = path.join(dir.path, 'prefix');
    installed = await installGlobally(tgz, prefix);
    tributary = path.join(prefix, 'bin/tributary');
  }, INSTALL_TIMEOUT);
  afterAll(async () => {
    await dir?.remove();
  });

  /** Runs the installed command from an empty directory: nothing of the checkout around it. */
  const installedCommand = (args: string[]) => run(tributary, args, { cwd: dir.path, maxBuffer: 16 * 1024 * 1024 });

  it('puts a working tributary on the PATH of the prefix, linked to the bundled CLI', async () => {
    expect(await realpath(tributary)).toBe(path.join(await realpath(installed), 'dist/agent/cli.js'));
    const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
    expect((await installedCommand(['--version'])).stdout).toBe(`${manifest.version}\n`);
    // The self-dependency of old is gone: the package does not install a second copy of itself.
    expect(manifest.dependencies).not.toHaveProperty('tributary');
    expect(await exists(path.join(installed, 'node_modules/tributary'))).toBe(false);
    // Only what runs ships: the bundle, config, unit and install logic, README; no tests, no sources.
    for (const shipped of ['dist/agent/cli.js', 'config/tributary.yaml', 'config/tributary.schema.json', 'systemd/install.sh', 'systemd/tributary.service', 'README.md']) {
      expect(await exists(path.join(installed, shipped)), shipped).toBe(true);
    }
    for (const left of ['agent', 'test', 'dist/agent/agent.js', 'config/grafana/grafana-dashboards.test.ts']) expect(await exists(path.join(installed, left)), left).toBe(false);
  });

  it('validates the bundled config, found from where npm installed it', async () => {
    const bundled = path.join(await realpath(installed), 'config/tributary.yaml');
    expect((await installedCommand(['validate', bundled])).stdout).toBe(`${bundled}: valid — 2 sources, 2 rules, 2 sinks\n`);
    // With no file named and no config/ here, the bundled one is the default.
    expect((await installedCommand(['validate'])).stdout).toBe(`${bundled}: valid — 2 sources, 2 rules, 2 sinks\n`);
  });

  it('runs on the bundled config with no --config, buffering in ./data, and stops on SIGTERM', { timeout: 60_000 }, async () => {
    const agent = spawn(tributary, ['run'], { cwd: dir.path, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    agent.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    agent.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => agent.once('exit', (code) => resolve(code)));
    // The first 10-second window of the simulated greenhouse, printed by the console sink.
    const deadline = Date.now() + 40_000;
    while (!stdout.includes('greenhouse')) {
      if (Date.now() > deadline || agent.exitCode !== null) throw new Error(`no result from the installed agent; its log:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    agent.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await exists(path.join(dir.path, 'data/buffer.sqlite'))).toBe(true);
  });

  it('installs the service from where npm put it, with no copy in /opt/tributary (install-service --root)', { timeout: 120_000 }, async () => {
    const root = path.join(dir.path, 'root');
    await run('mkdir', ['-p', root]);
    const { stdout } = await installedCommand(['install-service', '--root', root]);
    expect(stdout).toMatch(/tributary install-service: skipped \(not the live system\): useradd --system .* tributary\n/);
    expect(stdout).toContain(`program in ${await realpath(installed)} (where npm installed it`);
    // This prefix is under /tmp, which the unit's PrivateTmp= hides: a live install refuses, --root warns.
    expect(stdout).toContain('is in a home or temporary directory, which the service\'s sandbox hides');
    expect(stdout).toMatch(/etc\/tributary\/tributary\.yaml: valid — 2 sources/);
    expect(stdout).toMatch(/tributary install-service: done\n$/);
    const unit = await readFile(path.join(root, 'etc/systemd/system/tributary.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${process.execPath} ${agentNodeFlags().join(' ')} ${await realpath(installed)}/dist/agent/cli.js run --config /etc/tributary/tributary.yaml`);
    expect(unit).not.toContain('/opt/tributary');
    expect(await readFile(path.join(root, 'etc/tributary/tributary.yaml'), 'utf8')).toBe(await readFile(path.join(installed, 'config/tributary.yaml'), 'utf8'));
    expect(await exists(path.join(root, 'opt/tributary'))).toBe(false);
    expect(await exists(path.join(root, 'usr/local/bin/tributary'))).toBe(false);

    const removed = await installedCommand(['install-service', '--root', root, '--uninstall']);
    expect(removed.stdout).toContain('npm uninstall -g tributary removes it');
    expect(await exists(path.join(root, 'etc/systemd/system/tributary.service'))).toBe(false);
    expect(await exists(path.join(root, 'etc/tributary/tributary.yaml'))).toBe(true);
    expect(await exists(path.join(installed, 'dist/agent/cli.js'))).toBe(true);
  });
});
