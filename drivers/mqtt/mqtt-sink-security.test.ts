import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgentProcess } from '../../test/helpers/agent-process.js';
import { startMosquitto, type MosquittoBroker, type MosquittoOptions } from '../../test/helpers/mosquitto.js';
import { eventually, recordMqtt } from '../../test/helpers/mqtt-recorder.js';
import { recordingContext } from '../../test/helpers/recording-context.js';
import { makeTempDir } from '../../test/helpers/temp-dir.js';
import { makeMosquittoPasswordFile, makeTlsCertificates, type TlsCertificates } from '../../test/helpers/tls-certificates.js';
import type { SinkBatch } from '../driver.js';
import { mqttSinkOptions, mqttSourceOptions } from './mqtt-options.js';
import { createMqttSink } from './mqtt-sink.js';
import { createMqttSource } from './mqtt-source.js';
import type { Reading } from '../../rules/reading.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const BATCH: SinkBatch = [
  {
    seq: 1,
    result: { kind: 'window', rule: 'r10s', source: 'sim', sensor: 'greenhouse/temperature', tags: {}, start: T0, end: T0 + 10_000, values: { mean: 21.5 } },
  },
];

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await makeTempDir('mqtt-security');
  cleanups.push(() => dir.remove());
  return dir.path;
}

async function broker(options: MosquittoOptions): Promise<MosquittoBroker> {
  const started = await startMosquitto(options);
  cleanups.push(() => started.dispose());
  return started;
}

async function certificates(): Promise<TlsCertificates> {
  return makeTlsCertificates(await tempDir());
}

async function startSink(url: string, extra: Record<string, unknown>) {
  const options = mqttSinkOptions.parse({ driver: 'mqtt', url, reconnect_period: '100ms', ...extra });
  const recording = recordingContext('upstream', () => T0);
  const sink = createMqttSink(options, recording.context);
  cleanups.push(() => sink.stop());
  await sink.start();
  return { sink, ...recording };
}

