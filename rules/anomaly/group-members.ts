/**
 * Which group, and which member of it, a reading belongs to, for `anomaly: { across: [...] }`.
 * - Full names (`[pump/flow, pump/pressure]`): one group per source, named after the names' common prefix (`pump`).
 * - Last name levels (`[flow, pressure]`): one group per device, the sensor name without its last level, as `derive`
 *   groups its inputs — `pump1/flow` and `pump2/flow` belong to groups `pump1` and `pump2`, one alert each.
 */
export interface GroupMember {
  /** The group's name: the alert's `sensor`. */
  readonly group: string;
  /** Index in `across`. */
  readonly index: number;
}

const MAX_CACHED = 4096;

export class GroupMembers {
  private readonly byLevel: boolean;
  private readonly index: ReadonlyMap<string, number>;
  private readonly fixedGroup: string;
  /** Sensor name → its member (null: not one), so the hot path neither slices strings nor allocates. */
  private readonly cache = new Map<string, GroupMember | null>();

  constructor(readonly across: readonly string[]) {
    const withSlash = across.filter((name) => name.includes('/')).length;
    if (withSlash !== 0 && withSlash !== across.length) {
      throw new Error('across: write every sensor as a full name (pump/flow) or every one as a last level (flow), not both');
    }
    this.byLevel = withSlash === 0;
    this.index = new Map(across.map((name, i) => [name, i]));
    this.fixedGroup = this.byLevel ? '' : commonPrefix(across);
  }

  /** The member a sensor name is, or undefined when it is not in the group. */
  of(sensor: string): GroupMember | undefined {
    const cached = this.cache.get(sensor);
    if (cached !== undefined) return cached ?? undefined;
    // Bounded: sensor names that come and go (ids in names) must not grow it for ever.
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    const member = this.find(sensor);
    this.cache.set(sensor, member ?? null);
    return member;
  }

  private find(sensor: string): GroupMember | undefined {
    if (!this.byLevel) {
      const index = this.index.get(sensor);
      return index === undefined ? undefined : { group: this.fixedGroup, index };
    }
    const slash = sensor.lastIndexOf('/');
    const index = this.index.get(sensor.slice(slash + 1));
    return index === undefined ? undefined : { group: slash < 0 ? '' : sensor.slice(0, slash), index };
  }

  /** The sensor names of a group's members, for messages. */
  names(group: string): string[] {
    return this.byLevel ? this.across.map((level) => (group === '' ? level : `${group}/${level}`)) : [...this.across];
  }
}

/** `pump` for [pump/flow, pump/pressure]; `a+b` when the names share no leading level. */
function commonPrefix(names: readonly string[]): string {
  const split = names.map((name) => name.split('/'));
  const shared: string[] = [];
  for (let level = 0; split.every((parts) => level < parts.length - 1 && parts[level] === split[0]![level]); level++) shared.push(split[0]![level]!);
  return shared.length > 0 ? shared.join('/') : names.join('+');
}
