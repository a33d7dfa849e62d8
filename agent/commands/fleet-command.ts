import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatProblem } from '../config/config-problem.js';
import { checkConfigFile, checkConfigText } from '../config/load-config.js';
import { failedRuleTests, hasFleetSection } from '../fleet/bundle-check.js';
import type { BundleContent } from '../fleet/config-bundle.js';
import { FLEET_NAME, usernameOf } from '../fleet/fleet-config.js';
import { FleetDirectory } from '../fleet/fleet-directory.js';
import { generateKeyFiles, readPrivateKey } from '../fleet/fleet-keys.js';
import { pushToGroup, readGroupHistory } from '../fleet/group-history.js';
import { planGroupRollback } from '../fleet/group-rollback.js';
import { publishBundle, waitForRollout, type DeviceProgress } from '../fleet/rollout.js';
import { deviceRow, formatStatusTable } from '../fleet/status-table.js';
import type { MqttTlsOptions } from '../../drivers/mqtt/mqtt-options.js';
import { safeText } from '../../drivers/safe-text.js';

export const FLEET_HELP = `Usage: tributary fleet <command> [options]

Manages a fleet of agents over their MQTT broker (see README, Fleet).

Commands:
  keygen FILE                     make an Ed25519 key pair: FILE (private, 0600) and FILE.pub
  push --group G [--canary N] [--tests FILE] CONFIG
                                  validate, sign and publish CONFIG to group G; with --canary,
                                  to N of its devices first and to the rest once they are healthy
  rollback (--group G | --device D)
                                  make the devices go back to the config they ran before
                                  (a group: that config pushed again as a new version)
  status [--group G] [--json]     every device: version, health, backlog, alerts, last seen
  watch [--group G] [--version V] follow a rollout until every device applied or refused it

Options:
  -b, --broker URL    the fleet's broker (default: $TRIBUTARY_FLEET_BROKER); repeat for several
      --from FILE     take broker, prefix, user and password from this config file's fleet: section
      --prefix TOPIC  topic prefix (default: tributary/fleet)
      --tls-ca FILE   CA that signed an mqtts:// broker's certificate (default: the system's CAs)
      --tls-cert FILE, --tls-key FILE
                      client certificate and its key, for a broker that asks for one
  -k, --key FILE      signing key for push and rollback (default: $TRIBUTARY_FLEET_KEY)
      --timeout S     seconds push (canary) and watch wait (default: 300)
  -h, --help          show this help

User and password come from $TRIBUTARY_FLEET_USERNAME and $TRIBUTARY_FLEET_PASSWORD.
`;

const OPTIONS = {
  broker: { type: 'string', short: 'b', multiple: true },
  from: { type: 'string' },
  prefix: { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  key: { type: 'string', short: 'k' },
  group: { type: 'string', short: 'g' },
  device: { type: 'string' },
  canary: { type: 'string' },
  tests: { type: 'string' },
  version: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export async function fleetCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [sub, ...rest] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(FLEET_HELP);
    return values.help ? 0 : 1;
  }
  for (const name of [values.group, values.device]) {
    if (name !== undefined && !FLEET_NAME.test(name)) throw new Error(`"${name}" is not a group or device name: letters, digits, "_", "-" and "."`);
  }
  switch (sub) {
    case 'keygen':
      return keygen(rest);
    case 'push':
      return push(values, rest);
    case 'rollback':
      return rollback(values);
    case 'status':
      return status(values);
    case 'watch':
      return watch(values);
    default:
      process.stderr.write(`tributary fleet: unknown command "${safeText(sub)}"\n\n${FLEET_HELP}`);
      return 1;
  }
}

function keygen(rest: string[]): number {
  const file = rest[0];
  if (file === undefined) throw new Error('name the private key file: tributary fleet keygen fleet-key');
  const { publicKey, publicFile } = generateKeyFiles(file);
  process.stdout.write(`private key: ${file} (keep it secret; only its owner can read it)\npublic key:  ${publicFile}\n\nadd to each device's config:\nfleet:\n  trusted_keys:\n    - ${publicKey}\n`);
  return 0;
}

