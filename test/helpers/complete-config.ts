/** Stand-ins for the sections a config must have (see agent/config/pipeline-sections.ts). */
const STAND_INS = {
  sources: 'sources:\n  stand_in_source: { driver: simulator }\n',
  rules: 'rules:\n  stand_in_rule: {}\n',
  sinks: 'sinks:\n  stand_in_sink: { driver: console }\n',
} as const;

/**
 * A config fragment about one thing (`agent:`, `buffer:` …) made into a config the agent accepts: each of
 * `sources`, `rules` and `sinks` it lacks is added at its end, so the line numbers of what it holds stay as written.
 */
export function completeConfig(fragment: string): string {
  let text = fragment.endsWith('\n') || fragment === '' ? fragment : `${fragment}\n`;
  for (const [section, standIn] of Object.entries(STAND_INS)) {
    if (!new RegExp(`^${section}\\s*:`, 'm').test(text)) text += standIn;
  }
  return text;
}
