/** Where the health server listens unless the config says otherwise: loopback, as it has no authentication. */
export const DEFAULT_LISTEN = '127.0.0.1:9108';

/** A `host:port` from the config, split; an IPv6 host loses its brackets (`[::1]:9108` → `::1`, 9108). */
export function parseListenAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(colon + 1)) };
}

/** The base URL to reach a server listening on `address`; a wildcard host is reached through loopback. */
export function urlOfListenAddress(address: string): string {
  const { host, port } = parseListenAddress(address);
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
