/**
 * The fleet's topic tree under its prefix (default `tributary/fleet`):
 *
 *   <prefix>/status/<device>          retained: the device's status (JSON), or its Last Will when it vanished
 *   <prefix>/result/<device>          what the device did with each bundle: applied, rejected, rolled back
 *   <prefix>/bundle/group/<group>     retained: the signed config bundle for a group
 *   <prefix>/bundle/device/<device>   retained: a signed bundle for one device (canaries)
 */
export class FleetTopics {
  constructor(readonly prefix: string) {}

  status(device: string): string {
    return `${this.prefix}/status/${device}`;
  }

  /** Every device's status, for `fleet status` and `fleet watch`. */
  get allStatuses(): string {
    return `${this.prefix}/status/+`;
  }

  result(device: string): string {
    return `${this.prefix}/result/${device}`;
  }

  groupBundle(group: string): string {
    return `${this.prefix}/bundle/group/${group}`;
  }

  deviceBundle(device: string): string {
    return `${this.prefix}/bundle/device/${device}`;
  }

  /** Every bundle, for finding the highest version in use. */
  get allBundles(): string {
    return `${this.prefix}/bundle/#`;
  }

  /** The device named in a status topic, or undefined for another topic. */
  deviceOfStatus(topic: string): string | undefined {
    const head = `${this.prefix}/status/`;
    return topic.startsWith(head) && !topic.slice(head.length).includes('/') ? topic.slice(head.length) : undefined;
  }
}
