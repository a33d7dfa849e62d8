import { realpathSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { startPtyPair, type PtyPair } from '../../test/helpers/pty-pair.js';
import { hangupAwareBinding } from './hangup-aware-binding.js';

const pairs: PtyPair[] = [];
const ports: SerialPort[] = [];

afterEach(async () => {
  for (const port of ports.splice(0)) if (port.isOpen) await new Promise((resolve) => port.close(resolve));
  await Promise.all(pairs.splice(0).map((pair) => pair.dispose()));
});

async function openPort(pair: PtyPair): Promise<SerialPort> {
  const options = { path: realpathSync(pair.devicePath), baudRate: 9600, autoOpen: false, binding: hangupAwareBinding };
  const port = new SerialPort(options);
  ports.push(port);
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  return port;
}

describe('hangup-aware serial binding', () => {
  it('closes the port with a disconnect when the device hung up before the next read', async () => {
    const pair = await startPtyPair();
    pairs.push(pair);
    const port = await openPort(pair);
    const closed = new Promise<Error | null>((resolve) => port.once('close', resolve));
    // No read is pending (no 'data' listener yet), so only a read that returns 0 can tell.
    await pair.kill();
    await sleep(50);
    port.on('data', () => undefined);
    const error = await Promise.race([closed, sleep(2_000).then(() => 'no close within 2 s')]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error & { disconnected?: boolean }).disconnected).toBe(true);
  });

  it('reads data as serialport does', async () => {
    const pair = await startPtyPair();
    pairs.push(pair);
    const port = await openPort(pair);
    const chunks: Buffer[] = [];
    port.on('data', (chunk: Buffer) => chunks.push(chunk));
    await pair.write('abc\n');
    const deadline = Date.now() + 2_000;
    while (Buffer.concat(chunks).toString() !== 'abc\n' && Date.now() < deadline) await sleep(10);
    expect(Buffer.concat(chunks).toString()).toBe('abc\n');
  });
});
