import { getJson } from './api.js';
import { element, table } from './dom.js';
import { formatTime, formatValue } from './format.js';
import { SensorChart } from './sensor-chart.js';
import type { Reading, SensorDetail } from './types.js';

const HOUR_MS = 60 * 60 * 1000;

/** One sensor's hour in a larger chart, its rules' results (windows, alert transitions) and its raw readings. */
export class SensorDetailView {
  private chart: SensorChart | undefined;
  private selected: { source: string; sensor: string } | undefined;
  private rawBody: HTMLElement | undefined;

  constructor(private readonly container: HTMLElement) {}

  async show(source: string, sensor: string): Promise<void> {
    this.close();
    this.selected = { source, sensor };
    const detail = await getJson<SensorDetail>(`/api/sensor?${new URLSearchParams({ source, sensor })}`);
    if (this.selected?.sensor !== sensor || this.selected.source !== source) return;
    const chartBox = element('div', { class: 'detail-chart' });
    const closeButton = element('button', { type: 'button' }, 'Close');
    closeButton.addEventListener('click', () => this.close());
    const raw = table(['Time', 'Value'], detail.raw.map((row) => [formatTime(row.time), formatValue(row.value)]).reverse(), 'raw');
    this.rawBody = raw.tBodies[0];
    const parts: (Node | undefined)[] = [
      element('header', {}, element('h2', {}, sensor), element('span', { class: 'quiet' }, ` source ${source} `), closeButton),
      chartBox,
      detail.history_kept.readings ? undefined : element('p', { class: 'quiet' }, 'Raw readings are not kept (history.readings: 0s): the chart and list show what arrived since this page opened.'),
      element('h3', {}, 'Results of its rules (windows, alerts)'),
      detail.results.length === 0
        ? element('p', { class: 'quiet' }, detail.history_kept.results ? 'No result in the last hour yet (history is written every history.flush_interval).' : 'Results are not kept (history.results: 0s).')
        : table(['Time', 'Rule', 'Kind', 'Result'], [...detail.results].reverse().map(resultRow), 'results'),
      element('h3', {}, 'Raw readings'),
      raw,
    ];
    this.container.replaceChildren(...parts.filter((part): part is Node => part !== undefined));
    this.container.hidden = false;
    this.chart = new SensorChart(chartBox, HOUR_MS, { width: Math.min(900, this.container.clientWidth - 32 || 800), height: 240 }, true);
    this.chart.setHistory(detail.points);
  }

  add(reading: Reading): void {
    if (!this.selected || reading.sensor !== this.selected.sensor || reading.source !== this.selected.source) return;
    this.chart?.add(reading.timestamp, reading.value);
    if (this.rawBody) {
      this.rawBody.prepend(element('tr', {}, element('td', {}, formatTime(reading.timestamp)), element('td', {}, formatValue(reading.value))));
      while (this.rawBody.rows.length > 50) this.rawBody.deleteRow(-1);
    }
  }

  close(): void {
    this.chart?.destroy();
    this.chart = undefined;
    this.selected = undefined;
    this.rawBody = undefined;
    this.container.hidden = true;
    this.container.replaceChildren();
  }
}

/** A window shows its span and values; an alert its transition and message; anything else its fields. */
function resultRow(result: Record<string, unknown>): string[] {
  const { rule, kind } = result;
  if (kind === 'window') {
    const values = Object.entries((result.values ?? {}) as Record<string, number>).map(([name, value]) => `${name} ${formatValue(value)}`);
    return [`${formatTime(Number(result.start))} – ${new Date(Number(result.end)).toLocaleTimeString()}`, String(rule), 'window', values.join(', ')];
  }
  if (kind === 'alert') return [formatTime(Number(result.timestamp)), String(rule), 'alert', `${String(result.state)}: ${String(result.message)}`];
  const { source: _source, sensor: _sensor, tags: _tags, ...rest } = result;
  return [formatTime(Number(result.timestamp ?? result.end)), String(rule), String(kind), JSON.stringify(rest)];
}
