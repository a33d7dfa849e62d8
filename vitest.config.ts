import { defineConfig } from 'vitest/config';

/** Tests that boot a real systemd in a container (test/systemd/container/): slow, root only, one at a time. */
const CONTAINER_TESTS = 'test/systemd/container/**/*.test.ts';

export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Tests start real brokers, databases and ptys; these take seconds, not milliseconds.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Child processes rather than threads: each test file gets its own process, so a helper's
    // process-exit cleanup (e.g. killing a leftover mosquitto) runs per file.
    pool: 'forks',
    // Two files at a time (vitest's default on 2 cores is one): most of the suite waits on brokers, processes and
    // outages rather than computing, so the slow files (60 s outages, npm install) overlap. run-all.sh runs the
    // container tests with --no-file-parallelism, one at a time.
    maxWorkers: 2,
    setupFiles: ['test/setup/fast-check-seed.ts'],
    // Two projects, so test/run-all.sh runs the container tests after the rest (`--project main`, then
    // `--project container`), while `npx vitest run <file>` still finds any test file.
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['{agent,drivers,rules,config,systemd,bench,test}/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**', CONTAINER_TESTS],
        },
      },
      {
        extends: true,
        test: {
          name: 'container',
          include: [CONTAINER_TESTS],
          // One container at a time: each boots systemd and some load the machine on purpose.
          fileParallelism: false,
        },
      },
    ],
  },
});
