// The footprint benchmark's yardstick: a bare Node process that loads the libraries the agent loads for its
// config (MQTT, SQLite, logging, YAML, schema validation, expressions) and opens the same connections (two MQTT
// clients, one SQLite file in WAL mode), then does nothing. Prints "ready" once connected; runs until killed. Its
// MQTT clients skip mqtt-packet's cache of pre-built packet ids, as the agent's do (drivers/mqtt/mqtt-connection.ts),
// so the yardstick is not 7 MB heavier for a library default the agent turns off.
//
//   node bench/footprint/bare-node.mjs <mqtt url> <sqlite file>
import Database from 'better-sqlite3';
import jsep from 'jsep';
import mqtt from 'mqtt';
import pino from 'pino';
import { parse } from 'yaml';
import { z } from 'zod';

const [url, file] = process.argv.slice(2);
const log = pino({ level: 'info' }, pino.destination(2));
parse('a: 1');
z.object({ a: z.number() }).parse({ a: 1 });
jsep('value > 1');
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE IF NOT EXISTS t (x)');
const source = await mqtt.connectAsync(url, { writeCache: false });
await source.subscribeAsync('bench/in/#', { qos: 0 });
const sink = await mqtt.connectAsync(url, { writeCache: false });
log.info('bare node ready');
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await Promise.all([source.endAsync(), sink.endAsync()]);
  db.close();
  process.exit(0);
});
setInterval(() => {}, 1 << 30);
