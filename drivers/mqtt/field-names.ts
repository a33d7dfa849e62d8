/** Names kept by a FieldNames before it starts over: a bound on its memory whatever the topics and payloads. */
const MAX_FIELD_NAMES = 10_000;

/**
 * The `<sensor>/<field>` names of readings, each made once and handed out again for the next message of the same
 * sensor, rather than a new string per reading (issue 24: allocations per reading). Holds at most MAX_FIELD_NAMES
 * names and starts over when full, so payloads with ever new fields or topics cannot grow it without end.
 */
export class FieldNames {
  private readonly bySensor = new Map<string, Map<string, string>>();
  private count = 0;

  join(sensor: string, field: string): string {
    let names = this.bySensor.get(sensor);
    if (names === undefined) {
      names = new Map();
      this.bySensor.set(sensor, names);
    }
    let name = names.get(field);
    if (name === undefined) {
      name = `${sensor}/${field}`;
      if (this.count >= MAX_FIELD_NAMES) {
        this.bySensor.clear();
        this.count = 0;
        names = new Map();
        this.bySensor.set(sensor, names);
      }
      names.set(field, name);
      this.count += 1;
    }
    return name;
  }
}
