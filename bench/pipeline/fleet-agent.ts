import type { ChildProcess } from 'node:child_process';

/**
 * The agent config both pipeline benchmarks run: an MQTT source taking the publisher's fleet (`bench/in/<sensor>`,
 * JSON with the time of measurement), the given rules, and an MQTT sink at QoS 1 back to the same broker: one
 * message per result, or with `batch` one per rule and send (a JSON array of the results).
 */
export function fleetAgentConfig(url: string, rules: string, { batch = false }: { batch?: boolean } = {}): string {
  const sink = batch ? 'topic: "bench/out/{rule}", batch: true' : 'topic: "bench/out/{rule}/{sensor}"';
  return [
    'agent: { tick: 250ms, http: { enabled: false }, watch_config: false, log_format: json }',
    'sources:',
    `  fleet: { driver: mqtt, url: "${url}", topics: "bench/in/#", qos: 0, strip_prefix: bench/in/, timestamp_field: time }`,
    'rules:',
    rules,
    'sinks:',
    `  upstream: { driver: mqtt, url: "${url}", ${sink}, qos: 1 }`,
    '',
  ].join('\n');
}

/** SIGTERM, as systemd stops it, and waits for the process to be gone. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
