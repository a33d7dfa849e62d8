/** Starting the benchmark's helper scripts as processes of their own, and knowing when they are ready. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Every child started here and not yet gone: killed if the benchmark fails halfway, so none is left running. */
export const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
}

export interface Script {
  child: ChildProcess;
  /** Resolves on the line `ready` on its stdout. */
  ready: Promise<void>;
  /** Its last stdout line, parsed, once it exits with 0. */
  result: Promise<Record<string, unknown>>;
}

/**
 * Runs a script of bench/pipeline in its own process: TypeScript through tsx, `.mjs` with plain Node; `nodeFlags`
 * before the script (the agent's, to measure something as the agent runs it).
 */
export function script(name: string, args: readonly (string | number)[], options: { stdin?: boolean; nodeFlags?: readonly string[] } = {}): Script {
  const loader = name.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = track(
    spawn(process.execPath, [...(options.nodeFlags ?? []), ...loader, path.join(REPO, 'bench/pipeline', name), ...args.map(String)], {
      cwd: REPO,
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'inherit'],
    }),
  );
  let out = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (/^ready$/m.test(out)) markReady();
  });
  const result = new Promise<Record<string, unknown>>((resolve, reject) =>
    child.on('exit', (code) => {
      const lines = out.trim().split('\n');
      if (code !== 0) reject(new Error(`${name} exited with ${code}: ${out}`));
      else resolve(JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>);
    }),
  );
  // A script that dies before `ready` must not leave its caller waiting for it.
  void result.catch(() => {});
  return { child, ready: Promise.race([ready, result.then(() => {})]), result };
}

/** Waits until `pattern` appears in what the child writes to `stream`, or fails after `timeoutMs`. */
export function waitForOutput(child: ChildProcess, stream: 'stdout' | 'stderr', patterns: readonly RegExp[], timeoutMs: number, what: string): Promise<void> {
  let log = '';
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs} ms: ${log.slice(-2_000)}`)), timeoutMs);
    child[stream]!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (patterns.every((pattern) => pattern.test(log))) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${log.slice(-2_000)}`));
    });
  });
}
