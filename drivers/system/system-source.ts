import { execFile } from 'node:child_process';
import type { StatsFs } from 'node:fs';
import { readFile, statfs } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { NO_TAGS, type Reading } from '../../rules/reading.js';
import type { DriverContext, SourceDriver } from '../driver.js';
import { PollingLoop } from '../polling-loop.js';
import {
  parseLoadavg,
  parseMeminfo,
  parseMillidegrees,
  parseUptime,
  type MetricValue,
  type ParseOutcome,
} from './proc-parsers.js';
import type { SystemMetric, SystemOptions } from './system-options.js';
import { findThermalZones, type ThermalZone } from './thermal-zones.js';
import { parseThrottled } from './throttled-flags.js';

const execFileAsync = promisify(execFile);

/**
 * Polls the host's own health from /sys and /proc: CPU temperature, load, memory and uptime.
 * A file that is missing or unreadable skips its metric with one info line, ever; garbled content is reported
 * through `badInput` and skipped; no value that is not a finite number is emitted.
 */
class SystemSource implements SourceDriver {
  private readonly loop: PollingLoop;
  private emit: ((reading: Reading) => void) | undefined;
  /** Found once and kept: thermal zones do not come and go while the host runs. */
  private zones: ThermalZone[] | undefined;
  /** Keys of the "skipped" lines already logged, so each is logged once. */
  private readonly loggedOnce = new Set<string>();
  private readonly include: ReadonlySet<SystemMetric>;

  constructor(
    private readonly options: SystemOptions,
    private readonly context: DriverContext,
  ) {
    this.loop = new PollingLoop(context.clock, options.interval, () => this.poll(), context.log, 'the host');
    this.include = new Set(options.include);
  }

  async start(emit: (reading: Reading) => void): Promise<void> {
    if (this.emit !== undefined) return;
    this.emit = emit;
    this.context.setConnected(true);
    await this.loop.start();
  }

  async stop(): Promise<void> {
    this.emit = undefined;
    // Once stop resolves nothing more is emitted: a poll under way finishes, and its readings are dropped.
    await this.loop.stop();
  }

  private async poll(): Promise<void> {
    const timestamp = this.context.now();
    const proc = this.options.proc_path;
    const groups = await Promise.all([
      this.include.has('cpu_temperature') ? this.readTemperatures() : [],
      this.include.has('load') ? this.readFile(join(proc, 'loadavg'), 'load', parseLoadavg) : [],
      this.include.has('memory') ? this.readFile(join(proc, 'meminfo'), 'memory', parseMeminfo) : [],
      this.include.has('uptime') ? this.readFile(join(proc, 'uptime'), 'uptime', parseUptime) : [],
      this.include.has('disk') ? this.readDisks() : [],
      this.include.has('throttling') ? this.readThrottling() : [],
    ]);
    for (const { sensor, value } of groups.flat()) {
      const emit = this.emit;
      if (emit === undefined) return;
      emit({ source: this.context.name, sensor, value, timestamp, tags: NO_TAGS });
    }
  }

  private async readTemperatures(): Promise<MetricValue[]> {
    if (this.zones === undefined) {
      const zones = await findThermalZones(this.options.thermal_path);
      if (zones.length === 0) {
        const path = this.options.thermal_path;
        this.infoOnce('thermal', { path }, `no thermal zones under ${path}: cpu_temperature skipped`);
        return [];
      }
      this.zones = zones;
      this.context.log.debug({ zones }, 'reading thermal zones');
    }
    const perZone = await Promise.all(
      this.zones.map((zone) =>
        this.readFile(zone.tempFile, zone.sensor, (content) => parseMillidegrees(content, zone.sensor)),
      ),
    );
    return perZone.flat();
  }

  /** Reads and parses one file; an unreadable file is logged once and skipped, garbage is reported as bad input. */
  private async readFile(
    file: string,
    metric: string,
    parse: (content: string) => ParseOutcome,
  ): Promise<MetricValue[]> {
    let content: string;
    try {
      content = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      this.infoOnce(`file:${file}`, { file, code }, `cannot read ${file} (${code}): ${metric} skipped`);
      return [];
    }
    const { values, problems } = parse(content);
    const report = (problem: string) =>
      this.context.badInput('system-parse', `${file}: ${problem}`, { file, content: content.slice(0, 80) });
    problems.forEach(report);
    return values.filter(({ sensor, value }) => {
      if (Number.isFinite(value)) return true;
      report(`${sensor} is not a finite number`);
      return false;
    });
  }

  /** Use of each file system in `disk_paths`: `system/disk_used_percent` for `/`, `system/disk/<path>/…` for others. */
  private async readDisks(): Promise<MetricValue[]> {
    const values: MetricValue[] = [];
    for (const path of this.options.disk_paths) {
      let stats: StatsFs;
      try {
        stats = await statfs(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        this.infoOnce(`disk:${path}`, { path, code }, `cannot stat file system ${path} (${code}): disk skipped`);
        continue;
      }
      const prefix = path === '/' ? 'system/disk' : `system/disk/${path.replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9_-]+/g, '_')}`;
      const total = stats.blocks * stats.bsize;
      const free = stats.bavail * stats.bsize;
      // Like df: the share of the space a user could use that is used.
      const usable = total - (stats.bfree - stats.bavail) * stats.bsize;
      values.push({ sensor: `${prefix}_free_bytes`, value: free });
      if (usable > 0) values.push({ sensor: `${prefix}_used_percent`, value: ((usable - free) / usable) * 100 });
    }
    return values;
  }

  /** Under-voltage and throttling from the Pi firmware; absent elsewhere, which is logged once. */
  private async readThrottling(): Promise<MetricValue[]> {
    let output: string;
    try {
      ({ stdout: output } = await execFileAsync(this.options.vcgencmd, ['get_throttled'], { timeout: 2_000 }));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      this.infoOnce('vcgencmd', { command: this.options.vcgencmd, code }, `${this.options.vcgencmd} not usable (${code}): throttling skipped`);
      return [];
    }
    const { values, problems } = parseThrottled(output);
    for (const problem of problems) this.context.badInput('system-parse', `vcgencmd: ${problem}`, { content: output.slice(0, 80) });
    return values;
  }

  private infoOnce(key: string, context: object, message: string): void {
    if (this.loggedOnce.has(key)) return;
    this.loggedOnce.add(key);
    this.context.log.info(context, message);
  }
}

export function createSystemSource(options: SystemOptions, context: DriverContext): SourceDriver {
  return new SystemSource(options, context);
}
