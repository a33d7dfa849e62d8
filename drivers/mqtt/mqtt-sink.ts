import os from 'node:os';
import type { IClientPublishOptions, MqttClient } from 'mqtt';
import type { RuleResult } from '../../rules/rule-result.js';
import type { Clock, ClockTimer } from '../clock.js';
import type { DriverContext, SinkBatch, SinkDriver } from '../driver.js';
import { describeConnectionProblem } from './connection-problem.js';
import { createHomeAssistantDiscovery } from './home-assistant-discovery.js';
import { keepSubscribed } from './kept-subscription.js';
import { closeMqtt, connectMqtt, currentBroker } from './mqtt-connection.js';
import { brokerUrls, type MqttSinkOptions } from './mqtt-options.js';
import { encodeResultPayload } from './result-payload.js';
import { compileTopicTemplate } from './topic-template.js';

/** How long stop() waits for the broker to acknowledge the retained `offline`. */
const OFFLINE_GRACE_MS = 500;
/** An alert's latest transition: QoS 1 and retained, whatever the sink's own settings. */
const ALERT_STATE_PUBLISH: IClientPublishOptions = Object.freeze({ qos: 1, retain: true });

/**
 * Publishes each result as JSON (with `batch`, the results of a send that share a topic as one JSON array); a batch
 * counts as sent only when the broker has acknowledged every message.
 */
export function createMqttSink(options: MqttSinkOptions, context: DriverContext): SinkDriver {
  let client: MqttClient | undefined;
  /** Why the last connection attempt failed, for the error of a send while disconnected. */
  let problem: string | undefined;
  const resultTopic = compileTopicTemplate(options.topic);
  const alertTopic = compileTopicTemplate(options.alert_topic ?? `${options.topic}/alert`);
  // Alerts have a topic of their own, so a consumer of a summary topic (a Home Assistant sensor) only sees summaries.
  const topicOf = (result: RuleResult) => (result.kind === 'alert' ? alertTopic(result) : resultTopic(result));
  // Each alert's latest transition, retained: a dashboard or a phone that connects later sees what fires now.
  const alertStateTopic = compileTopicTemplate(options.alert_state_topic ?? `${options.alert_topic ?? `${options.topic}/alert`}/state`);
  // Publish options shared by every message (mqtt.js copies them, it does not keep or change them).
  const resultPublish: IClientPublishOptions = Object.freeze({ qos: options.qos, retain: options.retain });
  const statusTopic = options.status_topic;
  const discovery =
    options.home_assistant === undefined || statusTopic === undefined
      ? undefined
      : createHomeAssistantDiscovery(options.home_assistant, {
          deviceId: options.home_assistant.device_id ?? deviceIdFrom(options.client_id ?? os.hostname()),
          statusTopic,
          topicOf,
          qos: options.qos,
          log: context.log,
        });

  return {
    async start() {
      // The broker publishes the will when the connection ends without a DISCONNECT: power cut, crash, lost network
      // (noticed after 1.5 × keepalive). Retained, so a subscriber that comes later still learns the agent is gone.
      const will = statusTopic === undefined ? {} : { will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1 as const, retain: true } };
      client = connectMqtt(options, context, { ...will, resubscribe: false });
      const connected = client;
      connected.on('error', (error) => (problem = describeConnectionProblem(error)));
      connected.on('connect', () => {
        problem = undefined;
        if (statusTopic === undefined) return;
        // The birth message, after every connect: it replaces the will's `offline` once the agent is back.
        connected.publish(statusTopic, 'online', { qos: 1, retain: true }, (error) => {
          if (error) context.log.warn({ topic: statusTopic, error: error.message }, 'could not publish the status "online"');
        });
      });
      if (discovery) listenForHomeAssistantBirth(connected, discovery, context);
    },
    async send(batch: SinkBatch) {
      if (!client?.connected) {
        const broker = client === undefined ? brokerUrls(options).join(', ') : currentBroker(client, brokerUrls(options));
        throw new Error(`not connected to ${broker}${problem === undefined ? '' : `: ${problem}`}`);
      }
      const connected = client;
      if (discovery) {
        // Before the results, so Home Assistant has the entity when its first state arrives. QoS 1 and retained,
        // whatever the sink's own settings: an announcement that was lost would never be made again.
        const configs = discovery.pending(batch);
        if (configs.length > 0) {
          await Promise.all(configs.map(({ topic, config }) => connected.publishAsync(topic, JSON.stringify(config), { qos: 1, retain: true })));
          discovery.markAnnounced(configs);
        }
      }
      // With QoS 1 each publish completes on its PUBACK; if the connection drops meanwhile, mqtt.js resends the
      // unacknowledged messages after reconnecting, and the batch stays in our buffer until then. One promise and one
      // callback for the whole batch, not a promise per message (issue 24: allocations per result): it resolves when
      // every publish has completed and rejects with the first error, as Promise.all over publishAsync did.
      await new Promise<void>((resolve, reject) => {
        // One more than the publishes in flight until the loop has issued them all: a callback mqtt.js calls
        // synchronously (a client disconnecting) cannot resolve the batch before the rest is published.
        let outstanding = 1;
        let failed = false;
        const completed = (error?: Error) => {
          if (failed) return;
          if (error) {
            failed = true;
            reject(error);
          } else if (--outstanding === 0) resolve();
        };
        // With `batch`, the payloads of each topic, in buffer order, published below as one JSON array.
        const byTopic = options.batch ? new Map<string, string[]>() : undefined;
        for (const item of batch) {
          const payload = encodeResultPayload(item);
          if (item.result.kind === 'alert') {
            // Alerts are events someone reacts to: one message each, batched or not.
            outstanding += 2;
            connected.publish(alertTopic(item.result), payload, resultPublish, completed);
            connected.publish(alertStateTopic(item.result), payload, ALERT_STATE_PUBLISH, completed);
            continue;
          }
          const topic = resultTopic(item.result);
          if (byTopic === undefined) {
            outstanding += 1;
            connected.publish(topic, payload, resultPublish, completed);
            continue;
          }
          const payloads = byTopic.get(topic);
          if (payloads === undefined) byTopic.set(topic, [payload]);
          else payloads.push(payload);
        }
        if (byTopic !== undefined) {
          for (const [topic, payloads] of byTopic) {
            outstanding += 1;
            connected.publish(topic, `[${payloads.join(',')}]`, resultPublish, completed);
          }
        }
        completed();
      });
    },
    async stop() {
      // A clean DISCONNECT makes the broker drop the will, so say `offline` ourselves first.
      if (statusTopic !== undefined && client?.connected) await publishWithin(client, statusTopic, 'offline', OFFLINE_GRACE_MS, context.clock);
      await closeMqtt(client, context.clock);
    },
  };
}

