/**
 * A long-term memory of the shapes a sensor makes: up to `capacity` stretches of `length` readings, each with how
 * many separate occasions it was seen on. A stretch within `radius` of a kept shape is that shape seen again (a new
 * occasion once `separation` readings have passed since the last one); one that matches none is kept as a new
 * shape, in place of one of the shapes seen on the fewest occasions (the least recently matched of them) when
 * the memory is full. A shape seen on `established`
 * occasions or more is part of the sensor's normal, however long ago it left the sliding history: a daily or
 * weekly shape comes back after the pattern search has forgotten it. A one-off shape (a fault) is kept but not
 * established, so it still counts as new when it comes back once.
 *
 * O(capacity × length) per reading at worst, early-abandoned; the shapes are stored as 32-bit floats. On a recurring
 * signal far fewer shapes are measured: the search starts from the likely nearest one and walks the shapes in the order
 * of their newest reading, outward from the newest reading (see `searchInOrder`); the answer is the same to the bit.
 */
export class ShapeMemory {
  private readonly shapes: Float32Array;
  private readonly occasions: Uint32Array;
  private readonly lastOccasion: Float64Array;
  private readonly lastMatch: Float64Array;
  /** The latest `length` readings, a ring written twice so the newest stretch is contiguous. */
  private readonly recent: Float64Array;
  /**
   * Per shape, the shape the stretch one reading later was last (matched or kept as): on a recurring signal the
   * nearest shape of the newest stretch is usually the successor of the previous stretch's, and measured first it
   * gives the search a small bound from the start. -1: none yet.
   */
  private readonly successor: Int32Array;
  /** The shape the previous stretch matched or was kept as; -1: none. */
  private previousShape = -1;
  /**
   * The shapes in the order of their newest reading (as stored), and those readings: the newest reading's term alone
   * is smallest for the shapes nearest it in that order, so a search can start there and stop where it grows too big.
   */
  private readonly order: Int32Array;
  private readonly orderedNewest: Float32Array;
  /** The same for the established shapes alone, in `establishedCount`; rebuilt when `establishedStale`. */
  private readonly establishedOrder: Int32Array;
  private readonly establishedNewest: Float32Array;
  private establishedCount = 0;
  private establishedStale = false;
  /** Shapes whose newest reading is NaN (they have no place in the order): while any is kept, every shape is measured. */
  private nanShapes = 0;
  /** Whether `order` holds every shape (not kept up while every shape is measured in turn: see `allFor`). */
  private orderValid = true;
  /**
   * The search in order pays only where few shapes are near the newest stretch; where many are (noise: every shape
   * about as near), measuring each in turn is cheaper. Shapes looked at by the searches in order of the current
   * round of PROBE pushes; once past half of all per push, the next ALL_FOR pushes (doubling, up to ALL_FOR_MAX, while
   * the rounds between stay costly) measure each shape in turn and leave the order to be made again after them.
   */
  private lookedAt = 0;
  private probed = 0;
  private allFor = 0;
  private allForNext = ALL_FOR;
  /** What the last search found: the smallest distance, the first shape at it (-1: none), the smallest to an established one. */
  private bestAny = Number.POSITIVE_INFINITY;
  private bestAnyAt = -1;
  private bestEstablished = Number.POSITIVE_INFINITY;
  private next = 0;
  private filled = 0;
  private size = 0;
  private seen = 0;

  constructor(
    private readonly length: number,
    private readonly capacity: number,
    private readonly separation: number,
    private readonly established = 2,
  ) {
    if (!(length >= 2 && capacity >= 1 && separation >= 1 && established >= 1)) {
      throw new Error('shape memory: needs length >= 2, capacity >= 1, separation >= 1, established >= 1');
    }
    this.shapes = new Float32Array(capacity * length);
    this.occasions = new Uint32Array(capacity);
    this.lastOccasion = new Float64Array(capacity);
    this.lastMatch = new Float64Array(capacity);
    this.recent = new Float64Array(2 * length);
    this.successor = new Int32Array(capacity).fill(-1);
    this.order = new Int32Array(capacity);
    this.orderedNewest = new Float32Array(capacity);
    this.establishedOrder = new Int32Array(capacity);
    this.establishedNewest = new Float32Array(capacity);
  }