/** Broker, prefix, account and TLS: from --from's fleet section, else --broker / $TRIBUTARY_FLEET_BROKER and --tls-*. */
function brokerOf(values: Values): { directory: FleetDirectory } {
  let brokers = values.broker ?? (process.env.TRIBUTARY_FLEET_BROKER ? [process.env.TRIBUTARY_FLEET_BROKER] : []);
  let prefix = values.prefix;
  let username = process.env.TRIBUTARY_FLEET_USERNAME;
  let password = process.env.TRIBUTARY_FLEET_PASSWORD;
  let tls: MqttTlsOptions | undefined = tlsOf(values);
  if (values.from !== undefined) {
    const checked = checkConfigFile(values.from, process.env, []);
    if (!checked.ok) throw new Error(checked.problems.map(formatProblem).join('\n'));
    const fleet = checked.config.fleet;
    if (fleet === undefined) throw new Error(`${values.from} has no fleet: section`);
    if (values.broker === undefined) brokers = fleet.brokers;
    prefix ??= fleet.topic_prefix;
    username ??= usernameOf(fleet);
    password ??= fleet.password;
    tls ??= fleet.tls;
  }
  if (brokers.length === 0) throw new Error('name the fleet broker: --broker mqtt://host:1883 (or $TRIBUTARY_FLEET_BROKER, or --from a config file)');
  if (tls !== undefined && brokers.some((url) => !/^(mqtts|wss):/.test(url))) throw new Error('--tls-ca, --tls-cert and --tls-key need an mqtts:// broker URL');
  return { directory: new FleetDirectory({ brokers, username, password, tls }, prefix ?? 'tributary/fleet') };
}

/** The --tls-* options as the MQTT sink's `tls` (the broker's certificate is always checked here). */
function tlsOf(values: Values): MqttTlsOptions | undefined {
  const { 'tls-ca': ca, 'tls-cert': cert, 'tls-key': key } = values;
  if (ca === undefined && cert === undefined && key === undefined) return undefined;
  if ((cert === undefined) !== (key === undefined)) throw new Error('give both --tls-cert and --tls-key, or neither');
  return { ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert, key }), reject_unauthorized: true };
}

function timeoutOf(values: Values): number {
  const seconds = values.timeout === undefined ? 300 : Number(values.timeout);
  if (!(seconds > 0)) throw new Error('--timeout takes a number of seconds');
  return seconds * 1000;
}

/**
 * Checks the config here with the environment of this machine; `${NAME}` it does not set are filled with a stand-in,
 * as they are resolved on each device.
 */
async function validateLocally(file: string, text: string, tests: string | undefined): Promise<string | undefined> {
  if (hasFleetSection(text)) return `${file}: has a fleet: section; each device keeps its own (remove it from the pushed config)`;
  const env = new Proxy(process.env, { get: (target, name) => (typeof name === 'string' ? (target[name] ?? 'fleet-secret-resolved-on-the-device') : undefined) });
  const checked = checkConfigText(text, file, env);
  if (!checked.ok) return checked.problems.map(formatProblem).join('\n');
  // The devices run them again before applying; failing here saves a rollout that every device would refuse.
  return tests === undefined ? undefined : failedRuleTests(tests, checked.config);
}

async function push(values: Values, rest: string[]): Promise<number> {
  const file = rest[0];
  if (file === undefined || values.group === undefined) throw new Error('usage: tributary fleet push --group G [--canary N] CONFIG');
  const text = readFileSync(file, 'utf8');
  const tests = values.tests === undefined ? undefined : readFileSync(values.tests, 'utf8');
  const invalid = await validateLocally(file, text, tests);
  if (invalid !== undefined) {
    process.stderr.write(`${invalid.split('\n').map(safeText).join('\n')}\nnot pushed\n`);
    return 1;
  }
  const key = readPrivateKey(values.key ?? process.env.TRIBUTARY_FLEET_KEY ?? 'fleet-key');
  const canary = values.canary === undefined ? 0 : Number(values.canary);
  if (!Number.isInteger(canary) || canary < 0) throw new Error('--canary takes a number of devices');
  const group = values.group;
  const { directory } = brokerOf(values);
  const client = await directory.open();
  try {
    // Newer than every version on the broker, and than the clock's: versions only grow, even across operators.
    const version = Math.max(directory.highestVersion + 1, Math.floor(directory.clock.now() / 1000));
    const content = (target: BundleContent['target']): BundleContent => ({
      version,
      target,
      action: 'apply',
      config: text,
      ...(tests === undefined ? {} : { tests }),
      created_at: new Date(directory.clock.now()).toISOString(),
    });
    if (canary > 0) {
      const canaries = directory.members(group).filter((status) => status.online).slice(0, canary).map((status) => status.device);
      if (canaries.length === 0) throw new Error(`no device of group ${group} is online for a canary`);
      for (const device of canaries) await publishBundle(client, directory, content({ device }), key);
      process.stdout.write(`version ${version}: canary on ${canaries.join(', ')}\n`);
      const outcome = await waitForRollout(directory, canaries, version, timeoutOf(values), report);
      const refused = [...outcome.progress].filter(([, progress]) => progress === 'refused');
      if (!outcome.done || refused.length > 0) {
        process.stderr.write(`canary ${outcome.done ? 'refused' : 'timed out'}: version ${version} not pushed to group ${group}\n`);
        return 1;
      }
    }
    const topic = await pushToGroup(client, directory, { ...content({ group }), target: { group } }, key);
    process.stdout.write(`version ${version} pushed to group ${group} (${topic}); follow it with: tributary fleet watch --group ${group} --version ${version}\n`);
    return 0;
  } finally {
    await directory.close();
  }
}

