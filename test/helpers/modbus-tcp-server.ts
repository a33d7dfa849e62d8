import type { Server, Socket } from 'node:net';
import modbusSerial, { type IServiceVector } from 'modbus-serial';
import { freePort } from './free-port.js';

// A real Modbus TCP server (modbus-serial's ServerTCP) on a free loopback port, backed by register maps the test
// controls, recording the requests it serves; it can be stopped and started again on the same port.

/** The values a test server answers with, per unit id; an address absent from its table answers exception 2. */
export interface UnitMemory {
  holding: Map<number, number>;
  input: Map<number, number>;
  coil: Map<number, boolean>;
  discrete: Map<number, boolean>;
}

/** One request as it arrived at the server. */
export interface ServedRequest {
  readonly unitId: number;
  readonly functionCode: number;
  readonly address: number;
  readonly length: number;
}

export interface ModbusTestServer {
  readonly port: number;
  /** Every read request received, in order; tests clear it with `requests.length = 0`. */
  readonly requests: ServedRequest[];
  /** The memory of a unit, created empty on first use. */
  unit(unitId: number): UnitMemory;
  /** Addresses of the holding table whose reads never get an answer, to provoke timeouts. */
  readonly silentHolding: Set<number>;
  /** Closes the listener and every open connection, as a device that is switched off. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same memory. */
  restart(): Promise<void>;
}

const illegalAddress = () => Object.assign(new Error('illegal data address'), { modbusErrorCode: 2 });

/**
 * A real Modbus TCP server (modbus-serial's ServerTCP) on 127.0.0.1 and a free port, answering from maps the test
 * controls. ServerTCP cannot listen on port 0, so a free port is found first (and another tried if it was taken).
 */
export async function startModbusTestServer(): Promise<ModbusTestServer> {
  const units = new Map<number, UnitMemory>();
  const requests: ServedRequest[] = [];
  const silentHolding = new Set<number>();
  const unit = (unitId: number): UnitMemory => {
    let memory = units.get(unitId);
    if (memory === undefined) {
      memory = { holding: new Map(), input: new Map(), coil: new Map(), discrete: new Map() };
      units.set(unitId, memory);
    }
    return memory;
  };
  const lookup = <Value>(table: Map<number, Value>, address: number): Value => {
    const value = table.get(address);
    if (value === undefined) throw illegalAddress();
    return value;
  };
  const registers = (table: 'holding' | 'input', address: number, length: number, unitId: number): number[] | Promise<number[]> => {
    const values = Array.from({ length }, (_, i) => lookup(unit(unitId)[table], address + i));
    if (table === 'holding' && values.some((_, i) => silentHolding.has(address + i))) return new Promise(() => undefined);
    return values;
  };
  const vector: IServiceVector = {
    getMultipleHoldingRegisters: (address: number, length: number, unitId: number) => registers('holding', address, length, unitId),
    getInputRegister: (address: number, unitId: number) => lookup(unit(unitId).input, address),
    getMultipleInputRegisters: (address: number, length: number, unitId: number) => registers('input', address, length, unitId),
    getCoil: (address: number, unitId: number) => lookup(unit(unitId).coil, address),
    getDiscreteInput: (address: number, unitId: number) => lookup(unit(unitId).discrete, address),
  };
  // A single holding register is read through getHoldingRegister; route it through the same code.
  vector.getHoldingRegister = (address: number, unitId: number): number | Promise<number> => {
    const values = registers('holding', address, 1, unitId);
    return Array.isArray(values) ? values[0]! : values.then((all) => all[0]!);
  };

  let port = 0;
  let server: InstanceType<typeof modbusSerial.ServerTCP> | undefined;

  const listen = async (): Promise<void> => {
    const started = new modbusSerial.ServerTCP(vector, { host: '127.0.0.1', port, unitID: 255 });
    await new Promise<void>((resolve, reject) => {
      started.on('initialized', () => resolve());
      started.on('serverError', (error) => reject(error ?? new Error('server error')));
    });
    // Read the MBAP header of every request as it arrives, to count and inspect the reads (ServerTCP has no hook).
    const net = (started as unknown as { _server: Server })._server;
    net.on('connection', (socket: Socket) => {
      socket.on('data', (data: Buffer) => {
        for (let at = 0; at + 12 <= data.length; at += 6 + data.readUInt16BE(at + 4)) {
          requests.push({
            unitId: data.readUInt8(at + 6),
            functionCode: data.readUInt8(at + 7),
            address: data.readUInt16BE(at + 8),
            length: data.readUInt16BE(at + 10),
          });
        }
      });
    });
    server = started;
  };

  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await listen();
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }

  const stop = async (): Promise<void> => {
    const running = server;
    server = undefined;
    if (running === undefined) return;
    await new Promise<void>((resolve) => running.close(() => resolve()));
  };
  return {
    port,
    requests,
    unit,
    silentHolding,
    stop,
    async restart() {
      await stop();
      await listen();
    },
  };
}
