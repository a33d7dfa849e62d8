/**
 * The floor of the write-budget benchmark: a bare better-sqlite3 program inserting the same rows the agent kept, in
 * batches, into the history's own table and index, with better-sqlite3's defaults (rollback journal, synchronous
 * full). Prints the bytes this process wrote to storage for them (/proc/self/io write_bytes), as one JSON line.
 *
 *   node --import tsx bench/footprint/raw-batched-insert.ts <rows.jsonl> <sqlite file> <rows per transaction>
 *
 * Each line of rows.jsonl is one result as the MQTT sink sent it (JSON with rule, source, sensor, start or timestamp).
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { HISTORY_SCHEMA } from '../../agent/history/local-history.js';

const [rowsFile, file, perTransaction] = process.argv.slice(2);
if (!rowsFile || !file || !perTransaction) throw new Error('usage: raw-batched-insert.ts <rows.jsonl> <sqlite file> <rows per transaction>');
const batch = Math.max(1, Number(perTransaction));

interface SentResult {
  /** Absent on windows: the MQTT sink flattens them. */
  kind?: string;
  rule: string;
  source: string;
  sensor: string;
  start?: number;
  end?: number;
  timestamp?: number;
}
const rows = readFileSync(rowsFile, 'utf8')
  .split('\n')
  .filter((line) => line.length > 0)
  .map((line) => [line, JSON.parse(line) as SentResult] as const);

const writtenBytes = () => Number(/^write_bytes: (\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
const db = new Database(file);
db.exec(HISTORY_SCHEMA);
const insert = db.prepare('INSERT INTO results (time, end_time, kind, rule, source, sensor, payload) VALUES (?, ?, ?, ?, ?, ?, ?)');
const before = writtenBytes();
for (let first = 0; first < rows.length; first += batch) {
  db.transaction(() => {
    for (const [payload, r] of rows.slice(first, first + batch)) {
      insert.run(r.start ?? r.timestamp ?? 0, r.end ?? null, r.kind ?? (r.start === undefined ? 'alert' : 'window'), r.rule, r.source, r.sensor, payload);
    }
  })();
}
db.close();
process.stdout.write(`${JSON.stringify({ rows: rows.length, written_bytes: writtenBytes() - before })}\n`);
