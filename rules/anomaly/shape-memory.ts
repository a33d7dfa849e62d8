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
 * O(capacity × length) per reading, early-abandoned; the shapes are stored as 32-bit floats.
 */
export class ShapeMemory {
  private readonly shapes: Float32Array;
  private readonly occasions: Uint32Array;
  private readonly lastOccasion: Float64Array;
  private readonly lastMatch: Float64Array;
  /** The latest `length` readings, a ring written twice so the newest stretch is contiguous. */
  private readonly recent: Float64Array;
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
    if (radius >= 0) this.learn(bestAnyAt, bestAny <= radius * radius);
    return Math.sqrt(bestEstablished);
  }

  private learn(nearest: number, matched: boolean): void {
    if (matched) {
      if (this.seen - this.lastOccasion[nearest]! >= this.separation) {
        this.occasions[nearest] = this.occasions[nearest]! + 1;
        this.lastOccasion[nearest] = this.seen;
      }
      this.lastMatch[nearest] = this.seen;
      return;
    }
    let slot = this.size;
    if (this.size < this.capacity) {
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
    this.shapes.set(this.recent.subarray(this.next, this.next + this.length), slot * this.length);
    this.occasions[slot] = 1;
    this.lastOccasion[slot] = this.seen;
    this.lastMatch[slot] = this.seen;
  }
}
