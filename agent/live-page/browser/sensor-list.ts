import { compileSensorGlob } from '../../../rules/select/sensor-glob.js';
import { element } from './dom.js';
import { formatAge, formatValue } from './format.js';
import { SensorChart } from './sensor-chart.js';
import type { LatestReading, Reading } from './types.js';

/** More cards than this and the page would be slow on a Pi: the filter narrows them. */
const MAX_CARDS = 60;
const HOUR_MS = 60 * 60 * 1000;

interface Card {
  readonly root: HTMLElement;
  readonly value: HTMLElement;
  readonly age: HTMLElement;
  readonly chart: SensorChart;
  latest: LatestReading;
}

/** Every sensor's newest value and unit, with a small chart of its last hour; a glob filter; click for details. */
export class SensorList {
  private readonly cards = new Map<string, Card>();
  private readonly sensors = new Map<string, LatestReading>();
  private matches: (sensor: string) => boolean = () => true;

  constructor(
    private readonly container: HTMLElement,
    private readonly summary: HTMLElement,
    private readonly onSelect: (source: string, sensor: string) => void,
  ) {}

  setFilter(glob: string): void {
    this.matches = compileSensorGlob(glob.trim() === '' ? '**' : glob.trim());
    this.render();
  }

  /** The agent's list of sensors (newest readings). */
  setSensors(list: readonly LatestReading[]): void {
    for (const reading of list) this.sensors.set(key(reading.source, reading.sensor), reading);
    this.render();
  }

  setHistory(sensors: readonly { source: string; sensor: string; points: [number, number][] }[]): void {
    for (const entry of sensors) this.cards.get(key(entry.source, entry.sensor))?.chart.setHistory(entry.points);
  }

  /** A reading from the live stream. */
  add(reading: Reading): void {
    const id = key(reading.source, reading.sensor);
    const latest: LatestReading = { source: reading.source, sensor: reading.sensor, value: reading.value, time: reading.timestamp, ...(reading.tags.unit ? { unit: reading.tags.unit } : {}) };
    const known = this.sensors.has(id);
    this.sensors.set(id, latest);
    const card = this.cards.get(id);
    if (card) {
      card.latest = latest;
      card.value.textContent = valueText(latest);
      card.chart.add(reading.timestamp, reading.value);
    } else if (!known) this.render();
  }

  /** Ages move on without readings: refreshed every second. */
  tick(now: number): void {
    for (const card of this.cards.values()) card.age.textContent = formatAge((now - card.latest.time) / 1000);
  }

  visibleSensors(): string[] {
    return [...this.cards.values()].map((card) => card.latest.sensor);
  }

  private render(): void {
    const wanted = [...this.sensors.values()].filter((reading) => this.matches(reading.sensor)).sort((a, b) => a.sensor.localeCompare(b.sensor));
    const shown = wanted.slice(0, MAX_CARDS);
    const shownKeys = new Set(shown.map((reading) => key(reading.source, reading.sensor)));
    for (const [id, card] of this.cards) {
      if (shownKeys.has(id)) continue;
      card.chart.destroy();
      card.root.remove();
      this.cards.delete(id);
    }
    for (const reading of shown) {
      const id = key(reading.source, reading.sensor);
      if (!this.cards.has(id)) this.cards.set(id, this.makeCard(reading));
      this.container.append(this.cards.get(id)!.root);
    }
    this.summary.textContent =
      wanted.length > shown.length ? `${shown.length} of ${wanted.length} sensors shown: narrow the filter` : `${wanted.length} of ${this.sensors.size} sensors`;
  }

  private makeCard(reading: LatestReading): Card {
    const value = element('span', { class: 'value' }, valueText(reading));
    const age = element('span', { class: 'age' });
    const chartBox = element('div', { class: 'chart' });
    const root = element(
      'article',
      { class: 'sensor', tabindex: '0', 'data-sensor': reading.sensor, 'data-source': reading.source },
      element('header', {}, element('span', { class: 'name', title: `${reading.sensor} (source ${reading.source})` }, reading.sensor)),
      element('div', { class: 'reading' }, value, age),
      chartBox,
    );
    const open = () => this.onSelect(reading.source, reading.sensor);
    root.addEventListener('click', open);
    root.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') open();
    });
    const chart = new SensorChart(chartBox, HOUR_MS, { width: 260, height: 70 });
    chart.add(reading.time, reading.value);
    return { root, value, age, chart, latest: reading };
  }
}

function key(source: string, sensor: string): string {
  return `${source}\u0000${sensor}`;
}

function valueText(reading: LatestReading): string {
  return reading.unit ? `${formatValue(reading.value)} ${reading.unit}` : formatValue(reading.value);
}
