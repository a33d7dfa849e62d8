import { describe, expect, it } from 'vitest';
import { formatProblem } from './config-problem.js';
import { checkConfigText } from './load-config.js';

/** A config with one rule whose window is `window` (YAML flow mapping), on line 3. */
const configWith = (window: string) => `rules:\n  r:\n    window: ${window}\nsources:\n  sim: { driver: simulator }\nsinks:\n  out: { driver: console }\n`;

/** Problems of a config with one rule whose window is `window`, as `validate` prints them. */
function problemsOf(window: string): string[] {
  const checked = checkConfigText(configWith(window), 'test.yaml', {});
  return checked.ok ? [] : checked.problems.map(formatProblem);
}

function windowOf(window: string): unknown {
  const checked = checkConfigText(configWith(window), 'test.yaml', {});
  if (!checked.ok) throw new Error(checked.problems.map(formatProblem).join('\n'));
  return checked.config.rules.find((rule) => rule.name === 'r')!.window;
}

describe('window max_duration and max_delay', () => {
  it('reads both into the window spec, in milliseconds, and leaves them out when not given', () => {
    expect(windowOf('{ type: session, gap: 2m, max_duration: 1h, max_delay: 30s }')).toMatchObject({ gapMs: 120_000, maxDurationMs: 3_600_000, maxDelayMs: 30_000 });
    expect(windowOf('{ size: 1d, max_delay: 1m }')).toMatchObject({ sizeMs: 86_400_000, maxDelayMs: 60_000 });
    const plain = windowOf('{ type: session, gap: 2m }') as object;
    expect(plain).not.toHaveProperty('maxDurationMs');
    expect(plain).not.toHaveProperty('maxDelayMs');
  });

  it('allows max_duration on session windows only, and longer than the gap', () => {
    expect(problemsOf('{ size: 10s, max_duration: 1h }')).toEqual([
      'test.yaml:3:40: rules.r.window.max_duration: only session windows have a max_duration; a time window lasts its size',
    ]);
    expect(problemsOf('{ type: session, gap: 2m, max_duration: 2m }')).toEqual([
      'test.yaml:3:53: rules.r.window.max_duration: must be longer than gap: a session already ends after gap without readings',
    ]);
  });

  it('refuses max_delay on count windows and below allowed_lateness', () => {
    expect(problemsOf('{ type: count, size: 10, max_delay: 1m }')).toEqual([
      'test.yaml:3:49: rules.r.window.max_delay: count windows go by arrival, not time: no reading is late',
    ]);
    expect(problemsOf('{ size: 1m, allowed_lateness: 10s, max_delay: 5s }')).toEqual([
      'test.yaml:3:59: rules.r.window.max_delay: must be at least allowed_lateness, or readings are dropped while their window still waits for them',
    ]);
  });
});
