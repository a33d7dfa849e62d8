import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentNodeFlags } from '../../bench/agent-node-flags.js';
import { REPO } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const UNIT = path.join(REPO, 'systemd/tributary.service');

/** The unit as systemd itself reads it: `systemd-analyze` (Debian package systemd) checks syntax and sandbox. */
describe('systemd/tributary.service', () => {
  let dir: TempDir;
  let unit: string;
  beforeEach(async () => {
    dir = await makeTempDir('unit');
    // verify checks that ExecStart's program exists: point it at the node running this test, as install.sh does.
    const text = (await readFile(UNIT, 'utf8')).replace(/^ExecStart=\/usr\/bin\/node /m, `ExecStart=${process.execPath} `);
    unit = path.join(dir.path, 'tributary.service');
    await writeFile(unit, text);
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('passes systemd-analyze verify without a warning', async () => {
    const { stdout, stderr } = await run('systemd-analyze', ['verify', unit]);
    expect(stdout + stderr).toBe('');
  });

  it('is a Type=notify service with a watchdog, restarted on failure, reloaded with SIGHUP', async () => {
    const text = await readFile(UNIT, 'utf8');
    const settings = text.split('\n').filter((line) => /^[A-Za-z]+=/.test(line));
    expect(settings).toEqual(
      expect.arrayContaining([
        'Type=notify',
        'NotifyAccess=all',
        'WatchdogSec=30s',
        'Restart=on-failure',
        'ExecReload=/bin/kill -HUP $MAINPID',
        'StateDirectory=tributary',
        'ExecStart=/usr/bin/node --max-semi-space-size=2 --optimize-for-size /opt/tributary/dist/agent/cli.js run --config /etc/tributary/tributary.yaml --data-dir ${STATE_DIRECTORY}',
      ]),
    );
  });

  it('has an exposure of 1.5 or lower while keeping serial ports, GPIO and the network', async () => {
    // systemd-analyze security exits non-zero above its threshold (default 100, i.e. 10.0): never here.
    const { stdout } = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', unit]);
    const exposure = Number(/Overall exposure level for tributary\.service: ([\d.]+)/.exec(stdout)?.[1]);
    // test/systemd/container/ checks the same on the live unit, under a real systemd.
    expect(exposure).toBeLessThanOrEqual(1.5);
    // What systemd says the sandbox still allows: the devices the drivers open, and IP networking for the sinks.
    const deviceAcl = stdout.split('\n').find((line) => line.includes('DeviceAllow='))!;
    for (const device of ['char-ttyUSB:rw', 'char-ttyACM:rw', 'char-ttyAMA:rw', 'char-gpiochip:rw']) expect(deviceAcl).toContain(device);
    expect(stdout).toMatch(/✗ PrivateNetwork=\s+Service has access to the host's network/);
    expect(stdout).toMatch(/✗ RestrictAddressFamilies=~AF_\(INET\|INET6\)\s+Service may allocate Internet sockets/);
    expect(stdout).toMatch(/✓ User=\/DynamicUser=\s+Service runs under a static non-root user identity/);
    expect(stdout).toMatch(/✓ PrivateUsers=\s+Service does not have access to other users/);
  });
});

describe('Node flags of the agent', () => {
  it('are the same in the unit, the CLI #! line and npm start, and benchmarks read them from the unit', async () => {
    const flags = agentNodeFlags();
    expect(flags).toContain('--max-semi-space-size=2');
    expect(flags).toContain('--optimize-for-size');
    const shebang = (await readFile(path.join(REPO, 'agent/cli.ts'), 'utf8')).split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${flags.join(' ')}`);
    const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toMatch(new RegExp(`^node ${flags.join(' ')} dist/agent/cli\\.js run `));
  });

  it('the built CLI runs through its #! line with them', async () => {
    const { stdout } = await run(path.join(REPO, 'dist/agent/cli.js'), ['--version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