/**
 * Home Assistant says `online` on its status topic when it starts. Its broker may have lost the retained configs
 * meanwhile (a broker without persistence), so the sink announces every entity again with its next results.
 */
function listenForHomeAssistantBirth(
  client: MqttClient,
  discovery: { birthTopic: string; announceAgain(): void },
  context: DriverContext,
): void {
  // Subscribed after every reconnect that needs it, and again while connected when the broker refused.
  keepSubscribed(client, [discovery.birthTopic], {
    qos: 1,
    retryMs: 2_000,
    clock: context.clock,
    onRefused: (error) =>
      context.log.warn({ topic: discovery.birthTopic, error: error.message }, 'home_assistant: cannot subscribe to its status; retrying (until then configs are announced once per start)'),
  });
  client.on('message', (topic, payload) => {
    if (topic !== discovery.birthTopic || payload.toString() !== 'online') return;
    discovery.announceAgain();
    context.log.info({ topic }, 'Home Assistant started; announcing the entities again with the next results');
  });
}

/** Publishes a retained QoS 1 message and waits for its PUBACK, but no longer than `ms`. */
async function publishWithin(client: MqttClient, topic: string, payload: string, ms: number, clock: Clock): Promise<void> {
  let timer: ClockTimer | undefined;
  const timeout = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, ms)));
  await Promise.race([client.publishAsync(topic, payload, { qos: 1, retain: true }).catch(() => undefined), timeout]);
  clock.clearTimer(timer);
}

/** Home Assistant allows only `[a-zA-Z0-9_-]` in the node id of a discovery topic. */
function deviceIdFrom(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, '_');
}
