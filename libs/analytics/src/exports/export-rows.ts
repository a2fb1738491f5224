import { minorDigits } from '@tero/billing';
import { offsetMinutes, toLocalParts } from '@tero/core';
import type { Database } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { rangeInstants } from '../reports/report-period';
import type { ExportKind, ExportRequest } from './export-request';

/** A client's tenant context: exports are always one client's. */
export type ClientContext = TenantContext & { clientId: string };

/** One exported row: the values of its kind's columns, in order. */
export type ExportValue = string | number | boolean | null;

/**
 * Rows read per query: enough to amortise a round trip (PostgreSQL gave ~35,000 rows/s at 1,000 a batch,
 * ~55,000 at 5,000), few enough that a batch stays a few megabytes whatever the export's size.
 */
export const EXPORT_BATCH_SIZE = 5000;

const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');

/** An instant as ISO 8601 on the client's clock, with its offset: `2026-11-23T09:15:02-05:00`. */
export function zonedIso(instant: Date | null | undefined, timeZone: string): string | null {
  if (!instant) return null;
  const p = toLocalParts(instant, timeZone);
  const offset = offsetMinutes(instant, timeZone);
  const sign = offset < 0 ? '-' : '+';
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

/** An amount in minor units as a plain decimal (`120.5` → `"120.50"`), so that spreadsheets sum it. */
export function decimalAmount(amountMinor: number, currency: string): string {
  const digits = minorDigits(currency);
  return (amountMinor / 10 ** digits).toFixed(digits);
}

/** The CSV columns of each kind: stable names (a spreadsheet or a script keys on them), in this order. */
export const EXPORT_COLUMNS: Record<ExportKind, readonly string[]> = {
  calls: ['id', 'started_at', 'ended_at', 'from_number', 'caller_name', 'to_number', 'route', 'outcome', 'duration_seconds', 'turn_count', 'transfer_to', 'booking_id', 'message_id'],
  bookings: ['id', 'starts_at', 'ends_at', 'service', 'status', 'value', 'currency', 'caller_name', 'caller_phone', 'call_sid', 'created_at'],
  messages: ['id', 'created_at', 'caller_name', 'callback_number', 'urgent', 'status', 'text', 'call_sid'],
};

/** How one kind is read: its table, its time column (the range's and the walk's first key), its columns and filters. */
interface KindReader {
  table: string;
  /** The time column, as stored and as the row's property. */
  at: { column: string; key: string };
  /** Row property → column, every one the CSV or the PDF shows. */
  columns: Record<string, string>;
  dates: string[];
  booleans: string[];
  /** The request's filters as SQL conditions with their bound values (never text pasted into the SQL). */
  filters(request: ExportRequest): { sql: string; params: unknown[] }[];
  values(row: Record<string, unknown>, timeZone: string): ExportValue[];
}

const str = (value: unknown) => (value === null || value === undefined ? null : String(value));
const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const like = (column: string, digits: string | undefined) => (digits ? [{ sql: `${column} like ?`, params: [`%${digits}%`] }] : []);

const READERS: Record<ExportKind, KindReader> = {
  calls: {
    table: 'calls',
    at: { column: 'started_at', key: 'startedAt' },
    columns: { id: 'id', startedAt: 'started_at', endedAt: 'ended_at', fromNumber: 'from_number', callerName: 'caller_name', toNumber: 'to_number', route: 'route', outcome: 'outcome', durationSeconds: 'duration_seconds', turnCount: 'turn_count', transferTo: 'transfer_to', bookingId: 'booking_id', messageId: 'message_id' },
    dates: ['startedAt', 'endedAt'],
    booleans: [],
    filters: (request) => [
      ...(request.outcomes ? [{ sql: `outcome in (${request.outcomes.map(() => '?').join(', ')})`, params: [...request.outcomes] }] : []),
      ...like('from_number', request.caller),
      ...(request.minDurationSeconds !== undefined ? [{ sql: 'duration_seconds >= ?', params: [request.minDurationSeconds] }] : []),
      ...(request.maxDurationSeconds !== undefined ? [{ sql: 'duration_seconds <= ?', params: [request.maxDurationSeconds] }] : []),
    ],
    values: (c, tz) => [str(c.id), zonedIso(c.startedAt as Date, tz), zonedIso(c.endedAt as Date | null, tz), str(c.fromNumber), str(c.callerName), str(c.toNumber), str(c.route), str(c.outcome), num(c.durationSeconds), num(c.turnCount), str(c.transferTo), str(c.bookingId), str(c.messageId)],
  },
  bookings: {
    table: 'bookings',
    at: { column: 'starts_at', key: 'startsAt' },
    columns: { id: 'id', startsAt: 'starts_at', endsAt: 'ends_at', serviceName: 'service_name', status: 'status', valueMinor: 'value_minor', currency: 'currency', callerName: 'caller_name', callerPhone: 'caller_phone', callSid: 'call_sid', createdAt: 'created_at' },
    dates: ['startsAt', 'endsAt', 'createdAt'],
    booleans: [],
    filters: (request) => like('caller_phone', request.caller),
    values: (b, tz) => [str(b.id), zonedIso(b.startsAt as Date, tz), zonedIso(b.endsAt as Date, tz), str(b.serviceName), str(b.status), decimalAmount(Number(b.valueMinor), String(b.currency)), str(b.currency), str(b.callerName), str(b.callerPhone), str(b.callSid), zonedIso(b.createdAt as Date, tz)],
  },
  messages: {
    table: 'caller_messages',
    at: { column: 'created_at', key: 'createdAt' },
    columns: { id: 'id', createdAt: 'created_at', callerName: 'caller_name', callbackNumber: 'callback_number', urgent: 'urgent', status: 'status', text: 'text', callSid: 'call_sid' },
    dates: ['createdAt'],
    booleans: ['urgent'],
    filters: (request) => like('callback_number', request.caller),
    values: (m, tz) => [str(m.id), zonedIso(m.createdAt as Date, tz), str(m.callerName), str(m.callbackNumber), Boolean(m.urgent), str(m.status), str(m.text), str(m.callSid)],
  },
};

/** A stored instant as a Date: SQLite keeps epoch milliseconds, PostgreSQL's driver gives a Date. */
function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : (value as number | string));
}

