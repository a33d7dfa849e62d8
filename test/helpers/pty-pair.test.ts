import { constants, existsSync, realpathSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startPtyPair, type PtyPair } from './pty-pair.js';

const pairs: PtyPair[] = [];

afterEach(async () => {
  await Promise.all(pairs.splice(0).map((pair) => pair.dispose()));
});

async function pair(): Promise<PtyPair> {
  const started = await startPtyPair();
  pairs.push(started);
  return started;
}

/** Opens the device end as a driver would, and reads until `count` bytes arrived. */
async function readDeviceEnd(devicePath: string, count: number): Promise<string> {
  const handle = await open(devicePath, constants.O_RDWR | constants.O_NOCTTY);
  try {
    const buffer = Buffer.alloc(count);
    let got = 0;
    while (got < count) got += (await handle.read(buffer, got, count - got)).bytesRead;
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

describe('pty pair helper', () => {
  it('links two ptys so that what the test writes arrives at the device end', async () => {
    const p = await pair();
    expect(realpathSync(p.devicePath)).toMatch(/^\/dev\/pts\/\d+$/);
    expect(realpathSync(p.testPath)).not.toBe(realpathSync(p.devicePath));
    const reading = readDeviceEnd(p.devicePath, 6);
    await p.write('hello\n');
    expect(await reading).toBe('hello\n');
  });

  it('collects what the device end writes', async () => {
    const p = await pair();
    const handle = await open(p.devicePath, constants.O_RDWR | constants.O_NOCTTY);
    await handle.write('READ\r\n');
    await p.waitForReceived((bytes) => bytes.toString() === 'READ\r\n');
    await handle.close();
  });

  it('removes the links on kill and makes new ptys under the same links on restart', async () => {
    const p = await pair();
    await p.kill();
    expect(p.running).toBe(false);
    expect(existsSync(p.devicePath)).toBe(false);
    await expect(p.write('x')).rejects.toThrow(/not running/);
    await p.restart();
    expect(p.running).toBe(true);
    const reading = readDeviceEnd(p.devicePath, 3);
    await p.write('ok\n');
    expect(await reading).toBe('ok\n');
  });

  it('deletes its temp dir on dispose, and dispose twice is harmless', async () => {
    const p = await pair();
    await p.dispose();
    await p.dispose();
    expect(existsSync(p.dir)).toBe(false);
  });
});
