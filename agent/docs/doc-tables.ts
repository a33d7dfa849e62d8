import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { gpioOptions } from '../../drivers/gpio/gpio-options.js';
import { modbusOptions } from '../../drivers/modbus/modbus-options.js';
import { CONNECTION_KEYS, mqttSinkOptions, mqttSourceOptions } from '../../drivers/mqtt/mqtt-options.js';
import { SINK_DRIVERS, SOURCE_DRIVERS } from '../../drivers/registry.js';
import { relationalFault, simulatedSensorOptions } from '../../drivers/simulator/simulator-options.js';
import { AGGREGATES } from '../../rules/aggregates/aggregate-catalog.js';
import { GROUP_KEYS, PER_SENSOR_KEYS } from '../../rules/anomaly/anomaly.js';
import { DETECTORS } from '../../rules/anomaly/detectors.js';
import { TRANSFORM_GROUPS } from '../../rules/transforms/registry.js';
import { alertSchema } from '../config/alert-schema.js';
import { configSchema } from '../config/config-schema.js';
import { fleetSection } from '../fleet/fleet-config.js';
import { ruleSchema } from '../config/rule-schema.js';
import { fieldOf, optionTable, plainTable, yamlFlow } from './option-table.js';

/**
 * Every generated table in the docs: the file, the name in its markers, and how it is made from the registries and
 * their `.describe()` texts. `npm run docs` writes them; a test fails when one drifts from the code.
 */
export const DOC_TABLES: readonly { readonly file: string; readonly name: string; render(): string }[] = [
  ...(['agent', 'buffer', 'history', 'time', 'forwarding'] as const).map((section) => ({
    file: 'README.md',
    name: `${section} options`,
    render: () => optionTable(configSchema.shape[section], ['Key', 'Default', 'Meaning']),
  })),
  { file: 'README.md', name: 'source drivers', render: () => driverTable('Reads', SOURCE_DRIVERS) },
  { file: 'README.md', name: 'sink drivers', render: () => driverTable('Sends to', SINK_DRIVERS) },
  { file: 'rules/README.md', name: 'select options', render: () => optionTable(ruleSchema, KEY_DEFAULT_MEANING, { only: ['from', 'select', 'tags'] }) },
  { file: 'rules/README.md', name: 'window options', render: () => optionTable(fieldOf(ruleSchema, 'window'), KEY_DEFAULT_MEANING) },
  { file: 'rules/README.md', name: 'aggregates', render: aggregateTable },
  { file: 'rules/aggregates/README.md', name: 'every aggregate', render: everyAggregateTable },
  { file: 'rules/transforms/README.md', name: 'value steps', render: () => transformTable(TRANSFORM_GROUPS.values, 'Does') },
  { file: 'rules/transforms/README.md', name: 'dropping steps', render: () => transformTable(TRANSFORM_GROUPS.dropping, 'Passes') },
  { file: 'rules/transforms/README.md', name: 'time steps', render: () => transformTable(TRANSFORM_GROUPS.time, 'Does') },
  { file: 'rules/transforms/README.md', name: 'smoothing steps', render: () => transformTable(TRANSFORM_GROUPS.smoothing, 'Sends', true) },
  { file: 'rules/transforms/README.md', name: 'name and tag steps', render: () => transformTable(TRANSFORM_GROUPS.names, 'Does') },
  { file: 'rules/anomaly/README.md', name: 'detectors', render: detectorTable },
  { file: 'rules/anomaly/README.md', name: 'lifecycle options', render: () => optionTable(alertSchema, KEY_DEFAULT_MEANING, { only: LIFECYCLE_KEYS }) },
  { file: 'rules/anomaly/README.md', name: 'anomaly options', render: () => optionTable(anomalySchema(), KEY_DEFAULT_MEANING, { only: PER_SENSOR_KEYS }) },
  { file: 'rules/anomaly/README.md', name: 'anomaly group options', render: () => anomalyGroupTable('Key') },
  { file: 'README.md', name: 'anomaly group options', render: () => anomalyGroupTable('Key (with `across`)') },
  { file: 'README.md', name: 'fleet options', render: () => optionTable(fleetSection, KEY_DEFAULT_MEANING) },
  ...driverOptionTables(),
  { file: 'drivers/simulator/README.md', name: 'simulator sensor options', render: () => optionTable(simulatedSensorOptions, ['Key', 'Default', 'Meaning']) },
  { file: 'drivers/simulator/README.md', name: 'simulator fault options', render: () => optionTable(relationalFault, ['Key', 'Default', 'Meaning']) },
  { file: 'drivers/gpio/README.md', name: 'gpio pin options', render: () => optionTable(fieldOf(gpioOptions, 'pins')) },
  { file: 'drivers/mqtt/README.md', name: 'mqtt home_assistant options', render: () => optionTable(fieldOf(mqttSinkOptions, 'home_assistant'), ['`home_assistant` option', 'Default', 'Meaning']) },
  { file: 'drivers/mqtt/README.md', name: 'mqtt connection options', render: () => optionTable(mqttSourceOptions, undefined, { only: CONNECTION_KEYS.filter((key) => key !== 'url') }) },
  { file: 'drivers/modbus/README.md', name: 'modbus transport options', render: () => optionTable(fieldOf(modbusOptions, 'transport')) },
  { file: 'drivers/modbus/README.md', name: 'modbus register options', render: () => optionTable(fieldOf(modbusOptions, 'registers')) },
];