  /** Shapes kept now. */
  get kept(): number {
    return this.size;
  }

  /**
   * Adds a reading. Returns the distance of the latest `length` readings to the nearest established shape
   * (Infinity when there is none, or before `length` readings), then learns the stretch with `radius` as the
   * distance within which it is a shape already kept (NaN or negative: learns nothing).
   */
  push(value: number, radius: number): number {
    const { length, recent, shapes } = this;
    recent[this.next] = value;
    recent[this.next + length] = value;
    this.next = (this.next + 1) % length;
    this.seen += 1;
    if (this.filled < length) {
      this.filled += 1;
      if (this.filled < length) return Number.POSITIVE_INFINITY;
    }
    // The newest stretch, oldest first, is recent[next .. next + length).
    const start = this.next;
    const newest = recent[start + length - 1]!;
    if (this.allFor > 0) {
      this.allFor -= 1;
      this.searchAll(start);
    } else if (Number.isFinite(newest)) {
      if (!this.orderValid) this.sortOrder();
      if (this.nanShapes === 0) this.searchInOrder(start, newest);
      else this.searchAll(start);
      this.probed += 1;
      if (2 * this.lookedAt > PROBE * this.size) {
        // Costly: in turn for a while, twice as long as last time when the previous round was costly too.
        this.allFor = this.allForNext;
        this.allForNext = Math.min(2 * this.allForNext, ALL_FOR_MAX);
        this.orderValid = false;
        this.probed = 0;
        this.lookedAt = 0;
      } else if (this.probed === PROBE) {
        this.allForNext = ALL_FOR;
        this.probed = 0;
        this.lookedAt = 0;
      }
    } else {
      this.searchAll(start);
    }
    if (radius >= 0) this.learn(this.bestAnyAt, this.bestAny <= radius * radius);
    else this.follow(this.bestAnyAt);
    return Math.sqrt(this.bestEstablished);
  }

  /**
   * Every shape measured in turn, each dropped once its partial distance can no longer win: the smallest distance, the
   * first shape at it, and the smallest distance to an established shape, each distance summed newest reading first.
   */
  private searchAll(start: number): void {
    const { length, recent, shapes } = this;
    let bestAny = Number.POSITIVE_INFINITY;
    let bestAnyAt = -1;
    let bestEstablished = Number.POSITIVE_INFINITY;
    for (let shape = 0; shape < this.size; shape++) {
      const isEstablished = this.occasions[shape]! >= this.established;
      const bound = isEstablished ? Math.max(bestAny, bestEstablished) : bestAny;
      const base = shape * length;
      let distance = 0;
      for (let offset = length - 1; offset >= 0 && distance < bound; offset--) {
        const difference = recent[start + offset]! - shapes[base + offset]!;
        distance += difference * difference;
      }
      if (distance < bestAny) {
        bestAny = distance;
        bestAnyAt = shape;
      }
      if (isEstablished && distance < bestEstablished) bestEstablished = distance;
    }
    this.bestAny = bestAny;
    this.bestAnyAt = bestAnyAt;
    this.bestEstablished = bestEstablished;
  }

