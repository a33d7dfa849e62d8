import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type Clock, type ClockTimer, systemClock } from '../clock.js';
import type { DriverContext } from '../driver.js';
import { brokerServers } from './broker-servers.js';
import { installPacketBufferReads } from './packet-buffer-reads.js';
import { brokerUrls, type MqttTlsOptions } from './mqtt-options.js';
import { tlsClientOptions } from './mqtt-tls.js';

interface ConnectionOptions {
  readonly url?: string | undefined;
  readonly brokers?: readonly string[] | undefined;
  readonly client_id?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly tls?: MqttTlsOptions | undefined;
  readonly clean_session: boolean;
  readonly keepalive: number;
  readonly reconnect_period: number;
  readonly connect_timeout: number;
}

/**
 * Opens an MQTT client that reconnects on its own and reports its state to the agent. Connection errors are
 * logged once per outage, not once per retry, so a missing broker does not flood the journal. With several
 * brokers, each reconnect tries the next one. Throws only when a TLS file cannot be read.
 */
export function connectMqtt(options: ConnectionOptions, context: DriverContext, extra: IClientOptions = {}): MqttClient {
  const urls = brokerUrls(options);
  const tls = tlsClientOptions(options.tls);
  if (options.tls?.reject_unauthorized === false) {
    context.log.warn({ url: urls.join(' ') }, 'tls.reject_unauthorized is false: the broker\'s certificate is not checked');
  }
  const servers = brokerServers(urls);
  installPacketBufferReads();
  const client = mqtt.connect(urls[0]!, {
    ...tls,
    ...(servers === undefined ? {} : { servers }),
    ...(options.client_id === undefined ? {} : { clientId: options.client_id }),
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    // A persistent session: the broker keeps QoS 1/2 exchanges in flight (and a source's subscriptions and the
    // messages queued for them) while the client is away, and finds them again by the client id.
    clean: options.clean_session,
    keepalive: Math.max(1, Math.round(options.keepalive / 1000)),
    reconnectPeriod: options.reconnect_period,
    connectTimeout: options.connect_timeout,
    // mqtt.js stops reconnecting for good after a refused CONNACK (bad credentials, "server unavailable"); an
    // unattended agent must keep trying, so a fixed account or a broker that recovers is picked up on its own.
    reconnectOnConnackError: true,
    // mqtt-packet otherwise pre-builds a 2-byte Buffer for each of the 65,536 packet ids on its first write: ~7 MB of
    // heap held for life, more than the rest of the agent's state; building an id's two bytes per packet costs little.
    writeCache: false,
    // MQTT.js otherwise restarts its keepalive timer (a clearTimeout, a setTimeout and a closure) on every PUBACK: a
    // thousand times a second for a sink at QoS 1 on a busy fleet. Without, it pings every keepalive whatever the
    // traffic, one small packet a minute, and a dead connection is noticed as soon as before.
    reschedulePings: false,
    ...extra,
  });
  if (servers !== undefined) {
    // mqtt.js names the TLS server (SNI, certificate check) after the first broker it dials and keeps that name;
    // each broker must be checked against its own, so forget it before every dial.
    client.on('reconnect', () => delete client.options.servername);
  }
  context.setConnected(false, 'connecting');
  let reportedDown = false;
  client.on('connect', (connack) => {
    reportedDown = false;
    context.setConnected(true);
    // With a persistent session, whether the broker still had it: false after the broker lost its state.
    const session = options.clean_session ? {} : { session_present: connack.sessionPresent };
    context.log.info({ url: currentBroker(client, urls), ...session }, 'connected to MQTT broker');
  });
  const down = (reason: string) => {
    context.setConnected(false, reason);
    if (reportedDown) return;
    reportedDown = true;
    context.log.warn({ url: currentBroker(client, urls), reason }, 'MQTT broker unreachable; retrying in the background');
  };
  client.on('error', (error) => down(error.message));
  client.on('offline', () => down('offline'));
  client.on('close', () => context.setConnected(false, 'connection closed'));
  return client;
}

/** The URL of the broker the client dialled last (with several brokers, the one it is or was connected to). */
export function currentBroker(client: MqttClient, urls: readonly string[]): string {
  if (urls.length === 1) return urls[0]!;
  const { protocol, hostname, port } = client.options;
  return `${protocol ?? 'mqtt'}://${hostname ?? ''}:${port ?? ''}`;
}

/**
 * Disconnects cleanly when the broker answers, and gives up waiting after `graceMs` (on `clock`, the driver's) so
 * shutdown stays prompt.
 */
export async function closeMqtt(client: MqttClient | undefined, clock: Clock = systemClock, graceMs = 1_000): Promise<void> {
  if (!client) return;
  let timer: ClockTimer | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = clock.setTimeout(() => resolve('timeout'), graceMs);
  });
  const outcome = await Promise.race([client.endAsync(false).then(() => 'closed' as const), timeout]);
  clock.clearTimer(timer);
  // end(false) is still waiting (for PUBACKs that will not come, or for a broker that does not answer), and mqtt.js
  // ignores any further end(), even end(true), until it is done; so close the socket here, or it and its keepalive
  // pings would outlive stop(). mqtt.js does not reconnect once end() was called.
  if (outcome === 'timeout') client.stream.destroy();
}