/**
 * The conditions every query of the export shares: the client, the range, the filters. `from`, a stored
 * time at or after the range's start, replaces the start: one lower bound, so that either engine's planner
 * starts the index scan there (given two, SQLite picks one it cannot tell apart and may scan from the start).
 */
function baseWhere(db: Database, request: ExportRequest, clientId: string, timeZone: string, from?: unknown): { sql: string; params: unknown[] } {
  const reader = READERS[request.kind];
  const { start, end } = rangeInstants(request.range, timeZone);
  const instant = (date: Date) => (db.kind === 'sqlite' ? date.getTime() : date);
  const parts = [{ sql: `client_id = ? and ${reader.at.column} >= ? and ${reader.at.column} < ?`, params: [clientId, from ?? instant(start), instant(end)] }, ...reader.filters(request)];
  return { sql: parts.map((p) => p.sql).join(' and '), params: parts.flatMap((p) => p.params) };
}

/** How many rows the request exports (decides between streaming now and a job). */
export async function countExportRows(db: Database, ctx: ClientContext, request: ExportRequest, timeZone: string): Promise<number> {
  const where = baseWhere(db, request, ctx.clientId, timeZone);
  const rows = (await db.forTenant(ctx).getConnection().execute(`select count(*) as n from ${READERS[request.kind].table} where ${where.sql}`, where.params, 'all')) as { n: number | string }[];
  return Number(rows[0]?.n ?? 0);
}

/**
 * The rows of an export in batches, oldest first: a keyset walk over (time, id) on the table's
 * (client, time) index, one query per batch, each naming the client, so that any number of rows is read in
 * flat memory and a row written meanwhile neither repeats nor shifts the walk. Each batch's range starts at
 * the previous batch's last time, so the last batch costs what the first does. Rows are read as plain
 * values, not entities: hydrating entities made the walk several times slower, and nothing here changes them.
 */
export async function* exportBatches(db: Database, ctx: ClientContext, request: ExportRequest, timeZone: string, batchSize = EXPORT_BATCH_SIZE): AsyncGenerator<{ rows: Record<string, unknown>[]; values: ExportValue[][] }> {
  const reader = READERS[request.kind];
  const select = Object.entries(reader.columns).map(([key, column]) => `${column} as "${key}"`).join(', ');
  const at = reader.at.column;
  let last: { at: unknown; id: unknown } | null = null;
  for (;;) {
    // From the last batch's time on (a range bound, which the tie-breaking OR alone is not: PostgreSQL read
    // every earlier row again and discarded it, so each batch was slower than the one before).
    const where = baseWhere(db, request, ctx.clientId, timeZone, last?.at);
    const after = last ? ` and (${at} > ? or (${at} = ? and id > ?))` : '';
    const params = last ? [...where.params, last.at, last.at, last.id, batchSize] : [...where.params, batchSize];
    const raw = (await db.forTenant(ctx).getConnection().execute(`select ${select} from ${reader.table} where ${where.sql}${after} order by ${at}, id limit ?`, params, 'all')) as Record<string, unknown>[];
    if (!raw.length) return;
    const tail = raw[raw.length - 1]!;
    // The walk goes on from the stored value itself, so no conversion can shift it.
    const next = { at: tail[reader.at.key], id: tail.id };
    const rows = raw.map((row) => {
      for (const key of reader.dates) row[key] = toDate(row[key]);
      for (const key of reader.booleans) row[key] = row[key] === true || Number(row[key]) === 1;
      return row;
    });
    yield { rows, values: rows.map((row) => reader.values(row, timeZone)) };
    if (raw.length < batchSize) return;
    last = next;
  }
}
