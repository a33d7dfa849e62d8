import type { Reading } from '../../rules/reading.js';
import type { RuleResult } from '../../rules/rule-result.js';
import type { RuleSpec } from '../../rules/rule-spec.js';
import { flushTime } from '../replay/replay.js';
import { type EngineOptions, RuleEngine } from '../../rules/rule-engine.js';
import type { ExpectedResult, RuleTest } from './rule-test-file.js';

/** What differs between the results a test expects and those the rules produced. */
export interface RuleTestOutcome {
  readonly name: string;
  readonly passed: boolean;
  /** One line per difference, ready to print. */
  readonly differences: string[];
}

/** Feeds a test's input series through the rules and compares the results with its expectations. */
export async function runRuleTest(
  test: RuleTest,
  rules: readonly RuleSpec[],
  defaultSource: string,
  engineOptions: EngineOptions = {},
): Promise<RuleTestOutcome> {
  const origin = Date.parse(test.start);
  const results = runInput(test, rules, origin, defaultSource, engineOptions);
  const tested = rules.filter((rule) => test.expect.some((expected) => expected.rule === rule.name) || !test.exact);

  const differences: string[] = [];
  const unmatched = new Set(results.map((_, index) => index));
  for (const expected of test.expect) {
    const index = results.findIndex((result, i) => unmatched.has(i) && identifies(expected, result, origin));
    if (index < 0) {
      differences.push(`missing:    ${describeExpected(expected)}`);
      continue;
    }
    unmatched.delete(index);
    differences.push(...compareValues(expected, results[index]!, origin, test.tolerance));
  }
  if (test.exact) {
    const testedNames = new Set(tested.map((rule) => rule.name));
    for (const index of unmatched) {
      const result = results[index]!;
      if (testedNames.has(result.rule)) differences.push(`unexpected: ${describeResult(result, origin)}`);
    }
  }
  return { name: test.name, passed: differences.length === 0, differences };
}

interface Arrival {
  readonly reading: Reading;
  readonly arrival: number;
}

/**
 * Runs the readings in order of arrival (their timestamp unless the test says they arrive later). The engine's clock
 * is the latest arrival so far, and moves on after every reading, so windows close as they would live.
 */
function runInput(test: RuleTest, rules: readonly RuleSpec[], origin: number, defaultSource: string, engineOptions: EngineOptions): RuleResult[] {
  const arrivals: Arrival[] = [];
  for (const series of test.input) {
    const base = { source: series.source ?? defaultSource, sensor: series.sensor, tags: series.tags };
    series.values?.forEach((value, i) => {
      if (value === null) return;
      const timestamp = origin + i * series.interval!;
      arrivals.push({ reading: { ...base, value, timestamp }, arrival: timestamp });
    });
    for (const [at, value, arrives] of series.readings ?? []) {
      const timestamp = origin + at;
      arrivals.push({ reading: { ...base, value, timestamp }, arrival: arrives === undefined ? timestamp : origin + arrives });
    }
  }
  // Stable: readings arriving at the same time keep the order in which the file lists them.
  arrivals.sort((a, b) => a.arrival - b.arrival);

  const engine = new RuleEngine(rules, engineOptions);
  const results: RuleResult[] = [];
  let now = Number.NEGATIVE_INFINITY;
  // Between readings the clock ticks as the agent's does, so what time alone brings (a missing sensor, `for:`
  // running out, a heartbeat) happens when it would live, not at the next reading.
  const tickTo = (time: number) => {
    if (Number.isFinite(now)) for (let t = now + test.tick; t < time; t += test.tick) results.push(...engine.advance(t));
  };
  for (const { reading, arrival } of arrivals) {
    if (test.until !== undefined && arrival > origin + test.until) break;
    if (arrival > now) tickTo(arrival);
    now = Math.max(now, arrival);
    engine.push(reading, now);
    results.push(...engine.advance(now));
  }
  const end = test.until === undefined ? now + flushTime(rules) : origin + test.until;
  tickTo(end);
  if (end > now || test.until !== undefined) results.push(...engine.advance(end));
  return results;
}

function identifies(expected: ExpectedResult, result: RuleResult, origin: number): boolean {
  if (expected.rule !== result.rule) return false;
  if (expected.sensor !== undefined && expected.sensor !== result.sensor) return false;
  if (expected.source !== undefined && expected.source !== result.source) return false;
  if (expected.state !== undefined && (result.kind !== 'alert' || result.state !== expected.state)) return false;
  if (expected.revision !== undefined && expected.revision !== (result.kind === 'window' ? (result.revision ?? 0) : 0)) return false;
  if (expected.tags !== undefined && JSON.stringify(sorted(expected.tags)) !== JSON.stringify(sorted(result.tags))) return false;
  const time = result.kind === 'window' ? result.start : result.timestamp;
  if (expected.start !== undefined && origin + expected.start !== time) return false;
  if (expected.end !== undefined && result.kind === 'window' && origin + expected.end !== result.end) return false;
  return true;
}

function compareValues(expected: ExpectedResult, result: RuleResult, origin: number, tolerance: number): string[] {
  const differences: string[] = [];
  const where = describeResult(result, origin);
  const close = (a: number, b: number) => a === b || Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
  if (expected.value !== undefined) {
    const actual = result.kind === 'reading' ? result.value : undefined;
    if (actual === undefined || !close(expected.value, actual)) differences.push(`differs:    ${where}: value expected ${expected.value}, got ${actual}`);
  }
  if (expected.message !== undefined) {
    const actual = result.kind === 'alert' ? result.message : undefined;
    if (actual !== expected.message) differences.push(`differs:    ${where}: message expected "${expected.message}", got "${actual}"`);
  }
  for (const [name, value] of Object.entries(expected.values ?? {})) {
    const actual = result.kind === 'window' ? result.values[name] : undefined;
    if (value === null ? actual !== undefined : actual === undefined || !close(value, actual)) {
      differences.push(`differs:    ${where}: ${name} expected ${value === null ? 'absent' : value}, got ${actual ?? 'absent'}`);
    }
  }
  return differences;
}

function describeExpected(expected: ExpectedResult): string {
  const parts = [expected.rule, expected.source, expected.sensor, expected.start === undefined ? undefined : `@${expected.start}ms`];
  const values = expected.state
    ? ` alert ${expected.state}${expected.message === undefined ? '' : `: ${expected.message}`}`
    : expected.values
      ? ` ${JSON.stringify(expected.values)}`
      : expected.value === undefined
        ? ''
        : ` value=${expected.value}`;
  return `${parts.filter((part) => part !== undefined).join(' ')}${values}`;
}

function describeResult(result: RuleResult, origin: number): string {
  if (result.kind === 'reading') return `${result.rule} ${result.source} ${result.sensor} @${result.timestamp - origin}ms value=${result.value}`;
  if (result.kind === 'alert') return `${result.rule} ${result.source} ${result.sensor} @${result.timestamp - origin}ms alert ${result.state}: ${result.message}`;
  if (result.kind === 'event') return `${result.rule} ${result.source} ${result.sensor} @${result.timestamp - origin}ms event ${result.event}`;
  const revision = result.revision ? ` revision ${result.revision}` : '';
  return `${result.rule} ${result.source} ${result.sensor} @${result.start - origin}ms${revision} ${JSON.stringify(result.values)}`;
}

function sorted(tags: Record<string, string>): [string, string][] {
  return Object.entries(tags).sort(([a], [b]) => a.localeCompare(b));
}
