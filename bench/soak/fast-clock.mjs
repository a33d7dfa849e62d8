// Loaded into the agent's process by the soak benchmark (`node --expose-gc --import bench/soak/fast-clock.mjs
// dist/agent/cli.js run …`), before any of the agent's code:
//
// - A faster clock. The rules close windows when the agent's wall clock, less the allowed lateness, passes their
//   end, so readings stamped with a compressed time are only on time if the agent's clock runs as fast. From
//   SOAK_CLOCK_ORIGIN (ms since the epoch, shared with the publisher) `Date.now()`, `new Date()`,
//   `performance.now()` and `process.hrtime()` run SOAK_CLOCK_SPEED times faster; wall and monotonic clock keep
//   their distance, so the agent sees no step of the clock. Timers (`setTimeout`, the tick, retries) keep real time.
// - A memory probe. On SIGUSR2 it collects garbage (`--expose-gc`) and writes one JSON line of
//   process.memoryUsage() to the file descriptor SOAK_PROBE_FD: the heap that is really retained, which the heap
//   figures of /metrics (taken between collections) only show with the garbage on top. If the file named by
//   SOAK_SNAPSHOT_REQUEST exists, it holds a path: a heap snapshot is written there and the request deleted.
import { existsSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';

const origin = Number(process.env.SOAK_CLOCK_ORIGIN);
const speed = Number(process.env.SOAK_CLOCK_SPEED ?? 1);
if (!Number.isFinite(origin) || !(speed > 0)) throw new Error('fast-clock: set SOAK_CLOCK_ORIGIN (ms) and SOAK_CLOCK_SPEED');

const RealDate = Date;
const realPerformanceNow = performance.now.bind(performance);
const realHrtimeMs = () => Number(process.hrtime.bigint() / 1_000n) / 1_000;
const hrtimeMinusPerformance = realHrtimeMs() - realPerformanceNow();
const wallMinusPerformance = RealDate.now() - realPerformanceNow();

/**
 * Real monotonic ms, the same for every read within one synchronous run of code. The agent reads its wall and its
 * monotonic clock one after the other to notice steps; a pause between the two reads (a busy machine) would be
 * multiplied by the speed and look like a step of the clock. Read off one real reading, the two always agree.
 */
let frozen;
const realMonotonicMs = () => {
  if (frozen === undefined) {
    frozen = realPerformanceNow();
    queueMicrotask(() => (frozen = undefined));
  }
  return frozen;
};
const fastNow = () => Math.floor(origin + (realMonotonicMs() + wallMinusPerformance - origin) * speed);

class FastDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(fastNow());
    else super(...args);
  }

  static now() {
    return fastNow();
  }
}
globalThis.Date = FastDate;
performance.now = () => realMonotonicMs() * speed;
// The monotonic clock the agent compares the wall clock with (agent/clock/monotonic-clock.ts).
const fastHrtimeBigint = () => BigInt(Math.round((realMonotonicMs() + hrtimeMinusPerformance) * speed * 1e6));
const fastHrtime = (previous) => {
  const ns = fastHrtimeBigint() - (previous === undefined ? 0n : BigInt(previous[0]) * 1_000_000_000n + BigInt(previous[1]));
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
};
fastHrtime.bigint = fastHrtimeBigint;
process.hrtime = fastHrtime;

const probeFd = process.env.SOAK_PROBE_FD === undefined ? undefined : Number(process.env.SOAK_PROBE_FD);
const snapshotRequest = process.env.SOAK_SNAPSHOT_REQUEST;
if (probeFd !== undefined) {
  process.on('SIGUSR2', () => {
    const started = realPerformanceNow();
    globalThis.gc?.();
    const gcMs = realPerformanceNow() - started;
    const memory = process.memoryUsage();
    let snapshot;
    if (snapshotRequest !== undefined && existsSync(snapshotRequest)) {
      snapshot = writeHeapSnapshot(readFileSync(snapshotRequest, 'utf8').trim());
      rmSync(snapshotRequest, { force: true });
    }
    writeSync(probeFd, `${JSON.stringify({ ...memory, gc_ms: Number(gcMs.toFixed(1)), forced: globalThis.gc !== undefined, snapshot })}\n`);
  });
}
