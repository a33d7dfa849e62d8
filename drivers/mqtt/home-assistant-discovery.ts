import { createHash } from 'node:crypto';
import type { BufferedResult, DriverLogger } from '../driver.js';
import { AGENT_RULE, type RuleResult } from '../../rules/rule-result.js';
import type { HomeAssistantOptions } from './mqtt-options.js';

/** One retained discovery config: where it goes, and the JSON Home Assistant reads. */
export interface DiscoveryMessage {
  readonly topic: string;
  readonly config: Record<string, unknown>;
}

/** What discovery needs from the sink besides its own options. */
export interface DiscoveryContext {
  /** `[a-zA-Z0-9_-]+`: node id in the discovery topics and base of every unique_id. */
  readonly deviceId: string;
  /** Topic with the retained `online`/`offline`, for Home Assistant's availability. */
  readonly statusTopic: string;
  /** The topic a result is published on (the sink's `topic`, or `alert_topic` for alerts). */
  readonly topicOf: (result: RuleResult) => string;
  /** QoS Home Assistant subscribes with. */
  readonly qos: 0 | 1 | 2;
  readonly log: DriverLogger;
}

/**
 * Home Assistant MQTT discovery (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery): one `sensor`
 * per aggregate of a summarised series (or per passed-on reading series), one `binary_sensor` per alerting series,
 * all on one device, the agent. A config is announced once per entity, before the first result of its series;
 * the sink publishes it retained, so Home Assistant finds it again after its own restart.
 */
export function createHomeAssistantDiscovery(options: HomeAssistantOptions, context: DiscoveryContext) {
  /** unique_ids whose config the broker has acknowledged. */
  const announced = new Set<string>();
  /** State topic (with aggregate) → the series that uses it, to catch two series sharing one topic. */
  const topicOwners = new Map<string, string>();
  const warnedTopics = new Set<string>();
  const hashes = new Map<string, string>();
  const device = {
    identifiers: [`tributary_${context.deviceId}`],
    name: options.device_name ?? `Tributary ${context.deviceId}`,
    manufacturer: 'Tributary',
    model: 'Edge sensor agent',
  };
  const availability = [{ topic: context.statusTopic, payload_available: 'online', payload_not_available: 'offline' }];
  const wanted = options.aggregates === undefined ? undefined : new Set(options.aggregates);

  /** A short, stable hash of the series, so a unique_id survives restarts and fits `[a-zA-Z0-9_-]`. */
  function seriesHash(series: string): string {
    let hash = hashes.get(series);
    if (hash === undefined) {
      hash = createHash('sha256').update(series).digest('hex').slice(0, 12);
      hashes.set(series, hash);
    }
    return hash;
  }

  /** Whether this series may own this state topic; warns once when another series publishes there too. */
  function ownsTopic(topicKey: string, series: string, result: RuleResult): boolean {
    const owner = topicOwners.get(topicKey);
    if (owner === undefined) {
      topicOwners.set(topicKey, series);
      return true;
    }
    if (owner === series) return true;
    if (!warnedTopics.has(topicKey)) {
      warnedTopics.add(topicKey);
      context.log.warn(
        { topic: context.topicOf(result), rule: result.rule, sensor: result.sensor, tags: result.tags },
        'home_assistant: two series publish to the same topic, so Home Assistant could not tell them apart; not announced. ' +
          'Add {source} or {tags.<name>} to the topic template',
      );
    }
    return false;
  }

  function entitiesOf(result: RuleResult): DiscoveryMessage[] {
    if (result.kind === 'event' || result.rule === AGENT_RULE) return [];
    const series = JSON.stringify([result.rule, result.source, result.sensor, Object.entries(result.tags).sort()]);
    const base = `tributary_${context.deviceId}_${seriesHash(series)}`;
    const stateTopic = context.topicOf(result);
    const label = `${result.sensor}${tagSuffix(result.tags)}`;
    const common = { availability, device, origin: { name: 'Tributary' }, qos: context.qos, state_topic: stateTopic };

    if (result.kind === 'alert') {
      const uniqueId = `${base}_alert`;
      if (announced.has(uniqueId) || !ownsTopic(`${stateTopic}\u0000alert`, series, result)) return [];
      return [
        {
          topic: `${options.discovery_prefix}/binary_sensor/${context.deviceId}/${uniqueId}/config`,
          config: {
            name: `${label} alert (${result.rule})`,
            unique_id: uniqueId,
            ...common,
            value_template: "{{ 'ON' if value_json.state == 'firing' else 'OFF' }}",
            payload_on: 'ON',
            payload_off: 'OFF',
            device_class: 'problem',
            // Every field of the alert (severity, message, since …) becomes an attribute of the entity.
            json_attributes_topic: stateTopic,
          },
        },
      ];
    }

    const keys = result.kind === 'reading' ? ['value'] : Object.keys(result.values).filter((key) => wanted?.has(key) ?? true);
    const unit = Object.hasOwn(options.units, result.sensor) ? options.units[result.sensor] : undefined;
    const messages: DiscoveryMessage[] = [];
    for (const key of keys) {
      const uniqueId = `${base}_${key.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
      if (announced.has(uniqueId) || !ownsTopic(`${stateTopic}\u0000${key}`, series, result)) continue;
      messages.push({
        topic: `${options.discovery_prefix}/sensor/${context.deviceId}/${uniqueId}/config`,
        config: {
          name: result.kind === 'reading' ? `${label} (${result.rule})` : `${label} ${key} (${result.rule})`,
          unique_id: uniqueId,
          ...common,
          value_template: valueTemplate(key),
          state_class: 'measurement',
          ...(unit === undefined || key === 'count' ? {} : { unit_of_measurement: unit }),
          ...(options.expire_after === undefined ? {} : { expire_after: Math.max(1, Math.round(options.expire_after / 1000)) }),
        },
      });
    }
    return messages;
  }

  return {
    /** Configs for the entities of this batch not yet announced, each once, in the batch's order. */
    pending(batch: readonly BufferedResult[]): DiscoveryMessage[] {
      const messages = new Map<string, DiscoveryMessage>();
      for (const { result } of batch) {
        for (const message of entitiesOf(result)) messages.set(message.topic, message);
      }
      return [...messages.values()];
    },
    /** Records configs the broker has acknowledged, so they are not sent again. */
    markAnnounced(messages: readonly DiscoveryMessage[]): void {
      for (const message of messages) announced.add(message.config['unique_id'] as string);
    },
    /** Home Assistant's birth message (`<discovery_prefix>/status` `online`); it may have lost the retained configs. */
    birthTopic: `${options.discovery_prefix}/status`,
    /** Announces every entity again with the next results, for a Home Assistant that (re)started. */
    announceAgain(): void {
      announced.clear();
    },
  };
}

/**
 * The aggregate's field of the payload. A window can lack an aggregate (stddev of one reading, a field a compacted
 * window could not keep); the entity then keeps its state (`this.state`) instead of turning into an error.
 */
function valueTemplate(key: string): string {
  const field = JSON.stringify(key);
  return `{{ value_json[${field}] if ${field} in value_json else this.state }}`;
}

function tagSuffix(tags: Readonly<Record<string, string>>): string {
  const entries = Object.entries(tags);
  if (entries.length === 0) return '';
  return ` [${entries.map(([name, value]) => `${name}=${value}`).join(', ')}]`;
}
