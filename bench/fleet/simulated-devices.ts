/**
 * A process holding a share of the benchmark's simulated devices (several of them spread the devices' work over the
 * cores). Argument: JSON `{ devices: BenchDevice[] }`. Prints `ready` once every device is connected and subscribed;
 * ends its devices and exits when its standard input closes (the benchmark ended or died).
 */
import { SimulatedDevice } from './simulated-device.js';
import type { BenchDevice } from './bench-configs.js';

const { devices } = JSON.parse(process.argv[2] ?? '{}') as { devices: BenchDevice[] };
const started = devices.map((settings) => new SimulatedDevice(settings));
// Fifty at a time: a connection storm of hundreds only measures the broker's accept queue.
for (let i = 0; i < started.length; i += 50) await Promise.all(started.slice(i, i + 50).map((device) => device.start()));
process.stdout.write('ready\n');

process.stdin.resume();
process.stdin.on('end', () => {
  void Promise.all(started.map((device) => device.stop())).finally(() => process.exit(0));
});
