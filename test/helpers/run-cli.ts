import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root, where the CLI runs from. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

const run = promisify(execFile);

/** Runs `tributary <args>` from the TypeScript sources and returns its exit code and output; never throws. */
export async function tributary(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return tributaryWith({}, ...args);
}

/** As `tributary`, with `env` added to this process's environment (e.g. TRIBUTARY_FLEET_USERNAME). */
export async function tributaryWith(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'agent/cli.ts', ...args], { cwd: REPO, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
