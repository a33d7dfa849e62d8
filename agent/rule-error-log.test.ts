import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { ManualClock } from '../test/helpers/manual-clock.js';
import { RuleErrorLog } from './rule-error-log.js';

function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

describe('rule error log', async () => {
  it("logs a rule's first errors at once, then at most once a minute with how many came since", async () => {
    const clock = new ManualClock();
    const { log, lines } = recordingLogger();
    const errors = new RuleErrorLog(log, clock.now, 60_000);
    errors.check([{ rule: 'ratio', errors: 0 }]);
    expect(lines).toEqual([]);
    errors.check([{ rule: 'ratio', errors: 3 }]);
    expect(lines.map(({ rule, errors_since_last, total, msg }) => ({ rule, errors_since_last, total, msg }))).toEqual([
      { rule: 'ratio', errors_since_last: 3, total: 3, msg: 'rule ratio: 3 reading(s) it could not compute and dropped (an expression or derive formula gave NaN or infinity)' },
    ]);
    await clock.advance(30_000);
    errors.check([{ rule: 'ratio', errors: 40 }]);
    expect(lines).toHaveLength(1);
    await clock.advance(30_000);
    errors.check([{ rule: 'ratio', errors: 41 }]);
    expect(lines.at(-1)).toMatchObject({ rule: 'ratio', errors_since_last: 38, total: 41 });
  });

  it('starts counting again for a rule a reload compiled afresh', async () => {
    const clock = new ManualClock();
    const { log, lines } = recordingLogger();
    const errors = new RuleErrorLog(log, clock.now, 60_000);
    errors.check([{ rule: 'ratio', errors: 50 }]);
    await clock.advance(60_000);
    errors.check([{ rule: 'ratio', errors: 2 }]);
    expect(lines.at(-1)).toMatchObject({ rule: 'ratio', errors_since_last: 2, total: 2 });
  });
});
