import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent } from '../agent.js';
import { checkConfigFile } from '../config/load-config.js';
import { formatProblem } from '../config/config-problem.js';
import type { TributaryConfig } from '../config/load-config.js';
import type { FleetMember } from '../fleet/fleet-member.js';
import { systemClock } from '../../drivers/clock.js';
import { safeText } from '../../drivers/safe-text.js';
import { Operations, statusLine } from '../health/operations.js';
import { SystemdNotifier } from '../health/systemd-notifier.js';
import { LivePageFeed } from '../live-page/live-page-feed.js';
import { createLogger } from '../logger.js';
import { ConfigWatcher } from '../reload/config-watcher.js';
import { DEFAULT_CONFIG_FILE } from './default-config-file.js';
import { packageFile } from './package-file.js';

export const RUN_HELP = `Usage: tributary run [--config FILE] [--data-dir DIR]

Runs the agent: reads the sources, applies the rules, keeps every result in the
SQLite buffer and forwards it to the sinks. Stops cleanly on SIGTERM or SIGINT.
Reloads the rules on SIGHUP and, unless agent.watch_config is false, when the
config file changes; an invalid file is reported and the running rules stay.

Options:
  -c, --config FILE   config file (default: $TRIBUTARY_CONFIG or ${DEFAULT_CONFIG_FILE})
  -d, --data-dir DIR  directory of the buffer, overriding agent.data_dir
  -h, --help          show this help
`;

/** How long shutdown may take before the process exits anyway; systemd's default stop timeout is longer. */
const STOP_DEADLINE_MS = 5_000;

