import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Reading, Tags } from '../../rules/reading.js';
import type { DriverContext, SourceDriver } from '../driver.js';
import { PollingLoop } from '../polling-loop.js';
import type { OnewireOptions } from './onewire-options.js';
import { parseTemperatureFile, parseW1Slave, TEMPERATURE_FAMILIES, type W1Outcome } from './w1-parse.js';

/** One temperature sensor found on the bus, and the file it is read from. */
interface OnewireDevice {
  readonly id: string;
  readonly sensor: string;
  readonly file: string;
  readonly parse: (content: string, allow85: boolean) => W1Outcome;
}

/** What reading one sensor's file gave: its content and what it says, or the error code of the read. */
type ReadOutcome = { readonly content: string; readonly outcome: W1Outcome } | { readonly error: string };

const DEVICE_DIR = /^([0-9a-f]{2})-[0-9a-f]{12}$/;

/**
 * Polls 1-Wire temperature sensors (DS18B20 and kin) through the kernel's w1 sysfs tree. The bus is listed at
 * every poll, so sensors plugged in or pulled out while the agent runs are picked up or dropped, with one info
 * line per change. Rejected values (CRC errors, 85 °C power-on, -127 °C, garbage) are counted through `badInput`
 * and never emitted; nothing that is not a finite number is emitted.
 */
class OnewireSource implements SourceDriver {
  private readonly loop: PollingLoop;
  private emit: ((reading: Reading) => void) | undefined;
  /** Ids present at the last poll, to log appearances and disappearances once each. */
  private present = new Set<string>();
  private busMissingLogged = false;
  /** Whether the sensors named in the config but absent were logged: once, at the first listing of the bus. */
  private configuredChecked = false;
  private readonly tags: Tags;

  constructor(
    private readonly options: OnewireOptions,
    private readonly context: DriverContext,
  ) {
    this.loop = new PollingLoop(context.clock, options.interval, () => this.poll(), context.log, 'the 1-Wire bus');
    this.tags = Object.freeze({ ...options.tags });
  }

  async start(emit: (reading: Reading) => void): Promise<void> {
    if (this.emit !== undefined) return;
    this.emit = emit;
    await this.loop.start();
  }

  async stop(): Promise<void> {
    this.emit = undefined;
    // Once stop resolves nothing more is emitted: a poll under way finishes, and its readings are dropped.
    await this.loop.stop();
  }

  private async poll(): Promise<void> {
    const timestamp = this.context.now();
    const devices = await this.listDevices();
    if (devices === undefined) return;
    const outcomes = await Promise.all(devices.map((device) => this.read(device)));
    // Reported and emitted in bus order once all are read, so the order does not depend on which answered first.
    devices.forEach((device, i) => {
      const value = this.check(device, outcomes[i]);
      const emit = this.emit;
      if (value === undefined || emit === undefined) return;
      emit({ source: this.context.name, sensor: device.sensor, value, timestamp, tags: this.tags });
    });
  }

  /** The temperature sensors on the bus now; undefined (logged once) when there is no bus directory at all. */
  private async listDevices(): Promise<OnewireDevice[] | undefined> {
    const base = this.options.base_path;
    let entries: string[];
    try {
      entries = await readdir(base);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      if (!this.busMissingLogged) {
        this.busMissingLogged = true;
        this.context.log.warn(
          { path: base, code },
          `cannot list ${base} (${code}): is 1-Wire enabled? Add dtoverlay=w1-gpio to /boot/firmware/config.txt and reboot`,
        );
      }
      this.context.setConnected(false, `no 1-Wire bus at ${base}`);
      this.configuredChecked = true;
      this.updatePresent([]);
      return undefined;
    }
    this.busMissingLogged = false;
    const ids = entries.filter((name) => TEMPERATURE_FAMILIES.has(DEVICE_DIR.exec(name)?.[1] ?? '')).sort();
    this.updatePresent(ids);
    if (ids.length === 0) this.context.setConnected(false, `no temperature sensors under ${base}`);
    else this.context.setConnected(true);
    return Promise.all(ids.map((id) => this.describe(id)));
  }

  /** Prefers the newer `temperature` file (one number, CRC checked by the kernel), else `w1_slave`. */
  private async describe(id: string): Promise<OnewireDevice> {
    const dir = join(this.options.base_path, id);
    const sensor = this.options.sensors[id] ?? `onewire/${id}`;
    const temperature = join(dir, 'temperature');
    const hasTemperature = await access(temperature).then(
      () => true,
      () => false,
    );
    return hasTemperature
      ? { id, sensor, file: temperature, parse: parseTemperatureFile }
      : { id, sensor, file: join(dir, 'w1_slave'), parse: parseW1Slave };
  }

  private updatePresent(ids: readonly string[]): void {
    const now = new Set(ids);
    for (const id of now) {
      if (!this.present.has(id)) {
        const sensor = this.options.sensors[id] ?? `onewire/${id}`;
        this.context.log.info({ id, sensor }, `1-Wire sensor ${id} found`);
      }
    }
    for (const id of this.present) {
      if (!now.has(id)) this.context.log.info({ id }, `1-Wire sensor ${id} gone`);
    }
    this.present = now;
    if (this.configuredChecked) return;
    this.configuredChecked = true;
    for (const [id, sensor] of Object.entries(this.options.sensors)) {
      if (!now.has(id)) {
        this.context.log.warn({ id, sensor }, `1-Wire sensor ${id} (${sensor}) is in the config but not on the bus`);
      }
    }
  }

  /** Reads one sensor's file: its outcome, or undefined when the sensor vanished. */
  private async read(device: OnewireDevice): Promise<ReadOutcome | undefined> {
    let content: string;
    try {
      content = await readFile(device.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      // Pulled out between listing and reading: the next listing logs it as gone.
      if (code === 'ENOENT' || code === 'ENODEV') return undefined;
      return { error: code };
    }
    return { content, outcome: device.parse(content, this.options.allow_85) };
  }

  /** The temperature to emit, or undefined after reporting why there is none. */
  private check(device: OnewireDevice, read: ReadOutcome | undefined): number | undefined {
    if (read === undefined) return undefined;
    if ('error' in read) {
      // EIO from `temperature` is how newer kernels say the CRC failed or the sensor did not answer.
      const { file } = device;
      this.context.badInput('onewire-read', `${file}: cannot read (${read.error})`, { file, code: read.error });
      return undefined;
    }
    const { content, outcome } = read;
    if (!outcome.ok) {
      this.context.badInput(outcome.kind, `${device.id}: ${outcome.problem}`, {
        file: device.file,
        sensor: device.sensor,
        content: content.slice(0, 80),
      });
      return undefined;
    }
    return Number.isFinite(outcome.celsius) ? outcome.celsius : undefined;
  }
}

export function createOnewireSource(options: OnewireOptions, context: DriverContext): SourceDriver {
  return new OnewireSource(options, context);
}
