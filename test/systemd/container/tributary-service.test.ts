import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { waitUntil, type SystemdContainer } from '../../helpers/systemd-container.js';
import { agentConfig, agentJournal, BOOT_TIMEOUT_MS, CONFIG, bootWithTributaryInstalled, startService, waitForLog, writeConfig } from './installed-tributary.js';

/** Sequence numbers are reserved 100,000 at a time (agent/buffer/outbox.ts): a restarted agent starts a new block. */
const SEQ_BLOCK = 100_000;

/**
 * systemd/tributary.service under a real systemd 252 (PID 1 in a container), installed by systemd/install.sh run
 * as root on that live system. The tests run in order on one container: install, start, reload, logs, sandbox
 * score, kill -9, stop.
 */
describe('tributary.service under systemd', () => {
  let container: SystemdContainer;
  let installOutput: string;
  beforeAll(async () => {
    ({ container, installOutput } = await bootWithTributaryInstalled('service'));
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => {
    await container?.stop();
  }, 60_000);

  const mainPid = async () => Number(await container.show('tributary', 'MainPID'));
  const isActive = async () => (await container.exec(['systemctl', 'is-active', 'tributary'], { check: false })).stdout.trim();

  it('install.sh on a live system creates the user and groups, gives config and buffer their owners and enables the unit', async () => {
    expect(installOutput).toMatch(/install\.sh: done\n$/);
    expect(installOutput).not.toContain('skipped (not the live system)');
    const user = (await container.exec(['getent', 'passwd', 'tributary'])).stdout.trim().split(':');
    expect(Number(user[2])).toBeLessThan(1000); // a system user
    expect(user[5]).toBe('/var/lib/tributary');
    expect(user[6]).toBe('/usr/sbin/nologin');
    for (const group of ['tributary', 'dialout', 'gpio']) await container.exec(['getent', 'group', group]);
    const owners = await container.exec(['stat', '-c', '%n %U:%G %a', '/etc/tributary', CONFIG, '/etc/tributary/environment', '/var/lib/tributary']);
    expect(owners.stdout).toBe(
      ['/etc/tributary root:tributary 750', `${CONFIG} root:tributary 640`, '/etc/tributary/environment root:root 600', '/var/lib/tributary tributary:tributary 750', ''].join('\n'),
    );
    expect((await container.exec(['systemctl', 'is-enabled', 'tributary'], { check: false })).stdout.trim()).toBe('enabled');
    // The command install.sh put on the PATH runs the installed copy with the node it found.
    expect((await container.exec(['tributary', 'validate'])).stdout).toMatch(/tributary\.yaml: valid — 1 source/);
  });

  it('systemctl start returns once the agent has said READY=1, with its status line', { timeout: 180_000 }, async () => {
    await startService(container);
    expect(await isActive()).toBe('active');
    // STATUS= comes in the same message as READY=1: an active unit with it has heard the agent's READY.
    expect(await container.show('tributary', 'StatusText')).toMatch(/^1\/1 sources up, \d\/2 sinks reachable, backlog \d+/);
    // Active only after the agent was running (Type=notify): systemd's "Started" follows the agent's own line.
    const entries = await container.journal('tributary');
    const running = entries.find((entry) => /"msg":"agent running"/.test(entry.MESSAGE ?? ''));
    const started = entries.find((entry) => /^Started tributary\.service/.test(entry.MESSAGE ?? ''));
    expect(running, 'the agent logged "agent running"').toBeDefined();
    expect(started, 'systemd logged "Started"').toBeDefined();
    expect(Number(started!.__MONOTONIC_TIMESTAMP)).toBeGreaterThanOrEqual(Number(running!.__MONOTONIC_TIMESTAMP));
    expect(await container.show('tributary', 'Type')).toBe('notify');
  });

  it('systemctl reload reloads the rules in the same process: a rule added to the config runs', { timeout: 60_000 }, async () => {
    const pid = await mainPid();
    await writeConfig(container, agentConfig('  max_1s: { from: sim, select: room/*, window: { type: tumbling, size: 1s }, aggregates: [max] }\n'));
    await container.exec(['systemctl', 'reload', 'tributary']);
    const reloaded = await waitForLog(container, /^rules reloaded$/, 20_000, pid);
    expect(reloaded.line.file).toBe(CONFIG);
    // Evidence the new rule runs: the console sink prints its results, from the same process.
    const result = await waitUntil(async () => (await agentJournal(container)).results.find((r) => r.line.rule === 'max_1s'), 20_000, 'a result of the new rule');
    expect(result.pid).toBe(pid);
    expect(result.line.values).toEqual({ max: expect.any(Number) });
    expect(await mainPid()).toBe(pid);
    expect(await isActive()).toBe('active');
  });

  it('puts the agent\'s JSON log lines in the journal with their level as the priority', async () => {
    const { logs } = await agentJournal(container);
    expect(logs.length).toBeGreaterThan(3);
    // pino level -> syslog priority: info 6, warn 4 (the broker is not running yet, so the MQTT sink warns).
    const byLevel = (level: number) => logs.filter((log) => log.line.level === level);
    expect(byLevel(30).length).toBeGreaterThan(0);
    expect(byLevel(40).length).toBeGreaterThan(0);
    for (const log of byLevel(30)) expect(log.priority).toBe(6);
    for (const log of byLevel(40)) expect(log.priority).toBe(4);
    for (const log of logs) expect(log.line).toEqual(expect.objectContaining({ msg: expect.any(String), time: expect.any(Number) }));
    // journalctl -p warning filters on those priorities.
    const warnings = await container.exec(['journalctl', '-u', 'tributary', '-p', 'warning', '-o', 'cat', '--no-pager']);
    expect(warnings.stdout).toMatch(/"level":40/);
    expect(warnings.stdout).not.toMatch(/"level":30/);
  });

  it('scores 1.5 or lower in systemd-analyze security on the live unit', async () => {
    const { stdout } = await container.exec(['systemd-analyze', 'security', '--no-pager', 'tributary.service']);
    const exposure = Number(/Overall exposure level for tributary\.service: ([\d.]+)/.exec(stdout)?.[1]);
    process.stderr.write(`systemd-analyze security on the live unit: ${exposure}\n`);
    expect(exposure, stdout.split('\n').filter((line) => line.startsWith('✗')).join('\n')).toBeLessThanOrEqual(1.5);
  });

  it('after kill -9 systemd restarts the agent, and every result committed before the kill is forwarded, in order, without a gap', { timeout: 180_000 }, async () => {
    // A broker in the container (the unit's network is the container's loopback) and a subscriber with a
    // persistent session, so it misses nothing while the broker is down; restarted by systemd if it gives up.
    // The session, with its subscription, exists before the broker the agent uses starts: the agent reconnects every
    // second and sends its backlog at once, so a recorder subscribing after it never got the results committed before
    // the broker started (the flake, about 1 run in 6: the earliest results missing). A broker on another port that
    // shares the real one's persistence (Debian's mosquitto.conf: /var/lib/mosquitto/) takes the subscription and
    // saves it as it stops; the real one starts with it and queues every result for the recorder.
    await container.writeFile('/run/recorder-session.conf', 'listener 1884 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location /var/lib/mosquitto/\n');
    await container.exec(['systemd-run', '--unit=recorder-session', '--', 'mosquitto', '-c', '/run/recorder-session.conf']);
    await waitUntil(
      async () => {
        const subscribed = await container.exec(['mosquitto_sub', '-h', '127.0.0.1', '-p', '1884', '-c', '-i', 'recorder', '-q', '1', '-t', 'tributary/#', '-E'], { check: false });
        return subscribed.code === 0 ? true : undefined;
      },
      10_000,
      'the recorder\'s session on a broker of its own',
    );
    await container.exec(['systemctl', 'stop', 'recorder-session']);
    await container.exec(['systemctl', 'start', 'mosquitto']);
    await container.exec([
      'systemd-run', '--unit=recorder', '-p', 'Restart=always', '-p', 'RestartSec=200ms', '-p', 'StartLimitIntervalSec=0', '--',
      'sh', '-c', 'exec stdbuf -oL mosquitto_sub -h 127.0.0.1 -c -i recorder -q 1 -t "tributary/#" >> /root/received.jsonl',
    ]);
    const received = async () =>
      (await container.readFile('/root/received.jsonl').catch(() => ''))
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    await waitUntil(async () => ((await received()).length >= 3 ? true : undefined), 60_000, 'results over MQTT before the broker stops');

    // The broker goes away: results are committed to the buffer and printed by the console sink, not forwarded.
    await container.exec(['systemctl', 'stop', 'mosquitto']);
    const before = await mainPid();
    const printedSince = (await agentJournal(container)).results.length;
    await waitUntil(async () => ((await agentJournal(container)).results.length >= printedSince + 3 ? true : undefined), 20_000, 'results while the broker is down');

    await container.exec(['kill', '-9', String(before)]);
    const after = await waitUntil(
      async () => {
        const pid = await mainPid();
        return pid !== 0 && pid !== before && (await isActive()) === 'active' ? pid : undefined;
      },
      60_000,
      'the restarted agent',
    );
    expect(await container.show('tributary', 'NRestarts')).toBe('1');
    const { systemd, results } = await agentJournal(container);
    expect(systemd.join('\n')).toMatch(/Main process exited, code=killed, status=9\/KILL/);
    expect(systemd.join('\n')).toMatch(/Scheduled restart job/);
    // What the killed agent had committed: everything its console sink printed (sinks read from the buffer).
    const committed = results.filter((r) => r.pid === before).map((r) => `${String(r.line.rule)} ${String(r.line.start)}`);
    expect(committed.length).toBeGreaterThanOrEqual(printedSince + 3);
    expect(after).not.toBe(before);

    await container.exec(['systemctl', 'start', 'mosquitto']);
    const windowKey = (m: Record<string, unknown>) => `${String(m.rule)} ${String(m.start)}`;
    try {
      await checkDelivery();
    } catch (error) {
      // Should it fail again (it flaked ~2 in 12 suite runs): keep what tells which results are missing and why.
      throw await withDeliveryReport(container, error as Error, { committed, received: await received(), windowKey, killed: before, restarted: after });
    }
    await container.exec(['systemctl', 'stop', 'recorder']);

    async function checkDelivery(): Promise<void> {
      await waitUntil(
        async () => {
          const keys = new Set((await received()).map(windowKey));
          return committed.every((key) => keys.has(key)) ? true : undefined;
        },
        90_000,
        `all ${committed.length} results committed before the kill over MQTT`,
      );
      const messages = await received();
      // In order and without a gap: the buffer's sequence numbers, first arrivals only (QoS 1 may repeat one).
      const firstArrivals: number[] = [];
      const bySeq = new Map<number, Record<string, unknown>>();
      for (const message of messages) {
        const seq = Number(message.seq);
        const seen = bySeq.get(seq);
        if (seen) {
          expect(message, 'a repeated message is the same result').toEqual(seen);
          continue;
        }
        bySeq.set(seq, message);
        firstArrivals.push(seq);
      }
      expect(firstArrivals).toEqual([...firstArrivals].sort((a, b) => a - b));
      // Without a gap among the killed agent's results: its buffer spills in order, so a gap would be a committed result
      // lost. Its last results before the kill may have been printed from memory and not yet spilled (memory first:
      // at most commit_interval while the broker is down), and the restarted agent numbers from its own block.
      const blockOf = (seq: number) => Math.floor((seq - 1) / SEQ_BLOCK);
      const first = firstArrivals[0]!;
      const killedAgents = firstArrivals.filter((seq) => blockOf(seq) === blockOf(first));
      expect(killedAgents.length).toBeGreaterThanOrEqual(3);
      expect(killedAgents).toEqual(Array.from({ length: killedAgents.length }, (_, i) => first + i));
    }
  });

  it('systemctl stop completes within 5 s, with the buffer committed and closed', { timeout: 60_000 }, async () => {
    const pid = await mainPid();
    const started = Date.now();
    await container.exec(['systemctl', 'stop', 'tributary']);
    const took = Date.now() - started;
    expect(took).toBeLessThan(5_000);
    const closed = await waitForLog(container, /^agent stopped; buffer closed$/, 5_000, pid);
    expect(closed.priority).toBe(6);
    expect(await container.show('tributary', 'Result')).toBe('success');
    expect(await container.show('tributary', 'ExecMainStatus')).toBe('0');
  });
});

/**
 * Writes what a failed kill -9 delivery check needs to be understood into a file under a temp dir (kept) and to
 * standard error: the committed results missing over MQTT, every message that did arrive (seq, rule, start), the
 * buffer's cursors and rows, and the journals of the agent, the recorder and the broker with the broker's own log.
 * Returns the error to throw: the original message with the missing results and the report's path.
 */
async function withDeliveryReport(
  container: SystemdContainer,
  error: Error,
  found: { committed: string[]; received: Record<string, unknown>[]; windowKey: (m: Record<string, unknown>) => string; killed: number; restarted: number },
): Promise<Error> {
  const keys = new Set(found.received.map(found.windowKey));
  const missing = found.committed.map((key, index) => ({ key, index })).filter(({ key }) => !keys.has(key));
  const shell = async (script: string) => {
    const result = await container.sh(script, { check: false, timeoutMs: 30_000 }).catch((e: Error) => ({ stdout: '', stderr: e.message }));
    return (result.stdout + result.stderr).trimEnd();
  };
  let buffer: string;
  try {
    const db = new Database(container.hostPath('/var/lib/tributary/buffer.sqlite'), { readonly: true, fileMustExist: true });
    try {
      buffer = JSON.stringify({
        cursors: db.prepare('SELECT sink, acked_seq FROM sink_cursors').all(),
        results: db.prepare('SELECT COUNT(*) AS rows, MIN(seq) AS first, MAX(seq) AS last FROM results').get(),
        sequence: db.prepare('SELECT seq FROM sqlite_sequence').all(),
      });
    } finally {
      db.close();
    }
  } catch (e) {
    buffer = `not readable: ${(e as Error).message}`;
  }
  const report = [
    `killed agent pid ${found.killed}, restarted agent pid ${found.restarted}`,
    `committed before the kill (printed by the killed agent, in order): ${found.committed.length}`,
    `missing over MQTT: ${missing.length}`,
    ...missing.map(({ key, index }) => `  #${index} ${key}`),
    `arrived over MQTT, in order (seq rule start [backfilled]): ${found.received.length}`,
    ...found.received.map((m) => `  ${String(m.seq)} ${found.windowKey(m)}${m.backfilled ? ' backfilled' : ''}`),
    `buffer now (restarted agent): ${buffer}`,
    '--- journalctl -u tributary',
    await shell('journalctl -u tributary -o short-monotonic --no-pager'),
    '--- journalctl -u recorder -u mosquitto',
    await shell('journalctl -u recorder -u mosquitto -o short-monotonic --no-pager'),
    '--- /var/log/mosquitto/mosquitto.log',
    await shell('cat /var/log/mosquitto/mosquitto.log'),
  ].join('\n');
  const dir = await makeTempDir('kill-9-delivery');
  const file = path.join(dir.path, 'report.txt');
  await writeFile(file, `${error.message}\n${report}\n`);
  process.stderr.write(`kill -9 delivery check failed; report (also in ${file}):\n${report}\n`);
  const missingKeys = missing.map(({ key, index }) => `#${index} ${key}`).join(', ');
  return new Error(`${error.message}\nmissing: ${missingKeys || 'none'}; report: ${file}`, { cause: error });
}
