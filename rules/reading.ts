/** Free-form labels carried with a reading (room, device id, unit …). */
export type Tags = Readonly<Record<string, string>>;

/** One measurement from one sensor: the unit of data that flows from sources into the rules. */
export interface Reading {
  /** Name of the source instance in the config (`sources.<name>`). */
  readonly source: string;
  /** Sensor name, slash-separated from general to specific, e.g. `greenhouse/temperature`. */
  readonly sensor: string;
  readonly value: number;
  /** Event time: when the value was measured, in ms since the Unix epoch. */
  readonly timestamp: number;
  readonly tags: Tags;
}

export const NO_TAGS: Tags = Object.freeze({});
