import { existsSync } from 'node:fs';
import { packageFile } from './package-file.js';

/** The config of the service that `tributary install-service` and systemd/install.sh set up. */
export const SERVICE_CONFIG_FILE = '/etc/tributary/tributary.yaml';

/**
 * Where commands look when neither `--config` nor $TRIBUTARY_CONFIG names a file; the first that exists wins:
 * `config/tributary.yaml` in the working directory (a checkout), the installed service's config (so `tributary
 * status` finds the service's health server), then the example bundled with the program (so `tributary run` works
 * on a fresh machine, wherever npm put it).
 */
function findDefaultConfigFile(): string {
  const inWorkingDirectory = 'config/tributary.yaml';
  if (existsSync(inWorkingDirectory)) return inWorkingDirectory;
  if (existsSync(SERVICE_CONFIG_FILE)) return SERVICE_CONFIG_FILE;
  return packageFile('config/tributary.yaml') ?? inWorkingDirectory;
}

export const DEFAULT_CONFIG_FILE = findDefaultConfigFile();
