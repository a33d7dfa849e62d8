import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_LISTEN, urlOfListenAddress } from './listen-address.js';

/** Where the running agent's health server is, or why it cannot be reached. */
export type AgentUrl = { readonly ok: true; readonly url: string; readonly note?: string } | { readonly ok: false; readonly message: string };

/**
 * Finds the health server of the agent that runs on `configFile`: `agent.http` of that file, read without
 * checking the rest (under systemd its secrets are in an environment file this shell does not have).
 */
export function agentUrl(explicitUrl: string | undefined, configFile: string): AgentUrl {
  if (explicitUrl !== undefined) return { ok: true, url: explicitUrl.replace(/\/+$/, '') };
  let http: { enabled?: unknown; listen?: unknown } | undefined;
  try {
    const document = parse(readFileSync(configFile, 'utf8')) as { agent?: { http?: typeof http } } | null;
    http = document?.agent?.http;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message.split('\n')[0];
    return { ok: true, url: urlOfListenAddress(DEFAULT_LISTEN), note: `${configFile}: ${reason}; trying the default address` };
  }
  if (http?.enabled === false) {
    return { ok: false, message: `the health server is off in ${configFile} (agent.http.enabled: false); turn it on and restart the agent` };
  }
  const listen = typeof http?.listen === 'string' ? http.listen : DEFAULT_LISTEN;
  return { ok: true, url: urlOfListenAddress(listen) };
}

/** A sentence for a request that found no agent. */
export function notRunningMessage(url: string, error: unknown): string {
  const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
  const code = cause?.code ?? (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') {
    return `the agent is not running: nothing answers at ${url} (systemctl status tributary; journalctl -u tributary)`;
  }
  if ((error as Error).name === 'TimeoutError') return `the agent at ${url} did not answer within 5 s`;
  return `cannot reach the agent at ${url}: ${cause?.message ?? (error as Error).message}`;
}
