import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMosquitto } from '../../test/helpers/mosquitto.js';
import { benchSettings } from './bench-settings.js';
import { killAll } from './processes.js';

/**
 * What both pipeline benchmarks (`bench:pipeline`, `bench:peers`) set up: their own Mosquitto, a work folder, the
 * trial settings, JSON-line output, and a finish that leaves no consumer, publisher or broker running — also when
 * the run is stopped halfway (Ctrl-C, a timeout).
 */
export async function startBenchRun(name: string) {
  const broker = await startMosquitto({ extraConfig: ['max_queued_messages 0', 'max_inflight_messages 0'] });
  const work = await mkdtemp(path.join(tmpdir(), `tributary-${name}-`));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      void broker.dispose().finally(() => process.exit(130));
    });
  }
  const print = (line: object) => process.stdout.write(`${JSON.stringify({ ...line, node: process.version })}\n`);
  const finish = async () => {
    killAll();
    await broker.dispose();
    await rm(work, { recursive: true, force: true });
  };
  return { broker, work, ...benchSettings(broker.url, work), print, finish };
}