  /**
   * The same answer as `searchAll` (each distance is summed the same way, and every shape that could be the smallest or
   * tie with it is summed in full), with fewer shapes measured: the likely nearest shape first, for a small bound from
   * the start, then the shapes outward from the newest reading in the order of their newest readings, up to where
   * that term alone is beyond the bound; a tie wins for a shape before the nearest so far, as in the order of
   * `searchAll`. The nearest established shape is the nearest of all when that one is established, else searched
   * the same way among the established ones.
   */
  private searchInOrder(start: number, newest: number): void {
    const { order, orderedNewest, size } = this;
    this.bestAny = Number.POSITIVE_INFINITY;
    this.bestAnyAt = -1;
    const seed = this.previousShape >= 0 ? this.successor[this.previousShape]! : -1;
    if (seed >= 0 && seed < size) {
      const distance = this.sumFrom(start, seed, 0, this.length, Number.POSITIVE_INFINITY, false);
      if (distance < Number.POSITIVE_INFINITY) {
        this.bestAny = distance;
        this.bestAnyAt = seed;
      }
    }
    const from = lowerBound(orderedNewest, size, newest);
    for (let index = from; index < size; index++) {
      const first = newest - orderedNewest[index]!;
      if (!this.consider(start, order[index]!, first * first, seed)) break;
    }
    for (let index = from - 1; index >= 0; index--) {
      const first = newest - orderedNewest[index]!;
      if (!this.consider(start, order[index]!, first * first, seed)) break;
    }
    const { bestAny, bestAnyAt } = this;
    if (bestAnyAt >= 0 && this.occasions[bestAnyAt]! >= this.established) {
      this.bestEstablished = bestAny;
      return;
    }
    if (this.establishedStale) this.listEstablished();
    const fromEstablished = lowerBound(this.establishedNewest, this.establishedCount, newest);
    const above = this.walkEstablished(start, newest, fromEstablished, 1, Number.POSITIVE_INFINITY);
    this.bestEstablished = this.walkEstablished(start, newest, fromEstablished - 1, -1, above);
  }

  /**
   * The established shapes from `index` on, one way (`step`), while the newest reading's term alone can still beat
   * `best`: the smallest distance, `best` if none is nearer.
   */
  private walkEstablished(start: number, newest: number, index: number, step: 1 | -1, best: number): number {
    const { establishedOrder, establishedNewest, establishedCount } = this;
    for (; index >= 0 && index < establishedCount; index += step) {
      const first = newest - establishedNewest[index]!;
      const head = first * first;
      if (!(head < best)) break;
      this.lookedAt += 1;
      const distance = this.sumFrom(start, establishedOrder[index]!, head, this.length - 1, best, false);
      if (distance < best) best = distance;
    }
    return best;
  }

  /**
   * One shape of the walk outward, `head` its newest reading's term: measured if it can be the nearest (or tie with
   * it, before it); false once `head` alone is beyond the smallest distance (so is every shape further out).
   */
  private consider(start: number, shape: number, head: number, seed: number): boolean {
    const { bestAny, bestAnyAt } = this;
    if (head > bestAny) return false;
    this.lookedAt += 1;
    if (shape === seed) return true;
    if (shape < bestAnyAt) {
      const distance = this.sumFrom(start, shape, head, this.length - 1, bestAny, true);
      if (distance <= bestAny) {
        this.bestAny = distance;
        this.bestAnyAt = shape;
      }
    } else if (head < bestAny) {
      const distance = this.sumFrom(start, shape, head, this.length - 1, bestAny, false);
      if (distance < bestAny) {
        this.bestAny = distance;
        this.bestAnyAt = shape;
      }
    }
    return true;
  }

  /**
   * `distance` (the terms of the readings after the first `terms` already in it) plus the terms of readings
   * `terms - 1` down to 0 of `shape`, newest first, while the sum stays under `bound` (at most it, when `inclusive`).
   */
  private sumFrom(start: number, shape: number, distance: number, terms: number, bound: number, inclusive: boolean): number {
    const { recent, shapes } = this;
    const base = shape * this.length;
    if (inclusive) {
      for (let offset = terms - 1; offset >= 0 && distance <= bound; offset--) {
        const difference = recent[start + offset]! - shapes[base + offset]!;
        distance += difference * difference;
      }
    } else {
      for (let offset = terms - 1; offset >= 0 && distance < bound; offset--) {
        const difference = recent[start + offset]! - shapes[base + offset]!;
        distance += difference * difference;
      }
    }
    return distance;
  }

  private listEstablished(): void {
    let count = 0;
    for (let index = 0; index < this.size; index++) {
      const shape = this.order[index]!;
      if (this.occasions[shape]! < this.established) continue;
      this.establishedOrder[count] = shape;
      this.establishedNewest[count] = this.orderedNewest[index]!;
      count += 1;
    }
    this.establishedCount = count;
    this.establishedStale = false;
  }

