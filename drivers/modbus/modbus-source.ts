import type { Reading } from '../../rules/reading.js';
import type { DriverContext, SourceDriver } from '../driver.js';
import { PollingLoop } from '../polling-loop.js';
import { ReconnectLoop } from '../reconnect-loop.js';
import { RetryDelay } from '../retry-delay.js';
import { decodeValue, TYPE_WIDTH } from './decode-register.js';
import {
  classifyReadError,
  newModbusSerialClient,
  openModbusConnection,
  type ModbusConnection,
  type NewModbusClient,
  type ReadFailure,
} from './modbus-connection.js';
import type { ModbusOptions, ModbusRegister } from './modbus-options.js';
import { planReads, type ReadRequest, type Span } from './plan-reads.js';

/** What tests may replace: how the modbus-serial client is made. */
export interface ModbusSourceDependencies {
  readonly newClient?: NewModbusClient;
}

/** Polls of nothing but timeouts in a row after which the link is taken for dead and opened again. */
const DEAD_AFTER_TIMEOUT_POLLS = 3;

/**
 * Polls Modbus registers over TCP or a serial line. Entries of the same unit and table that lie next to each other
 * are read in one request. Exception replies and timeouts are bad input of that read only; a broken link is
 * reported with `setConnected(false)` and opened again with a growing wait, and polling resumes by itself.
 */
class ModbusSource implements SourceDriver {
  private emit: ((reading: Reading) => void) | undefined;
  private connection: ModbusConnection | undefined;
  private readonly polling: PollingLoop;
  private readonly reconnect: ReconnectLoop;
  /** A lost link waiting for the poll that noticed it to finish, before it is opened again. */
  private lost: Promise<void> | undefined;
  private stopped = false;
  private plan: ReadRequest[];
  private readonly spans: Span[];
  /** Whether the current outage was already logged, so a device that stays away logs one warning, not one a retry. */
  private outageLogged = false;
  private timeoutPolls = 0;

  constructor(
    private readonly options: ModbusOptions,
    private readonly context: DriverContext,
    private readonly newClient: NewModbusClient,
  ) {
    this.spans = options.registers.map((register) => ({
      unitId: register.unit_id ?? options.unit_id,
      table: register.table,
      address: register.address,
      length: TYPE_WIDTH[register.type] * (register.count ?? 1),
    }));
    this.plan = planReads(this.spans, { maxRegisters: options.max_registers_per_read, maxBits: 2000, maxGap: options.max_gap });
    // Without a link a tick polls nothing; a slow bus must not pile polls up.
    this.polling = new PollingLoop(context.clock, options.interval, () => this.pollLink(), context.log, 'the Modbus devices');
    // `reconnect.initial`, doubling up to `reconnect.max`, between failed attempts.
    const delay = RetryDelay.doubling(options.reconnect.initial, Math.max(options.reconnect.max, options.reconnect.initial));
    this.reconnect = new ReconnectLoop(context.clock, delay, () => this.connect());
  }

  async start(emit: (reading: Reading) => void): Promise<void> {
    if (this.emit !== undefined) return;
    this.emit = emit;
    this.stopped = false;
    this.context.setConnected(false, 'connecting');
    await this.polling.start();
    // Not awaited: a device that is off at start is retried in the background, never fatal.
    void this.reconnect.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.emit = undefined;
    const polled = this.polling.stop();
    const connecting = this.reconnect.stop();
    const connection = this.connection;
    this.connection = undefined;
    // Closing rejects a read under way at once, so the poll ends without waiting for its timeout.
    connection?.close();
    await Promise.all([polled, connecting, this.lost]);
  }

  private pollLink(): Promise<void> {
    const connection = this.connection;
    if (connection === undefined || this.stopped) return Promise.resolve();
    return this.poll(connection);
  }

  /** One attempt at opening the transport; a failure is retried by `reconnect` after its next wait. */
  private async connect(): Promise<void> {
    if (this.stopped) return;
    try {
      const connection = await openModbusConnection(this.options.transport, this.newClient);
      if (this.stopped) {
        connection.close();
        return;
      }
      this.connection = connection;
      connection.onLost((reason) => this.connectionLost(connection, reason));
      if (this.connection !== connection) return; // lost while registering: connectionLost tries again
      this.reconnect.connected();
      this.outageLogged = false;
      this.timeoutPolls = 0;
      this.context.setConnected(true);
      this.context.log.info({ transport: this.describeTransport() }, 'connected to Modbus');
      void this.polling.pollNow();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.reportDown(reason);
      this.reconnect.failed();
    }
  }

