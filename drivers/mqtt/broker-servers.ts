import type { IClientOptions } from 'mqtt';

type Servers = NonNullable<IClientOptions['servers']>;
type Protocol = NonNullable<Servers[number]['protocol']>;

const DEFAULT_PORTS: Record<string, number> = { mqtt: 1883, tcp: 1883, mqtts: 8883, ws: 80, wss: 443 };

/**
 * mqtt.js's `servers` for several broker URLs: it dials the next one of the list on every reconnect, round and round.
 * Undefined for a single URL, which mqtt.js takes as it is. Only host, port and protocol differ between the
 * servers: mqtt.js keeps the first URL's path (for ws:// and wss://) for all of them.
 */
export function brokerServers(urls: readonly string[]): Servers | undefined {
  if (urls.length < 2) return undefined;
  return urls.map((url) => {
    const parsed = new URL(url);
    const protocol = parsed.protocol.replace(':', '');
    return { host: parsed.hostname, port: Number(parsed.port || DEFAULT_PORTS[protocol]), protocol: protocol as Protocol };
  });
}