  /** Every shape in the order of its newest reading, afresh (NaN last). */
  private sortOrder(): void {
    const { order, orderedNewest } = this;
    this.nanShapes = 0;
    for (let shape = 0; shape < this.size; shape++) {
      const newest = this.shapes[shape * this.length + this.length - 1]!;
      let at = shape;
      if (Number.isNaN(newest)) {
        this.nanShapes += 1;
      } else {
        // Insertion: past every number above it and every NaN.
        while (at > 0 && !(orderedNewest[at - 1]! <= newest)) {
          order[at] = order[at - 1]!;
          orderedNewest[at] = orderedNewest[at - 1]!;
          at -= 1;
        }
      }
      order[at] = shape;
      orderedNewest[at] = newest;
    }
    this.orderValid = true;
    this.establishedStale = true;
  }

  /** Puts shape `slot` (new, or in place of `replaced` shapes) in the order of newest readings. */
  private placeInOrder(slot: number, replaced: boolean): void {
    const { order, orderedNewest } = this;
    let count = replaced ? this.size : this.size - 1;
    if (replaced) {
      const at = order.indexOf(slot);
      if (Number.isNaN(orderedNewest[at]!)) this.nanShapes -= 1;
      order.copyWithin(at, at + 1, count);
      orderedNewest.copyWithin(at, at + 1, count);
      count -= 1;
    }
    const newest = this.shapes[slot * this.length + this.length - 1]!;
    // NaN at the end, after every number, so the numbers before stay in order.
    if (Number.isNaN(newest)) this.nanShapes += 1;
    const at = Number.isNaN(newest) ? count : lowerBound(orderedNewest, count, newest);
    order.copyWithin(at + 1, at, count);
    orderedNewest.copyWithin(at + 1, at, count);
    order[at] = slot;
    orderedNewest[at] = newest;
  }

  /** The newest stretch is shape `shape` now (-1: none): the previous stretch's shape is followed by it. */
  private follow(shape: number): void {
    if (this.previousShape >= 0 && shape >= 0) this.successor[this.previousShape] = shape;
    this.previousShape = shape;
  }

  private learn(nearest: number, matched: boolean): void {
    if (matched) {
      if (this.seen - this.lastOccasion[nearest]! >= this.separation) {
        this.occasions[nearest] = this.occasions[nearest]! + 1;
        if (this.occasions[nearest] === this.established) this.establishedStale = true;
        this.lastOccasion[nearest] = this.seen;
      }
      this.lastMatch[nearest] = this.seen;
      this.follow(nearest);
      return;
    }
    let slot = this.size;
    const replaced = this.size === this.capacity;
    if (!replaced) {
      this.size += 1;
    } else {
      // Full: the shape seen on the fewest occasions goes, the least recently matched of those; so one-off shapes
      // make way for each other and what recurs stays.
      slot = 0;
      for (let shape = 1; shape < this.capacity; shape++) {
        const oneOff = this.occasions[shape]! < this.established;
        const slotOneOff = this.occasions[slot]! < this.established;
        if ((oneOff && !slotOneOff) || (oneOff === slotOneOff && this.lastMatch[shape]! < this.lastMatch[slot]!)) slot = shape;
      }
    }
    // The slot's shape (none, when new) leaves the established ones, or the new one (seen once) joins them.
    if (this.occasions[slot]! >= this.established || 1 >= this.established) this.establishedStale = true;
    this.shapes.set(this.recent.subarray(this.next, this.next + this.length), slot * this.length);
    if (this.orderValid && this.allFor === 0) this.placeInOrder(slot, replaced);
    else this.orderValid = false;
    this.occasions[slot] = 1;
    this.lastOccasion[slot] = this.seen;
    this.lastMatch[slot] = this.seen;
    this.follow(slot);
  }
}

/** Pushes per round of the searches in order, and pushes measuring every shape in turn after a costly round. */
const PROBE = 32;
const ALL_FOR = 256;
const ALL_FOR_MAX = 4096;

/** The first of the `count` ascending numbers in `values` that is not below `value`. */
function lowerBound(values: Float32Array, count: number, value: number): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
