/**
 * The benchmark's job as a Node-RED 4 flow: mqtt in (bench/in/#, QoS 0) → a function node that drops out-of-range
 * values and keeps a 1 s tumbling count/mean/min/max per sensor → mqtt out at QoS 1 (bench/out/summary/<sensor>).
 * Windows follow the readings' own `time`, as the agent's do, and close 2 s after their end (the agent's
 * `allowed_lateness`), checked every 250 ms (its `tick`); a reading for a window that ended more than 2 s ago is
 * dropped as late, as the agent drops it. Everything in memory: no context store on disk.
 */

/** Runs for each message: the filter, then the reading into its sensor's window. */
const ON_MESSAGE = `
const reading = JSON.parse(msg.payload);
const value = reading.value;
if (!(value > -40 && value < 125)) return null;
const sensor = msg.topic.slice(9);
const start = Math.floor(reading.time / 1000) * 1000;
// Too late, as the agent counts it: the window ended more than the allowed lateness ago (it is closed or closing).
if (start + 1000 <= Date.now() - 2000) return null;
const windows = context.get('windows');
const key = sensor + '@' + start;
const w = windows.get(key);
if (w === undefined) windows.set(key, { sensor, start, count: 1, sum: value, min: value, max: value });
else { w.count += 1; w.sum += value; if (value < w.min) w.min = value; if (value > w.max) w.max = value; }
return null;
`;

/** Runs once at deploy: the window store and the timer that closes windows and sends their summaries. */
const ON_START = `
const windows = new Map();
context.set('windows', windows);
const timer = setInterval(() => {
  const closeBefore = Date.now() - 1000 - 2000;
  const out = [];
  for (const [key, w] of windows) {
    if (w.start > closeBefore) continue;
    windows.delete(key);
    out.push({ topic: 'bench/out/summary/' + w.sensor, payload: JSON.stringify({ sensor: w.sensor, start: w.start, count: w.count, mean: w.sum / w.count, min: w.min, max: w.max }) });
  }
  if (out.length > 0) node.send([out]);
}, 250);
context.set('timer', timer);
`;

export function nodeRedFlow(brokerPort: number): unknown[] {
  const broker = { id: 'bench-broker', type: 'mqtt-broker', name: 'bench', broker: '127.0.0.1', port: String(brokerPort), clientid: '', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true };
  return [
    { id: 'bench-tab', type: 'tab', label: 'bench' },
    broker,
    { id: 'bench-in', type: 'mqtt in', z: 'bench-tab', name: '', topic: 'bench/in/#', qos: '0', datatype: 'utf8', broker: broker.id, nl: false, rap: true, rh: 0, inputs: 0, wires: [['bench-summary']] },
    { id: 'bench-summary', type: 'function', z: 'bench-tab', name: 'filter + 1 s tumbling summary', func: ON_MESSAGE, outputs: 1, timeout: 0, noerr: 0, initialize: ON_START, finalize: "clearInterval(context.get('timer'));", libs: [], wires: [['bench-out']] },
    { id: 'bench-out', type: 'mqtt out', z: 'bench-tab', name: '', topic: '', qos: '1', retain: 'false', broker: broker.id, wires: [] },
  ];
}

/** A settings file for a headless Node-RED: no editor, no HTTP nodes, memory context, the given flow file. */
export function nodeRedSettings(uiPort: number, flowFile: string): string {
  const settings = {
    uiPort,
    uiHost: '127.0.0.1',
    httpAdminRoot: false,
    httpNodeRoot: false,
    flowFile,
    credentialSecret: false,
    contextStorage: { default: { module: 'memory' } },
    logging: { console: { level: 'info', metrics: false, audit: false } },
    diagnostics: { enabled: false },
    telemetry: { enabled: false },
  };
  return `module.exports = ${JSON.stringify(settings, null, 2)};\n`;
}
