/**
 * Which group, and which member of it, a reading belongs to, for `anomaly: { across: [...] }`.
 * - Full names (`[pump/flow, pump/pressure]`): one group per source, named after the names' common prefix (`pump`).
 * - Last name levels (`[flow, pressure]`): one group per device, the sensor name without its last level, as `derive`
 *   groups its inputs — `pump1/flow` and `pump2/flow` belong to groups `pump1` and `pump2`, one alert each.
 * - With `by_tag: <name>`, the group is the value of that tag instead (readings without it belong to no group), for
 *   devices told apart by a tag rather than by their sensor names.
 */
interface NamedMember {
  /** Index in `across`. */
  readonly index: number;
  /** The group the sensor name alone gives. */
  readonly group: string;
}

const MAX_CACHED = 4096;

export class GroupMembers {
  private readonly byLevel: boolean;
  private readonly index: ReadonlyMap<string, number>;
  private readonly fixedGroup: string;
  /** Sensor name → its member (null: not one), so the hot path neither slices strings nor allocates. */
  private readonly cache = new Map<string, NamedMember | null>();

  constructor(
    readonly across: readonly string[],
    private readonly byTag?: string,
  ) {
    const withSlash = across.filter((name) => name.includes('/')).length;
    if (withSlash !== 0 && withSlash !== across.length) {
      throw new Error('across: write every sensor as a full name (pump/flow) or every one as a last level (flow), not both');
    }
    this.byLevel = withSlash === 0;
    this.index = new Map(across.map((name, i) => [name, i]));
    this.fixedGroup = this.byLevel ? '' : commonPrefix(across);
  }

  /** The sensor's index in `across`, or -1 when it is not in the group. */
  indexOf(sensor: string): number {
    return this.member(sensor)?.index ?? -1;
  }

  /** The group of a member's reading: by its name, or by the `by_tag` tag (undefined when the reading lacks it). */
  groupOf(sensor: string, tags: Readonly<Record<string, string>>): string | undefined {
    return this.byTag === undefined ? this.member(sensor)?.group : tags[this.byTag];
  }

  /** The sensor names of a group's members as far as the names tell them, for messages (the tracker corrects them). */
  names(group: string): string[] {
    if (!this.byLevel || this.byTag !== undefined) return [...this.across];
    return this.across.map((level) => (group === '' ? level : `${group}/${level}`));
  }

  private member(sensor: string): NamedMember | undefined {
    const cached = this.cache.get(sensor);
    if (cached !== undefined) return cached ?? undefined;
    // Bounded: sensor names that come and go (ids in names) must not grow it for ever.
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    const member = this.find(sensor);
    this.cache.set(sensor, member ?? null);
    return member;
  }

  private find(sensor: string): NamedMember | undefined {
    if (!this.byLevel) {
      const index = this.index.get(sensor);
      return index === undefined ? undefined : { group: this.fixedGroup, index };
    }
    const slash = sensor.lastIndexOf('/');
    const index = this.index.get(sensor.slice(slash + 1));
    return index === undefined ? undefined : { group: slash < 0 ? '' : sensor.slice(0, slash), index };
  }
}

/** `pump` for [pump/flow, pump/pressure]; `a+b` when the names share no leading level. */
function commonPrefix(names: readonly string[]): string {
  const split = names.map((name) => name.split('/'));
  const shared: string[] = [];
  for (let level = 0; split.every((parts) => level < parts.length - 1 && parts[level] === split[0]![level]); level++) shared.push(split[0]![level]!);
  return shared.length > 0 ? shared.join('/') : names.join('+');
}
