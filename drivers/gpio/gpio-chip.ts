import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Sysfs GPIO numbers are not BCM numbers: each chip's lines start at the chip's `base`. Old Pi kernels put the
 * main chip at 0 (GPIO17 is 17); from kernel 6.6 bases start at 512 (GPIO17 on a Pi 4 is 529), and on a Pi 5 the
 * header is on the RP1 chip, after the SoC's own chips (571 on 6.6). So the number is looked up, never assumed.
 */
export interface GpioChip {
  /** Directory name, e.g. `gpiochip512`. */
  readonly name: string;
  readonly base: number;
  readonly ngpio: number;
  readonly label: string;
}

/** Labels of the chip that drives the 40-pin header, best first: Pi 5 (RP1), Pi 4 (BCM2711), Pi 0–3 (BCM2835). */
export const PI_HEADER_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'] as const;

const CHIP_DIR = /^gpiochip\d+$/;

/**
 * The chip whose lines the configured pin numbers count: the first whose label contains `label` when given, else
 * the first Raspberry Pi header chip in the order of `PI_HEADER_CHIP_LABELS`. Undefined when none matches.
 */
export function findHeaderChip(chips: readonly GpioChip[], label?: string): GpioChip | undefined {
  const wanted = label === undefined ? PI_HEADER_CHIP_LABELS : [label];
  for (const part of wanted) {
    const chip = chips.find((candidate) => candidate.label.includes(part));
    if (chip !== undefined) return chip;
  }
  return undefined;
}

/** The sysfs number of line `pin` of `chip`, or undefined when the chip has no such line. */
export function sysfsNumber(chip: GpioChip, pin: number): number | undefined {
  return Number.isInteger(pin) && pin >= 0 && pin < chip.ngpio ? chip.base + pin : undefined;
}

/**
 * Lists `<chipPath>/gpiochip*` with base, line count and label, by base. Chips whose files cannot be read or
 * hold no number are left out. Rejects with the error of `readdir` when the directory cannot be listed.
 */
export async function readGpioChips(chipPath: string): Promise<GpioChip[]> {
  const entries = (await readdir(chipPath)).filter((name) => CHIP_DIR.test(name));
  const chips = await Promise.all(
    entries.map(async (name): Promise<GpioChip | undefined> => {
      const read = (file: string) => readFile(join(chipPath, name, file), 'utf8').then((text) => text.trim(), () => '');
      const [base, ngpio, label] = await Promise.all([read('base'), read('ngpio'), read('label')]);
      if (!/^\d+$/.test(base) || !/^\d+$/.test(ngpio)) return undefined;
      return { name, base: Number(base), ngpio: Number(ngpio), label };
    }),
  );
  return chips.filter((chip): chip is GpioChip => chip !== undefined).sort((a, b) => a.base - b.base);
}