export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      'data-dir': { type: 'string', short: 'd' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const file = values.config ?? process.env.TRIBUTARY_CONFIG ?? DEFAULT_CONFIG_FILE;
  const checked = checkConfigFile(file);
  if (!checked.ok) {
    for (const problem of checked.problems) process.stderr.write(`${formatProblem(problem)}\n`);
    process.stderr.write(`${safeText(file)}: ${checked.problems.length} problem(s); the agent did not start\n`);
    return 1;
  }
  const local = checked.config;
  const log = await createLogger(local.agent.log_level, local.agent.log_format);
  // A fleet device keeps its data dir whatever a pushed config says, and runs the version pushed last (agent/fleet/).
  const dataDir = values['data-dir'] ?? (local.fleet === undefined ? undefined : local.agent.data_dir);
  // One clock for the agent, its drivers and what runs beside them: the system's, here at the process's entry.
  const clock = systemClock;
  const agentOptions = { log, clock, ...(dataDir === undefined ? {} : { dataDir }) };
  const fleetStart = local.fleet === undefined ? undefined : (await import('../fleet/fleet-startup.js')).fleetStartup({ ...local, fleet: local.fleet }, resolve(dataDir!), log);
  const config = fleetStart?.config ?? local;
  let agent = new Agent(config, agentOptions);
  let fleet: FleetMember | undefined;

  const watcher = config.agent.watch_config ? new ConfigWatcher(resolve(file), () => reload('file changed'), { log, clock }) : undefined;
  let stopping: Promise<number> | undefined;
  let operations: Operations | undefined;
  // One for the process: its messages keep their order across the in-process restarts of a fleet device.
  const notifier = new SystemdNotifier(log);
  /** A reload as systemd wants to hear of it: RELOADING=1 (with MONOTONIC_USEC, for Type=notify-reload), then READY=1. */
  const reloadTold = <T>(why: string, work: () => T): T => {
    // Before the first READY=1 (still starting) systemd is told nothing: READY=1 must mean the agent is up.
    const told = operations !== undefined;
    if (told) void notifier.reloading(clock.monotonic(), why);
    try {
      return work();
    } finally {
      if (told && operations !== undefined) void notifier.send({ READY: '1', STATUS: statusLine(operations.health.report()) });
    }
  };
  const reload = (trigger: string) => {
    if (stopping) return;
    log.info({ trigger, file }, 'reloading the config');
    reloadTold(`reloading the config (${trigger})`, () => agent.reload());
  };
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting at once');
      process.exit(130);
    }
    log.info({ signal }, 'stopping');
    watcher?.stop();
    clock.unref(
      clock.setTimeout(() => {
        log.error({ deadline_ms: STOP_DEADLINE_MS }, 'shutdown took too long; exiting');
        process.exit(1);
      }, STOP_DEADLINE_MS),
    );
    const stopFleet = fleet?.stop().catch((error: unknown) => log.warn({ error: String(error) }, 'fleet member did not stop cleanly'));
    stopping = Promise.resolve(stopFleet)
      .then(() => operations?.stop().catch((error: unknown) => log.warn({ error: String(error) }, 'health server did not stop cleanly')))
      .then(() => agent.stop())
      .then(
      () => 0,
      (error: unknown) => {
        log.error({ error: String(error) }, 'shutdown failed');
        return 1;
      },
    );
    return stopping;
  };

  process.on('unhandledRejection', (reason) => log.error({ error: String(reason) }, 'unhandled rejection (ignored)'));
  // Both before the start, so a change made while the agent starts is not missed; reloading works during start.
  // Listening replaces Node's default for SIGHUP, which is to exit.
  process.on('SIGHUP', () => reload('SIGHUP'));
  // Also before the start: a stop asked for while the agent starts (sinks already delivering, a source slow to
  // open) is carried out once the start is done, instead of Node's default of dying on the spot.
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  let starting = true;
  let stopAfterStart: string | undefined;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (starting) stopAfterStart ??= signal;
      else void stop(signal)?.then(resolveExit);
    });
  }
  watcher?.start();
  // Kept from the first reading, so the live page lists alerts that fired before its server listened.
  let pageFeed = config.agent.http.enabled ? new LivePageFeed(agent.tap, clock.now, agent.historyFile) : undefined;
  try {
    await agent.start();
  } catch (error) {
    watcher?.stop();
    log.fatal({ error: (error as Error).message }, 'agent failed to start');
    await agent.stop().catch(() => undefined);
    return 1;
  }
  if (stopAfterStart !== undefined) {
    starting = false;
    return stop(stopAfterStart);
  }
  // Health server, then READY=1 to systemd: sources, buffer and sinks are up by now.
  operations = new Operations(agent, { http: config.agent.http, selfMetricsMs: config.agent.self_metrics, log, clock, notifier, ...(pageFeed ? { pageFeed } : {}) });
  await operations.start();
  if (fleetStart !== undefined && stopAfterStart === undefined) {
    // A pushed config is applied by a reload when only its rules differ, else by restarting the agent in this process.
    const restart = async (next: TributaryConfig): Promise<{ ok: true } | { ok: false; reason: string }> => {
      log.info({ file: next.file }, 'fleet: restarting the agent on a new config');
      const stopped = operations;
      operations = undefined;
      // RELOADING=1, not STOPPING=1: the service goes on; the next Operations' start says READY=1.
      await stopped?.stop({ reloading: true }).catch((error: unknown) => log.warn({ error: String(error) }, 'health server did not stop cleanly'));
      await agent.stop();
      agent = new Agent(next, agentOptions);
      pageFeed = next.agent.http.enabled ? new LivePageFeed(agent.tap, clock.now, agent.historyFile) : undefined;
      try {
        await agent.start();
      } catch (error) {
        await agent.stop().catch(() => undefined);
        return { ok: false, reason: (error as Error).message };
      }
      operations = new Operations(agent, { http: next.agent.http, selfMetricsMs: next.agent.self_metrics, log, clock, notifier, ...(pageFeed ? { pageFeed } : {}) });
      await operations.start();
      return { ok: true };
    };
    const { FleetMember } = await import('../fleet/fleet-member.js');
    fleet = new FleetMember(fleetStart.settings, {
      versions: fleetStart.versions,
      fleetText: fleetStart.fleetText,
      agentVersion: agentVersion(),
      log,
      host: {
        health: () => operations?.health.report(),
        apply: async (next) => {
          if (next.file === agent.config.file) {
            const outcome = reloadTold('fleet: reloading the rules of a pushed config', () => agent.reload());
            if (!outcome.ok) return { ok: false, reason: outcome.problems.map(formatProblem).join('; ') };
            if (outcome.needRestart.length === 0) return { ok: true };
          }
          return restart(next);
        },
        applyLocal: async () => restart(local),
      },
    });
    fleet.start();
  }
  // Only now: a stop while the health server was still opening would have left it listening, and the process alive.
  starting = false;
  if (stopAfterStart !== undefined) return stop(stopAfterStart);
  return exited;
}

/** The version in package.json, for the fleet status. */
function agentVersion(): string {
  const file = packageFile('package.json');
  try {
    return file === undefined ? 'unknown' : String((JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}