function report(device: string, progress: DeviceProgress, status: { last_change?: { reason?: string } } | undefined): void {
  const reason = progress === 'refused' && status?.last_change?.reason ? `: ${status.last_change.reason}` : '';
  process.stdout.write(safeText(`${device}: ${progress}${reason}`) + '\n');
}

async function rollback(values: Values): Promise<number> {
  if ((values.group === undefined) === (values.device === undefined)) throw new Error('usage: tributary fleet rollback (--group G | --device D)');
  const key = readPrivateKey(values.key ?? process.env.TRIBUTARY_FLEET_KEY ?? 'fleet-key');
  const { directory } = brokerOf(values);
  const client = await directory.open();
  try {
    const version = Math.max(directory.highestVersion + 1, Math.floor(directory.clock.now() / 1000));
    const created_at = new Date(directory.clock.now()).toISOString();
    if (values.group !== undefined) {
      const group = values.group;
      const { current, copies, problem } = readGroupHistory(directory, group, key);
      if (current === undefined) throw new Error(problem === undefined ? `nothing was pushed to group ${group}: no bundle on ${directory.topics.groupBundle(group)}` : `the bundle of group ${group} cannot be rolled back with this key: ${problem}`);
      const plan = planGroupRollback(current, copies, directory.members(group));
      if (plan.kind === 'nothing') throw new Error(`nothing to roll group ${group} back to: ${plan.why}`);
      if (plan.kind === 'restore') {
        // The earlier config under a new version: versions only grow, and a device that joins later ends on it too.
        const { config, tests, version: restores } = plan.restores;
        const topic = await pushToGroup(client, directory, { version, target: { group }, action: 'apply', config, ...(tests === undefined ? {} : { tests }), restores, created_at }, key, restores);
        process.stdout.write(`group ${group} back from version ${plan.current} to the config of version ${restores}, pushed again as version ${version} (${topic}); follow it with: tributary fleet watch --group ${group} --version ${version}\n`);
        return 0;
      }
      const topic = await publishBundle(client, directory, { version, target: { group }, action: 'rollback', created_at }, key);
      process.stdout.write(`rollback (version ${version}) sent to ${topic}: each device steps back from version ${plan.current} by itself (${plan.why})\n`);
      return 0;
    }
    const topic = await publishBundle(client, directory, { version, target: { device: values.device! }, action: 'rollback', created_at }, key);
    process.stdout.write(`rollback (version ${version}) sent to ${topic}\n`);
    return 0;
  } finally {
    await directory.close();
  }
}

async function status(values: Values): Promise<number> {
  const { directory } = brokerOf(values);
  await directory.open();
  try {
    const now = directory.clock.now();
    const rows = directory.members(values.group).map((device) => deviceRow(device, now));
    process.stdout.write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : formatStatusTable(rows).split('\n').map(safeText).join('\n'));
    return rows.every((row) => row.state === 'ok') ? 0 : 1;
  } finally {
    await directory.close();
  }
}

async function watch(values: Values): Promise<number> {
  const { directory } = brokerOf(values);
  await directory.open();
  try {
    const version = values.version === undefined ? directory.highestVersion : Number(values.version);
    const devices = directory.members(values.group).filter((status) => status.online).map((status) => status.device);
    if (devices.length === 0) throw new Error(`no device${values.group === undefined ? '' : ` of group ${values.group}`} is online`);
    process.stdout.write(`following version ${version} on ${devices.length} device(s)\n`);
    const outcome = await waitForRollout(directory, devices, version, timeoutOf(values), report);
    const counts = (state: DeviceProgress) => [...outcome.progress.values()].filter((progress) => progress === state).length;
    process.stdout.write(`${counts('applied')} applied, ${counts('refused')} refused${outcome.done ? '' : `, ${devices.length - counts('applied') - counts('refused')} still pending (timed out)`}\n`);
    return outcome.done && counts('refused') === 0 ? 0 : 1;
  } finally {
    await directory.close();
  }
}
