import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '..');

/** Data flows one way (STYLE.md): rules/ is the pure engine, drivers/ adapters that may use its types, agent/ wires both. */
const FORBIDDEN: Readonly<Record<string, readonly string[]>> = {
  rules: ['agent', 'drivers'],
  drivers: ['agent'],
};

/** The code a layer ships; its tests may borrow fixtures from elsewhere (a seeded random from the simulator). */
function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(REPO, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|mts|js|mjs)$/.test(file) && !/\.test\.ts$/.test(file) && !file.split(path.sep).includes('node_modules'))
    .map((file) => path.join(folder, file));
}

/** Every module a file names: static imports and re-exports, `import('…')` and `import type`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) found.push(match[1]!);
  return found;
}

/** The top-level folder a relative specifier leads to, or undefined for a package. */
function layerOf(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return path.normalize(path.join(path.dirname(file), specifier)).split(path.sep)[0];
}

function violations(layer: string): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(layer)) {
    for (const specifier of specifiers(readFileSync(path.join(REPO, file), 'utf8'))) {
      const target = layerOf(file, specifier);
      if (target !== undefined && FORBIDDEN[layer]!.includes(target)) out.push(`${file} imports ${specifier}`);
    }
  }
  return out;
}

describe('the layers', () => {
  it('rules/ imports nothing from agent/ or drivers/: the engine is pure and runs alone in replays and tests', () => {
    expect(violations('rules')).toEqual([]);
  });

  it('drivers/ imports nothing from agent/: a driver sees only its DriverContext', () => {
    expect(violations('drivers')).toEqual([]);
  });

  it('notices an import across the layers (the check itself works)', () => {
    expect(specifiers("import { x } from '../../agent/config/load-config.js';\nexport * from './y.js';\nawait import('../agent/z.js');")).toEqual([
      '../../agent/config/load-config.js',
      './y.js',
      '../agent/z.js',
    ]);
    expect(layerOf('rules/anomaly/threshold.ts', '../../agent/config/load-config.js')).toBe('agent');
    expect(layerOf('drivers/mqtt/mqtt-sink.ts', '../../rules/reading.js')).toBe('rules');
    expect(layerOf('rules/reading.ts', 'zod')).toBeUndefined();
  });
});
