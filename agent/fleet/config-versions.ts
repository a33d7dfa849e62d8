import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a device remembers of its fleet configs, across restarts. */
export interface VersionState {
  /** Versions that ran, oldest first; the last is running. Empty: the local config file runs. */
  applied: { version: number; digest: string }[];
  /** The newest version this device has seen: anything not newer is a replay. */
  highest: number;
}

/**
 * The configs pushed to this device, kept in `<data dir>/fleet/`: `versions/<n>.yaml` for the last few, and
 * `running.yaml`, the one the agent runs (rewritten in place on each apply, so a reload reads the new rules).
 */
export class ConfigVersions {
  readonly dir: string;
  readonly runningFile: string;
  private readonly stateFile: string;
  private state: VersionState = { applied: [], highest: 0 };

  constructor(dataDir: string, private readonly keep: number) {
    this.dir = join(dataDir, 'fleet');
    this.runningFile = join(this.dir, 'running.yaml');
    this.stateFile = join(this.dir, 'state.json');
  }

  /** Reads what was kept; a device that never received a bundle starts with nothing. */
  open(): void {
    mkdirSync(join(this.dir, 'versions'), { recursive: true, mode: 0o700 });
    if (!existsSync(this.stateFile)) return;
    const read = JSON.parse(readFileSync(this.stateFile, 'utf8')) as VersionState;
    this.state = { applied: read.applied ?? [], highest: read.highest ?? 0 };
    // A running.yaml whose version is gone (a crash between two writes) would run an unknown config.
    if (this.state.applied.length === 0) rmSync(this.runningFile, { force: true });
  }

  get running(): { version: number; digest: string } | undefined {
    return this.state.applied.at(-1);
  }

  get highest(): number {
    return this.state.highest;
  }

  /** The version before the running one (undefined: the local config file). */
  get previous(): { version: number; digest: string } | undefined {
    return this.state.applied.at(-2);
  }

  /** The file to run: the running version's, else the local config file. */
  fileToRun(localFile: string): string {
    return this.running !== undefined && existsSync(this.runningFile) ? this.runningFile : localFile;
  }

  /** Notes a version as seen, applied or not: it can never be applied again. */
  seen(version: number): void {
    this.state.highest = Math.max(this.state.highest, version);
    this.save();
  }

  /**
   * Writes a version's file and makes it the running one. `restores` (a group rollback that pushes the config of an
   * earlier version again): the versions from that one on leave the history, so stepping back from this version goes
   * to what ran before that one, never to the version rolled back.
   */
  install(version: number, digest: string, text: string, restores?: number): void {
    this.writeAtomic(this.versionFile(version), text);
    this.writeAtomic(this.runningFile, text);
    const kept = this.state.applied.filter((entry) => entry.version !== version && (restores === undefined || entry.version < restores));
    this.state.applied = [...kept, { version, digest }];
    this.state.highest = Math.max(this.state.highest, version);
    this.trim();
    this.save();
  }

  /**
   * Drops the running version and makes the one before it run again; returns it, or undefined when the local config
   * file runs again (running.yaml is then removed).
   */
  stepBack(): { version: number; digest: string } | undefined {
    this.state.applied = this.state.applied.slice(0, -1);
    const back = this.running;
    if (back === undefined || !existsSync(this.versionFile(back.version))) {
      this.state.applied = [];
      rmSync(this.runningFile, { force: true });
    } else {
      this.writeAtomic(this.runningFile, readFileSync(this.versionFile(back.version), 'utf8'));
    }
    this.save();
    return this.running;
  }

  /** Versions whose files are on disk, oldest first. */
  kept(): number[] {
    return readdirSync(join(this.dir, 'versions'))
      .map((name) => /^(\d+)\.yaml$/.exec(name)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  private versionFile(version: number): string {
    return join(this.dir, 'versions', `${version}.yaml`);
  }

  private trim(): void {
    this.state.applied = this.state.applied.slice(-this.keep);
    const keep = new Set(this.state.applied.map((entry) => entry.version));
    for (const version of this.kept()) if (!keep.has(version)) rmSync(this.versionFile(version), { force: true });
  }

  private save(): void {
    this.writeAtomic(this.stateFile, `${JSON.stringify(this.state)}\n`);
  }

  /** Written beside and renamed over: a power cut leaves the old file or the new one, never half of one. */
  private writeAtomic(file: string, text: string): void {
    writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
}
