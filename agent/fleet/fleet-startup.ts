import { readFileSync } from 'node:fs';
import { formatProblem } from '../config/config-problem.js';
import { checkConfigFile, type TributaryConfig } from '../config/load-config.js';
import type { Logger } from '../logger.js';
import { fleetSectionText } from './bundle-check.js';
import { ConfigVersions } from './config-versions.js';
import type { FleetSettings } from './fleet-config.js';

/** What a fleet device starts with: the config to run and what its fleet member needs. */
export interface FleetStartup {
  readonly settings: FleetSettings;
  readonly versions: ConfigVersions;
  /** The last version pushed here when it still validates, else the local config. */
  readonly config: TributaryConfig;
  readonly fleetText: string;
}

/**
 * A device that ran a pushed version before a restart runs it again (from `<data dir>/fleet/running.yaml`); one that
 * never received a bundle, or whose kept version no longer validates (an environment variable gone), runs its local
 * config file.
 */
export function fleetStartup(local: TributaryConfig & { fleet: FleetSettings }, dataDir: string, log: Logger): FleetStartup {
  const versions = new ConfigVersions(dataDir, local.fleet.keep_versions);
  versions.open();
  const fleetText = fleetSectionText(readFileSync(local.file, 'utf8'));
  const file = versions.fileToRun(local.file);
  if (file === local.file) return { settings: local.fleet, versions, config: local, fleetText };
  const checked = checkConfigFile(file);
  if (checked.ok) {
    log.info({ file, version: versions.running?.version }, 'fleet: running the version pushed last');
    return { settings: local.fleet, versions, config: checked.config, fleetText };
  }
  for (const problem of checked.problems) log.error({ file }, formatProblem(problem));
  log.error({ file, local: local.file }, 'fleet: the version pushed last does not validate here; running the local config file');
  return { settings: local.fleet, versions, config: local, fleetText };
}
