import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { MqttTlsOptions } from './mqtt-options.js';

/**
 * Reads the PEM files named in `tls` into the options mqtt.js hands to Node's TLS layer. A file that cannot be
 * read is a configuration error and fails the start with the option's name and path, not a handshake later.
 */
export function tlsClientOptions(tls: MqttTlsOptions | undefined): IClientOptions {
  if (tls === undefined) return {};
  return {
    ...(tls.ca === undefined ? {} : { ca: readPem('tls.ca', tls.ca) }),
    ...(tls.cert === undefined ? {} : { cert: readPem('tls.cert', tls.cert) }),
    ...(tls.key === undefined ? {} : { key: readPem('tls.key', tls.key) }),
    rejectUnauthorized: tls.reject_unauthorized,
  };
}

function readPem(option: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied; the agent\'s user must be able to read it' : (error as Error).message;
    throw new Error(`${option}: cannot read ${file}: ${reason}`, { cause: error });
  }
}
