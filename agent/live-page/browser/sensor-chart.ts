import uPlot from 'uplot';

/** An hour of one sensor's values, drawn by uPlot on a canvas; points are appended as readings arrive. */
export class SensorChart {
  private readonly times: number[] = [];
  private readonly values: number[] = [];
  private readonly plot: uPlot;
  private pending = false;

  constructor(
    container: HTMLElement,
    private readonly spanMs: number,
    size: { width: number; height: number },
    detailed = false,
  ) {
    this.plot = new uPlot(
      {
        width: size.width,
        height: size.height,
        legend: { show: detailed },
        cursor: { show: detailed },
        scales: { x: { time: true } },
        axes: detailed ? [{}, { size: 60 }] : [{ show: false }, { show: false }],
        series: [{}, { stroke: '#2a7ab8', width: 1.5, fill: 'rgba(42,122,184,0.08)', points: { show: false } }],
      },
      [[], []],
      container,
    );
  }

  /** Replaces the data with the history's points (`[ms, value]`, oldest first), keeping newer live ones. */
  setHistory(points: readonly [number, number][]): void {
    const newestHistory = points.length > 0 ? points[points.length - 1]![0] : -Infinity;
    const live = this.times.map((time, i) => [time * 1000, this.values[i]!] as [number, number]).filter(([time]) => time > newestHistory);
    this.times.length = 0;
    this.values.length = 0;
    for (const [time, value] of [...points, ...live]) this.push(time, value);
    this.redraw();
  }

  /** A new reading; drawn at the next animation frame, so a burst costs one redraw. */
  add(time: number, value: number): void {
    if (this.times.length > 0 && time / 1000 < this.times[this.times.length - 1]!) return;
    this.push(time, value);
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.redraw();
    });
  }

  get pointCount(): number {
    return this.times.length;
  }

  destroy(): void {
    this.plot.destroy();
  }

  private push(time: number, value: number): void {
    this.times.push(time / 1000);
    this.values.push(value);
    const oldest = (time - this.spanMs) / 1000;
    let drop = 0;
    while (drop < this.times.length && this.times[drop]! < oldest) drop++;
    // A chart keeps one point per second at most: beyond an hour of them, the oldest go.
    if (this.times.length - drop > 3600) drop = this.times.length - 3600;
    if (drop > 0) {
      this.times.splice(0, drop);
      this.values.splice(0, drop);
    }
  }

  private redraw(): void {
    this.plot.setData([this.times, this.values]);
  }
}
