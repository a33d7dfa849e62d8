import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Credentials of the health server (`agent.http.token` or `agent.http.basic_auth`), after `${ENV}` substitution. */
export interface HttpCredentials {
  readonly token?: string | undefined;
  readonly basic_auth?: { readonly username: string; readonly password: string } | undefined;
}

/**
 * Who may read the health server's data and acknowledge alerts. Without credentials in the config (loopback only,
 * which the config check insists on) anyone who can connect; with them, a request must carry the token
 * (`Authorization: Bearer …`, or `?access_token=…` for a browser's EventSource, which cannot set headers) or the
 * user and password (`Authorization: Basic …`).
 */
export class HttpAccess {
  private readonly token: Buffer | undefined;
  private readonly basic: Buffer | undefined;

  constructor(credentials: HttpCredentials = {}) {
    this.token = credentials.token ? digest(credentials.token) : undefined;
    this.basic = credentials.basic_auth ? digest(`${credentials.basic_auth.username}:${credentials.basic_auth.password}`) : undefined;
  }

  get open(): boolean {
    return this.token === undefined && this.basic === undefined;
  }

  /** The `WWW-Authenticate` header of a 401: a browser asks for user and password only when basic auth is set. */
  get challenge(): string {
    return this.basic ? 'Basic realm="tributary", charset="UTF-8"' : 'Bearer realm="tributary"';
  }

  allows(request: IncomingMessage, url: URL): boolean {
    if (this.open) return true;
    const header = request.headers.authorization ?? '';
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (this.token) {
      const offered = scheme === 'bearer' ? value : url.searchParams.get('access_token');
      if (offered && same(this.token, offered)) return true;
    }
    if (this.basic && scheme === 'basic') {
      return same(this.basic, Buffer.from(value, 'base64').toString('utf8'));
    }
    return false;
  }
}

/** Compared as digests of equal length, in constant time, so the time taken tells nothing about the secret. */
function same(expected: Buffer, offered: string): boolean {
  return timingSafeEqual(expected, digest(offered));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Whether a listen host is reachable only from this machine: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}
