import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleInstalledPackage, installGlobally, packRepository } from '../../helpers/npm-package.js';
import { bootSystemdContainer, waitUntil, type SystemdContainer } from '../../helpers/systemd-container.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

/** Packing, installing with native builds, and a first boot that may build the Debian rootfs: minutes. */
const SETUP_TIMEOUT = 15 * 60_000;
/** Where the packages are bound (read-only) inside the container. */
const PACKAGES = '/mnt/packages';
const CONFIG = '/etc/tributary/tributary.yaml';
const BUFFER = '/var/lib/tributary/buffer.sqlite';

/**
 * The package as a user installs it on a machine with a real systemd (252, PID 1 in a container): `npm install -g`
 * of the .tgz, `tributary install-service`, status, an upgrade to a newer .tgz, uninstall, purge. The tests run
 * in order on one container.
 *
 * The container has no network and no compiler, so its packages carry their dependencies: `npm pack` of this
 * repository is installed here first (`npm install -g`, registry or npm cache, native modules built for this
 * Debian 12 and this node, which the container borrows), and that installed tree is packed again with
 * `bundleDependencies` (bundleInstalledPackage). Inside, npm installs it with --offline, fetching nothing.
 */
describe('the npm package installed as a systemd service', () => {
  let dir: TempDir;
  let container: SystemdContainer;
  let version: string;
  let nextVersion: string;
  let firstTgz: string;
  let nextTgz: string;
  beforeAll(async () => {
    dir = await makeTempDir('package-container');
    const installed = await installGlobally(await packRepository(dir.path), path.join(dir.path, 'prefix'));
    version = (JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as { version: string }).version;
    nextVersion = version.replace(/^(\d+)\.(\d+)\.(\d+).*$/, (_, major: string, minor: string, patch: string) => `${major}.${minor}.${Number(patch) + 1}`);
    const packages = path.join(dir.path, 'packages');
    await mkdir(packages);
    firstTgz = path.join(PACKAGES, path.basename(await bundleInstalledPackage(installed, packages)));
    nextTgz = path.join(PACKAGES, path.basename(await bundleInstalledPackage(installed, packages, { version: nextVersion })));
    container = await bootSystemdContainer({ name: 'package', npm: true, bindReadOnly: [{ host: packages, container: PACKAGES }], bootTimeoutMs: 6 * 60_000 });
  }, SETUP_TIMEOUT);
  afterAll(async () => {
    await container?.stop();
    await dir?.remove();
  }, 60_000);

  // --ignore-scripts: the bundled native modules are already built (see above), and their install scripts would try
  // to build them again with a compiler the container lacks. Tributary itself has no install script.
  // --loglevel=verbose: npm once hung here until the timeout (in one CI run of several); a failure then shows the
  // last step npm was in (the error carries the tail of its output).
  const npmInstall = (tgz: string) =>
    container.exec(['npm', 'install', '-g', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--no-update-notifier', '--loglevel=verbose', tgz], { timeoutMs: 180_000 });
  const isActive = async () => (await container.exec(['systemctl', 'is-active', 'tributary'], { check: false })).stdout.trim();
  const mainPid = async () => Number(await container.show('tributary', 'MainPID'));
  /** `tributary status --json` of the running service, once it answers. */
  const status = async () =>
    waitUntil(
      async () => {
        const result = await container.exec(['tributary', 'status', '--json'], { check: false });
        return result.code === 3 ? undefined : (JSON.parse(result.stdout) as { pid: number; config: string; sinks: { name: string; pending: number }[] });
      },
      30_000,
      'tributary status to reach the agent',
    );
  const pending = async (sink: string) => (await status()).sinks.find((entry) => entry.name === sink)?.pending ?? -1;

  it('npm install -g puts tributary on the PATH; install-service creates user, groups, config and a running unit that runs it there', { timeout: 240_000 }, async () => {
    await npmInstall(firstTgz);
    expect((await container.exec(['sh', '-c', 'command -v tributary'])).stdout.trim()).toBe('/usr/bin/tributary');
    expect((await container.exec(['tributary', '--version'])).stdout).toBe(`${version}\n`);

    const { stdout } = await container.exec(['tributary', 'install-service'], { timeoutMs: 120_000 });
    expect(stdout).not.toContain('skipped (not the live system)');
    expect(stdout).toContain('program in /usr/lib/node_modules/tributary (where npm installed it');
    expect(stdout).toMatch(/tributary install-service: done\n$/);
    await waitUntil(async () => ((await isActive()) === 'active' ? true : undefined), 60_000, 'tributary.service to be active');
    expect((await container.exec(['systemctl', 'is-enabled', 'tributary'], { check: false })).stdout.trim()).toBe('enabled');
    expect(await container.show('tributary', 'ExecStart')).toContain('path=/usr/bin/node ; argv[]=/usr/bin/node --max-semi-space-size=2 --optimize-for-size /usr/lib/node_modules/tributary/dist/agent/cli.js run --config /etc/tributary/tributary.yaml');
    expect(await container.exec(['test', '!', '-e', '/opt/tributary'])).toMatchObject({ code: 0 });

    const user = (await container.exec(['getent', 'passwd', 'tributary'])).stdout.trim().split(':');
    expect(Number(user[2])).toBeLessThan(1000); // a system user
    // The unit's SupplementaryGroups=: systemd refuses to start it if they do not exist.
    for (const group of ['tributary', 'dialout', 'gpio']) await container.exec(['getent', 'group', group]);
    const owners = await container.exec(['stat', '-c', '%n %U:%G %a', '/etc/tributary', CONFIG, '/etc/tributary/environment', '/var/lib/tributary']);
    expect(owners.stdout).toBe(['/etc/tributary root:tributary 750', `${CONFIG} root:tributary 640`, '/etc/tributary/environment root:root 600', '/var/lib/tributary tributary:tributary 750', ''].join('\n'));
    // The service runs as its user the program npm installed, on the bundled config copied to /etc/tributary.
    const pid = await mainPid();
    expect((await container.exec(['ps', '-o', 'user=', '-p', String(pid)])).stdout.trim()).toBe('tributary');
    expect(await container.readFile(CONFIG)).toBe(await container.readFile('/usr/lib/node_modules/tributary/config/tributary.yaml'));
  });

  it('tributary status finds the service through its config in /etc/tributary', { timeout: 60_000 }, async () => {
    const report = await status();
    expect(report.pid).toBe(await mainPid());
    expect(report.config).toBe(CONFIG);
    const screen = await container.exec(['tributary', 'status'], { check: false });
    expect(screen.code === 0 || screen.code === 1, `exit ${screen.code}: ${screen.stderr}`).toBe(true);
    expect(screen.stdout).toMatch(/greenhouse/);
  });

  it('an upgrade (npm install -g of the next .tgz, install-service again) restarts it and keeps the edited config and the buffer', { timeout: 300_000 }, async () => {
    // Edit the config as a user would: results forwarded at once (a container has no NTP to wait for), and a note.
    const edited = `# edited on this device\ntime: { sync: always }\n${await container.readFile(CONFIG)}`;
    await container.writeFile(CONFIG, edited, 0o640);
    await container.exec(['chown', 'root:tributary', CONFIG]);
    await container.exec(['systemctl', 'restart', 'tributary']);
    // No broker runs: the MQTT sink's results wait in the buffer.
    const waiting = await waitUntil(async () => {
      const count = await pending('local_broker');
      return count >= 2 ? count : undefined;
    }, 90_000, 'results to wait in the buffer for the MQTT sink');
    const before = await mainPid();
    const bufferInode = (await container.exec(['stat', '-c', '%i', BUFFER])).stdout;

    await npmInstall(nextTgz);
    const { stdout } = await container.exec(['tributary', 'install-service'], { timeoutMs: 120_000 });
    expect(stdout).toContain(`config ${CONFIG} was edited; kept (this version's example: tributary.yaml.dist)`);
    expect(stdout).toMatch(/tributary install-service: done\n$/);
    expect((await container.exec(['tributary', '--version'])).stdout).toBe(`${nextVersion}\n`);
    await waitUntil(async () => ((await isActive()) === 'active' && (await mainPid()) !== before ? true : undefined), 60_000, 'the upgraded service to run');
    expect(await container.readFile(CONFIG)).toBe(edited);
    expect(await container.readFile(`${CONFIG}.dist`)).toBe(await container.readFile('/usr/lib/node_modules/tributary/config/tributary.yaml'));
    // The same buffer, and every result that waited in it still there, then delivered once a broker runs.
    expect((await container.exec(['stat', '-c', '%i', BUFFER])).stdout).toBe(bufferInode);
    expect(await pending('local_broker')).toBeGreaterThanOrEqual(waiting);
    await container.exec(['systemctl', 'start', 'mosquitto']);
    await waitUntil(async () => ((await pending('local_broker')) === 0 ? true : undefined), 90_000, 'the waiting results to reach the broker');
  });

  it('install-service --uninstall stops and removes the service but keeps config, buffer and the program', { timeout: 120_000 }, async () => {
    const { stdout } = await container.exec(['tributary', 'install-service', '--uninstall'], { timeoutMs: 60_000 });
    expect(stdout).toContain('npm uninstall -g tributary removes it');
    expect(await isActive()).not.toBe('active');
    expect((await container.exec(['test', '-e', '/etc/systemd/system/tributary.service'], { check: false })).code).not.toBe(0);
    expect(await container.readFile(CONFIG)).toMatch(/^# edited on this device\n/);
    expect((await container.exec(['test', '-s', BUFFER], { check: false })).code).toBe(0);
    expect((await container.exec(['tributary', '--version'])).stdout).toBe(`${nextVersion}\n`);
  });

  it('install-service --uninstall --purge also removes config, buffer and the user', { timeout: 120_000 }, async () => {
    const { stdout } = await container.exec(['tributary', 'install-service', '--uninstall', '--purge'], { timeoutMs: 60_000 });
    expect(stdout).toContain('purged');
    for (const gone of ['/etc/tributary', '/var/lib/tributary']) expect((await container.exec(['test', '-e', gone], { check: false })).code, gone).not.toBe(0);
    expect((await container.exec(['getent', 'passwd', 'tributary'], { check: false })).code).not.toBe(0);
  });
});
