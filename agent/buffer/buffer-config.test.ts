import { describe, expect, it } from 'vitest';
import { completeConfig } from '../../test/helpers/complete-config.js';
import { checkConfigText } from '../config/load-config.js';

function check(yaml: string) {
  return checkConfigText(completeConfig(yaml), 'buffer.yaml', {});
}

describe('buffer and forwarding settings', () => {
  it('reads max_bytes as a number of bytes or with a unit', () => {
    const sizes = { '1024': 1024, '256MB': 256_000_000, '1.5GB': 1_500_000_000, '512MiB': 512 * 1024 ** 2, '64 KiB': 65_536 };
    for (const [written, bytes] of Object.entries(sizes)) {
      const checked = check(`buffer:\n  max_bytes: ${/^\d+$/.test(written) ? written : `"${written}"`}\n`);
      expect(checked.ok && checked.config.buffer.max_bytes, written).toBe(bytes);
    }
  });

  it('rejects a size it cannot read, at its line and column, saying what it expects', () => {
    const checked = check('buffer:\n  max_bytes: 12 parsecs\n');
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.problems[0]).toMatchObject({ path: 'buffer.max_bytes', line: 2, column: 14 });
    expect(checked.problems[0]!.message).toMatch(/expected a size such as 256MB/);
  });

  it('reads backfill_after as a duration', () => {
    const checked = check('forwarding:\n  backfill_after: 2m\n');
    expect(checked.ok && checked.config.forwarding.backfill_after).toBe(120_000);
  });
});
