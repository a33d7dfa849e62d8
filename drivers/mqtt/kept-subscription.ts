import type { IClientSubscribeOptions, MqttClient } from 'mqtt';
import { type Clock, type ClockTimer, systemClock } from '../clock.js';

export interface KeptSubscriptionOptions {
  readonly qos: IClientSubscribeOptions['qos'];
  /** Wait before subscribing again after the broker refused. */
  readonly retryMs: number;
  /** The retries' clock (the driver context's); systemClock when absent. */
  readonly clock?: Clock;
  /** The broker refused (a SUBACK failure code, or an invalid filter); called once per run of refusals. */
  onRefused(error: Error): void;
  /** Subscribed again after refusals. */
  onRecovered?(): void;
}

/**
 * Keeps `filters` subscribed for the life of `client`, which must be created with `resubscribe: false`.
 *
 * mqtt.js subscribes again after a reconnect, but forgets a filter for good once the broker refuses it. A broker
 * cluster refuses for a while after losing a node: NATS answers a QoS 1 SUBSCRIBE with a failure code while its
 * JetStream elects new leaders (seconds). So this subscribes on every connect that needs it (a new session; or the
 * last attempt was refused) and, while connected, tries a refused subscription again every `retryMs`.
 * Returns a function that stops the retries.
 */
export function keepSubscribed(client: MqttClient, filters: readonly string[], options: KeptSubscriptionOptions): () => void {
  let subscribed = false;
  let refused = false;
  const clock = options.clock ?? systemClock;
  let retry: ClockTimer | undefined;
  let stopped = false;

  const subscribe = () => {
    retry = undefined;
    if (stopped || !client.connected) return;
    client.subscribe([...filters], { qos: options.qos }, (error) => {
      if (stopped) return;
      // The connection dropped before the SUBACK: the next connect subscribes again.
      if (error?.message === 'Connection closed') return;
      if (error) {
        subscribed = false;
        if (!refused) options.onRefused(error);
        refused = true;
        retry = clock.setTimeout(subscribe, options.retryMs);
        return;
      }
      subscribed = true;
      if (refused) options.onRecovered?.();
      refused = false;
    });
  };
  client.on('connect', (connack) => {
    clock.clearTimer(retry);
    // A session the broker kept still holds the subscriptions (as mqtt.js decides for its own resubscribe).
    if (subscribed && !client.options.clean && connack.sessionPresent) return;
    subscribe();
  });
  client.on('close', () => clock.clearTimer(retry));
  return () => {
    stopped = true;
    clock.clearTimer(retry);
  };
}
