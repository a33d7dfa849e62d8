import { checkConfigText, type TributaryConfig } from '../../agent/config/load-config.js';

/**
 * The config of the clock tests: one simulated greenhouse sensor every 50 ms, 500 ms count windows, results to an
 * MQTT sink; `time` is the YAML of the `time:` section under test.
 */
export function clockTestConfig(time: string, brokerUrl: string, file: string): TributaryConfig {
  const checked = checkConfigText(
    `
agent: { tick: 50ms, http: { enabled: false } }
time: ${time}
sources:
  greenhouse: { driver: simulator, interval: 50ms, sensors: [{ name: greenhouse/temperature, base: 20 }] }
rules:
  fast: { window: { size: 500ms, allowed_lateness: 0s }, aggregates: [count] }
sinks:
  upstream: { driver: mqtt, url: "${brokerUrl}", topic: "out/{rule}" }
`,
    file,
    {},
  );
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return checked.config;
}
