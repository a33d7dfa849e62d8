// The floor under the footprint benchmark's CPU figures: a Node process receiving the same MQTT messages on a bare
// TCP socket, parsing nothing. It subscribes with two hand-built packets and then only counts the bytes that arrive,
// so what it costs is Node waking up for each packet and reading it: no MQTT client, no JSON, no rules.
//
//   node bench/footprint/raw-receiver.mjs <mqtt url> <topic filter>
import net from 'node:net';
import mqttPacket from 'mqtt-packet';

const [url, filter] = process.argv.slice(2);
const { hostname, port } = new URL(url);
const socket = net.connect(Number(port), hostname);
socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: `raw-${process.pid}`, keepalive: 0 }));
socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 0 }] }));
let received = 0;
socket.on('data', (chunk) => {
  received += chunk.length;
});
socket.on('error', (error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
process.on('SIGTERM', () => {
  process.stderr.write(`received ${received} bytes\n`);
  socket.destroy();
  process.exit(0);
});
process.stdout.write('ready\n');
