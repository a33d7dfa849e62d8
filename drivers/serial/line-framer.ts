/** What the framer hands on: a complete line, or the start of one that grew past the limit and was dropped. */
export interface FramerSink {
  line(bytes: Buffer): void;
  /** Called once per over-long line with its first bytes; framing resumes after the next delimiter. */
  overflow(firstBytes: Buffer): void;
}

/**
 * Splits a byte stream into lines at a delimiter of one or more bytes, which may arrive split across chunks.
 * Memory stays bounded: a line longer than `maxLineBytes` is dropped as soon as it is too long, reported once,
 * and everything up to the next delimiter is skipped, so the line after it arrives whole.
 */
export class LineFramer {
  private pending: Buffer = Buffer.alloc(0);
  /** Skipping the rest of an over-long line until the next delimiter. */
  private discarding = false;

  constructor(
    private readonly delimiter: Buffer,
    private readonly maxLineBytes: number,
  ) {
    if (delimiter.length === 0) throw new Error('the line delimiter must not be empty');
  }

  push(chunk: Buffer, sink: FramerSink): void {
    // Only the bytes that could start a split delimiter are kept while discarding, so pending stays small.
    const searchFrom = Math.max(0, this.pending.length - this.delimiter.length + 1);
    const buffer = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let start = 0;
    let at = buffer.indexOf(this.delimiter, searchFrom);
    while (at !== -1) {
      const line = buffer.subarray(start, at);
      if (this.discarding) this.discarding = false;
      else if (line.length > this.maxLineBytes) sink.overflow(line.subarray(0, 64));
      else sink.line(line);
      start = at + this.delimiter.length;
      at = buffer.indexOf(this.delimiter, start);
    }
    let rest = buffer.subarray(start);
    if (!this.discarding && rest.length > this.maxLineBytes) {
      sink.overflow(rest.subarray(0, 64));
      this.discarding = true;
    }
    if (this.discarding) rest = rest.subarray(Math.max(0, rest.length - (this.delimiter.length - 1)));
    // A copy, so a small tail does not keep a large chunk (or serialport's read pool) alive.
    this.pending = Buffer.from(rest);
  }

  /** Forgets a partial line, e.g. after the device was unplugged: its start must not be glued to new data. */
  reset(): void {
    this.pending = Buffer.alloc(0);
    this.discarding = false;
  }
}
