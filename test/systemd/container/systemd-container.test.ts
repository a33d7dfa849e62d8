import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootSystemdContainer, type SystemdContainer } from '../../helpers/systemd-container.js';

/** The container helper itself: what the unit tests beside this file build on. */
describe('test/helpers/systemd-container', () => {
  let container: SystemdContainer;
  beforeAll(async () => {
    container = await bootSystemdContainer({ name: 'helper' });
  }, 6 * 60_000);
  afterAll(async () => {
    await container?.stop();
  }, 60_000);

  it('boots a real systemd as PID 1 with this machine\'s node bound in', async () => {
    expect((await container.exec(['cat', '/proc/1/comm'])).stdout.trim()).toBe('systemd');
    expect((await container.exec(['systemctl', '--version'])).stdout).toMatch(/^systemd 252 /);
    expect((await container.exec(['node', '-p', 'process.versions.node'])).stdout.trim()).toBe(process.versions.node);
  });

  it('runs a command as a transient unit under a given user and unit properties', async () => {
    const { stdout } = await container.run(['sh', '-c', 'id -un; cat /proc/self/status | grep ^NoNewPrivs'], { user: 'nobody', properties: ['NoNewPrivileges=yes'] });
    expect(stdout).toBe('nobody\nNoNewPrivs:\t1\n');
  });

  it('writes and reads files inside, and says what failed when a command fails', async () => {
    await container.writeFile('/run/probe.txt', 'hello\n', 0o600);
    expect(await container.readFile('/run/probe.txt')).toBe('hello\n');
    expect((await container.exec(['stat', '-c', '%a', '/run/probe.txt'])).stdout.trim()).toBe('600');
    await expect(container.exec(['sh', '-c', 'echo oops >&2; exit 3'])).rejects.toThrow(/exited 3\n\n?oops/);
  });

  it('stops within seconds and leaves no mount, root copy or cgroup folder behind', async () => {
    const root = container.root;
    const started = Date.now();
    await container.stop();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(existsSync(root)).toBe(false);
    for (const hierarchy of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup/systemd']) {
      const ours = readdirSync(hierarchy).filter((name) => name.startsWith(`tributary-test-helper-${process.pid}-`));
      expect(ours).toEqual([]);
    }
  });
});
