import type { Reading, Tags } from '../reading.js';

/** Which parts of a reading make up its group: results are per group and window. */
export interface GroupBy {
  readonly source: boolean;
  readonly sensor: boolean;
  /** Tag names whose values split groups further. */
  readonly tags: readonly string[];
}

export const BY_SOURCE_AND_SENSOR: GroupBy = { source: true, sensor: true, tags: [] };

/** A group's identity as results carry it. Parts not grouped by are replaced by the rule's name. */
export interface GroupIdentity {
  readonly source: string;
  readonly sensor: string;
  readonly tags: Tags;
}

/** Where a group's state sits in the index, for deleting it. */
interface GroupPlace<State> {
  readonly source: string;
  readonly bySensor: Map<string, Map<string, State> | State>;
  readonly sensor: string;
  readonly byTags: Map<string, State> | undefined;
  readonly key: string;
  readonly state: State;
}

/**
 * Finds the state of a reading's group. Nested maps (source → sensor → tag values) rather than one joined key, so
 * the common case, grouping by source and sensor, builds no strings per reading.
 */
export class GroupIndex<State> {
  private readonly root = new Map<string, Map<string, Map<string, State> | State>>();
  private lastSourceKey: string | undefined;
  private lastBySensor: Map<string, Map<string, State> | State> | undefined;
  /** Grouped by source and sensor only: one group per series. */
  private readonly bySeries: boolean;
  /** Where the last `forgetSome` stopped. */
  private cursor: Iterator<GroupPlace<State>> | undefined;

  constructor(
    private readonly groupBy: GroupBy,
    private readonly ruleName: string,
    private readonly create: (identity: GroupIdentity) => State,
  ) {
    this.bySeries = groupBy.source && groupBy.sensor && groupBy.tags.length === 0;
  }

  get(reading: Reading): State {
    // Fast path for the default grouping: same source as the last reading, group already known. Kept apart from
    // `find` so that it is small enough for V8 to inline into the window operators.
    if (this.bySeries && reading.source === this.lastSourceKey) {
      const state = this.lastBySensor!.get(reading.sensor) as State | undefined;
      if (state !== undefined) return state;
    }
    return this.find(reading);
  }

  /** The state of the reading's group, made if need be. */
  private find(reading: Reading): State {
    const sourceKey = this.groupBy.source ? reading.source : '';
    const sensorKey = this.groupBy.sensor ? reading.sensor : '';
    // Most agents have a handful of sources: remembering the last one's map saves a lookup per reading.
    let bySensor = sourceKey === this.lastSourceKey ? this.lastBySensor : this.root.get(sourceKey);
    if (!bySensor) {
      bySensor = new Map();
      this.root.set(sourceKey, bySensor);
    }
    this.lastSourceKey = sourceKey;
    this.lastBySensor = bySensor;
    if (this.groupBy.tags.length === 0) {
      let state = bySensor.get(sensorKey) as State | undefined;
      if (state === undefined) {
        state = this.create(this.identity(reading));
        bySensor.set(sensorKey, state);
      }
      return state;
    }
    let byTags = bySensor.get(sensorKey) as Map<string, State> | undefined;
    if (!byTags) {
      byTags = new Map();
      bySensor.set(sensorKey, byTags);
    }
    const tagKey = this.groupBy.tags.map((name) => reading.tags[name] ?? '').join('\u0000');
    let state = byTags.get(tagKey);
    if (state === undefined) {
      state = this.create(this.identity(reading));
      byTags.set(tagKey, state);
    }
    return state;
  }

  /** Calls `visit` for every group; plain loops rather than a generator, as `advance` runs it over every group. */
  forEach(visit: (state: State) => void): void {
    const byTags = this.groupBy.tags.length > 0;
    for (const bySensor of this.root.values()) {
      for (const entry of bySensor.values()) {
        if (!byTags) visit(entry as State);
        else for (const state of (entry as Map<string, State>).values()) visit(state);
      }
    }
  }

  *states(): IterableIterator<State> {
    for (const bySensor of this.root.values()) {
      for (const entry of bySensor.values()) {
        if (this.groupBy.tags.length === 0) yield entry as State;
        else yield* (entry as Map<string, State>).values();
      }
    }
  }

  /** Forgets groups for which `idle` says so, to bound memory when sensors come and go. */
  prune(idle: (state: State) => boolean): void {
    for (const [source, bySensor] of this.root) {
      for (const [sensor, entry] of bySensor) {
        if (this.groupBy.tags.length === 0) {
          if (idle(entry as State)) bySensor.delete(sensor);
          continue;
        }
        const byTags = entry as Map<string, State>;
        for (const [key, state] of byTags) if (idle(state)) byTags.delete(key);
        if (byTags.size === 0) bySensor.delete(sensor);
      }
      if (bySensor.size === 0) {
        this.root.delete(source);
        if (source === this.lastSourceKey) this.lastSourceKey = undefined;
      }
    }
  }

  /**
   * Looks at up to `limit` groups, carrying on from where the last call stopped (round and round), and forgets those
   * `idle` says so: for forgetting groups a slice at a time rather than in one scan of them all.
   */
  forgetSome(limit: number, idle: (state: State) => boolean): void {
    let restarted = false;
    for (let looked = 0; looked < limit; ) {
      this.cursor ??= this.places();
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        if (restarted) return;
        restarted = true;
        continue;
      }
      looked += 1;
      const { source, bySensor, sensor, byTags, key, state } = next.value;
      if (!idle(state)) continue;
      if (!byTags) bySensor.delete(sensor);
      else if (byTags.delete(key) && byTags.size === 0) bySensor.delete(sensor);
      if (bySensor.size === 0) {
        this.root.delete(source);
        if (source === this.lastSourceKey) this.lastSourceKey = undefined;
      }
    }
  }

  /** Every group with where it sits; Map iterators carry on past entries deleted meanwhile. */
  private *places(): Generator<GroupPlace<State>> {
    const byTags = this.groupBy.tags.length > 0;
    for (const [source, bySensor] of this.root) {
      for (const [sensor, entry] of bySensor) {
        if (!byTags) yield { source, bySensor, sensor, byTags: undefined, key: sensor, state: entry as State };
        else for (const [key, state] of entry as Map<string, State>) yield { source, bySensor, sensor, byTags: entry as Map<string, State>, key, state };
      }
    }
  }

  private identity(reading: Reading): GroupIdentity {
    let tags: Tags = reading.tags;
    // A series (one source and sensor) carries its tags; a group across series only the tags it is grouped by, not
    // those of whichever reading happened to come first.
    if (this.groupBy.tags.length > 0 || !(this.groupBy.source && this.groupBy.sensor)) {
      const picked: Record<string, string> = {};
      for (const name of this.groupBy.tags) {
        const value = reading.tags[name];
        if (value !== undefined) picked[name] = value;
      }
      tags = Object.freeze(picked);
    }
    return {
      source: this.groupBy.source ? reading.source : this.ruleName,
      sensor: this.groupBy.sensor ? reading.sensor : this.ruleName,
      tags,
    };
  }
}
