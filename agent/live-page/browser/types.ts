/** The JSON the agent's live-page endpoints answer with (see agent/live-page/live-page.ts). */

export interface LatestReading {
  source: string;
  sensor: string;
  value: number;
  unit?: string;
  time: number;
}

export interface Reading {
  source: string;
  sensor: string;
  value: number;
  timestamp: number;
  tags: Record<string, string>;
}

export interface AlertTransition {
  kind: 'alert';
  rule: string;
  source: string;
  sensor: string;
  timestamp: number;
  state: 'pending' | 'firing' | 'resolved';
  previous: string;
  detector: string;
  severity: string;
  value: number;
  message: string;
  since: number;
  resolution?: string;
}

export interface LiveAlert {
  rule: string;
  source: string;
  sensor: string;
  state: 'pending' | 'firing' | 'resolved';
  resolution?: string;
  severity: string;
  since: number;
  message?: string;
}

export interface Overview {
  name: string;
  now: number;
  health: {
    status: 'ok' | 'failing';
    problems: string[];
    uptime_s: number;
    readings_in: number;
    results_out: number;
    sources: { name: string; driver: string; up: boolean; reason?: string; readings: number; rejected: number; last_reading_age_s?: number }[];
    sinks: { name: string; reachable: boolean; reason?: string; pending: number; oldest_pending_age_s?: number; sent: number; failures: number }[];
    buffer: { writable: boolean; reason?: string; bytes: number; free_bytes?: number; queued: number; dropped: number };
  };
  clock: { synchronised: boolean };
  config: { file: string; running_version?: string; on_disk: { version?: string; valid: boolean; problems: string[] } };
  process: { rss_bytes: number; heap_used_bytes: number; cpu_percent: number };
  alerts: LiveAlert[];
  transitions: AlertTransition[];
}

export interface SensorDetail {
  source: string;
  sensor: string;
  history_kept: { readings: boolean; results: boolean };
  points: [number, number][];
  raw: { time: number; value: number }[];
  results: Record<string, unknown>[];
}
