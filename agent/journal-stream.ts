import { fstatSync } from 'node:fs';
import pino from 'pino';

/** syslog priority of each pino level: debug 7, info 6, warning 4, err 3, crit 2. */
const PRIORITY: Readonly<Record<number, number>> = { 10: 7, 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 };

/**
 * Whether standard error is connected to the systemd journal: systemd sets JOURNAL_STREAM to its device and inode,
 * and the match makes sure it is still that stream (not a pipe a child was given with the variable inherited).
 */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  const [dev, ino] = (env.JOURNAL_STREAM ?? '').split(':');
  if (!dev || !ino) return false;
  try {
    const stats = fstatSync(2, { bigint: true });
    return String(stats.dev) === dev && String(stats.ino) === ino;
  } catch {
    return false;
  }
}

/**
 * JSON log lines on standard error, each led by `<N>`, its syslog priority: journald takes that as the entry's
 * priority (SyslogLevelPrefix=, on by default) and strips it, so `journalctl -p warning -u tributary` works.
 */
export function journalDestination(): pino.DestinationStream {
  const stderr = pino.destination({ fd: 2, sync: true });
  return {
    write(line: string) {
      const level = Number(/^\{"level":(\d+)/.exec(line)?.[1]);
      stderr.write(`<${PRIORITY[level] ?? 6}>${line}`);
    },
  };
}
