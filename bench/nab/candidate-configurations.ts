import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { checkLifecycleSpec, NO_DELAYS, type LifecycleSpec } from '../../rules/anomaly/alert-lifecycle.js';
import { createDetector, type DetectorSpec } from '../../rules/anomaly/detector-spec.js';

/** One configuration the cross-validation may choose: a detector spec and its alert lifecycle (durations in ms). */
export interface Candidate {
  readonly name: string;
  readonly detector: DetectorSpec;
  readonly lifecycle: LifecycleSpec;
}

/** The candidate that stands for today's default, so its scores can be reported beside the chosen ones. */
export const DEFAULT_CANDIDATE = 'default';

const ms = () => z.number().nonnegative();
const candidatesSchema = z
  .array(
    z.strictObject({
      name: z.string().min(1),
      // The detector's own constructor checks its options (below); here only that a kind is named.
      detector: z.looseObject({ kind: z.string() }),
      lifecycle: z
        .strictObject({
          for: ms(),
          keep_firing_for: ms(),
          cooldown: ms(),
          flap: z.strictObject({ window: ms(), max_firings: z.number().int() }).optional(),
        })
        .optional(),
    }),
  )
  .min(1);

/** Reads and checks a candidates file: a JSON list of `{ name, detector, lifecycle? }` (no lifecycle: no delays). */
export function loadCandidates(file: string): Candidate[] {
  const parsed = candidatesSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: at ${issue.path.join('.') || 'the top'}: ${issue.message}`);
  }
  const names = new Set<string>();
  return parsed.data.map((entry, index) => {
    if (names.has(entry.name)) throw new Error(`${file}: candidate ${index} repeats the name "${entry.name}"`);
    names.add(entry.name);
    const detector = entry.detector as DetectorSpec;
    const lifecycle = entry.lifecycle ?? NO_DELAYS;
    try {
      // createDetector names an unknown kind and checks the options.
      createDetector(detector);
      checkLifecycleSpec(lifecycle);
    } catch (error) {
      throw new Error(`${file}: candidate "${entry.name}": ${(error as Error).message}`, { cause: error });
    }
    return { name: entry.name, detector, lifecycle };
  });
}
