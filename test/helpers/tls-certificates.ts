import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files made by `makeTlsCertificates`, all in the directory given to it. */
export interface TlsCertificates {
  /** The test CA that signed the server and client certificates. */
  readonly caFile: string;
  /** Server certificate for 127.0.0.1 and localhost (subjectAltName), and its key. */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** Client certificate (CN `tributary-test-client`), and its key. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** A second, unrelated CA: trusting only this one must fail verification of the server. */
  readonly otherCaFile: string;
  /** Key of the unrelated CA: with `otherCaFile`, a client certificate the broker's CA did not sign. */
  readonly otherCaKeyFile: string;
}

/**
 * Makes a small PKI with the `openssl` command line into `dir`: a CA, a server certificate for 127.0.0.1 with a
 * subjectAltName (what TLS clients check, not the CN), a client certificate, and an unrelated CA. EC P-256 keys,
 * because they are made in milliseconds where RSA keys take a noticeable share of a test's time.
 */
export async function makeTlsCertificates(dir: string): Promise<TlsCertificates> {
  const file = (name: string) => path.join(dir, name);
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const caExtensions = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];

  const selfSignedCa = (name: string, subject: string) =>
    openssl(['req', '-x509', ...newKey, '-keyout', file(`${name}.key`), '-out', file(`${name}.pem`), '-days', '2', '-subj', subject, ...caExtensions]);
  await Promise.all([selfSignedCa('ca', '/CN=Tributary test CA'), selfSignedCa('other-ca', '/CN=Unrelated test CA')]);

  const signed = async (name: string, subject: string, extensions: string) => {
    await openssl(['req', '-new', ...newKey, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject]);
    await writeFile(file(`${name}.ext`), extensions, 'utf8');
    await openssl([
      'x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
      '-out', file(`${name}.pem`), '-days', '2', '-extfile', file(`${name}.ext`),
    ]);
  };
  // One after the other: both write the CA's serial file.
  await signed('server', '/CN=127.0.0.1', 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await signed('client', '/CN=tributary-test-client', 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');

  return {
    caFile: file('ca.pem'),
    serverCertFile: file('server.pem'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.pem'),
    clientKeyFile: file('client.key'),
    otherCaFile: file('other-ca.pem'),
    otherCaKeyFile: file('other-ca.key'),
  };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed (is the openssl command installed?): ${stderr || (error as Error).message}`, { cause: error });
  }
}

/** Writes a mosquitto password file with `mosquitto_passwd -b` (package mosquitto), one user per entry. */
export async function makeMosquittoPasswordFile(file: string, users: Readonly<Record<string, string>>): Promise<string> {
  let first = true;
  for (const [user, password] of Object.entries(users)) {
    try {
      await run('mosquitto_passwd', [...(first ? ['-c'] : []), '-b', file, user, password]);
    } catch (error) {
      throw new Error(`mosquitto_passwd failed (package mosquitto): ${(error as { stderr?: string }).stderr ?? (error as Error).message}`, { cause: error });
    }
    first = false;
  }
  return file;
}
