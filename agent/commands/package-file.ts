import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A file shipped with the package (`config/tributary.yaml`, `systemd/install.sh`), found from this module wherever
 * it runs: the sources (agent/commands/), the build (dist/agent/cli.js) or one of its chunks (dist/agent/chunks/),
 * in a checkout or where `npm install -g` put the package. Undefined when the package does not have it.
 */
export function packageFile(relative: string): string | undefined {
  for (const up of ['../../', '../../../']) {
    const file = fileURLToPath(new URL(up + relative, import.meta.url));
    if (existsSync(file)) return file;
  }
  return undefined;
}
