/**
 * The fleet's topic tree under its prefix (default `tributary/fleet`):
 *
 *   <prefix>/status/<device>          retained: the device's status (JSON); `online: false` after a clean stop
 *   <prefix>/lost/<device>            retained: the device's Last Will, while it stands (cleared when it connects)
 *   <prefix>/result/<device>          what the device did with each bundle: applied, rejected, rolled back
 *   <prefix>/bundle/group/<group>     retained: the signed config bundle for a group
 *   <prefix>/bundle/device/<device>   retained: a signed bundle for one device (canaries)
 *   <prefix>/bundle/history/<group>/<version>
 *                                     retained: copies of a group's last bundles, for `fleet rollback` (devices do not
 *                                     subscribe to them)
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

  /**
   * Where the broker publishes the device's Last Will. Apart from the status, so the status keeps what the device
   * last said (the version it ran) when the connection is lost: a Will is written when the device connects.
   */
  lost(device: string): string {
    return `${this.prefix}/lost/${device}`;
  }

  get allLost(): string {
    return `${this.prefix}/lost/+`;
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

  /** The kept copy of a group's bundle of `version`. */
  groupHistory(group: string, version: number): string {
    return `${this.prefix}/bundle/history/${group}/${version}`;
  }

  /** The group and version of a history topic, or undefined for another topic. */
  historyOf(topic: string): { group: string; version: number } | undefined {
    const head = `${this.prefix}/bundle/history/`;
    const match = topic.startsWith(head) ? /^([^/]+)\/(\d+)$/.exec(topic.slice(head.length)) : null;
    return match ? { group: match[1]!, version: Number(match[2]) } : undefined;
  }

  /** Every bundle, for finding the highest version in use. */
  get allBundles(): string {
    return `${this.prefix}/bundle/#`;
  }

  /** The device named in a status topic, or undefined for another topic. */
  deviceOfStatus(topic: string): string | undefined {
    return this.deviceUnder('status', topic);
  }

  /** The device named in a Last Will topic, or undefined for another topic. */
  deviceOfLost(topic: string): string | undefined {
    return this.deviceUnder('lost', topic);
  }

  private deviceUnder(branch: string, topic: string): string | undefined {
    const head = `${this.prefix}/${branch}/`;
    return topic.startsWith(head) && !topic.slice(head.length).includes('/') ? topic.slice(head.length) : undefined;
  }
}
