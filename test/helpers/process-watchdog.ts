import { spawn, type ChildProcess } from 'node:child_process';

/**
 * vitest ends its workers with a signal, and then 'exit' handlers never run. The watchdog is a `sh` reading the pids
 * of a test's servers from a pipe that only this process holds open; when this process dies for any reason the read
 * hits EOF, and the watchdog kills the servers still running and removes their temp dir.
 */
export class ProcessWatchdog {
  private readonly child: ChildProcess | undefined;

  constructor(dir: string) {
    const script = [
      'pids=" "',
      'while read -r line; do case $line in +*) pids="$pids${line#+} ";; -*) pids=$(echo "$pids" | sed "s/ ${line#-} / /");; esac; done',
      'for pid in $pids; do kill -KILL "$pid" 2>/dev/null; done',
      // A node still writing its store would leave files behind a removal that ran before it was gone.
      'for pid in $pids; do while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; done',
      'rm -rf -- "$1"',
    ].join('\n');
    try {
      this.child = spawn('sh', ['-c', script, 'process-watchdog', dir], { stdio: ['pipe', 'ignore', 'ignore'] });
      this.child.on('error', () => undefined);
      this.child.stdin?.on('error', () => undefined);
      this.child.unref();
      (this.child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    } catch {
      this.child = undefined;
    }
  }

  watch(pid: number): void {
    this.child?.stdin?.write(`+${pid}\n`);
  }

  /** The pid has exited, so a reused pid is safe. */
  forget(pid: number): void {
    this.child?.stdin?.write(`-${pid}\n`);
  }

  /** Ends the watchdog without letting it act. */
  dispose(): void {
    this.child?.kill('SIGKILL');
  }
}
