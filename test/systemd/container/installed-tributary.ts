import { REPO } from '../../helpers/run-cli.js';
import { bootSystemdContainer, waitUntil, type SystemdContainer } from '../../helpers/systemd-container.js';

/** Where the checkout is bound (read-only) inside the container; install.sh copies the program from there. */
export const CHECKOUT = '/mnt/tributary';
export const CONFIG = '/etc/tributary/tributary.yaml';
/** How long the first boot may take: it builds the Debian rootfs when this machine has none cached. */
export const BOOT_TIMEOUT_MS = 6 * 60_000;

/**
 * A config that runs anywhere: simulated readings summarised every second, printed (the console sink shows what
 * was committed and forwarded) and sent to the broker in the container. `sync: always`: a container has no NTP, and
 * results would otherwise wait for a clock synchronisation that never comes.
 */
export function agentConfig(extraRules = ''): string {
  return `agent: { log_level: info }
time: { sync: always }
sources:
  sim: { driver: simulator, interval: 100ms, sensors: [{ name: room/temperature, base: 20 }] }
rules:
  mean_1s: { from: sim, select: room/*, window: { type: tumbling, size: 1s }, aggregates: [count, mean] }
${extraRules}sinks:
  console: { driver: console, format: json }
  broker: { driver: mqtt, url: mqtt://127.0.0.1:1883, topic: "tributary/{rule}/{sensor}", qos: 1 }
`;
}

/**
 * Boots a container with the checkout bound in and runs systemd/install.sh in it for real (as root on a live
 * system: useradd, groupadd, chown, systemctl enable), leaving the service stopped with `agentConfig()` installed.
 */
export async function bootWithTributaryInstalled(name: string): Promise<{ container: SystemdContainer; installOutput: string }> {
  const container = await bootSystemdContainer({ name, npm: true, bindReadOnly: [{ host: REPO, container: CHECKOUT }], bootTimeoutMs: 60_000 });
  try {
    const { stdout } = await container.exec(['sh', `${CHECKOUT}/systemd/install.sh`, '--no-start'], { timeoutMs: 180_000 });
    await writeConfig(container, agentConfig());
    return { container, installOutput: stdout };
  } catch (error) {
    await container.stop();
    throw error;
  }
}

/** Replaces the service's config, keeping the owner and mode install.sh gave it (root:tributary 0640). */
export async function writeConfig(container: SystemdContainer, text: string): Promise<void> {
  await container.writeFile(CONFIG, text, 0o640);
  await container.exec(['chown', 'root:tributary', CONFIG]);
}

/** The service's log lines (JSON from standard error), with journald's priority for each. */
export interface AgentLogLine {
  readonly pid: number;
  readonly priority: number;
  readonly line: Record<string, unknown>;
}

/** What the agent wrote into the journal: its JSON log lines and the results the console sink printed. */
export async function agentJournal(container: SystemdContainer): Promise<{ logs: AgentLogLine[]; results: AgentLogLine[]; systemd: string[] }> {
  const entries = await container.journal('tributary');
  const logs: AgentLogLine[] = [];
  const results: AgentLogLine[] = [];
  const systemd: string[] = [];
  for (const entry of entries) {
    const message = entry.MESSAGE ?? '';
    if (entry.SYSLOG_IDENTIFIER !== 'tributary') {
      systemd.push(message);
      continue;
    }
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(message) as Record<string, unknown>;
    } catch {
      continue;
    }
    const parsed = { pid: Number(entry._PID), priority: Number(entry.PRIORITY), line };
    // Log lines carry pino's numeric level; results printed by the console sink carry a rule.
    if (typeof line.level === 'number') logs.push(parsed);
    else if (typeof line.rule === 'string') results.push(parsed);
  }
  return { logs, results, systemd };
}

/** Starts the service and waits until systemd reports it active; when it does not start, says why (the journal). */
export async function startService(container: SystemdContainer): Promise<void> {
  const started = await container.exec(['systemctl', 'start', 'tributary'], { timeoutMs: 150_000, check: false });
  if (started.code === 0) return;
  const journal = await container.exec(['journalctl', '-u', 'tributary', '-n', '40', '-o', 'cat', '--no-pager'], { check: false });
  throw new Error(`systemctl start tributary failed (${started.code}): ${started.stderr.trim()}\njournal:\n${journal.stdout}`);
}

/** Resolves with the journal once a log line with a matching msg is in it. */
export async function waitForLog(container: SystemdContainer, msg: RegExp, timeoutMs: number, pid?: number): Promise<AgentLogLine> {
  return waitUntil(
    async () => (await agentJournal(container)).logs.find((log) => msg.test(String(log.line.msg)) && (pid === undefined || log.pid === pid)),
    timeoutMs,
    `a log line ${msg}`,
  );
}

