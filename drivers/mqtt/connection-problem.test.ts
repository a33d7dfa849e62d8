import { describe, expect, it } from 'vitest';
import { describeConnectionProblem } from './connection-problem.js';

/** An error shaped as Node's TLS layer or mqtt.js makes them. */
function failure(message: string, code?: string | number, reason?: string) {
  return Object.assign(new Error(message), code === undefined ? {} : { code }, reason === undefined ? {} : { reason });
}

describe('describeConnectionProblem', () => {
  it('says what to change for refused credentials, by MQTT 3.1.1 and MQTT 5 codes', () => {
    for (const [message, code] of [['Connection refused: Bad username or password', 4], ['Connection refused: Not authorized', 135]] as const) {
      expect(describeConnectionProblem(failure(message, code))).toBe(
        `the broker refused the login (${message}); check username and password (and whether the broker allows this client id)`,
      );
    }
  });

  it('names the certificate problem and the option or check that fixes it', () => {
    expect(describeConnectionProblem(failure('certificate has expired', 'CERT_HAS_EXPIRED'))).toBe(
      "the broker's TLS certificate is not valid now (certificate has expired); renew it, or check this device's clock",
    );
    expect(describeConnectionProblem(failure("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID'))).toContain(
      'connect by a name or address the certificate lists',
    );
    expect(describeConnectionProblem(failure('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toContain('set tls.ca');
  });

  it("uses OpenSSL's readable reason instead of its message with source file and line", () => {
    const openssl = failure(
      '80:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n',
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      'tlsv13 alert certificate required',
    );
    expect(describeConnectionProblem(openssl)).toBe('the broker requires a client certificate (tlsv13 alert certificate required); set tls.cert and tls.key');
  });

  it('passes other errors through as they are', () => {
    expect(describeConnectionProblem(failure('connect ECONNREFUSED 127.0.0.1:1883', 'ECONNREFUSED'))).toBe('connect ECONNREFUSED 127.0.0.1:1883');
    expect(describeConnectionProblem(failure('Connection refused: Server unavailable', 3))).toBe('Connection refused: Server unavailable');
  });
});
