/**
 * The far end of the soak benchmark, in a process of its own: a persistent MQTT session (the broker keeps what
 * arrives for it while it is away, across a restart of the broker) that takes every result the agent sends and
 * counts each buffer sequence number (`seq`) once, so duplicates (at-least-once redelivery) and gaps show. The
 * retained copy of each alert transition on its state topic (`…/alert/state`) is counted apart, not as a duplicate.
 * Sends `ready` on stdout once subscribed, then `counted <distinct>` every second; on SIGTERM prints one JSON line
 * and exits:
 * `{"messages", "distinct", "duplicates", "alert_state_copies", "min_seq", "max_seq", "gaps", "by_kind": {…}}`.
 *
 *   node --import tsx bench/soak/result-counter.ts <url> <topic filter>
 */
import mqtt from 'mqtt';

const [url, topic] = process.argv.slice(2);

const seen = new Set<number>();
const byKind: Record<string, number> = {};
let messages = 0;
let duplicates = 0;
let alertStateCopies = 0;
let minSeq = Number.POSITIVE_INFINITY;
let maxSeq = 0;

/** window, reading, alert or event, from the fields each kind's payload has (drivers/mqtt/result-payload.ts). */
function kindOf(result: Record<string, unknown>): string {
  if ('start' in result) return 'window';
  if ('state' in result) return 'alert';
  if ('event' in result) return 'event';
  return 'reading';
}

const client = await mqtt.connectAsync(url!, { clientId: `tributary-soak-counter-${process.pid}`, clean: false, reconnectPeriod: 500 });
client.on('message', (topic, payload) => {
  messages += 1;
  if (topic.endsWith('/alert/state')) {
    alertStateCopies += 1;
    return;
  }
  const result = JSON.parse(payload.toString()) as Record<string, unknown> & { seq: number };
  if (seen.has(result.seq)) {
    duplicates += 1;
    return;
  }
  seen.add(result.seq);
  minSeq = Math.min(minSeq, result.seq);
  maxSeq = Math.max(maxSeq, result.seq);
  const kind = kindOf(result);
  byKind[kind] = (byKind[kind] ?? 0) + 1;
});
await client.subscribeAsync(topic!, { qos: 1 });
process.stdout.write('ready\n');
setInterval(() => process.stdout.write(`counted ${seen.size}\n`), 1_000).unref();

process.once('SIGTERM', () => {
  void client.endAsync(true).finally(() => {
    const distinct = seen.size;
    const min = distinct === 0 ? 0 : minSeq;
    const gaps = distinct === 0 ? 0 : maxSeq - min + 1 - distinct;
    const summary = { messages, distinct, duplicates, alert_state_copies: alertStateCopies, min_seq: min, max_seq: maxSeq, gaps, by_kind: byKind };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    process.exit(0);
  });
});
