// The `naive-sql` baseline of the CSV export, run as its own Node process so that its memory is its own:
// one `SELECT *` of the client's calls loaded into memory, turned into one CSV string, written out.
// Prints `{ rows, bytes, ms, rssBeforeMb, peakRssMb }` as JSON. Settings: DATABASE_URL, CLIENT_ID, OUT (a file path).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Client } = require('pg');

const cell = (value) => {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

const pg = new Client({ connectionString: process.env.DATABASE_URL });
await pg.connect();
const rssBeforeMb = process.memoryUsage().rss / 1024 / 1024;
const started = performance.now();
const { rows, fields } = await pg.query('select * from calls where client_id = $1 order by started_at', [process.env.CLIENT_ID]);
const names = fields.map((f) => f.name);
const csv = [names.join(','), ...rows.map((row) => names.map((n) => cell(row[n])).join(','))].join('\r\n');
writeFileSync(process.env.OUT, csv);
const ms = performance.now() - started;
await pg.end();
process.stdout.write(`${JSON.stringify({ rows: rows.length, bytes: Buffer.byteLength(csv), ms, rssBeforeMb, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