  private connectionLost(connection: ModbusConnection, reason: string): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    connection.close();
    if (this.stopped) return;
    this.reportDown(reason);
    // A link that worked is tried again after `reconnect.initial`, then with the backoff from its start.
    this.reconnect.connected();
    this.lost = (async () => {
      // Let the poll that noticed finish first, so it cannot use the new link half-way.
      await this.polling.settled();
      this.reconnect.retryIn(this.options.reconnect.initial);
    })();
  }

  private reportDown(reason: string): void {
    this.context.setConnected(false, reason);
    if (this.outageLogged) return;
    this.outageLogged = true;
    this.context.log.warn({ transport: this.describeTransport(), reason }, 'Modbus device unreachable; retrying in the background');
  }

  private async poll(connection: ModbusConnection): Promise<void> {
    const timestamp = this.context.now();
    let answered = false;
    let timedOut = false;
    // Copied, as a failing group is replaced in this.plan by one request per entry while the loop runs.
    for (const request of [...this.plan]) {
      if (this.connection !== connection || this.stopped) return;
      const outcome = await this.read(connection, request, timestamp);
      if (outcome === 'connection') return;
      if (outcome === 'timeout') timedOut = true;
      else answered = true;
    }
    this.timeoutPolls = timedOut && !answered ? this.timeoutPolls + 1 : 0;
    if (this.timeoutPolls >= DEAD_AFTER_TIMEOUT_POLLS && this.connection === connection) {
      // A TCP peer that vanished without closing (power cut, cable) only shows as silence; open the link afresh.
      this.connectionLost(connection, `no answer to ${this.timeoutPolls} polls in a row`);
    }
  }

  /** Reads one request and emits its entries; says how it went. */
  private async read(connection: ModbusConnection, request: ReadRequest, timestamp: number): Promise<'ok' | ReadFailure['kind']> {
    let values: readonly (number | boolean)[];
    try {
      values = await connection.read(request.unitId, request.table, request.address, request.length);
    } catch (error) {
      const failure = classifyReadError(error);
      if (failure.kind === 'connection') {
        this.connectionLost(connection, failure.message);
        return 'connection';
      }
      if (failure.kind === 'exception' && request.members.length > 1) {
        // One unsupported address spoils a whole group; read its entries one by one from now on, so only the
        // entry at fault is lost.
        const single = request.members.map((member) => ({ ...this.spans[member]!, members: [member] }));
        this.plan = this.plan.flatMap((planned) => (planned === request ? single : [planned]));
        this.context.log.info(
          { unit_id: request.unitId, table: request.table, address: request.address, length: request.length, error: failure.message },
          'a grouped read was refused; reading its entries one by one',
        );
        let outcome: 'ok' | ReadFailure['kind'] = 'exception';
        for (const part of single) {
          const partOutcome = await this.read(connection, part, timestamp);
          if (partOutcome === 'connection') return partOutcome;
          if (partOutcome === 'ok') outcome = 'ok';
        }
        return outcome;
      }
      const names = request.members.map((member) => this.options.registers[member]!.name);
      this.context.badInput(
        `modbus-${failure.kind === 'frame' ? 'bad-frame' : failure.kind}`,
        `${request.table} ${request.address}${request.length > 1 ? `–${request.address + request.length - 1}` : ''} of unit ${request.unitId} (${names.join(', ')}): ${failure.message}`,
        { unit_id: request.unitId, table: request.table, address: request.address, length: request.length, registers: names },
      );
      return failure.kind;
    }
    for (const member of request.members) this.emitEntry(member, values, request.address, timestamp);
    return 'ok';
  }

  private emitEntry(member: number, values: readonly (number | boolean)[], requestAddress: number, timestamp: number): void {
    const register: ModbusRegister = this.options.registers[member]!;
    const width = TYPE_WIDTH[register.type];
    const start = register.address - requestAddress;
    const count = register.count ?? 1;
    for (let i = 0; i < count; i++) {
      const sensor = register.count === undefined ? register.name : `${register.name}/${i}`;
      const decoded = decodeValue(values.slice(start + i * width, start + (i + 1) * width), register);
      if (!decoded.ok) {
        this.context.badInput('modbus-bad-value', `${sensor}: ${decoded.reason}`, {
          register: register.name,
          table: register.table,
          address: register.address + i * width,
        });
        continue;
      }
      const emit = this.emit;
      if (emit === undefined) return;
      emit({ source: this.context.name, sensor, value: decoded.value, timestamp, tags: this.options.tags });
    }
  }

  private describeTransport(): string {
    const transport = this.options.transport;
    return transport.type === 'tcp' ? `tcp://${transport.host}:${transport.port}` : `rtu:${transport.path}`;
  }
}

/** Creates a Modbus source; nothing is opened before `start()`. */
export function createModbusSource(options: ModbusOptions, context: DriverContext, dependencies: ModbusSourceDependencies = {}): SourceDriver {
  return new ModbusSource(options, context, dependencies.newClient ?? newModbusSerialClient);
}
