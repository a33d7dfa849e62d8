import { describe, expect, it } from 'vitest';
import { classifyReadError } from './modbus-connection.js';

describe('classifyReadError', () => {
  it('sorts an exception reply by its Modbus code', () => {
    const error = Object.assign(new Error('Modbus exception 2: Illegal data address (register not supported by device)'), { modbusCode: 2 });
    expect(classifyReadError(error)).toEqual({ kind: 'exception', code: 2, message: error.message });
  });

  it('sorts a missing answer as a timeout', () => {
    expect(classifyReadError({ name: 'TransactionTimedOutError', message: 'Timed out', errno: 'ETIMEDOUT' })).toEqual({ kind: 'timeout', message: 'Timed out' });
  });

  it('sorts a garbled answer (CRC or length) as a bad frame, not as a lost link', () => {
    expect(classifyReadError(new Error('CRC error')).kind).toBe('frame');
    expect(classifyReadError(new Error('Data length error, expected 9 got 7')).kind).toBe('frame');
    expect(classifyReadError(new Error('Unexpected data error, expected address 1 got 2')).kind).toBe('frame');
  });

  it('sorts a closed port and anything unknown as a lost link', () => {
    expect(classifyReadError({ name: 'PortNotOpenError', message: 'Port Not Open', errno: 'ECONNREFUSED' })).toEqual({ kind: 'connection', message: 'Port Not Open' });
    expect(classifyReadError(new Error('something else')).kind).toBe('connection');
    expect(classifyReadError('text').message).toBe('text');
  });
});
