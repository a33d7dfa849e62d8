/**
 * Pure parsers for the two files the kernel's w1_therm driver offers per temperature sensor. Each returns the
 * temperature in °C or the kind of rejection with a sentence, so the source can count each kind apart.
 */

/** Why a reading was not used; each is a `badInput` kind of its own. */
export type W1Rejection =
  | 'onewire-crc' // the kernel's CRC check failed: a bad contact, a long cable, a missing pull-up
  | 'onewire-power-on' // exactly 85 °C: the sensor's reset value, read before a conversion finished
  | 'onewire-no-value' // -127 °C, an empty file or no t= field: the sensor did not answer
  | 'onewire-parse'; // anything else that is not a plausible temperature

export type W1Outcome =
  | { readonly ok: true; readonly celsius: number }
  | { readonly ok: false; readonly kind: W1Rejection; readonly problem: string };

/** Family codes of the temperature sensors w1_therm drives: DS18S20 (10), DS1822 (22), DS18B20 (28), DS1825 (3b). */
export const TEMPERATURE_FAMILIES: ReadonlySet<string> = new Set(['10', '22', '28', '3b']);

const POWER_ON_MILLIDEGREES = 85_000;
const NO_VALUE_MILLIDEGREES = -127_000;
/** The widest range of the family (-55 … +125 °C), with a margin; anything outside is garbage. */
const MIN_MILLIDEGREES = -60_000;
const MAX_MILLIDEGREES = 130_000;

const INTEGER = /^[+-]?\d+$/;
const CRC_LINE = /crc=[0-9a-f]{2} (YES|NO)\s*$/i;
const T_FIELD = /t=(\S*)\s*$/;

/**
 * `w1_slave`, two lines of the scratchpad bytes:
 * `72 01 4b 46 7f ff 0e 10 57 : crc=57 YES` and `72 01 4b 46 7f ff 0e 10 57 t=23125`.
 */
export function parseW1Slave(content: string, allow85: boolean): W1Outcome {
  if (content.trim() === '') return reject('onewire-no-value', 'w1_slave is empty: the sensor did not answer');
  const [first = '', second = ''] = content.split('\n');
  const crc = CRC_LINE.exec(first);
  if (crc === null) return reject('onewire-parse', `w1_slave has no crc=.. YES/NO on its first line: "${first}"`);
  if (crc[1]!.toUpperCase() === 'NO') return reject('onewire-crc', `CRC check failed: "${first.trim()}"`);
  const t = T_FIELD.exec(second);
  if (t === null) return reject('onewire-no-value', `w1_slave has no t= on its second line: "${second}"`);
  return checkMillidegrees(t[1]!, allow85);
}

/** `temperature` (kernels 5.10 and later): millidegrees alone, e.g. `23125`; the kernel has checked the CRC. */
export function parseTemperatureFile(content: string, allow85: boolean): W1Outcome {
  const text = content.trim();
  if (text === '') return reject('onewire-no-value', 'temperature is empty: the sensor did not answer');
  return checkMillidegrees(text, allow85);
}

function checkMillidegrees(text: string, allow85: boolean): W1Outcome {
  if (!INTEGER.test(text)) return reject('onewire-parse', `temperature is not a whole number of millidegrees: "${text}"`);
  const millidegrees = Number(text);
  if (millidegrees === NO_VALUE_MILLIDEGREES) {
    return reject('onewire-no-value', 'reads -127 °C: the sensor did not answer (disconnected, or no pull-up)');
  }
  if (millidegrees === POWER_ON_MILLIDEGREES && !allow85) {
    return reject('onewire-power-on', 'reads exactly 85 °C, the power-on value: the conversion did not complete');
  }
  if (millidegrees < MIN_MILLIDEGREES || millidegrees > MAX_MILLIDEGREES) {
    return reject('onewire-parse', `${millidegrees / 1000} °C is outside what the sensor can measure`);
  }
  return { ok: true, celsius: millidegrees / 1000 };
}

function reject(kind: W1Rejection, problem: string): W1Outcome {
  return { ok: false, kind, problem };
}