/** Keeps offering the batch, as the forwarder does, until a send succeeds; returns the errors seen before. */
async function sendUntilAccepted(sink: { send(batch: SinkBatch): Promise<void> }, timeoutMs = 15_000): Promise<string[]> {
  const errors: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await sink.send(BATCH);
      return errors;
    } catch (error) {
      errors.push((error as Error).message);
      if (Date.now() > deadline) throw new Error(`no send succeeded within ${timeoutMs} ms; errors: ${errors.slice(-3).join(' | ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The error a send fails with once the sink has tried (and failed) to connect at least once. */
async function sendErrorAfterAttempt(s: Awaited<ReturnType<typeof startSink>>): Promise<string> {
  await eventually(() => s.logs.some((entry) => entry.level === 'warn' && entry.message.includes('unreachable')), 10_000, 'a failed attempt');
  const error = await s.sink.send(BATCH).then(
    () => undefined,
    (rejection: Error) => rejection.message,
  );
  expect(error, 'send must reject, so the batch stays in the buffer').toBeDefined();
  return error!;
}

describe('MQTT sink with a password file', () => {
  async function passwordBroker() {
    const passwordFile = await makeMosquittoPasswordFile(path.join(await tempDir(), 'passwd'), { pi: 'right-secret', reader: 'reader-secret' });
    return broker({ passwordFile });
  }

  it('rejects send() with a sentence about the credentials when the password is wrong, so the batch stays buffered', async () => {
    const b = await passwordBroker();
    const s = await startSink(b.url, { username: 'pi', password: 'wrong' });

    const error = await sendErrorAfterAttempt(s);
    // Mosquitto answers a wrong password with "Not authorized" (MQTT 3.1.1 return code 5).
    expect(error).toBe(
      `not connected to ${b.url}: the broker refused the login (Connection refused: Not authorized); ` +
        'check username and password (and whether the broker allows this client id)',
    );
    expect(s.isConnected()).toBe(false);
  });

  it('delivers with the right password', async () => {
    const b = await passwordBroker();
    const subscriber = await recordMqtt(b.url.replace('mqtt://', 'mqtt://reader:reader-secret@'), 'tributary/#');
    cleanups.push(() => subscriber.close());
    const s = await startSink(b.url, { username: 'pi', password: 'right-secret' });

    await sendUntilAccepted(s.sink);
    await subscriber.waitFor((messages) => messages.length === 1, 10_000, 'the result');
    expect(subscriber.messages[0]).toMatchObject({ topic: 'tributary/r10s/greenhouse/temperature', payload: { mean: 21.5, seq: 1 } });
  });
});

describe('the agent with an MQTT sink whose password the broker refuses', () => {
  it('keeps the results buffered, logs why, and delivers all of them once the broker accepts the account', async () => {
    const dir = await tempDir();
    const passwordFile = await makeMosquittoPasswordFile(path.join(dir, 'passwd'), { reader: 'reader-secret' });
    const b = await broker({ passwordFile });
    const recorder = await recordMqtt(b.url.replace('mqtt://', 'mqtt://reader:reader-secret@'), 'tributary/#', 'auth-recorder');
    cleanups.push(() => recorder.close());
    const config = path.join(dir, 'tributary.yaml');
    await writeFile(
      config,
      `
agent: { log_format: json, tick: 20ms }
sources:
  sim:
    driver: simulator
    interval: 20ms
    sensors:
      - { name: a, base: 10, noise: 1 }
rules:
  # Windows of 500 ms: the broker has refused the login long before the first result wants to go out.
  fast:
    window: { size: 500ms, allowed_lateness: 0s }
sinks:
  upstream:
    driver: mqtt
    url: ${b.url}
    username: pi
    password: right-secret
    reconnect_period: 100ms
buffer: { commit_interval: 20ms }
forwarding: { retry_initial: 50ms, retry_max: 200ms }
`,
    );
    const agent = startAgentProcess(config, path.join(dir, 'data'));
    cleanups.push(async () => {
      agent.child.kill('SIGKILL');
      await agent.exited;
    });

    const failed = await agent.waitForLog(/sending failed/);
    expect(String(failed['error'])).toContain('the broker refused the login (Connection refused: Not authorized); check username and password');
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // more results pile up in the buffer
    expect(recorder.messages).toEqual([]);

    await makeMosquittoPasswordFile(path.join(dir, 'passwd'), { reader: 'reader-secret', pi: 'right-secret' });
    await b.restart();
    // The first result made while the broker refused the agent (seq 1) arrives, and those after it.
    await recorder.waitFor((messages) => messages.some((message) => message.payload['seq'] === 1), 20_000, 'the first buffered result');
    const seqs = new Set(recorder.messages.map((message) => Number(message.payload['seq'])));
    const highest = Math.max(...seqs);
    expect(highest).toBeGreaterThan(2);
    for (let seq = 1; seq <= highest; seq++) expect(seqs.has(seq), `seq ${seq}`).toBe(true);
  });
});

describe('MQTT sink over TLS', () => {
  it('verifies the broker against tls.ca and delivers', async () => {
    const certs = await certificates();
    const b = await broker({ tls: { caFile: certs.caFile, certFile: certs.serverCertFile, keyFile: certs.serverKeyFile } });
    expect(b.url).toMatch(/^mqtts:\/\//);
    const s = await startSink(b.url, { tls: { ca: certs.caFile } });

    await sendUntilAccepted(s.sink);
    expect(s.isConnected()).toBe(true);
  });

  it('refuses a broker whose certificate another CA signed, and says to set tls.ca', async () => {
    const certs = await certificates();
    const b = await broker({ tls: { caFile: certs.caFile, certFile: certs.serverCertFile, keyFile: certs.serverKeyFile } });
    const s = await startSink(b.url, { tls: { ca: certs.otherCaFile } });

    const error = await sendErrorAfterAttempt(s);
    expect(error).toMatch(new RegExp(`^not connected to ${b.url}: the broker's TLS certificate is not signed by a trusted CA \\(.+\\); set tls\\.ca`));
  });

  it('refuses the broker without tls.ca, since the test CA is not among the system CAs', async () => {
    const certs = await certificates();
    const b = await broker({ tls: { caFile: certs.caFile, certFile: certs.serverCertFile, keyFile: certs.serverKeyFile } });
    const s = await startSink(b.url, {});

    expect(await sendErrorAfterAttempt(s)).toContain('not signed by a trusted CA');
  });

  it('accepts an unverified broker only with tls.reject_unauthorized: false, and warns that it does', async () => {
    const certs = await certificates();
    const b = await broker({ tls: { caFile: certs.caFile, certFile: certs.serverCertFile, keyFile: certs.serverKeyFile } });
    const s = await startSink(b.url, { tls: { reject_unauthorized: false } });

    await sendUntilAccepted(s.sink);
    expect(s.logs.filter((entry) => entry.level === 'warn').map((entry) => entry.message)).toEqual([
      "tls.reject_unauthorized is false: the broker's certificate is not checked",
    ]);
  });

  it('connects to a listener that requires a client certificate with tls.cert and tls.key, and is refused without them or with a foreign one', async () => {
    const certs = await certificates();
    const b = await broker({
      tls: { caFile: certs.caFile, certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, requireCertificate: true },
    });

    const without = await startSink(b.url, { tls: { ca: certs.caFile } });
    const error = await sendErrorAfterAttempt(without);
    expect(error).toBe(`not connected to ${b.url}: the broker requires a client certificate (tlsv13 alert certificate required); set tls.cert and tls.key`);
    expect(without.isConnected()).toBe(false);
    await without.sink.stop();

    const foreign = await startSink(b.url, { tls: { ca: certs.caFile, cert: certs.otherCaFile, key: certs.otherCaKeyFile } });
    expect(await sendErrorAfterAttempt(foreign)).toBe(
      `not connected to ${b.url}: the broker did not accept this client's TLS certificate (tlsv1 alert unknown ca); ` +
        'it must be signed by a CA the broker trusts',
    );
    await foreign.sink.stop();

    const withCertificate = await startSink(b.url, { tls: { ca: certs.caFile, cert: certs.clientCertFile, key: certs.clientKeyFile } });
    await sendUntilAccepted(withCertificate.sink);
  });

  it('fails at start with the option and the path when a TLS file cannot be read', async () => {
    const options = mqttSinkOptions.parse({ driver: 'mqtt', url: 'mqtts://127.0.0.1:8883', tls: { ca: '/nonexistent/ca.pem' } });
    const sink = createMqttSink(options, recordingContext('upstream', () => T0).context);
    cleanups.push(() => sink.stop());
    await expect(sink.start()).rejects.toThrow('tls.ca: cannot read /nonexistent/ca.pem: ENOENT');
  });

  it('lets the MQTT source read from a TLS listener with a password, through the same connection options', async () => {
    const dir = await tempDir();
    const certs = await makeTlsCertificates(dir);
    const passwordFile = await makeMosquittoPasswordFile(path.join(dir, 'passwd'), { pi: 'right-secret' });
    const b = await broker({ tls: { caFile: certs.caFile, certFile: certs.serverCertFile, keyFile: certs.serverKeyFile }, passwordFile });
    const connection = { url: b.url, username: 'pi', password: 'right-secret', tls: { ca: certs.caFile }, reconnect_period: '100ms' };

    const readings: Reading[] = [];
    const sourceRecording = recordingContext('tls_in', () => T0);
    const source = createMqttSource(mqttSourceOptions.parse({ driver: 'mqtt', topics: 'tributary/#', ...connection }), sourceRecording.context);
    cleanups.push(() => source.stop());
    await source.start((reading) => readings.push(reading));
    await eventually(() => sourceRecording.isConnected() === true, 10_000, 'the source connected');

    const s = await startSink(b.url, connection);
    // The source may subscribe a moment after it connects; keep publishing until a reading arrives.
    const deadline = Date.now() + 10_000;
    const mean = () => readings.find((reading) => reading.sensor.endsWith('/mean'));
    while (mean() === undefined && Date.now() < deadline) {
      await sendUntilAccepted(s.sink);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(mean()).toMatchObject({ sensor: 'tributary/r10s/greenhouse/temperature/mean', value: 21.5 });
  });
});
