import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
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

/**
 * The `Authorization` header for the running agent's health server, when it asks for credentials (it listens beyond
 * loopback): `$TRIBUTARY_HTTP_TOKEN`, else `agent.http.token` or `basic_auth` of the config file, with `${NAME}`
 * taken from this shell's environment. Empty when there is nothing to send.
 */
export function agentRequestHeaders(options: { readonly config?: string }): Record<string, string> {
  const fromEnv = process.env.TRIBUTARY_HTTP_TOKEN;
  if (fromEnv) return { authorization: `Bearer ${fromEnv}` };
  const http = httpSectionOf(options.config ?? process.env.TRIBUTARY_CONFIG ?? DEFAULT_CONFIG_FILE);
  const token = resolved(http?.token);
  if (token) return { authorization: `Bearer ${token}` };
  const username = resolved(http?.basic_auth?.username);
  const password = resolved(http?.basic_auth?.password);
  if (username && password) return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
  return {};
}

function httpSectionOf(file: string): { token?: unknown; basic_auth?: { username?: unknown; password?: unknown } } | undefined {
  try {
    const document = parse(readFileSync(file, 'utf8')) as { agent?: { http?: ReturnType<typeof httpSectionOf> } } | null;
    return document?.agent?.http;
  } catch {
    return undefined;
  }
}

/** A literal, or `${NAME}` / `${NAME:-default}` from this environment; undefined when it cannot be resolved here. */
function resolved(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const reference = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?\}$/.exec(value);
  if (!reference) return value.includes('${') ? undefined : value;
  return process.env[reference[1]!] ?? reference[2];
}
