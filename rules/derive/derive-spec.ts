/**
 * A reading computed from several sensors of one device, e.g. dew point from temperature and humidity.
 * A device is a sensor name less its last level: `greenhouse/temperature` and `greenhouse/humidity` belong to
 * device `greenhouse` of the same source.
 */
export interface DeriveSpec {
  /** Variable name in the expression → last level of the sensor name (`t: temperature`). */
  readonly inputs: Readonly<Record<string, string>>;
  /** Formula in the expression language, using the variables (`t - (100 - rh) / 5`). */
  readonly expression: string;
  /** Readings further apart than this are not combined. */
  readonly toleranceMs: number;
  /** Last level of the derived sensor's name: the result is `<device>/<output>`. */
  readonly output: string;
}
