import pino from 'pino';
import { journalDestination, stderrIsJournal } from './journal-stream.js';

export type Logger = pino.Logger;
export type LogFormat = 'auto' | 'pretty' | 'json';

/**
 * Logs go to standard error, so standard output stays free for results (`tributary run | jq`). On a terminal they
 * are readable lines; under systemd or in a pipe, JSON lines the journal and log shippers can parse. Into the
 * journal each line carries its syslog priority, so journald keeps the level.
 */
export async function createLogger(level: string, format: LogFormat): Promise<Logger> {
  const pretty = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  if (!pretty) return pino({ level, base: undefined }, stderrIsJournal() ? journalDestination() : pino.destination({ fd: 2, sync: true }));
  const { default: prettyStream } = await import('pino-pretty');
  return pino(
    { level, base: undefined },
    prettyStream({ destination: 2, sync: true, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }),
  );
}
