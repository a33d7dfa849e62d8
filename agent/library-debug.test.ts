import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const MODULE = require.resolve('./library-debug.cjs');

/** Loads the stand-in afresh, as the agent does at start, with DEBUG as given. */
function load(debugEnv: string | undefined) {
  delete require.cache[MODULE];
  if (debugEnv === undefined) delete process.env.DEBUG;
  else process.env.DEBUG = debugEnv;
  return require(MODULE) as ((namespace: string) => ((...args: unknown[]) => void) & { enabled: boolean; extend: (n: string) => unknown }) & {
    enable: (n: string) => void;
  };
}

describe('the debug stand-in of the bundled libraries', () => {
  const before = process.env.DEBUG;
  afterEach(() => {
    if (before === undefined) delete process.env.DEBUG;
    else process.env.DEBUG = before;
    delete require.cache[MODULE];
  });

  it('hands out one shared logger that does nothing when DEBUG is not set', () => {
    const createDebug = load(undefined);
    const parser = createDebug('mqtt-packet:parser');
    const client = createDebug('mqttjs:client');
    expect(parser).toBe(client);
    expect(parser.enabled).toBe(false);
    expect(parser.extend('more')).toBe(parser);
    expect(parser('parse: %o', { cmd: 'publish' })).toBeUndefined();
    expect(() => createDebug.enable('mqttjs*')).not.toThrow();
  });

  it('is the real debug package when DEBUG is set, so library debugging still works', () => {
    const createDebug = load('mqttjs*');
    expect(createDebug).toBe(require('debug'));
    expect(createDebug('mqttjs:client').enabled).toBe(true);
    expect(createDebug('mqtt-packet:parser').enabled).toBe(false);
  });
});

describe('the built agent', () => {
  it('gives mqtt.js and mqtt-packet the stand-in (npm run build bundles it)', () => {
    const chunks = new URL('../dist/agent/chunks/', import.meta.url);
    const bundled = readdirSync(chunks).map((name) => readFileSync(new URL(name, chunks), 'utf8')).join('\n');
    expect(bundled).toMatch(/require_library_debug\(\)\("mqtt-packet:parser"\)/);
    expect(bundled).toMatch(/require_library_debug\(\)\("mqtt-packet:writeToStream"\)/);
    // mqtt.js reaches it through its own import of `debug`, which the bundle turns into the stand-in too.
    expect(bundled).not.toMatch(/require_src\(\)\("mqtt/);
  });
});
