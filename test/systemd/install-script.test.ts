import { execFile } from 'node:child_process';
import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentNodeFlags } from '../../bench/agent-node-flags.js';
import { REPO } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const SCRIPT = path.join(REPO, 'systemd/install.sh');
/** Copies the program with its production packages: seconds, not milliseconds. */
const SLOW = 120_000;

const exists = (file: string) => access(file).then(() => true, () => false);

/** systemd/install.sh into a temporary root: the files it writes, and the system changes it would make. */
describe('systemd/install.sh', () => {
  let root: TempDir;
  beforeEach(async () => {
    root = await makeTempDir('install-root');
  });
  afterEach(async () => {
    await root.remove();
  });

  const install = async (...args: string[]) => {
    const { stdout, stderr } = await run('sh', [SCRIPT, '--root', root.path, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return { stdout, stderr };
  };
  const at = (file: string) => path.join(root.path, file);
  /** The node install.sh finds, which the command and the unit then run. */
  const node = async () => (await run('sh', ['-c', 'command -v node'])).stdout.trim();

  it('installs program, command, config, secrets file and unit, and runs twice cleanly', { timeout: SLOW }, async () => {
    const first = await install();
    expect(first.stdout).toMatch(/skipped \(not the live system\): useradd --system .* tributary\n/);
    expect(first.stdout).toContain('skipped (not the live system): systemctl enable tributary.service');
    // The installed copy itself checked the config, so it runs with the packages it was given.
    expect(first.stdout).toMatch(/etc\/tributary\/tributary\.yaml: valid — 2 sources/);
    expect(first.stdout).toMatch(/install\.sh: done\n$/);

    expect(await exists(at('opt/tributary/dist/agent/cli.js'))).toBe(true);
    expect(await exists(at('opt/tributary/node_modules/better-sqlite3'))).toBe(true);
    // Development packages are pruned away.
    expect(await exists(at('opt/tributary/node_modules/typescript'))).toBe(false);
    const wrapper = await readFile(at('usr/local/bin/tributary'), 'utf8');
    expect(wrapper).toContain(`exec ${await node()} /opt/tributary/dist/agent/cli.js "$@"`);
    expect((await stat(at('usr/local/bin/tributary'))).mode & 0o777).toBe(0o755);
    const unit = await readFile(at('etc/systemd/system/tributary.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${await node()} ${agentNodeFlags().join(' ')} /opt/tributary/dist/agent/cli.js run`);
    expect(await readFile(at('etc/tributary/tributary.yaml'), 'utf8')).toBe(await readFile(path.join(REPO, 'config/tributary.yaml'), 'utf8'));
    expect((await stat(at('etc/tributary/environment'))).mode & 0o777).toBe(0o600);
    expect((await stat(at('etc/tributary'))).mode & 0o777).toBe(0o750);
    expect(await exists(at('var/lib/tributary'))).toBe(true);

    const second = await install();
    expect(second.stderr).toBe('');
    expect(second.stdout).toContain('config ' + at('etc/tributary/tributary.yaml') + ' is the bundled one; kept');
    expect(second.stdout).toMatch(/install\.sh: done\n$/);
    expect(await exists(at('opt/tributary.old'))).toBe(false);
    expect(await exists(at('opt/tributary.new'))).toBe(false);
  });

  it('keeps an edited config and secrets file on reinstall, leaving the new example beside it', { timeout: SLOW }, async () => {
    await install('--no-start');
    const edited = '# mine\nagent: { log_level: debug }\n';
    await writeFile(at('etc/tributary/tributary.yaml'), edited);
    await writeFile(at('etc/tributary/environment'), 'INFLUX_TOKEN=secret\n');
    const again = await install('--no-start');
    expect(again.stdout).toContain('was edited; kept (this version\'s example: tributary.yaml.dist)');
    expect(again.stdout).not.toContain('systemctl restart');
    expect(await readFile(at('etc/tributary/tributary.yaml'), 'utf8')).toBe(edited);
    expect(await readFile(at('etc/tributary/environment'), 'utf8')).toBe('INFLUX_TOKEN=secret\n');
    expect(await exists(at('etc/tributary/tributary.yaml.dist'))).toBe(true);
  });

  it('uninstalls program, command and unit but keeps config and buffer, unless --purge', { timeout: SLOW }, async () => {
    await install();
    await mkdir(at('var/lib/tributary'), { recursive: true });
    await writeFile(at('var/lib/tributary/buffer.sqlite'), 'results not yet delivered');

    const removed = await install('--uninstall');
    expect(removed.stdout).toContain('skipped (not the live system): systemctl disable --now tributary.service');
    for (const gone of ['opt/tributary', 'usr/local/bin/tributary', 'etc/systemd/system/tributary.service']) expect(await exists(at(gone))).toBe(false);
    expect(await exists(at('etc/tributary/tributary.yaml'))).toBe(true);
    expect(await readFile(at('var/lib/tributary/buffer.sqlite'), 'utf8')).toBe('results not yet delivered');

    // A second uninstall finds nothing to do and still succeeds.
    await install('--uninstall');
    const purged = await install('--uninstall', '--purge');
    expect(purged.stdout).toContain('skipped (not the live system): userdel tributary');
    expect(await exists(at('etc/tributary'))).toBe(false);
    expect(await exists(at('var/lib/tributary'))).toBe(false);
  });

  it('refuses unknown options and --purge without --uninstall', async () => {
    await expect(install('--frob')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option --frob') });
    await expect(install('--purge')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--purge only goes with --uninstall') });
  });
});
