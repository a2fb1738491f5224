// The `naive-sql` baseline of the CSV export, run as its own Node process so that its memory is its own:
// one `SELECT *` of the client's calls of a range of local dates loaded into memory, turned into one CSV
// string, written out. Prints `{ rows, bytes, ms, rssBeforeMb, peakRssMb }` as JSON. Settings:
// DATABASE_URL, CLIENT_ID, FROM and TO (local dates, inclusive), TIMEZONE (the client's), OUT (a file path).
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
const { rows, fields } = await pg.query(
  `select * from calls
    where client_id = $1 and started_at >= ($2::date::timestamp at time zone $4::text) and started_at < (($3::date + 1)::timestamp at time zone $4::text)
    order by started_at`,
  [process.env.CLIENT_ID, process.env.FROM, process.env.TO, process.env.TIMEZONE],
);
const names = fields.map((f) => f.name);
const csv = [names.join(','), ...rows.map((row) => names.map((n) => cell(row[n])).join(','))].join('\r\n');
writeFileSync(process.env.OUT, csv);
const ms = performance.now() - started;
await pg.end();
process.stdout.write(`${JSON.stringify({ rows: rows.length, bytes: Buffer.byteLength(csv), ms, rssBeforeMb, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
