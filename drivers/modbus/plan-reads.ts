/** The four Modbus data tables: read with function codes 1 (coil), 2 (discrete), 3 (holding) and 4 (input). */
export const TABLES = ['coil', 'discrete', 'holding', 'input'] as const;
export type Table = (typeof TABLES)[number];

/** The protocol's limits for one read: 125 registers (FC 3, 4) or 2000 bits (FC 1, 2). */
export const MAX_READ_LENGTH: Readonly<Record<Table, number>> = { coil: 2000, discrete: 2000, holding: 125, input: 125 };

/** A stretch of one table that one configured entry needs: `length` registers or coils from `address`. */
export interface Span {
  readonly unitId: number;
  readonly table: Table;
  readonly address: number;
  readonly length: number;
}

/** One read request, and which of the input spans (by index) it covers. */
export interface ReadRequest extends Span {
  readonly members: readonly number[];
}

export interface PlanLimits {
  /** Largest number of registers per request; devices may allow fewer than the protocol's 125. */
  readonly maxRegisters: number;
  /** Largest number of coils or discrete inputs per request. */
  readonly maxBits: number;
  /** Unused addresses a request may read through to join two spans; 0 joins only adjacent or overlapping ones. */
  readonly maxGap: number;
}

export const DEFAULT_LIMITS: PlanLimits = { maxRegisters: 125, maxBits: 2000, maxGap: 0 };

/**
 * Groups spans of the same unit and table that touch (or overlap, or lie at most `maxGap` apart) into as few read
 * requests as the limits allow, so a poll costs few round trips on a slow bus. Requests come out ordered by unit,
 * table and address; each span lies wholly inside one request. A span longer than the limit gets a request of
 * its own (the options forbid that, so it only happens when called directly).
 */
export function planReads(spans: readonly Span[], limits: PlanLimits = DEFAULT_LIMITS): ReadRequest[] {
  const order = spans
    .map((span, index) => ({ span, index }))
    .sort(
      (a, b) =>
        a.span.unitId - b.span.unitId ||
        TABLES.indexOf(a.span.table) - TABLES.indexOf(b.span.table) ||
        a.span.address - b.span.address ||
        b.span.length - a.span.length ||
        a.index - b.index,
    );
  const requests: { unitId: number; table: Table; address: number; end: number; members: number[] }[] = [];
  for (const { span, index } of order) {
    const last = requests.at(-1);
    const limit = span.table === 'holding' || span.table === 'input' ? limits.maxRegisters : limits.maxBits;
    const end = span.address + span.length;
    if (
      last !== undefined &&
      last.unitId === span.unitId &&
      last.table === span.table &&
      span.address - last.end <= limits.maxGap &&
      Math.max(last.end, end) - last.address <= limit
    ) {
      last.end = Math.max(last.end, end);
      last.members.push(index);
    } else {
      requests.push({ unitId: span.unitId, table: span.table, address: span.address, end, members: [index] });
    }
  }
  return requests.map(({ unitId, table, address, end, members }) => ({ unitId, table, address, length: end - address, members }));
}
