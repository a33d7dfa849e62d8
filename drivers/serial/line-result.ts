/** One value a line holds, before it becomes a reading named `<sensor_prefix>/<field>`. */
export interface FieldValue {
  readonly field: string;
  readonly value: number;
}

/** Why (part of) a line was rejected; the kind keys the bad-input counters and logs. */
export interface LineProblem {
  readonly kind: string;
  readonly message: string;
}

/** What a format made of one line: its values (maybe none), a time of measurement if it carried one, a problem. */
export interface LineResult {
  readonly values: FieldValue[];
  readonly timestamp?: number | undefined;
  readonly problem?: LineProblem | undefined;
}

/** Reads lines in one format. */
export interface FormatParser {
  /** One line: valid UTF-8, without its delimiter, trimmed, not empty; `arrival`: when it arrived (local clock, ms). */
  parse(line: string, arrival: number): LineResult;
  /** Called when the port is (re)opened: forget what was learnt from the device, such as a CSV header or a GPS date. */
  reset?(): void;
}
