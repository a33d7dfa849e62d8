import { element, table } from './dom.js';
import { formatAge, formatBytes } from './format.js';
import type { Overview } from './types.js';

/** Sources up or down and why, each sink's backlog, the buffer, the clock, the config and what the agent costs. */
export function renderHealth(container: HTMLElement, overview: Overview): void {
  const { health, clock, config, process } = overview;
  container.replaceChildren(
    element('h3', {}, 'Sources'),
    table(
      ['Source', 'Driver', 'State', 'Readings', 'Rejected', 'Last reading'],
      health.sources.map((source) => [
        source.name,
        source.driver,
        element('span', { class: source.up ? 'up' : 'down' }, source.up ? 'up' : `down: ${source.reason ?? 'no reason given'}`),
        String(source.readings),
        String(source.rejected),
        formatAge(source.last_reading_age_s),
      ]),
      'sources',
    ),
    element('h3', {}, 'Sinks'),
    table(
      ['Sink', 'State', 'Backlog', 'Oldest unsent', 'Sent', 'Failures'],
      health.sinks.map((sink) => [
        sink.name,
        element('span', { class: sink.reachable ? 'up' : 'down' }, sink.reachable ? 'reachable' : `unreachable: ${sink.reason ?? ''}`),
        String(sink.pending),
        sink.oldest_pending_age_s === undefined ? '—' : formatAge(sink.oldest_pending_age_s),
        String(sink.sent),
        String(sink.failures),
      ]),
      'sinks',
    ),
    element('h3', {}, 'Agent'),
    table(
      ['', ''],
      [
        ['Buffer', health.buffer.writable ? `${formatBytes(health.buffer.bytes)}, ${formatBytes(health.buffer.free_bytes)} free, ${health.buffer.dropped} dropped` : `not writable: ${health.buffer.reason ?? ''}`],
        ['Clock', element('span', { class: clock.synchronised ? 'up' : 'down' }, clock.synchronised ? 'synchronised' : 'not synchronised (results are re-dated once it is)')],
        ['Memory', `${formatBytes(process.rss_bytes)} resident, ${formatBytes(process.heap_used_bytes)} heap`],
        ['CPU', `${process.cpu_percent.toFixed(1)} % of one core`],
        ['Readings in / results out', `${health.readings_in} / ${health.results_out}`],
        ['Up for', formatAge(health.uptime_s).replace(' ago', '')],
      ],
      'agent',
    ),
    element('h3', {}, 'Config'),
    configBlock(config),
  );
}

function configBlock(config: Overview['config']): HTMLElement {
  const same = config.running_version !== undefined && config.running_version === config.on_disk.version;
  const state = config.on_disk.valid
    ? same
      ? 'the file on disk is the one running, and it validates'
      : 'the file on disk validates but is not the one running: reload (systemctl reload tributary) to apply it'
    : 'the file on disk does not validate: a reload would keep the running config';
  return element(
    'div',
    { class: 'config' },
    element('p', {}, element('code', {}, config.file), ` — running version ${config.running_version ?? '?'}, on disk ${config.on_disk.version ?? '?'}`),
    element('p', { class: config.on_disk.valid ? 'up' : 'down' }, state),
    config.on_disk.problems.length === 0 ? undefined : element('pre', { class: 'problems' }, config.on_disk.problems.join('\n')),
  );
}
