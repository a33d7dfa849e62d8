import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { brokerServers } from '../../drivers/mqtt/broker-servers.js';
import type { MqttTlsOptions } from '../../drivers/mqtt/mqtt-options.js';
import { tlsClientOptions } from '../../drivers/mqtt/mqtt-tls.js';

/** How to reach the fleet's broker(s). */
export interface FleetBroker {
  readonly brokers: readonly string[];
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** As the MQTT sink's `tls`: its PEM files are read here, when connecting. */
  readonly tls?: MqttTlsOptions | undefined;
  /** MQTT keepalive in ms (whole seconds on the wire); mqtt.js's 60 s when left out. */
  readonly keepalive?: number | undefined;
}

/**
 * An MQTT client for the fleet. With several brokers, mqtt.js tries the next one on each reconnect. `extra` adds
 * a Last Will, a client id … The client reconnects on its own; errors are events, not exceptions. Throws only when
 * a TLS file cannot be read (`tls.ca: cannot read …`).
 */
export function connectFleet(broker: FleetBroker, extra: IClientOptions = {}): MqttClient {
  const tls = tlsClientOptions(broker.tls);
  const servers = brokerServers(broker.brokers);
  const client = mqtt.connect(broker.brokers[0]!, {
    ...tls,
    ...(servers ? { servers } : {}),
    ...(broker.username === undefined ? {} : { username: broker.username }),
    ...(broker.password === undefined ? {} : { password: broker.password }),
    reconnectPeriod: 1_000,
    connectTimeout: 10_000,
    reconnectOnConnackError: true,
    writeCache: false,
    // The broker sends the Last Will 1.5 keepalives after the last packet of a client gone silent.
    ...(broker.keepalive === undefined ? {} : { keepalive: Math.ceil(broker.keepalive / 1000) }),
    ...extra,
  });
  // mqtt.js keeps the TLS server name of the first broker it dialled; each must be checked against its own.
  if (servers !== undefined) client.on('reconnect', () => delete client.options.servername);
  return client;
}
