import mqttPacket from 'mqtt-packet';

/**
 * mqtt-packet parses every packet through bl's BufferList, whose `readUInt8`, `readUInt16BE`, `readUInt32BE` and
 * `toString` first copy the bytes they read into a new Buffer, and locate them with a new [index, offset] pair: four
 * Buffers and five arrays per PUBLISH before its payload, about a quarter of what the agent allocated per reading
 * (issue 24: 2,363 → 1,792 bytes, 547 → 407 young-generation collections in 20 s at 10,000 readings/s). The reads
 * below take the bytes in place when they lie within one of the list's buffers, as a packet's header nearly always
 * does, and leave everything else (bytes split across buffers, odd arguments) to bl's own methods, so what they
 * return is what bl returns.
 *
 * Installed on the class mqtt-packet's parser actually uses (found from a parser, not by importing bl, which could
 * be another copy), once per process, and only after the fast reads agreed with bl's on lists split in two ways.
 */
export function installPacketBufferReads(): boolean {
  if (installed !== undefined) return installed;
  const prototype = bufferListPrototype();
  installed = prototype !== undefined && install(prototype);
  return installed;
}

let installed: boolean | undefined;

/** The insides of bl's BufferList that the fast reads rely on. */
interface Chunks {
  _bufs: Buffer[];
  length: number;
}

type Read = (this: Chunks, offset?: number) => number;
type Decode = (this: Chunks, encoding?: BufferEncoding, start?: number, end?: number) => string;

export interface ReadMethods {
  readUInt8: Read;
  readUInt16BE: Read;
  readUInt32BE: Read;
  toString: Decode;
}

function bufferListPrototype(): (ReadMethods & object) | undefined {
  const list = (mqttPacket.parser() as unknown as { _list?: unknown })._list;
  if (typeof list !== 'object' || list === null || !Array.isArray((list as Partial<Chunks>)._bufs)) return undefined;
  return Object.getPrototypeOf(list) as ReadMethods & object;
}

/** Where `bufferAt` found the byte asked for, within the buffer it returned (a variable, not a pair per read). */
let offsetInBuffer = 0;

/** The buffer of the list holding byte `offset`, or undefined past the end. */
function bufferAt(list: Chunks, offset: number): Buffer | undefined {
  const buffers = list._bufs;
  for (let i = 0; i < buffers.length; i++) {
    const buffer = buffers[i]!;
    if (offset < buffer.length) {
      offsetInBuffer = offset;
      return buffer;
    }
    offset -= buffer.length;
  }
  return undefined;
}

function fastReads(original: ReadMethods): ReadMethods {
  // Only plain non-negative integer offsets are taken here; bl's methods handle the rest (and throw where they throw).
  const inOneBuffer = (list: Chunks, offset: unknown, bytes: number): Buffer | undefined => {
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) return undefined;
    const buffer = bufferAt(list, offset);
    return buffer !== undefined && offsetInBuffer + bytes <= buffer.length ? buffer : undefined;
  };
  return {
    readUInt8(offset = 0) {
      const buffer = inOneBuffer(this, offset, 1);
      return buffer === undefined ? original.readUInt8.call(this, offset) : buffer[offsetInBuffer]!;
    },
    readUInt16BE(offset = 0) {
      const buffer = inOneBuffer(this, offset, 2);
      return buffer === undefined ? original.readUInt16BE.call(this, offset) : buffer.readUInt16BE(offsetInBuffer);
    },
    readUInt32BE(offset = 0) {
      const buffer = inOneBuffer(this, offset, 4);
      return buffer === undefined ? original.readUInt32BE.call(this, offset) : buffer.readUInt32BE(offsetInBuffer);
    },
    toString(encoding, start, end) {
      if (typeof end === 'number' && typeof start === 'number' && end > start && end <= this.length) {
        const buffer = inOneBuffer(this, start, end - start);
        if (buffer !== undefined) return buffer.toString(encoding, offsetInBuffer, offsetInBuffer + end - start);
      }
      return original.toString.call(this, encoding, start, end);
    },
  };
}

function install(prototype: ReadMethods & object): boolean {
  const original: ReadMethods = {
    readUInt8: prototype.readUInt8,
    readUInt16BE: prototype.readUInt16BE,
    readUInt32BE: prototype.readUInt32BE,
    toString: prototype.toString,
  };
  if (Object.values(original).some((method) => typeof method !== 'function')) return false;
  const fast = fastReads(original);
  if (!agreeWithBl(prototype, original, fast)) return false;
  Object.assign(prototype, fast);
  return true;
}

/**
 * Both sets of reads on the same bytes, split into buffers (a header byte alone, a buffer ending inside a number),
 * the fast ones used only if equal. Small on purpose: it runs at every start; the tests try every split.
 */
export function agreeWithBl(prototype: object, original: ReadMethods, fast: ReadMethods): boolean {
  const bytes = Buffer.from('\x30\x0b\x00\x01t{"v":1}\xc3\xa9', 'latin1');
  for (const cuts of [[1, 3], [6]]) {
    const list: Chunks = Object.create(prototype) as Chunks;
    list._bufs = [0, ...cuts].map((start, i) => bytes.subarray(start, cuts[i] ?? bytes.length));
    list.length = bytes.length;
    for (let offset = 0; offset <= bytes.length; offset++) {
      for (const name of ['readUInt8', 'readUInt16BE', 'readUInt32BE'] as const) {
        if (outcome(() => fast[name].call(list, offset)) !== outcome(() => original[name].call(list, offset))) return false;
      }
      for (const end of [offset + 1, offset + 3]) {
        if (outcome(() => fast.toString.call(list, 'utf8', offset, end)) !== outcome(() => original.toString.call(list, 'utf8', offset, end))) return false;
      }
    }
  }
  return true;
}

/** What a read returned, or the name of the error it threw, as one comparable string. */
function outcome(read: () => unknown): string {
  try {
    return `=${String(read())}`;
  } catch (error) {
    return `!${(error as Error).name}`;
  }
}
