import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { formatProblem } from '../config/config-problem.js';
import { checkConfigFile } from '../config/load-config.js';

/** The running config and the file on disk, as the live page shows them. */
export interface ConfigStatus {
  readonly file: string;
  /** First 12 hex digits of the SHA-256 of the file as it was when the running config was loaded. */
  readonly running_version: string | undefined;
  readonly on_disk: {
    readonly version: string | undefined;
    /** Whether the file validates now (what a reload would find). */
    readonly valid: boolean;
    /** `file:line:column: path: message`, as `tributary validate` prints them. */
    readonly problems: string[];
  };
}

/**
 * Whether the config file on disk still validates and whether it is the one running: someone editing the YAML by
 * the device sees their mistake (file:line:column) before a reload refuses it. The check is redone only when the
 * file's size or modification time changed.
 */
export class ConfigOnDisk {
  private runningConfig: unknown;
  private runningVersion: string | undefined;
  private checked: { key: string; status: ConfigStatus['on_disk'] } | undefined;

  constructor(private readonly current: () => { readonly file: string }) {}

  status(): ConfigStatus {
    const config = this.current();
    // A reload replaced the config: the file as it is now is what was loaded (read right after the reload).
    if (config !== this.runningConfig) {
      this.runningConfig = config;
      this.runningVersion = versionOf(config.file);
    }
    return { file: config.file, running_version: this.runningVersion, on_disk: this.check(config.file) };
  }

  private check(file: string): ConfigStatus['on_disk'] {
    let key: string;
    try {
      const stat = statSync(file);
      key = `${stat.size}:${stat.mtimeMs}`;
    } catch (error) {
      return { version: undefined, valid: false, problems: [`${file}: ${(error as Error).message}`] };
    }
    if (this.checked?.key === key) return this.checked.status;
    const checked = checkConfigFile(file);
    const status = { version: versionOf(file), valid: checked.ok, problems: checked.ok ? [] : checked.problems.map(formatProblem) };
    this.checked = { key, status };
    return status;
  }
}

function versionOf(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12);
  } catch {
    return undefined;
  }
}
