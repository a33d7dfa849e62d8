import type { MqttClient } from 'mqtt';
import type { DriverContext } from '../../drivers/driver.js';
import { keepSubscribed } from '../../drivers/mqtt/kept-subscription.js';
import { closeMqtt, connectMqtt } from '../../drivers/mqtt/mqtt-connection.js';
import { brokerUrls, type MqttSinkOptions, type MqttSourceOptions } from '../../drivers/mqtt/mqtt-options.js';
import type { DriverInstance } from '../config/load-config.js';
import { type AlertAcknowledger, parseAcknowledgement } from './alert-acknowledgement.js';

/** An acknowledgement is a few names; a bigger payload is not one. */
const MAX_PAYLOAD = 1024;
/** Wait before subscribing again after the broker refused the command topic. */
const SUBSCRIBE_RETRY_MS = 2_000;

/** `tributary/<agent>/command/alerts/ack`: the one command topic; `…/result` carries each answer. */
export function alertAckTopic(agentName: string): string {
  return `tributary/${agentName}/command/alerts/ack`;
}

/**
 * Acknowledging alerts over MQTT: the agent subscribes to its command topic on the broker of its first MQTT sink (or
 * else source) and hands each valid `{"rule", "sensor", "source"?}` payload to the agent; it can do nothing else.
 * A payload that is not one is counted as bad input (`alert-command-invalid`) and answered; a retained one is ignored
 * and counted (`alert-command-retained`), since it would acknowledge again at every connection.
 */
export class MqttAlertCommands {
  private client: MqttClient | undefined;
  private stopSubscribing: () => void = () => undefined;
  readonly topic: string;

  constructor(
    private readonly instance: DriverInstance,
    agentName: string,
    private readonly agent: AlertAcknowledger,
    private readonly context: DriverContext,
  ) {
    this.topic = alertAckTopic(agentName);
  }

  /** The broker to listen on: the first MQTT sink's, else the first MQTT source's; none without MQTT. */
  static brokerOf(sinks: readonly DriverInstance[], sources: readonly DriverInstance[]): DriverInstance | undefined {
    return sinks.find((sink) => sink.driver === 'mqtt') ?? sources.find((source) => source.driver === 'mqtt');
  }

  start(): void {
    const options = this.instance.options as MqttSinkOptions | MqttSourceOptions;
    // A client of its own beside the driver's: a fixed client id gets a suffix (two clients with one id would
    // throw each other off), and a clean session, so acknowledgements sent while the agent was away are not replayed.
    const clientId = options.client_id === undefined ? {} : { client_id: `${options.client_id}-commands` };
    const client = connectMqtt({ ...options, ...clientId, clean_session: true }, this.context, { resubscribe: false });
    // Tried again while connected when refused, as a broker cluster that lost a node does for a while.
    this.stopSubscribing = keepSubscribed(client, [this.topic], {
      qos: 1,
      retryMs: SUBSCRIBE_RETRY_MS,
      clock: this.context.clock,
      onRefused: (error) => this.context.log.warn({ topic: this.topic, error: error.message, retryInMs: SUBSCRIBE_RETRY_MS }, 'could not subscribe to the alert command topic; retrying'),
    });
    client.on('message', (topic, payload, packet) => this.handle(topic, payload, packet.retain));
    this.client = client;
    this.context.log.info({ topic: this.topic, broker: brokerUrls(options).join(' ') }, 'alerts can be acknowledged over MQTT');
  }

  async stop(): Promise<void> {
    this.stopSubscribing();
    const client = this.client;
    this.client = undefined;
    await closeMqtt(client, this.context.clock);
  }

  private handle(topic: string, payload: Buffer, retained: boolean): void {
    if (topic !== this.topic) return;
    if (retained) {
      this.context.badInput('alert-command-retained', `retained message on ${topic} ignored: an acknowledgement must not be retained`);
      return;
    }
    const parsed = payload.length > MAX_PAYLOAD ? { ok: false as const, message: `payload of ${payload.length} bytes; at most ${MAX_PAYLOAD}` } : parseAcknowledgement(payload.toString('utf8'));
    if (!parsed.ok) {
      this.context.badInput('alert-command-invalid', `${topic}: ${parsed.message}`);
      this.answer({ ok: false, error: parsed.message });
      return;
    }
    const { rule, sensor, source } = parsed.request;
    const outcome = this.agent.acknowledgeAlert(rule, sensor, source, 'mqtt');
    this.answer(
      outcome.ok
        ? { ok: true, rule, source: outcome.result.source, sensor, message: outcome.result.message }
        : { ok: false, rule, sensor, reason: outcome.reason, error: outcome.message },
    );
  }

  private answer(body: Record<string, unknown>): void {
    this.client?.publish(`${this.topic}/result`, JSON.stringify(body), { qos: 1 }, (error) => {
      if (error) this.context.log.debug({ error: error.message }, 'answer to an alert command not sent');
    });
  }
}
