/** How the value of one Modbus register entry is stored. `bool` is for coils and discrete inputs. */
export const VALUE_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'int64', 'uint64', 'float64', 'bool'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** Which comes first: the most significant part (`big`) or the least significant one (`little`). */
export type Order = 'big' | 'little';

/** Number of 16-bit registers (or, for `bool`, coils) one value of each type occupies. */
export const TYPE_WIDTH: Readonly<Record<ValueType, number>> = {
  bool: 1,
  int16: 1,
  uint16: 1,
  int32: 2,
  uint32: 2,
  float32: 2,
  int64: 4,
  uint64: 4,
  float64: 4,
};

export interface ValueFormat {
  readonly type: ValueType;
  /** For values of two or four registers: whether the register at the lowest address holds the most significant word. */
  readonly word_order: Order;
  /** Within each register: whether the first byte on the wire is the high byte (Modbus standard) or the low one. */
  readonly byte_order: Order;
  readonly scale: number;
  readonly offset: number;
}

export type Decoded = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string };

/**
 * Turns the registers (16-bit unsigned numbers as modbus-serial returns them, lowest address first) or the coil
 * states of one value into `raw × scale + offset`. A float that is NaN or ±Infinity, or a result that is not
 * finite, is rejected with a reason, never returned.
 */
export function decodeValue(words: readonly (number | boolean)[], format: ValueFormat): Decoded {
  const width = TYPE_WIDTH[format.type];
  if (words.length !== width) {
    return { ok: false, reason: `expected ${width} ${format.type === 'bool' ? 'bit' : 'register'}(s) for ${format.type}, got ${words.length}` };
  }
  const raw = format.type === 'bool' ? (words[0] ? 1 : 0) : decodeRaw(words as readonly number[], format);
  if (!Number.isFinite(raw)) return { ok: false, reason: `${format.type} value is ${String(raw)}` };
  const value = raw * format.scale + format.offset;
  if (!Number.isFinite(value)) return { ok: false, reason: `${raw} × scale ${format.scale} + offset ${format.offset} is not a finite number` };
  return { ok: true, value };
}

/** Lays the registers out as one big-endian byte string in the order the format says, then reads the type from it. */
function decodeRaw(words: readonly number[], format: ValueFormat): number {
  const bytes = Buffer.alloc(words.length * 2);
  const ordered = format.word_order === 'big' ? words : [...words].reverse();
  ordered.forEach((word, i) => {
    const high = (word >> 8) & 0xff;
    const low = word & 0xff;
    bytes[i * 2] = format.byte_order === 'big' ? high : low;
    bytes[i * 2 + 1] = format.byte_order === 'big' ? low : high;
  });
  switch (format.type) {
    case 'int16':
      return bytes.readInt16BE(0);
    case 'uint16':
      return bytes.readUInt16BE(0);
    case 'int32':
      return bytes.readInt32BE(0);
    case 'uint32':
      return bytes.readUInt32BE(0);
    case 'float32':
      return bytes.readFloatBE(0);
    // Numbers above 2^53 lose their lowest digits; energy counters stay far below that.
    case 'int64':
      return Number(bytes.readBigInt64BE(0));
    case 'uint64':
      return Number(bytes.readBigUInt64BE(0));
    case 'float64':
      return bytes.readDoubleBE(0);
    case 'bool':
      return words[0] ? 1 : 0;
  }
}
