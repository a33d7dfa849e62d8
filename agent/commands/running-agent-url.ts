import { agentUrl } from '../health/agent-url.js';
import { DEFAULT_CONFIG_FILE } from './default-config-file.js';

/**
 * The health server of the running agent, for a command that talks to it (`status`, `tail`, `alerts`): from
 * `--url`, else from `agent.http` of `--config`, `$TRIBUTARY_CONFIG` or the default config. Returns undefined once
 * it has said why there is none (the command then exits 3).
 */
export function runningAgentUrl(command: string, options: { readonly url?: string; readonly config?: string }): string | undefined {
  const target = agentUrl(options.url, options.config ?? process.env.TRIBUTARY_CONFIG ?? DEFAULT_CONFIG_FILE);
  if (!target.ok) {
    process.stderr.write(`tributary ${command}: ${target.message}\n`);
    return undefined;
  }
  if (target.note) process.stderr.write(`tributary ${command}: ${target.note}\n`);
  return target.url;
}
