/**
 * Turns what mqtt.js and Node's TLS layer report into a sentence that says what to change. The original message
 * stays in brackets, so it can still be searched for.
 */
export function describeConnectionProblem(error: Error & { code?: string | number; reason?: unknown }): string {
  // OpenSSL's messages carry its source file and line; Node puts the readable part in `reason`.
  const original = typeof error.reason === 'string' && error.code !== undefined ? error.reason : error.message.trim();
  const code = error.code;
  // CONNACK return codes of MQTT 3.1.1 (4, 5) and reason codes of MQTT 5 (134, 135).
  if (code === 4 || code === 134 || code === 5 || code === 135) {
    return `the broker refused the login (${original}); check username and password (and whether the broker allows this client id)`;
  }
  if (typeof code !== 'string') return original;
  if (UNTRUSTED_CERTIFICATE.has(code)) {
    return `the broker's TLS certificate is not signed by a trusted CA (${original}); set tls.ca to the CA certificate that signed it`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `the broker's TLS certificate is not valid now (${original}); renew it, or check this device's clock`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `the broker's TLS certificate is for another host name (${original}); connect by a name or address the certificate lists`;
  }
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' || code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE') {
    return `the broker requires a client certificate (${original}); set tls.cert and tls.key`;
  }
  if (code.startsWith('ERR_SSL_TLSV1_ALERT_') || code === 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE') {
    return `the broker did not accept this client's TLS certificate (${original}); it must be signed by a CA the broker trusts`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return `TLS handshake failed (${original}); the port does not speak TLS: use mqtt:// for it, or the broker's TLS port (usually 8883)`;
  }
  return original;
}

const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);
