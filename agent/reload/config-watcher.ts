import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { type Clock, type ClockTimer, systemClock } from '../../drivers/clock.js';
import type { Logger } from '../logger.js';

export interface ConfigWatcherOptions {
  readonly log: Logger;
  /** Quiet time after the last change before `onChange` runs: an editor's save is several events. */
  readonly debounceMs?: number;
  /** The debounce timer's clock; systemClock unless a test moves time. */
  readonly clock?: Clock;
}

/**
 * Calls `onChange` when the content of a config file changed. It watches the file's directory, not the file:
 * editors save by writing a new file and renaming it over the old one, which a watch on the old file would miss.
 * Events are coalesced for `debounceMs`, and a save that left the content as it was is ignored.
 */
export class ConfigWatcher {
  private watcher: FSWatcher | undefined;
  private timer: ClockTimer | undefined;
  /** The content last seen; undefined while the file cannot be read. */
  private content: string | undefined;
  private checking: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly onChange: () => void,
    private readonly options: ConfigWatcherOptions,
  ) {}

  /**
   * Starts watching, then takes the file's content as the baseline, so no change after `start` is missed. When the
   * directory cannot be watched, logs why and leaves reloading to SIGHUP.
   */
  start(): void {
    const name = basename(this.file);
    try {
      this.watcher = watch(dirname(this.file), { persistent: true }, (_event, changed) => {
        // Some platforms do not name the file; then any change in the directory is checked.
        if (changed === null || changed.toString() === name) this.schedule();
      });
    } catch (error) {
      this.options.log.warn({ file: this.file, error: (error as Error).message }, 'cannot watch the config file; reload with SIGHUP instead');
      return;
    }
    this.content = readTextSync(this.file);
    this.watcher.on('error', (error) => {
      this.options.log.warn({ file: this.file, error: error.message }, 'watching the config file failed; reload with SIGHUP instead');
      this.stop();
    });
  }

  stop(): void {
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  private get clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  private schedule(): void {
    this.clock.clearTimer(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.checking = this.checking
        .then(() => this.check())
        .catch((error: unknown) => this.options.log.error({ file: this.file, error: String(error) }, 'reloading the changed config failed'));
    }, this.options.debounceMs ?? 300);
  }

  private async check(): Promise<void> {
    const content = await readText(this.file);
    if (!this.watcher || content === this.content) return;
    this.content = content;
    this.onChange();
  }
}

function readTextSync(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}
