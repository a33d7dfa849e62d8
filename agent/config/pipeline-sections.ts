/**
 * `sources`, `rules` and `sinks` have no defaults. A config without one of them (never written, or a file cut short
 * by a full disk or power lost while writing) would start, report healthy and forward nothing, so each must be
 * there and name at least one entry. Rules too: sinks receive only rules' results, never raw readings.
 */
export const PIPELINE_SECTIONS = ['sources', 'rules', 'sinks'] as const;

export type PipelineSection = (typeof PIPELINE_SECTIONS)[number];

const PURPOSE: Readonly<Record<PipelineSection, string>> = {
  sources: 'the agent would read nothing',
  rules: 'nothing would reach the sinks, which receive only the results of rules',
  sinks: 'results would stay in the buffer and be sent nowhere',
};

const EXAMPLE: Readonly<Record<PipelineSection, string>> = {
  sources: 'demo: { driver: simulator }',
  rules: 'everything: {} passes every reading on unchanged',
  sinks: 'screen: { driver: console }',
};

/** For a config without the section at all. */
export function missingSectionMessage(section: PipelineSection): string {
  return `missing section "${section}": ${PURPOSE[section]}; add it with at least one entry, e.g. ${EXAMPLE[section]}`;
}

/** For `sinks: {}` and the like. */
export function emptySectionMessage(section: PipelineSection): string {
  return `no ${section}: ${PURPOSE[section]}; add at least one, e.g. ${EXAMPLE[section]}`;
}

/** For a file with nothing but whitespace and comments. */
export const EMPTY_FILE_MESSAGE =
  'the config file is empty (nothing but whitespace or comments); it needs sources, rules and sinks. If it was cut short (a full disk, power lost while writing), restore it from a copy';
