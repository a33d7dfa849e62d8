import { createRequire } from 'node:module';
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { agreeWithBl, installPacketBufferReads, type ReadMethods } from './packet-buffer-reads.js';

/** Feeds the bytes to a fresh mqtt-packet parser in pieces cut at `cuts`, and returns the packets it emitted. */
function parseInPieces(bytes: Buffer, cuts: number[]): mqttPacket.Packet[] {
  const parser = mqttPacket.parser();
  const packets: mqttPacket.Packet[] = [];
  const errors: Error[] = [];
  parser.on('packet', (packet) => packets.push(packet));
  parser.on('error', (error) => errors.push(error));
  let start = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b).concat(bytes.length)) {
    if (cut > start) parser.parse(bytes.subarray(start, cut));
    start = Math.max(start, cut);
  }
  expect(errors).toEqual([]);
  return packets;
}

const publishArbitrary = fc.record({
  topic: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).filter((topic) => !/[#+\0]/.test(topic)),
  payload: fc.uint8Array({ maxLength: 300 }),
  qos: fc.constantFrom(0, 1, 2),
  messageId: fc.integer({ min: 1, max: 65_535 }),
  retain: fc.boolean(),
});

describe('reading MQTT packets in place', () => {
  it('is installed on the buffer list of the mqtt-packet that MQTT.js parses with', () => {
    expect(installPacketBufferReads()).toBe(true);
    // Our mqtt-packet and MQTT.js's must be one copy, or the fast reads would sit on a class nobody uses.
    const require = createRequire(import.meta.url);
    const ours = require.resolve('mqtt-packet');
    const mqttJs = createRequire(require.resolve('mqtt')).resolve('mqtt-packet');
    expect(mqttJs).toBe(ours);
  });

  it('parses PUBLISH, PUBACK and PINGRESP packets exactly, however the bytes are split across reads', () => {
    expect(installPacketBufferReads()).toBe(true);
    fc.assert(
      fc.property(fc.array(publishArbitrary, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(4_000), { maxLength: 12 }), (publishes, cuts) => {
        const sent: mqttPacket.Packet[] = [];
        for (const p of publishes) {
          sent.push({ cmd: 'publish', topic: p.topic, payload: Buffer.from(p.payload), qos: p.qos as 0 | 1 | 2, retain: p.retain, dup: false, ...(p.qos > 0 ? { messageId: p.messageId } : {}) });
          sent.push({ cmd: 'puback', messageId: p.messageId });
        }
        sent.push({ cmd: 'pingresp' });
        const bytes = Buffer.concat(sent.map((packet) => mqttPacket.generate(packet)));
        const parsed = parseInPieces(bytes, cuts.map((cut) => cut % (bytes.length + 1)));
        expect(parsed).toHaveLength(sent.length);
        parsed.forEach((packet, i) => {
          const expected = sent[i]!;
          expect(packet.cmd).toBe(expected.cmd);
          if (expected.cmd === 'publish' && packet.cmd === 'publish') {
            expect(packet.topic).toBe(expected.topic);
            expect(Buffer.compare(packet.payload as Buffer, expected.payload as Buffer)).toBe(0);
            expect(packet.qos).toBe(expected.qos);
            expect(packet.retain).toBe(expected.retain);
            expect(packet.messageId).toBe(expected.messageId);
          }
          if (expected.cmd === 'puback' && packet.cmd === 'puback') expect(packet.messageId).toBe(expected.messageId);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('reads what bl read before, where the bytes lie in one buffer and where they do not', () => {
    expect(installPacketBufferReads()).toBe(true);
    const list = (mqttPacket.parser() as unknown as { _list: { append(b: Buffer): void; readUInt8(o: number): number; readUInt16BE(o: number): number; readUInt32BE(o: number): number; toString(e: BufferEncoding, s: number, e2: number): string } })._list;
    const bytes = Buffer.from('0123456789abcdefé', 'utf8');
    list.append(bytes.subarray(0, 5));
    list.append(bytes.subarray(5, 6));
    list.append(bytes.subarray(6));
    for (let offset = 0; offset < bytes.length; offset++) {
      expect(list.readUInt8(offset)).toBe(bytes.readUInt8(offset));
      if (offset + 2 <= bytes.length) expect(list.readUInt16BE(offset)).toBe(bytes.readUInt16BE(offset));
      if (offset + 4 <= bytes.length) expect(list.readUInt32BE(offset)).toBe(bytes.readUInt32BE(offset));
      for (let end = offset; end <= bytes.length; end++) expect(list.toString('utf8', offset, end)).toBe(bytes.toString('utf8', offset, end));
    }
    // Past the end bl throws a RangeError, and so do the fast reads (they leave it to bl).
    expect(() => list.readUInt8(bytes.length)).toThrow(RangeError);
    expect(() => list.readUInt16BE(bytes.length - 1)).toThrow(RangeError);
  });

  it('is not installed when a fast read would differ from bl', () => {
    const require = createRequire(import.meta.url);
    // bl's own methods, from its BufferList (the fast reads sit on the stream class mqtt-packet uses, not on this one).
    const { BufferList } = createRequire(require.resolve('mqtt-packet'))('bl') as { BufferList: { prototype: ReadMethods } };
    const bl = BufferList.prototype;
    const original: ReadMethods = { readUInt8: bl.readUInt8, readUInt16BE: bl.readUInt16BE, readUInt32BE: bl.readUInt32BE, toString: bl.toString };
    expect(agreeWithBl(BufferList.prototype, original, original)).toBe(true);
    const littleEndian: ReadMethods = { ...original, readUInt16BE: function (this: unknown, offset?: number) { return (bl as unknown as { readUInt16LE: (o?: number) => number }).readUInt16LE.call(this, offset); } };
    expect(agreeWithBl(BufferList.prototype, original, littleEndian)).toBe(false);
    const offByOne: ReadMethods = { ...original, toString: function (this: unknown, encoding, start, end) { return original.toString.call(this as never, encoding, start, (end ?? 0) - 1); } };
    expect(agreeWithBl(BufferList.prototype, original, offByOne)).toBe(false);
  });
});
