import { safeText } from '../../drivers/safe-text.js';

/** One thing wrong with a config file, pinned to where the user can fix it. */
export interface ConfigProblem {
  readonly file: string;
  /** 1-based line and column of the offending key or value. */
  readonly line: number;
  readonly column: number;
  /** Dotted key path, e.g. `rules.greenhouse.window.size`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
}

/**
 * `file:line:column: path: message`, the shape editors and terminals turn into a link. Keys and values quoted from
 * the file are escaped: a config can hold an ESC sequence or, if it is a binary file, NULs.
 */
export function formatProblem(problem: ConfigProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  return safeText(problem.path ? `${where}: ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`);
}

/** Thrown when a config cannot be used; carries every problem found, not just the first. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`invalid config:\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'ConfigError';
  }
}
