import { hostname } from 'node:os';
import { z } from 'zod';
import { mqttSinkOptions } from '../../drivers/mqtt/mqtt-options.js';
import { duration } from '../../drivers/option-types.js';
import { docsNotes } from '../../rules/option-types.js';

/** The MQTT sink's `tls` option, the same schema: CA, client certificate and key, reject_unauthorized. */
const tlsOptions = mqttSinkOptions.shape.tls.unwrap();

/** Device ids and group names end up in topics: plain, with no MQTT wildcard or level separator. */
export const FLEET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const FLEET_NAME_HELP = 'use letters, digits, "_", "-" and "." (no "/", "+" or "#"), starting with a letter or digit';

/** `ed25519:` and the 32 bytes of an Ed25519 public key in base64, as `tributary fleet keygen` prints it. */
export const PUBLIC_KEY = /^ed25519:[A-Za-z0-9+/]{43}=$/;

/** The `fleet:` section: this agent as one device of a fleet managed over MQTT (see README, Fleet). */
export const fleetSection = z
  .strictObject({
    brokers: z
      .array(z.string().regex(/^(mqtts?|wss?|tcp):\/\/\S+$/, 'expected a broker URL such as mqtt://broker.local:1883'))
      .min(1, { error: 'name at least one broker URL' })
      .describe("The fleet's broker URL(s); with several, each is tried in turn when the connection is lost.")
      .register(docsNotes, { default: '(required)' }),
    device: z
      .string()
      .regex(FLEET_NAME, FLEET_NAME_HELP)
      .optional()
      .describe("This device's id, unique in the fleet (letters, digits, `_`, `-`, `.`); default: the host name.")
      .register(docsNotes, { default: 'the host name' }),
    groups: z
      .array(z.string().regex(FLEET_NAME, FLEET_NAME_HELP))
      .default([])
      .describe('Groups this device belongs to: a config pushed to any of them applies here.'),
    trusted_keys: z
      .array(z.string().regex(PUBLIC_KEY, 'expected a public key as `tributary fleet keygen` prints it: ed25519:… (44 base64 characters)'))
      .min(1, { error: 'name at least one trusted key: bundles signed by no trusted key are refused' })
      .describe('Public keys (`tributary fleet keygen`) whose signed configs this device accepts.')
      .register(docsNotes, { default: '(required)' }),
    topic_prefix: z
      .string()
      .regex(/^[^+#]+[^/+#]$/, 'a topic without wildcards and without a trailing "/"')
      .default('tributary/fleet')
      .describe("Root of the fleet's topics."),
    username: z
      .string()
      .optional()
      .describe(
        'Broker account; by default the device id when a password is set, so one ACL serves every device (`config/fleet-mosquitto.acl`, `%u`; see Security).',
      )
      .register(docsNotes, { default: 'the device id, when a password is set' }),
    password: z.string().optional().describe('For the broker; `${NAME}` keeps it out of the file.'),
    tls: tlsOptions.optional().describe("`ca`, `cert`, `key`, `reject_unauthorized`, as the MQTT sink's `tls`, for `mqtts://` or `wss://` brokers."),
    status_interval: duration().prefault('30s').describe('The retained status is sent on every change and at least this often; 3 intervals of silence make a device stale in `fleet status`.'),
    probation: duration()
      .prefault('1m')
      .describe('After a pushed config is applied: if within this time a source or sink that was up goes down (for 2 s or more; 15 s while it is still making its first connection, and the verdict waits for that), or a rule that made no errors keeps making them (readings it cannot compute) for 2 s, the device rolls back to its last good config by itself.'),
    keep_versions: z.number().int().min(2).max(100).default(5).describe('Pushed versions kept in `<data dir>/fleet/versions/` for rollback.'),
    keepalive: duration()
      .prefault('15s')
      .refine((ms) => ms >= 1_000 && ms <= 65_535_000, { error: 'between 1s and 65535s (MQTT counts it in whole seconds)' })
      .describe(
        "MQTT keepalive of the fleet connection (1 s to 65535 s). A device that goes silent without closing its connection (cable cut, power gone behind a router, process frozen) is shown offline by its Last Will once the broker has heard nothing for 1.5 keepalives, and has noticed (Mosquitto 2.0.11 checks every few seconds): with 15 s, 25.3 s after a real agent was frozen with SIGSTOP, 21.5 s for a frozen `mosquitto_sub -k 15` (mqtt.js's default of 60 s: 90 s or more). Shorter costs one ping each way per keepalive when the device has nothing else to send.",
      ),
  })
  .superRefine((fleet, context) => {
    if (fleet.tls !== undefined && fleet.brokers.some((url) => !/^(mqtts|wss):/.test(url))) {
      context.addIssue({ code: 'custom', path: ['tls'], message: 'tls needs mqtts:// or wss:// broker URLs; mqtt:// is not encrypted' });
    }
  })
  .optional()
  .describe('Fleet: this agent as one device of a fleet that receives signed config bundles and reports its status over MQTT.');

export type FleetSettings = NonNullable<z.output<typeof fleetSection>>;

/**
 * The broker account: the one configured, else the device id when a password is set. Mosquitto's per-device ACL
 * (`pattern … %u`) then lets each device write only its own topics; MQTT has no password without a user name.
 */
export function usernameOf(settings: Pick<FleetSettings, 'device' | 'username' | 'password'>): string | undefined {
  return settings.username ?? (settings.password === undefined ? undefined : deviceIdOf(settings));
}

/** The device id: the one configured, else the host name made topic-safe. */
export function deviceIdOf(settings: Pick<FleetSettings, 'device'>): string {
  return settings.device ?? (hostname().replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[_.-]+/, '') || 'device');
}
