import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{agent,drivers,rules,config,systemd,bench,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Tests start real brokers, databases and ptys; these take seconds, not milliseconds.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Child processes rather than threads: each test file gets its own process, so a helper's
    // process-exit cleanup (e.g. killing a leftover mosquitto) runs per file.
    pool: 'forks',
    setupFiles: ['test/setup/fast-check-seed.ts'],
  },
});
