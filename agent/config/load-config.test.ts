import { describe, expect, it } from 'vitest';
import { formatProblem } from './config-problem.js';
import { checkConfigFile, checkConfigText, loadConfigFile } from './load-config.js';

/**
 * Problems of a config text as `validate` prints them. Most texts here are fragments about one thing, so a
 * missing `sources`, `rules` or `sinks` section is left out (those are checked on their own, below).
 */
function problemsOf(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  const checked = checkConfigText(yaml, 'test.yaml', env);
  return checked.ok ? [] : checked.problems.filter((problem) => !problem.message.startsWith('missing section')).map(formatProblem);
}

/** Every problem, missing sections included. */
function allProblemsOf(yaml: string): string[] {
  const checked = checkConfigText(yaml, 'test.yaml', {});
  return checked.ok ? [] : checked.problems.map(formatProblem);
}

const VALID = `
sources:
  sim:
    driver: simulator
rules:
  avg:
    from: sim
    window: { size: 10s }
sinks:
  out:
    driver: console
`;

describe('config checking', () => {
  it('accepts a valid config and fills in every default', () => {
    const checked = checkConfigText(VALID, 'test.yaml', {});
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.config.agent).toEqual({
      data_dir: './data',
      log_level: 'info',
      log_format: 'auto',
      tick: 250,
      watch_config: true,
      http: { enabled: true, listen: '127.0.0.1:9108' },
      self_metrics: 0,
      forget_silent_sensors: 86_400_000,
    });
    expect(checked.config.buffer).toEqual({
      commit_interval: 100,
      synchronous: 'full',
      spill_after: 5_000,
      checkpoint_interval: 30_000,
      max_results: 1_000_000,
      max_bytes: 256_000_000,
      max_quarantined: 10_000,
    });
    expect(checked.config.forwarding).toEqual({ batch_size: 500, retry_initial: 1_000, retry_max: 30_000, backfill_after: 30_000 });
    expect(checked.config.history).toEqual({ readings: 0, results: 604_800_000, synchronous: 'normal', flush_interval: 60_000 });
    expect(checked.config.rules).toEqual([
      {
        name: 'avg',
        from: ['sim'],
        select: [],
        tags: {},
        transform: [],
        groupBy: { source: true, sensor: true, tags: [] },
        window: {
          type: 'tumbling',
          sizeMs: 10_000,
          slideMs: 10_000,
          offsetMs: 0,
          time: 'event',
          allowedLatenessMs: 1_000,
          late: 'drop',
          updateWithinMs: 300_000,
          empty: 'skip',
        },
        aggregates: ['count', 'mean', 'min', 'max'],
        to: ['out'],
      },
    ]);
    expect(checked.config.sources[0]).toMatchObject({ name: 'sim', driver: 'simulator', options: { interval: 1_000, seed: 42 } });
  });

  it('accepts the bundled default config', () => {
    const checked = checkConfigFile('config/tributary.yaml', {});
    expect(checked.ok ? [] : checked.problems.map(formatProblem)).toEqual([]);
  });

  it('points at an unknown key with its line and column and suggests the key that was meant', () => {
    expect(problemsOf(`agent:\n  data_dri: ./x\n`)).toEqual([
      'test.yaml:2:3: agent.data_dri: unknown key "data_dri" (did you mean "data_dir"?); allowed here: data_dir, log_level, log_format, tick, watch_config, http, self_metrics, forget_silent_sensors',
    ]);
  });

  it('names an unknown top-level section', () => {
    expect(problemsOf(`source:\n  a: { driver: simulator }\n`)).toEqual([
      'test.yaml:1:1: source: unknown key "source" (did you mean "sources"?); allowed here: agent, buffer, forwarding, history, time, sources, sinks, rules, fleet',
    ]);
  });

  it('says what type was expected and what was written', () => {
    expect(problemsOf(`sinks:\n  out:\n    driver: mqtt\n    topic: 5\n`)).toEqual([
      'test.yaml:4:12: sinks.out.topic: expected text, got the number 5',
    ]);
    expect(problemsOf(`sources: 5\n`)).toEqual([
      'test.yaml:1:10: sources: expected a mapping of names to settings, got the number 5',
    ]);
  });

  it('explains a bad duration', () => {
    expect(problemsOf(`sources:\n  s:\n    driver: simulator\n    interval: fast\n`)).toEqual([
      'test.yaml:4:15: sources.s.interval: expected a duration such as 500ms, 10s, 5m or 1h, got the text "fast"',
    ]);
  });

  it('reports a missing required field at the object that lacks it', () => {
    expect(problemsOf(`rules:\n  r:\n    window: { type: tumbling }\n`)).toEqual([
      'test.yaml:3:5: rules.r.window.size: missing required field "size"',
    ]);
    expect(problemsOf(`sinks:\n  out:\n    format: text\n`)).toEqual(['test.yaml:2:3: sinks.out.driver: missing required field "driver"']);
  });

  it('rejects a window of zero length', () => {
    expect(problemsOf(`rules:\n  r:\n    window: { size: 0s }\n`)).toEqual([
      'test.yaml:3:21: rules.r.window.size: expected a duration of at least 1ms such as 500ms, 10s, 5m or 1h, got the text "0s"',
    ]);
  });

  it('lists the allowed values of an enumeration', () => {
    expect(problemsOf(`agent:\n  log_level: verbose\n`)).toEqual([
      'test.yaml:2:14: agent.log_level: the text "verbose" is not allowed; use one of "trace", "debug", "info", "warn", "error"',
    ]);
    expect(problemsOf(`rules:\n  r:\n    window: { size: 1s }\n    aggregates: [count, avg]\n`)).toEqual([
      expect.stringMatching(/^test\.yaml:4:25: rules\.r\.aggregates\.1: unknown aggregate "avg" \(did you mean "mean"\?\); available: count, sum, mean, /),
    ]);
  });

  it('names an unknown driver and the drivers that exist', () => {
    expect(problemsOf(`sources:\n  s:\n    driver: simulatr\n`)).toEqual([
      expect.stringMatching(/^test\.yaml:3:13: sources\.s\.driver: unknown source driver "simulatr" \(did you mean "simulator"\?\); available: simulator, system, .*mqtt/),
    ]);
    expect(problemsOf(`sinks:\n  k:\n    driver: influx\n`)).toEqual([
      'test.yaml:3:13: sinks.k.driver: unknown sink driver "influx" (did you mean "influxdb"?); available: console, influxdb, mqtt',
    ]);
  });

  it('checks a driver\'s own options, with "did you mean" for its keys', () => {
    expect(problemsOf(`sources:\n  m:\n    driver: mqtt\n    topic: a/#\n`)).toEqual([
      'test.yaml:2:3: sources.m.topics: missing required field "topics"',
      expect.stringMatching(/^test\.yaml:4:5: sources\.m\.topic: unknown key "topic" \(did you mean "topics"\?\); allowed here: driver, url, /),
    ]);
    expect(problemsOf(`sources:\n  m:\n    driver: mqtt\n    topics: a/#\n    qos: 3\n`)).toEqual([
      'test.yaml:5:10: sources.m.qos: the number 3 is not allowed; use one of 0, 1, 2',
    ]);
  });

  it('reports a rule that reads from a source or sends to a sink that does not exist', () => {
    const yaml = `sources:\n  sim: { driver: simulator }\nsinks:\n  upstream: { driver: console }\nrules:\n  r:\n    from: [sim, sim2]\n    window: { size: 1s }\n    to: upstrem\n`;
    expect(problemsOf(yaml)).toEqual([
      'test.yaml:7:17: rules.r.from.1: no source or rule named "sim2" (did you mean "sim"?); defined sources and rules: sim',
      'test.yaml:9:9: rules.r.to: no sink named "upstrem" (did you mean "upstream"?); defined sinks: upstream',
    ]);
  });

  it('reports a filter expression that does not compile, with the character it failed at', () => {
    expect(problemsOf(`rules:\n  r:\n    where: value >\n    window: { size: 1s }\n`)).toEqual([
      'test.yaml:3:12: rules.r.where: invalid filter expression at character 8: Expected expression after >',
    ]);
    expect(problemsOf(`rules:\n  r:\n    where: process.exit(1)\n    window: { size: 1s }\n`)).toEqual([
      'test.yaml:3:12: rules.r.where: invalid filter expression: unknown function; available: abs, sqrt, pow, exp, log, log10, floor, ceil, round, min, max',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(problemsOf(`sources:\n  a: [1\nb: c: d\n`)[0]).toMatch(/^test\.yaml:3:1: YAML syntax: /);
    expect(problemsOf(`a: 1\na: 2\n`)).toEqual(['test.yaml:2:1: YAML syntax: Map keys must be unique']);
  });

  it('reports every problem in one run, in file order', () => {
    const yaml = `agent:\n  data_dri: x\nsources:\n  s:\n    driver: nope\nrules:\n  r:\n    window: { size: 10 }\n`;
    expect(problemsOf(yaml).map((line) => line.split(': ')[0])).toEqual(['test.yaml:2:3', 'test.yaml:5:13', 'test.yaml:8:21']);
  });

  it('rejects instance names that cannot go into a topic', () => {
    expect(problemsOf(`sinks:\n  "my sink": { driver: console }\n`)).toEqual([
      'test.yaml:2:3: sinks.my sink: invalid name "my sink": names may hold letters, digits, "_", "-" and "." and start with a letter or digit',
    ]);
  });

  it('substitutes environment variables, with fallbacks, and reports unset ones where they are used', () => {
    const yaml = `sinks:\n  up:\n    driver: mqtt\n    url: \${BROKER:-mqtt://127.0.0.1:1883}\n    password: \${SECRET}\n`;
    const withSecret = checkConfigText(`${yaml}sources:\n  sim: { driver: simulator }\nrules:\n  all: {}\n`, 'test.yaml', { SECRET: 's3cret' });
    expect(withSecret.ok && withSecret.config.sinks[0]!.options).toMatchObject({ url: 'mqtt://127.0.0.1:1883', password: 's3cret' });
    expect(problemsOf(yaml)).toEqual([
      'test.yaml:5:15: sinks.up.password: environment variable SECRET is not set (write ${SECRET:-fallback} to give a default)',
    ]);
  });

  it('says plainly when the file cannot be read, and throws a ConfigError from loadConfigFile', () => {
    const checked = checkConfigFile('/nonexistent/tributary.yaml');
    expect(checked.ok ? [] : checked.problems.map(formatProblem)).toEqual([
      '/nonexistent/tributary.yaml:1:1: cannot read config: file not found',
    ]);
    expect(() => loadConfigFile('/nonexistent/tributary.yaml')).toThrow(/cannot read config: file not found/);
  });

  it('refuses an empty file, or one of only whitespace or comments, saying it may have been cut short', () => {
    for (const text of ['', '\n  \n', '# tributary config\n\n# nothing else\n', '---\n']) {
      expect(allProblemsOf(text), JSON.stringify(text)).toEqual([expect.stringMatching(/^test\.yaml:1:1: the config file is empty .*cut short/)]);
    }
  });

  it('requires sources, rules and sinks, each pointed at and explained', () => {
    expect(allProblemsOf(`agent:\n  log_level: info\nsources:\n  sim: { driver: simulator }\n`)).toEqual([
      'test.yaml:1:1: rules: missing section "rules": nothing would reach the sinks, which receive only the results of rules; add it with at least one entry, e.g. everything: {} passes every reading on unchanged',
      'test.yaml:1:1: sinks: missing section "sinks": results would stay in the buffer and be sent nowhere; add it with at least one entry, e.g. screen: { driver: console }',
    ]);
    expect(allProblemsOf(`rules:\n  all: {}\nsinks:\n  out: { driver: console }\n`)).toEqual([
      'test.yaml:1:1: sources: missing section "sources": the agent would read nothing; add it with at least one entry, e.g. demo: { driver: simulator }',
    ]);
  });

  it('refuses a section written empty: nothing would be read, made or sent', () => {
    expect(allProblemsOf(`sources: {}\nrules: {}\nsinks: {}\n`)).toEqual([
      'test.yaml:1:10: sources: no sources: the agent would read nothing; add at least one, e.g. demo: { driver: simulator }',
      'test.yaml:2:8: rules: no rules: nothing would reach the sinks, which receive only the results of rules; add at least one, e.g. everything: {} passes every reading on unchanged',
      'test.yaml:3:8: sinks: no sinks: results would stay in the buffer and be sent nowhere; add at least one, e.g. screen: { driver: console }',
    ]);
  });

  it('accepts the smallest complete config: one source, a rule passing readings on, one sink', () => {
    const checked = checkConfigText(`sources: { sim: { driver: simulator } }\nrules: { everything: {} }\nsinks: { screen: { driver: console } }\n`, 'test.yaml', {});
    expect(checked.ok ? [] : checked.problems.map(formatProblem)).toEqual([]);
  });

  it('accepts rules alone when only rules are needed (replay, test-rules)', () => {
    const checked = checkConfigText(`rules:\n  all: {}\n`, 'test.yaml', {}, ['rules']);
    expect(checked.ok && checked.config.rules.map((rule) => rule.name)).toEqual(['all']);
    expect(checkConfigText('# empty\n', 'test.yaml', {}, ['rules']).ok).toBe(false);
  });

  it('points at an alias whose anchor is not defined', () => {
    expect(allProblemsOf(`sources:\n  sim: { driver: simulator, interval: *every }\n`)).toEqual([
      'test.yaml:2:39: undefined alias *every: no anchor &every before it; mark the value to reuse with &every above this line, or write the value here',
    ]);
    // An anchor defined after its alias is undefined where the alias stands.
    expect(allProblemsOf(`a: *x\nb: &x 1\n`)).toEqual([
      'test.yaml:1:4: undefined alias *x: no anchor &x before it; mark the value to reuse with &x above this line, or write the value here',
    ]);
  });

  it('treats a list at the top level as the wrong shape', () => {
    expect(problemsOf(`- a\n`)).toEqual(['test.yaml:1:1: expected a mapping of keys, got a list']);
  });
});
