import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The agent running as its own process, as systemd would run it, so tests can signal and kill it. */
export interface AgentProcess {
  readonly child: ChildProcess;
  /** Everything it wrote to standard output (results from a console sink). */
  stdout(): string;
  /** Its log lines (JSON, one per line). */
  logs(): Record<string, unknown>[];
  /** Resolves with the first log line whose msg matches. */
  waitForLog(msg: RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or the signal) once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `tributary run` on a config file, from the TypeScript sources, in one process (no tsx wrapper process).
 * `wrapper`: a command that runs it, e.g. `['setpriv', '--reuid=nobody', …]` to run it as another user.
 */
export function startAgentProcess(configFile: string, dataDir: string, env: NodeJS.ProcessEnv = {}, wrapper: readonly string[] = []): AgentProcess {
  const command = [...wrapper, process.execPath, '--import', 'tsx', 'agent/cli.ts', 'run', '--config', configFile, '--data-dir', dataDir];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { msg: RegExp; resolve: (line: Record<string, unknown>) => void }[] = [];
  const parsedLogs: Record<string, unknown>[] = [];
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    let newline: number;
    while ((newline = stderr.indexOf('\n')) >= 0) {
      const line = stderr.slice(0, newline);
      stderr = stderr.slice(newline + 1);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { msg: line };
      }
      parsedLogs.push(parsed);
      for (const waiter of [...waiters]) {
        if (waiter.msg.test(String(parsed.msg))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(parsed);
        }
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  // A test that fails midway must not leave an agent running.
  process.once('exit', () => child.kill('SIGKILL'));
  return {
    child,
    exited,
    stdout: () => stdout,
    logs: () => parsedLogs,
    waitForLog(msg, timeoutMs = 20_000) {
      const seen = parsedLogs.find((line) => msg.test(String(line.msg)));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no log line matching ${msg} within ${timeoutMs} ms; logs:\n${parsedLogs.map((l) => JSON.stringify(l)).join('\n')}`)),
          timeoutMs,
        );
        waiters.push({ msg, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      });
    },
  };
}
