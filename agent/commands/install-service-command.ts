import { spawn } from 'node:child_process';
import { packageFile } from './package-file.js';

export const INSTALL_SERVICE_HELP = `Usage: tributary install-service [options]

Installs this tributary as a systemd service, run from where it is installed
(npm install -g), or removes the service. Run as root. Safe to run again: after
upgrading the package (npm install -g tributary-NEW.tgz) it updates the unit and
restarts the service; the config and the buffer stay.

It creates the system user tributary (and the groups dialout and gpio if
missing), puts the bundled config in /etc/tributary/tributary.yaml unless one is
there (an edited config is never overwritten; the new example goes beside it as
tributary.yaml.dist), writes /etc/systemd/system/tributary.service pointing at
this node and this program, checks the config, then enables and (re)starts it.

Options:
      --no-start     install and enable, but leave the service stopped
      --uninstall    stop, disable and remove the unit; keep the config
                     (/etc/tributary) and the buffer (/var/lib/tributary)
      --purge        with --uninstall: also remove config, buffer and the user
      --root DIR     write the files into DIR instead of /; the steps that change
                     the running system (useradd, chown, systemctl) are printed
  -h, --help         show this help

It runs systemd/install.sh from the package with --in-place; from a checkout,
sudo systemd/install.sh does the same with a copy in /opt/tributary.
`;

/** Runs the package's own systemd/install.sh, so there is one install logic for a package and for a checkout. */
export async function installServiceCommand(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(INSTALL_SERVICE_HELP);
    return 0;
  }
  const script = packageFile('systemd/install.sh');
  if (script === undefined) {
    process.stderr.write('tributary install-service: systemd/install.sh is missing from this package; reinstall it (npm install -g tributary-*.tgz)\n');
    return 1;
  }
  // The script checks the options; the unit gets the node that runs this command (sudo's PATH may lack it).
  const child = spawn('sh', [script, '--in-place', ...argv], {
    stdio: 'inherit',
    env: { ...process.env, TRIBUTARY_NODE: process.execPath, TRIBUTARY_INSTALLER: 'tributary install-service' },
  });
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`cannot run ${script}: ${error.message}`, { cause: error })));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}
