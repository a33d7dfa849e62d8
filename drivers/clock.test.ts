import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** Runs `body` in a fresh Node process with `systemClock` imported; resolves with its output and how long it lived. */
async function withSystemClock(body: string): Promise<{ stdout: string; ms: number }> {
  const script = `import { systemClock } from './drivers/clock.ts';\n${body}`;
  const started = Date.now();
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000 });
  return { stdout, ms: Date.now() - started };
}

describe('systemClock', () => {
  it("lets the process exit while only an unref'd timer waits, and fires a timer that is not", async () => {
    const unrefd = await withSystemClock("systemClock.unref(systemClock.setTimeout(() => console.log('fired'), 30_000));");
    expect(unrefd.stdout).toBe('');
    expect(unrefd.ms).toBeLessThan(15_000);
    const plain = await withSystemClock("systemClock.setTimeout(() => console.log('fired'), 200);");
    expect(plain.stdout).toBe('fired\n');
  });

  it('reads monotonic time as process.hrtime does, since boot, to the microsecond', async () => {
    const { systemClock } = await import('./clock.js');
    const hrtimeMs = () => Number(process.hrtime.bigint() / 1_000n) / 1_000;
    for (let i = 0; i < 5; i++) {
      const before = hrtimeMs();
      const monotonic = systemClock.monotonic();
      const after = hrtimeMs();
      expect(monotonic).toBeGreaterThanOrEqual(before - 0.001);
      expect(monotonic).toBeLessThanOrEqual(after + 0.001);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});
