import mqtt, { type MqttClient } from 'mqtt';

/**
 * Mosquitto's counters (`$SYS/broker/…`, sent every `sys_interval` seconds) that say what a rollout cost the broker:
 * MQTT packets of every kind (PUBLISH, PUBACK, PINGREQ …; each delivery to a subscriber counts) and bytes, in and
 * out. Not `publish/messages/*`: Mosquitto 2.0.11 leaves retained PUBLISHes out of `publish/messages/received`.
 */
const COUNTERS = ['messages/received', 'messages/sent', 'bytes/received', 'bytes/sent'] as const;
export type BrokerCounter = (typeof COUNTERS)[number];
export type BrokerCounts = Record<BrokerCounter, number>;

/**
 * Reads the broker's counters. What the broker sent to this reader (the counters themselves) is taken off `sent`:
 * packets exactly, bytes as topic, payload and a 4-byte header each.
 */
export class BrokerCounters {
  private latest: Partial<BrokerCounts> = {};
  private own = { messages: 0, bytes: 0 };
  /** Reports seen: `messages/sent` changes in every one, as each delivers the counters to this client. */
  private reports = 0;

  private constructor(private readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      this.own.messages++;
      this.own.bytes += topic.length + payload.length + 4;
      const name = topic.slice('$SYS/broker/'.length) as BrokerCounter;
      this.latest[name] = Number(payload.toString());
      if (name === 'messages/sent') this.reports++;
    });
  }

  static async open(url: string): Promise<BrokerCounters> {
    const client = await mqtt.connectAsync(url, { clientId: 'bench-fleet-sys', clean: true });
    const counters = new BrokerCounters(client);
    await client.subscribeAsync(COUNTERS.map((name) => `$SYS/broker/${name}`));
    return counters;
  }

  /**
   * The counters of a report made after this call (so they include everything before it). The second report from
   * now: the first may have been made just before the call. Mosquitto sends a counter only when it changed, so the
   * others are read a moment after it, once that report is through.
   */
  async next(timeoutMs = 10_000): Promise<BrokerCounts> {
    const deadline = Date.now() + timeoutMs;
    const from = this.reports;
    while (this.reports - from < 2 || COUNTERS.some((name) => this.latest[name] === undefined)) {
      if (Date.now() > deadline) throw new Error('no $SYS report from the broker: is sys_interval set?');
      await sleep(20);
    }
    await sleep(200);
    const latest = this.latest as BrokerCounts;
    return { ...latest, 'messages/sent': latest['messages/sent'] - this.own.messages, 'bytes/sent': latest['bytes/sent'] - this.own.bytes };
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

export function countsBetween(before: BrokerCounts, after: BrokerCounts): BrokerCounts {
  return Object.fromEntries(COUNTERS.map((name) => [name, after[name] - before[name]])) as BrokerCounts;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
