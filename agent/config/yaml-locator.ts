import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/** Finds where a key path sits in a parsed YAML document, for error messages. */
export class YamlLocator {
  constructor(
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  /**
   * Line and column of the value at `path`, or of its key when `at` is 'key'. A path that does not exist (a
   * missing field) resolves to the deepest part that does, so the user is pointed at the object lacking it.
   */
  position(path: readonly PropertyKey[], at: 'value' | 'key' = 'value'): { line: number; column: number } {
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      const offset = at === 'key' || depth < path.length ? this.keyOffset(prefix) ?? this.valueOffset(prefix) : this.valueOffset(prefix);
      if (offset !== undefined) return this.positionOf(offset);
    }
    return { line: 1, column: 1 };
  }

  /** 1-based line and column of a character offset in the file. */
  positionOf(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** Whether the document holds anything at `path`. */
  has(path: readonly PropertyKey[]): boolean {
    return this.node(path) !== undefined;
  }

  /** Plain words for what the user wrote at `path`: "the text "abc"", "a list", … */
  describe(path: readonly PropertyKey[]): string {
    const node = this.node(path);
    if (node === undefined) return 'nothing';
    if (isMap(node)) return 'a mapping';
    if (isSeq(node)) return 'a list';
    if (isScalar(node)) {
      const value = node.value;
      if (value === null) return 'an empty value';
      if (typeof value === 'string') return `the text "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
      if (typeof value === 'number') return `the number ${value}`;
      if (typeof value === 'boolean') return `the boolean ${value}`;
    }
    return 'a value of another type';
  }

  private node(path: readonly PropertyKey[]): Node | undefined {
    if (path.length === 0) return (this.document.contents as Node | null) ?? undefined;
    const found = this.document.getIn(path as PropertyKey[], true) as unknown;
    return found !== undefined && found !== null && typeof found === 'object' && 'range' in found ? (found as Node) : undefined;
  }

  private valueOffset(path: readonly PropertyKey[]): number | undefined {
    return this.node(path)?.range?.[0];
  }

  private keyOffset(path: readonly PropertyKey[]): number | undefined {
    if (path.length === 0) return undefined;
    const parent = this.node(path.slice(0, -1));
    if (!isMap(parent)) return undefined;
    const last = String(path[path.length - 1]);
    for (const item of parent.items) {
      if (isPair(item) && isScalar(item.key) && String(item.key.value) === last) return item.key.range?.[0];
    }
    return undefined;
  }
}
