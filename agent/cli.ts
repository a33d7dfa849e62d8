#!/usr/bin/env -S node --max-semi-space-size=2 --optimize-for-size
import { readFileSync } from 'node:fs';
import { safeText } from '../drivers/safe-text.js';

const HELP = `Usage: tributary <command> [options]

Tributary reads sensors, runs YAML rules on them locally, keeps every result in a
SQLite buffer and forwards it to MQTT or InfluxDB.

Commands:
  run          run the agent on a config file
  validate     check config files and point at every problem
  test-rules   run unit tests of rules (input series, expected results)
  replay       run a recording (CSV or JSON lines) through the rules, fast
  status       what the running agent is doing: sources, buffer, backlog per sink
  alerts       acknowledge a firing alert: tributary alerts ack <rule> <sensor>
  tail         print live readings and results of the running agent
  query        show recorded results or readings from the local history
  install-service  install (or upgrade, or remove) the systemd service
  fleet        manage devices over MQTT: keygen, push, rollback, status, watch
  help         show help for a command: tributary help <command>

Options:
  -h, --help     show this help
  -v, --version  print the version
`;

interface Command {
  run: (argv: string[]) => Promise<number>;
  help: string;
}

/** Each command is loaded when it is asked for: `run` starts faster and smaller without the others' libraries. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => import('./commands/run-command.js').then((m) => ({ run: m.runCommand, help: m.RUN_HELP })),
  validate: async () => import('./commands/validate-command.js').then((m) => ({ run: m.validateCommand, help: m.VALIDATE_HELP })),
  'test-rules': async () => import('./commands/test-rules-command.js').then((m) => ({ run: m.testRulesCommand, help: m.TEST_RULES_HELP })),
  replay: async () => import('./commands/replay-command.js').then((m) => ({ run: m.replayCommand, help: m.REPLAY_HELP })),
  status: async () => import('./commands/status-command.js').then((m) => ({ run: m.statusCommand, help: m.STATUS_HELP })),
  alerts: async () => import('./commands/alerts-command.js').then((m) => ({ run: m.alertsCommand, help: m.ALERTS_HELP })),
  tail: async () => import('./commands/tail-command.js').then((m) => ({ run: m.tailCommand, help: m.TAIL_HELP })),
  query: async () => import('./commands/query-command.js').then((m) => ({ run: m.queryCommand, help: m.QUERY_HELP })),
  fleet: async () => import('./commands/fleet-command.js').then((m) => ({ run: m.fleetCommand, help: m.FLEET_HELP })),
  'install-service': async () => import('./commands/install-service-command.js').then((m) => ({ run: m.installServiceCommand, help: m.INSTALL_SERVICE_HELP })),
};

/** The version in package.json, found from here both in the sources (agent/) and in the build (dist/agent/). */
function packageVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tributary' && pkg.version) return pkg.version;
    } catch {
      // not at this level; try the next
    }
  }
  return 'unknown';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    process.stdout.write(HELP);
    return name === undefined ? 1 : 0;
  }
  if (name === '-v' || name === '--version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (name === 'help') {
    const topic = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    process.stdout.write(topic ? (await topic()).help : HELP);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`tributary: unknown command "${safeText(name)}"\n\n${HELP}`);
    return 1;
  }
  try {
    return await (await load()).run(rest);
  } catch (error) {
    // Argument errors from parseArgs read well on their own.
    // Line by line: a message may quote a file's content, which must not reach the terminal as control bytes.
    const message = (error as Error).message.split('\n').map(safeText).join('\n');
    process.stderr.write(`tributary ${name}: ${message}\n`);
    return 1;
  }
}

// `tributary replay … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
