import { systemClock, type Clock } from '../../drivers/clock.js';

/** What the agent process itself costs, as the live page shows it. */
export interface ProcessUsage {
  readonly rss_bytes: number;
  readonly heap_used_bytes: number;
  /** CPU time used since the previous call, in % of one core. */
  readonly cpu_percent: number;
}

/** Memory now and CPU since it was last asked (the page asks every few seconds). */
export class ProcessUsageMeter {
  private lastCpu = process.cpuUsage();
  private lastAt: number;

  constructor(private readonly clock: Clock = systemClock) {
    this.lastAt = clock.monotonic();
  }

  read(): ProcessUsage {
    const cpu = process.cpuUsage(this.lastCpu);
    const at = this.clock.monotonic();
    const elapsedMs = Math.max(1, at - this.lastAt);
    this.lastCpu = process.cpuUsage();
    this.lastAt = at;
    const memory = process.memoryUsage();
    return {
      rss_bytes: memory.rss,
      heap_used_bytes: memory.heapUsed,
      cpu_percent: Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 1000) / 10,
    };
  }
}