const KEY_DEFAULT_MEANING = ['Key', 'Default', 'Meaning'] as const;

/** The alert options every detector has; the detector's own are under its name. */
const LIFECYCLE_KEYS = ['for', 'keep_firing_for', 'cooldown', 'flap', 'severity', 'message', 'labels'];

function anomalySchema(): z.ZodType {
  return DETECTORS.find((detector) => detector.name === 'anomaly')!.schema;
}

function anomalyGroupTable(keyHeader: string): string {
  return optionTable(anomalySchema(), [keyHeader, 'Default', 'Meaning'], { only: ['across', ...GROUP_KEYS] });
}

export const REPO = path.resolve(import.meta.dirname, '../..');

const begin = (name: string) => `<!-- generated: ${name} (npm run docs; from the code's .describe() texts) -->`;
const end = (name: string) => `<!-- /generated: ${name} -->`;

/** The text of `file` with its generated tables as the code makes them now. */
export function renderFile(file: string, text = readFileSync(path.join(REPO, file), 'utf8')): string {
  let out = text;
  for (const table of DOC_TABLES.filter((entry) => entry.file === file)) {
    const from = out.indexOf(begin(table.name));
    const to = out.indexOf(end(table.name));
    if (from < 0 || to < from) throw new Error(`${file}: markers of the generated table "${table.name}" are missing: ${begin(table.name)} … ${end(table.name)}`);
    out = `${out.slice(0, from)}${begin(table.name)}\n${table.render()}\n${out.slice(to)}`;
  }
  return out;
}

export const DOC_FILES: readonly string[] = [...new Set(DOC_TABLES.map((table) => table.file))];

function driverTable(verb: string, registry: Readonly<Record<string, { description: string }>>): string {
  const rows = Object.entries(registry).map(([name, entry]) => [`\`${name}\``, entry.description, `[drivers/${name}](drivers/${name}/README.md)`]);
  return plainTable(['Driver', verb, 'Docs'], rows);
}

function aggregateTable(): string {
  return plainTable(
    ['Aggregate', 'Value'],
    AGGREGATES.map((aggregate) => [`\`${aggregate.help}\``, aggregate.description]),
  );
}

/** The aggregates README's list: how each is written, the key it writes, its value, what compaction keeps of it. */
function everyAggregateTable(): string {
  return plainTable(
    ['Written', 'Output key', 'Value', 'In a compacted window'],
    AGGREGATES.map((aggregate) => [
      aggregate.written ?? `\`${aggregate.name}\``,
      aggregate.outputKey ?? `\`${aggregate.name}\``,
      aggregate.description,
      aggregate.compaction,
    ]),
  );
}

/** One group of the transforms README: each step as written and what it does; with `defaults`, the options it takes when written alone. */
function transformTable(
  group: Readonly<Record<string, { definition: { schema: z.ZodType }; docs?: { written: string; does: string } }>>,
  verb: string,
  defaults = false,
): string {
  const entries = Object.values(group).filter((entry) => entry.docs);
  return plainTable(
    ['Step', verb, ...(defaults ? ['Defaults'] : [])],
    entries.map((entry) => [
      entry.docs!.written,
      entry.docs!.does,
      ...(defaults ? [`\`${yamlFlow(entry.definition.schema.parse(null))}\``] : []),
    ]),
  );
}

function detectorTable(): string {
  return plainTable(
    ['Detector', 'Fires on', 'Options'],
    DETECTORS.map((detector) => [`\`${detector.name}\``, detector.description, optionNames(detector.schema)]),
  );
}

/**
 * Each driver's options, in its README: the source's, and for mqtt also the sink's. Every driver has them, so a new
 * driver's README without the markers fails the docs test.
 */
function driverOptionTables() {
  const tables: { file: string; name: string; render(): string }[] = [];
  for (const [kind, registry] of [['source', SOURCE_DRIVERS], ['sink', SINK_DRIVERS]] as const) {
    for (const [name, entry] of Object.entries(registry)) {
      // MQTT's connection options, which source and sink share, have a table of their own; `url` stays in each.
      const select = name === 'mqtt' ? { omit: CONNECTION_KEYS.filter((key) => key !== 'url') } : {};
      tables.push({ file: `drivers/${name}/README.md`, name: `${name} ${kind} options`, render: () => optionTable(entry.options, undefined, select) });
    }
  }
  return tables;
}

function optionNames(schema: z.ZodType): string {
  const text = optionTable(schema);
  const keys = [...text.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => `\`${match[1]}\``);
  return keys.join(', ');
}
