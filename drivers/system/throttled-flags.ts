import type { ParseOutcome } from './proc-parsers.js';

/**
 * Reads the Raspberry Pi firmware's `vcgencmd get_throttled` answer (`throttled=0x50005`). The bits that matter to a
 * person: 0 under-voltage now, 2 throttled now, 3 soft temperature limit now; 16, 18, 19 the same since boot.
 */
export function parseThrottled(output: string): ParseOutcome {
  const match = /throttled=0x([0-9a-fA-F]+)/.exec(output);
  if (!match) return { values: [], problems: [`unexpected vcgencmd output ${JSON.stringify(output.slice(0, 60))}`] };
  const flags = Number.parseInt(match[1]!, 16);
  const bit = (n: number) => ((flags >>> n) & 1) as number;
  return {
    values: [
      { sensor: 'system/throttled_flags', value: flags },
      { sensor: 'system/under_voltage', value: bit(0) },
      { sensor: 'system/throttled', value: bit(2) },
      { sensor: 'system/soft_temperature_limit', value: bit(3) },
      { sensor: 'system/under_voltage_since_boot', value: bit(16) },
      { sensor: 'system/throttled_since_boot', value: bit(18) },
    ],
    problems: [],
  };
}
