/**
 * Requests to the agent that served this page. When the agent asks for a token (it listens beyond loopback), the
 * token comes from the address (`#token=…`, never sent to the server in the URL) or is asked for once, and is kept
 * for this tab only.
 */
const TOKEN_KEY = 'tributary-token';

export class Unauthorised extends Error {}

export function token(): string | undefined {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, '', location.pathname);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

export function rememberToken(value: string): void {
  sessionStorage.setItem(TOKEN_KEY, value);
}

function headers(): Record<string, string> {
  const value = token();
  return value ? { authorization: `Bearer ${value}` } : {};
}

export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: headers(), cache: 'no-store' });
  if (response.status === 401) throw new Unauthorised('the agent asks for a token');
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<{ ok: boolean; body: T }> {
  const response = await fetch(path, { method: 'POST', headers: { ...headers(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status === 401) throw new Unauthorised('the agent asks for a token');
  return { ok: response.ok, body: (await response.json()) as T };
}

/** The live stream; EventSource cannot send headers, so the token goes in the query (the server accepts it there). */
export function streamUrl(glob: string): string {
  const value = token();
  const query = new URLSearchParams({ sensor: glob });
  if (value) query.set('access_token', value);
  return `/tail?${query}`;
}
