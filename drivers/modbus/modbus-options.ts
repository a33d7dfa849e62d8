import { z } from 'zod';
import { docsNotes } from '../../rules/option-types.js';
import { duration, port } from '../option-types.js';
import { TYPE_WIDTH, VALUE_TYPES } from './decode-register.js';
import { MAX_READ_LENGTH, TABLES } from './plan-reads.js';

const timeout = () =>
  duration()
    .refine((ms) => ms > 0, { error: 'timeout must be longer than 0' })
    .prefault('1s')
    .describe('How long to wait for the answer to one request; for TCP also for the connection to open.');

const tcpTransport = z.strictObject({
  type: z.literal('tcp').describe('`tcp`: Modbus TCP, a device or gateway on the network.'),
  host: z.string().min(1).describe('Host name or IP address of the device or gateway.'),
  port: port().default(502).describe('TCP port.'),
  timeout: timeout(),
});

const rtuTransport = z.strictObject({
  type: z.literal('rtu').describe('`rtu`: Modbus RTU, devices on a serial line (RS-485 adapter).'),
  path: z.string().min(1).describe('Serial device. Prefer `/dev/serial/by-id/usb-…`: `/dev/ttyUSB0` can change at the next boot.'),
  baud_rate: z.number().int().positive().default(9600).describe('Bits per second; must match every device on the bus.'),
  parity: z.enum(['none', 'even', 'odd']).default('none').describe('`none`, `even` or `odd` (the Modbus standard is `even`; many devices ship with `none`); must match every device on the bus.'),
  data_bits: z.literal([7, 8]).default(8).describe('`7` or `8` (Modbus RTU uses 8).'),
  stop_bits: z.literal([1, 2]).default(1).describe('`1` or `2`; the standard asks for 2 when parity is `none`.'),
  timeout: timeout(),
});

const order = (what: string) => z.enum(['big', 'little']).default('big').describe(what);

const registerOptions = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe('Sensor name of the readings, slash-separated, e.g. `heatpump/flow_temperature`.'),
    unit_id: z
      .number()
      .int()
      .min(0)
      .max(255)
      .optional()
      .describe('Unit (slave) id of the device that holds it (several devices on one bus or behind one gateway).')
      .register(docsNotes, { default: "the source's `unit_id`" }),
    table: z
      .enum(TABLES)
      .default('holding')
      .describe('`holding` (function code 3), `input` (4), `coil` (1) or `discrete` (2).'),
    address: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .describe('Protocol address, **counted from 0**: a manual\'s one-based "register 40001" is `address: 0` of the holding table, 40101 is 100.'),
    type: z
      .enum(VALUE_TYPES)
      .optional()
      .describe('`int16`, `uint16`, `int32`, `uint32`, `float32`, `int64`, `uint64`, `float64` (registers) or `bool` (coils and discrete inputs, and only those).')
      .register(docsNotes, { default: '`uint16`; `bool` for coil/discrete' }),
    word_order: order(
      'For 32- and 64-bit types: `big` = the register at the lowest address holds the most significant word; `little` = the least significant one (all four words reversed for 64-bit types).',
    ),
    byte_order: order('Within each register: `big` = high byte first (the Modbus standard); `little` swaps the two bytes.'),
    scale: z.number().default(1).describe('Multiplies the raw value (value = raw × scale + offset), e.g. `0.1` for a register holding tenths.'),
    offset: z.number().default(0).describe('Added after scaling.'),
    count: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Read this many consecutive values of `type`, named `<name>/0`, `<name>/1` …; at most one request\'s worth (125 registers, 2000 coils). Absent: one value named `<name>`.',
      ),
  })
  .transform((register, ctx) => {
    const bits = register.table === 'coil' || register.table === 'discrete';
    const type = register.type ?? (bits ? 'bool' : 'uint16');
    if (bits && type !== 'bool') {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `a ${register.table} holds one bit: use type bool (or leave type out)` });
    }
    if (!bits && type === 'bool') {
      ctx.addIssue({ code: 'custom', path: ['type'], message: 'bool is for coils and discrete inputs; for a register use uint16 (0 or 1)' });
    }
    const length = TYPE_WIDTH[type] * (register.count ?? 1);
    if (length > MAX_READ_LENGTH[register.table]) {
      ctx.addIssue({
        code: 'custom',
        path: ['count'],
        message: `${length} ${bits ? 'bits' : 'registers'} exceed one request (at most ${MAX_READ_LENGTH[register.table]}); split it into several entries`,
      });
    }
    if (register.address + length > 65_536) {
      ctx.addIssue({ code: 'custom', path: ['address'], message: `the value runs past the last address, 65535` });
    }
    return { ...register, type };
  });

export const modbusOptions = z
  .strictObject({
    driver: z.literal('modbus'),
    transport: z
      .discriminatedUnion('type', [tcpTransport, rtuTransport])
      .describe('How to reach the devices: { type: tcp, host, port } or { type: rtu, path, baud_rate, parity, … }.'),
    unit_id: z
      .number()
      .int()
      .min(0)
      .max(255)
      .default(1)
      .describe('Unit (slave) id of every entry that names none. TCP: 0–255; RTU: 1–247.'),
    interval: duration()
      .refine((ms) => ms > 0, { error: 'interval must be longer than 0' })
      .prefault('10s')
      .describe('How often every entry is read, e.g. `1s` or `1m`. The first poll runs as soon as the connection is open.'),
    registers: z
      .array(registerOptions)
      .min(1)
      .refine((registers) => new Set(registers.map((register) => register.name)).size === registers.length, {
        error: 'register names must be unique',
      })
      .describe('The entries to read (at least one, names unique); adjacent ones of the same unit and table are fetched in one request.'),
    max_registers_per_read: z
      .number()
      .int()
      .min(1)
      .max(125)
      .default(125)
      .describe("Largest request in registers (125 is the protocol's limit). Lower it for devices that refuse long reads."),
    max_gap: z
      .number()
      .int()
      .min(0)
      .max(124)
      .default(0)
      .describe(
        'Unused addresses one request may read across to join two entries. `0` joins only adjacent (or overlapping) ones; only raise it when the device answers for the addresses in between.',
      ),
    reconnect: z
      .strictObject({
        initial: duration().prefault('1s').describe('Wait before reconnecting after the connection failed or was lost.'),
        max: duration().prefault('30s').describe('The wait doubles after each failed attempt, up to this.'),
      })
      .prefault({})
      .describe('Backoff between connection attempts.')
      .register(docsNotes, { keyByKey: true }),
    tags: z.record(z.string(), z.string()).default({}).describe('Tags added to every reading.'),
  })
  .superRefine((options, ctx) => {
    if (options.transport.type !== 'rtu') return;
    // On a serial line unit 0 is broadcast: devices act on it but never answer, so reading from it cannot work.
    if (options.unit_id === 0 || options.unit_id > 247) {
      ctx.addIssue({ code: 'custom', path: ['unit_id'], message: 'on a serial line unit ids run from 1 to 247' });
    }
    options.registers.forEach((register, index) => {
      if (register.unit_id !== undefined && (register.unit_id === 0 || register.unit_id > 247)) {
        ctx.addIssue({ code: 'custom', path: ['registers', index, 'unit_id'], message: 'on a serial line unit ids run from 1 to 247' });
      }
    });
  });

export type ModbusOptions = z.output<typeof modbusOptions>;
export type ModbusTransport = ModbusOptions['transport'];
export type ModbusRegister = ModbusOptions['registers'][number];
