import { describe, expect, it } from 'vitest';
import { decodeValue, type Order, type ValueFormat, type ValueType } from './decode-register.js';

const format = (type: ValueType, word_order: Order = 'big', byte_order: Order = 'big', scale = 1, offset = 0): ValueFormat => ({
  type,
  word_order,
  byte_order,
  scale,
  offset,
});

/** The registers of a value written big-endian into `bytes` bytes by `write`, lowest address first. */
function registersOf(bytes: number, write: (buffer: Buffer) => void): number[] {
  const buffer = Buffer.alloc(bytes);
  write(buffer);
  const words: number[] = [];
  for (let i = 0; i < bytes; i += 2) words.push(buffer.readUInt16BE(i));
  return words;
}

describe('decodeValue', () => {
  it('reads 16-bit registers as signed and unsigned', () => {
    expect(decodeValue([0xfffe], format('int16'))).toEqual({ ok: true, value: -2 });
    expect(decodeValue([0xfffe], format('uint16'))).toEqual({ ok: true, value: 65_534 });
    expect(decodeValue([0x7fff], format('int16'))).toEqual({ ok: true, value: 32_767 });
    expect(decodeValue([0x8000], format('int16'))).toEqual({ ok: true, value: -32_768 });
  });

  it('swaps the two bytes of each register when byte_order is little', () => {
    expect(decodeValue([0x3412], format('uint16', 'big', 'little'))).toEqual({ ok: true, value: 0x1234 });
    expect(decodeValue([0xfeff], format('int16', 'big', 'little'))).toEqual({ ok: true, value: -2 });
  });

  it('reads 32-bit values with the high word first (big) or the low word first (little)', () => {
    expect(decodeValue([0x0001, 0x0002], format('uint32'))).toEqual({ ok: true, value: 0x0001_0002 });
    expect(decodeValue([0x0002, 0x0001], format('uint32', 'little'))).toEqual({ ok: true, value: 0x0001_0002 });
    expect(decodeValue([0xffff, 0xfffe], format('int32'))).toEqual({ ok: true, value: -2 });
    expect(decodeValue([0xfffe, 0xffff], format('int32', 'little'))).toEqual({ ok: true, value: -2 });
    expect(decodeValue([0xffff, 0xfffe], format('uint32'))).toEqual({ ok: true, value: 4_294_967_294 });
  });

  it('combines word and byte order for the four common 32-bit layouts (ABCD, CDAB, BADC, DCBA)', () => {
    // 0x11223344 as bytes A=11 B=22 C=33 D=44.
    expect(decodeValue([0x1122, 0x3344], format('uint32', 'big', 'big'))).toEqual({ ok: true, value: 0x11223344 });
    expect(decodeValue([0x3344, 0x1122], format('uint32', 'little', 'big'))).toEqual({ ok: true, value: 0x11223344 });
    expect(decodeValue([0x2211, 0x4433], format('uint32', 'big', 'little'))).toEqual({ ok: true, value: 0x11223344 });
    expect(decodeValue([0x4433, 0x2211], format('uint32', 'little', 'little'))).toEqual({ ok: true, value: 0x11223344 });
  });

  it('reads IEEE 754 floats of 32 and 64 bits in either word order', () => {
    const f32 = registersOf(4, (buffer) => buffer.writeFloatBE(21.5));
    expect(decodeValue(f32, format('float32'))).toEqual({ ok: true, value: 21.5 });
    expect(decodeValue([...f32].reverse(), format('float32', 'little'))).toEqual({ ok: true, value: 21.5 });
    const f64 = registersOf(8, (buffer) => buffer.writeDoubleBE(-1234.5678));
    expect(decodeValue(f64, format('float64'))).toEqual({ ok: true, value: -1234.5678 });
    expect(decodeValue([...f64].reverse(), format('float64', 'little'))).toEqual({ ok: true, value: -1234.5678 });
  });

  it('reads 64-bit integers, signed and unsigned, in either word order', () => {
    const big = registersOf(8, (buffer) => buffer.writeBigUInt64BE(123_456_789_012_345n));
    expect(decodeValue(big, format('uint64'))).toEqual({ ok: true, value: 123_456_789_012_345 });
    expect(decodeValue([...big].reverse(), format('uint64', 'little'))).toEqual({ ok: true, value: 123_456_789_012_345 });
    const negative = registersOf(8, (buffer) => buffer.writeBigInt64BE(-5n));
    expect(decodeValue(negative, format('int64'))).toEqual({ ok: true, value: -5 });
    expect(decodeValue(negative, format('uint64'))).toEqual({ ok: true, value: 2 ** 64 - 5 });
    expect(decodeValue([...negative].reverse(), format('int64', 'little'))).toEqual({ ok: true, value: -5 });
  });

  it('reads a coil or discrete input as 1 or 0', () => {
    expect(decodeValue([true], format('bool'))).toEqual({ ok: true, value: 1 });
    expect(decodeValue([false], format('bool'))).toEqual({ ok: true, value: 0 });
  });

  it('applies raw × scale + offset', () => {
    expect(decodeValue([215], format('int16', 'big', 'big', 0.1))).toEqual({ ok: true, value: 21.5 });
    expect(decodeValue([0xffec], format('int16', 'big', 'big', 0.5, 100))).toEqual({ ok: true, value: 90 });
    expect(decodeValue([true], format('bool', 'big', 'big', 1, 10))).toEqual({ ok: true, value: 11 });
  });

  it('rejects NaN and infinite floats instead of returning them', () => {
    const nan = registersOf(4, (buffer) => buffer.writeFloatBE(Number.NaN));
    const inf = registersOf(4, (buffer) => buffer.writeFloatBE(Number.POSITIVE_INFINITY));
    const negInf64 = registersOf(8, (buffer) => buffer.writeDoubleBE(Number.NEGATIVE_INFINITY));
    expect(decodeValue(nan, format('float32'))).toEqual({ ok: false, reason: 'float32 value is NaN' });
    expect(decodeValue(inf, format('float32'))).toEqual({ ok: false, reason: 'float32 value is Infinity' });
    expect(decodeValue(negInf64, format('float64'))).toEqual({ ok: false, reason: 'float64 value is -Infinity' });
    // The 0xFFFF padding some devices send for "no value" is a NaN as float32.
    expect(decodeValue([0xffff, 0xffff], format('float32')).ok).toBe(false);
  });

  it('rejects a result that scaling pushes past the largest number', () => {
    const large = registersOf(8, (buffer) => buffer.writeDoubleBE(1e308));
    expect(decodeValue(large, format('float64', 'big', 'big', 10)).ok).toBe(false);
  });

  it('rejects the wrong number of registers for the type', () => {
    expect(decodeValue([1], format('float32'))).toEqual({ ok: false, reason: 'expected 2 register(s) for float32, got 1' });
  });
});
