import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GpioAccessError, headerPinNumber, openHeaderChip } from './gpio-access.js';
import { findHeaderChip, readGpioChips, sysfsNumber } from './gpio-chip.js';

const execFileAsync = promisify(execFile);
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

type ChipSpec = [base: number, ngpio: number, label: string];

/** A fake /sys/class/gpio with `export`, `unexport` and one gpiochip<base> directory per chip. */
async function fakeSysfsGpio(chips: ChipSpec[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'tributary-gpio-'));
  dirs.push(root);
  await writeFile(join(root, 'export'), '');
  await writeFile(join(root, 'unexport'), '');
  for (const [base, ngpio, label] of chips) {
    const dir = join(root, `gpiochip${base}`);
    await mkdir(dir);
    await writeFile(join(dir, 'base'), `${base}\n`);
    await writeFile(join(dir, 'ngpio'), `${ngpio}\n`);
    await writeFile(join(dir, 'label'), `${label}\n`);
  }
  return root;
}

const PI3_OLD_KERNEL: ChipSpec[] = [
  [0, 54, 'pinctrl-bcm2835'],
  [100, 2, 'brcmvirt-gpio'],
  [504, 8, 'raspberrypi-exp-gpio'],
];
const PI4_KERNEL_6_6: ChipSpec[] = [
  [512, 58, 'pinctrl-bcm2711'],
  [570, 8, 'raspberrypi-exp-gpio'],
];
const PI5_KERNEL_6_6: ChipSpec[] = [
  [512, 32, 'gpio-brcmstb@107d508500'],
  [544, 4, 'gpio-brcmstb@107d508520'],
  [548, 17, 'gpio-brcmstb@107d517c00'],
  [565, 6, 'gpio-brcmstb@107d517c20'],
  [571, 54, 'pinctrl-rp1'],
];

describe('GPIO chip resolution', () => {
  it('maps BCM 17 to sysfs 17 on an old kernel whose Pi chip starts at 0', async () => {
    const chip = await openHeaderChip(await fakeSysfsGpio(PI3_OLD_KERNEL));
    expect(chip).toEqual({ name: 'gpiochip0', base: 0, ngpio: 54, label: 'pinctrl-bcm2835' });
    expect(headerPinNumber(chip, 17)).toBe(17);
  });

  it('maps BCM 17 to sysfs 529 on a Pi 4 with kernel 6.6, whose chips start at 512', async () => {
    const chip = await openHeaderChip(await fakeSysfsGpio(PI4_KERNEL_6_6));
    expect(chip.label).toBe('pinctrl-bcm2711');
    expect(headerPinNumber(chip, 17)).toBe(529);
    expect(headerPinNumber(chip, 0)).toBe(512);
  });

  it('picks the RP1 chip on a Pi 5, not the SoC chips listed before it', async () => {
    const chip = await openHeaderChip(await fakeSysfsGpio(PI5_KERNEL_6_6));
    expect(chip.name).toBe('gpiochip571');
    expect(headerPinNumber(chip, 17)).toBe(588);
  });

  it('lists chips by base and leaves out chips with unreadable numbers', async () => {
    const root = await fakeSysfsGpio([...PI4_KERNEL_6_6, [600, 4, 'x']]);
    await writeFile(join(root, 'gpiochip600', 'ngpio'), 'many\n');
    await mkdir(join(root, 'gpio529')); // an exported line is not a chip
    expect((await readGpioChips(root)).map((chip) => chip.name)).toEqual(['gpiochip512', 'gpiochip570']);
  });

  it('fails with the labels it found when no chip is a Raspberry Pi header chip', async () => {
    const root = await fakeSysfsGpio([[0, 8, 'gpio-mockup-A']]);
    await expect(openHeaderChip(root)).rejects.toThrow(
      `no Raspberry Pi GPIO chip (pinctrl-rp1, pinctrl-bcm2711, pinctrl-bcm2835) under ${root}; chips found: gpiochip0 "gpio-mockup-A". On another board set chip_label to part of its label`,
    );
    const chip = await openHeaderChip(root, 'mockup');
    expect(headerPinNumber(chip, 3)).toBe(3);
  });

  it('rejects a pin beyond the chip, saying pins are BCM numbers', () => {
    const chip = findHeaderChip([{ name: 'gpiochip512', base: 512, ngpio: 58, label: 'pinctrl-bcm2711' }])!;
    expect(sysfsNumber(chip, 58)).toBeUndefined();
    expect(sysfsNumber(chip, -1)).toBeUndefined();
    expect(() => headerPinNumber(chip, 58)).toThrow(
      'pin 58 does not exist: gpiochip512 ("pinctrl-bcm2711") has GPIO 0 to 57. Pins are BCM GPIO numbers (GPIO17 is header pin 11), not header pin numbers',
    );
  });

  it('says the kernel has no sysfs GPIO when the directory is missing', async () => {
    const root = await fakeSysfsGpio([]);
    const missing = join(root, 'nope');
    const error = await openHeaderChip(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpioAccessError);
    expect((error as Error).message).toMatch(
      new RegExp(`^${missing} does not exist: this kernel or container offers no sysfs GPIO .*libgpiod`),
    );
  });

  it('tells the user to join group gpio when export is not writable', async () => {
    const root = await fakeSysfsGpio(PI4_KERNEL_6_6);
    await chmod(join(root, 'export'), 0o444);
    const expected = `cannot write ${join(root, 'export')} (EACCES): add the user running tributary to group gpio (sudo usermod -aG gpio <user>, then log in again); under systemd add SupplementaryGroups=gpio to the [Service] section of the unit`;
    if (process.getuid?.() !== 0) {
      await expect(openHeaderChip(root)).rejects.toThrow(expected);
      return;
    }
    // Root may write anything: check as the unprivileged user nobody, in a process of its own.
    await chmod(root, 0o755);
    // A directory nobody may write to, for tsx's cache.
    const scratch = await mkdtemp(join(tmpdir(), 'tributary-nobody-'));
    dirs.push(scratch);
    await chmod(scratch, 0o777);
    const script = `import { openHeaderChip } from ${JSON.stringify(new URL('./gpio-access.ts', import.meta.url).pathname)};
openHeaderChip(${JSON.stringify(root)}).then(() => console.log('opened'), (error) => console.log(error.message));`;
    const { stdout } = await execFileAsync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, HOME: scratch, TMPDIR: scratch },
    });
    expect(stdout.trim()).toBe(expected);
  });
});
