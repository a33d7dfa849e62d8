import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemdContainer } from '../../helpers/systemd-container.js';
import { BOOT_TIMEOUT_MS, bootWithTributaryInstalled } from './installed-tributary.js';

/** Opens each path given read-write and prints `{ path: "ok" | error code }` as one JSON line. */
const PROBE = `const fs = require('node:fs');
const outcome = {};
for (const file of process.argv.slice(2)) {
  try { fs.closeSync(fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK)); outcome[file] = 'ok'; }
  catch (error) { outcome[file] = error.code; }
}
console.log(JSON.stringify(outcome));
`;
const NODES = ['/dev/ttyS9', '/dev/ttyUSB0', '/dev/ttyACM3', '/dev/ttyUSB9', '/dev/tun-open', '/dev/null'];

/**
 * The unit's device sandbox (DevicePolicy=closed, DeviceAllow=char-tty…) as systemd really applies it: the probe
 * runs as a second unit made from the installed tributary.service with only ExecStart (and the start type)
 * replaced, so user, groups, namespaces and device policy are the shipped ones. Serial nodes are made with mknod
 * and have no driver behind them: "allowed" shows as ENXIO/ENODEV from the kernel, "blocked" as EPERM.
 */
describe('the device sandbox of tributary.service', () => {
  let container: SystemdContainer;
  let underUnit: Record<string, string>;
  beforeAll(async () => {
    ({ container } = await bootWithTributaryInstalled('devices'));
    // As udev makes them: root:dialout 0660, so only the groups decide, not the mode.
    await container.sh('mknod -m 0660 /dev/ttyS9 c 4 73 && mknod -m 0660 /dev/ttyUSB9 c 188 9 && mknod -m 0660 /dev/ttyUSB0 c 188 0 && mknod -m 0660 /dev/ttyACM3 c 166 3 && chgrp dialout /dev/ttyS9 /dev/ttyUSB9 /dev/ttyUSB0 /dev/ttyACM3');
    // A device outside the allow list that anyone may open by its mode: the tun device (misc 10:200), mode 0666.
    await container.exec(['mknod', '-m', '0666', '/dev/tun-open', 'c', '10', '200']);
    await container.exec(['mkdir', '-p', '/opt/device-probe']);
    await container.writeFile('/opt/device-probe/probe.js', PROBE);
    const shipped = await container.readFile('/etc/systemd/system/tributary.service');
    const node = /^ExecStart=(\S+) /m.exec(shipped)![1]!;
    const probeUnit = shipped
      .replace(/^ExecStart=.*$/m, `ExecStart=${node} /opt/device-probe/probe.js ${NODES.join(' ')}`)
      .replace(/^Type=notify$/m, 'Type=oneshot')
      .replace(/^(ExecReload|WatchdogSec|Restart|RestartSec|TimeoutStartSec)=.*$/gm, '')
      .replace(/^SyslogIdentifier=.*$/m, 'SyslogIdentifier=device-probe');
    await container.writeFile('/etc/systemd/system/tributary-device-probe.service', probeUnit);
    await container.exec(['systemctl', 'daemon-reload']);
    await container.exec(['systemctl', 'start', 'tributary-device-probe.service'], { timeoutMs: 60_000 });
    const output = await container.exec(['journalctl', '-u', 'tributary-device-probe', '-o', 'cat', '--no-pager']);
    underUnit = JSON.parse(output.stdout.split('\n').find((line) => line.startsWith('{'))!) as Record<string, string>;
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => {
    await container?.stop();
  }, 60_000);

  it('lets a serial port node through to its driver: ttyS opens with ENXIO/ENODEV (no such device), not EPERM', () => {
    expect(['ENXIO', 'ENODEV']).toContain(underUnit['/dev/ttyS9']);
  });

  it('lets the first USB serial ports through by number, with or without their driver: ttyUSB0 and ttyACM3 open with ENXIO/ENODEV', () => {
    // This machine has no USB serial driver at all, so char-ttyUSB/char-ttyACM alone would refuse both (EPERM).
    expect(['ENXIO', 'ENODEV']).toContain(underUnit['/dev/ttyUSB0']);
    expect(['ENXIO', 'ENODEV']).toContain(underUnit['/dev/ttyACM3']);
  });

  it('resolves char-ttyUSB from the kernel\'s drivers when the unit starts: allowed once usbserial is loaded, else refused', () => {
    // DeviceAllow=char-ttyUSB names a driver in /proc/devices, looked up when the service starts. Where no USB
    // serial driver is loaded yet (this machine has none) there is no major to allow, and the node is refused;
    // README "Running under systemd" says to restart the service after plugging in a first adapter of a new kind.
    const driverLoaded = /^\s*188 ttyUSB$/m.test(readFileSync('/proc/devices', 'utf8'));
    if (driverLoaded) expect(['ENXIO', 'ENODEV']).toContain(underUnit['/dev/ttyUSB9']);
    else expect(underUnit['/dev/ttyUSB9']).toBe('EPERM');
  });

  it('blocks a device outside the allow list with EPERM, though its mode would let the user open it', async () => {
    expect(underUnit['/dev/tun-open']).toBe('EPERM');
    // The same probe as the same user without the sandbox opens it: the refusal is the unit's device policy.
    const { stdout } = await container.run(['node', '/opt/device-probe/probe.js', '/dev/tun-open', '/dev/ttyS9'], {
      user: 'tributary',
      properties: ['SupplementaryGroups=dialout'],
    });
    expect(JSON.parse(stdout)).toEqual({ '/dev/tun-open': 'ok', '/dev/ttyS9': underUnit['/dev/ttyS9'] });
  });

  it('keeps the pseudo devices every program needs (/dev/null)', () => {
    expect(underUnit['/dev/null']).toBe('ok');
  });
});
