import modbusSerial from 'modbus-serial';
import type { ModbusTransport } from './modbus-options.js';
import type { Table } from './plan-reads.js';

/** The part of modbus-serial's client the source uses; tests hand in a fake one to check how it is opened. */
export interface ModbusClientLike {
  setTimeout(duration: number): void;
  setID(id: number): void;
  connectTCP(ip: string, options: { port: number; timeout?: number }): Promise<void>;
  connectRTUBuffered(
    path: string,
    options: { baudRate: number; parity: 'none' | 'even' | 'odd'; dataBits: number; stopBits: number },
  ): Promise<void>;
  readCoils(address: number, length: number): Promise<{ data: boolean[] }>;
  readDiscreteInputs(address: number, length: number): Promise<{ data: boolean[] }>;
  readHoldingRegisters(address: number, length: number): Promise<{ data: number[] }>;
  readInputRegisters(address: number, length: number): Promise<{ data: number[] }>;
  on(event: 'close', listener: () => unknown): unknown;
  on(event: 'error', listener: (error: unknown) => unknown): unknown;
  destroy(callback?: () => void): void;
}

export type NewModbusClient = () => ModbusClientLike;

// The package's typings declare the class as `default`; at run time module.exports.default is the class as well.
export const newModbusSerialClient: NewModbusClient = () => new modbusSerial.default() as unknown as ModbusClientLike;

/** An open connection to a TCP device or gateway, or to a serial bus. */
export interface ModbusConnection {
  /** Reads `length` registers (as 16-bit unsigned numbers) or bits from one table of one unit. */
  read(unitId: number, table: Table, address: number, length: number): Promise<readonly (number | boolean)[]>;
  /** Called once when the link goes away (peer closed, cable pulled, `close()`). */
  onLost(listener: (reason: string) => void): void;
  /** Closes the link at once; reads under way reject. */
  close(): void;
}

/** Why a read failed, as the source handles it. */
export type ReadFailure =
  | { readonly kind: 'exception'; readonly code: number; readonly message: string }
  | { readonly kind: 'timeout'; readonly message: string }
  | { readonly kind: 'frame'; readonly message: string }
  | { readonly kind: 'connection'; readonly message: string };

/**
 * Sorts an error from modbus-serial: a Modbus exception reply, no reply in time, a garbled reply (CRC error, wrong
 * length: noise on a serial line, or two masters on one bus), or a broken link (its errors carry an errno, such as
 * ECONNREFUSED for "Port Not Open").
 */
export function classifyReadError(error: unknown): ReadFailure {
  const record = (typeof error === 'object' && error !== null ? error : {}) as { modbusCode?: unknown; errno?: unknown; message?: unknown };
  const message = typeof record.message === 'string' ? record.message : String(error);
  if (typeof record.modbusCode === 'number') return { kind: 'exception', code: record.modbusCode, message };
  if (record.errno === 'ETIMEDOUT') return { kind: 'timeout', message };
  if (record.errno === undefined && /^(CRC error|Data length error|Unexpected data error)/.test(message)) return { kind: 'frame', message };
  return { kind: 'connection', message };
}

/** Opens the transport the options name. Rejects when the device, gateway or serial port cannot be opened. */
export async function openModbusConnection(transport: ModbusTransport, newClient: NewModbusClient = newModbusSerialClient): Promise<ModbusConnection> {
  const client = newClient();
  // modbus-serial rejects every request still waiting after this long with errno ETIMEDOUT; for TCP it also bounds
  // the connection attempt (connectTCP takes it over as the socket timeout).
  client.setTimeout(transport.timeout);
  let lost: ((reason: string) => void) | undefined;
  let lostReason: string | undefined;
  let rejectPending: ((error: Error) => void)[] = [];
  const markLost = (reason: string) => {
    if (lostReason !== undefined) return;
    lostReason = reason;
    // modbus-serial lets requests in flight wait for their timeout after the link dropped, and never settles them
    // after destroy(); reject them here so a poll never hangs on a dead link.
    for (const reject of rejectPending) reject(Object.assign(new Error(`connection lost: ${reason}`), { errno: 'ECONNRESET' }));
    rejectPending = [];
    lost?.(reason);
  };
  // Without a listener an 'error' event (a serial port unplugged) would crash the process.
  client.on('error', (error) => markLost(classifyReadError(error).message));
  client.on('close', () => markLost('connection closed'));
  try {
    if (transport.type === 'tcp') {
      await client.connectTCP(transport.host, { port: transport.port, timeout: transport.timeout });
    } else {
      await client.connectRTUBuffered(transport.path, {
        baudRate: transport.baud_rate,
        parity: transport.parity,
        dataBits: transport.data_bits,
        stopBits: transport.stop_bits,
      });
    }
  } catch (error) {
    lostReason = 'connect failed';
    client.destroy(() => undefined);
    throw error;
  }
  if (lostReason !== undefined) throw new Error(lostReason);

  const request = (unitId: number, table: Table, address: number, length: number): Promise<{ data: readonly (number | boolean)[] }> => {
    client.setID(unitId);
    switch (table) {
      case 'coil':
        return client.readCoils(address, length);
      case 'discrete':
        return client.readDiscreteInputs(address, length);
      case 'holding':
        return client.readHoldingRegisters(address, length);
      case 'input':
        return client.readInputRegisters(address, length);
    }
  };

  return {
    async read(unitId, table, address, length) {
      if (lostReason !== undefined) throw Object.assign(new Error(`connection lost: ${lostReason}`), { errno: 'ECONNRESET' });
      let reject: ((error: Error) => void) | undefined;
      const aborted = new Promise<never>((_, rejectAborted) => {
        reject = rejectAborted;
        rejectPending.push(rejectAborted);
      });
      try {
        const { data } = await Promise.race([request(unitId, table, address, length), aborted]);
        // Coils come back padded to whole bytes.
        return data.slice(0, length);
      } finally {
        rejectPending = rejectPending.filter((pending) => pending !== reject);
      }
    },
    onLost(listener) {
      lost = listener;
      if (lostReason !== undefined) listener(lostReason);
    },
    close() {
      markLost('closed');
      client.destroy(() => undefined);
    },
  };
}
