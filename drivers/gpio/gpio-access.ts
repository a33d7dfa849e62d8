import { access, constants, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { findHeaderChip, readGpioChips, sysfsNumber, type GpioChip } from './gpio-chip.js';

/** GPIO cannot be used as configured; the message says what to do about it. */
export class GpioAccessError extends Error {
  override readonly name = 'GpioAccessError';
}

const GROUP_HELP =
  'add the user running tributary to group gpio (sudo usermod -aG gpio <user>, then log in again); ' +
  'under systemd add SupplementaryGroups=gpio to the [Service] section of the unit';

const NO_SYSFS_HELP =
  'this kernel or container offers no sysfs GPIO (CONFIG_GPIO_SYSFS is off, or /sys is not mounted). ' +
  'The gpio driver needs sysfs GPIO; it does not yet speak the newer GPIO character device (/dev/gpiochip*, ' +
  'libgpiod). Use a Raspberry Pi OS kernel, which still has sysfs GPIO, or in a container mount the host /sys';

/**
 * Checks that sysfs GPIO exists and is writable, and finds the chip the pin numbers count on. Throws a
 * `GpioAccessError` saying what to do when it is missing, not permitted, or has no Raspberry Pi header chip.
 */
export async function openHeaderChip(chipPath: string, label?: string): Promise<GpioChip> {
  try {
    await stat(chipPath);
  } catch (error) {
    throw new GpioAccessError(`${chipPath} does not exist: ${NO_SYSFS_HELP}`, { cause: error });
  }
  const exportFile = join(chipPath, 'export');
  try {
    await access(exportFile, constants.W_OK);
  } catch (error) {
    const code = codeOf(error);
    if (code === 'ENOENT') throw new GpioAccessError(`${exportFile} does not exist: ${NO_SYSFS_HELP}`, { cause: error });
    throw new GpioAccessError(`cannot write ${exportFile} (${code}): ${GROUP_HELP}`, { cause: error });
  }
  const chips = await readGpioChips(chipPath);
  const chip = findHeaderChip(chips, label);
  if (chip !== undefined) return chip;
  const found = chips.length === 0 ? 'none' : chips.map((c) => `${c.name} "${c.label}"`).join(', ');
  const wanted =
    label === undefined
      ? 'Raspberry Pi GPIO chip (pinctrl-rp1, pinctrl-bcm2711, pinctrl-bcm2835)'
      : `GPIO chip whose label contains "${label}"`;
  throw new GpioAccessError(
    `no ${wanted} under ${chipPath}; chips found: ${found}. On another board set chip_label to part of its label`,
  );
}

/** The sysfs number of BCM pin `pin`, or a `GpioAccessError` naming the chip's range. */
export function headerPinNumber(chip: GpioChip, pin: number): number {
  const number = sysfsNumber(chip, pin);
  if (number !== undefined) return number;
  throw new GpioAccessError(
    `pin ${pin} does not exist: ${chip.name} ("${chip.label}") has GPIO 0 to ${chip.ngpio - 1}. ` +
      'Pins are BCM GPIO numbers (GPIO17 is header pin 11), not header pin numbers',
  );
}

/** Turns the error onoff threw while exporting or configuring a line into one that says what to do. */
export function explainOpenError(error: unknown, pin: number, sysfs: number, chipPath: string): GpioAccessError {
  const code = codeOf(error);
  const what = `GPIO${pin} (sysfs gpio${sysfs})`;
  const reason = (() => {
    switch (code) {
      case 'EACCES':
      case 'EPERM':
        return `permission denied: ${GROUP_HELP}`;
      case 'EBUSY':
        return (
          'in use by a kernel driver or another program: check the dtoverlay= lines in /boot/firmware/config.txt ' +
          '(w1-gpio takes GPIO4) and whether another program holds the line (gpioinfo lists the consumers)'
        );
      case 'EINVAL':
        return `the kernel refused the number: check base and ngpio under ${chipPath}/gpiochip*`;
      case 'ENOENT':
        return NO_SYSFS_HELP;
      default:
        return `${code}: ${error instanceof Error ? error.message : String(error)}`;
    }
  })();
  return new GpioAccessError(`cannot open ${what}: ${reason}`, { cause: error });
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'error';
}
