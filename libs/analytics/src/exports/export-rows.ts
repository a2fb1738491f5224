import type { FilterQuery } from '@mikro-orm/core';
import { minorDigits } from '@tero/billing';
import { offsetMinutes, toLocalParts } from '@tero/core';
import { Booking, Call, CallerMessage, type Database } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { rangeInstants } from '../reports/report-period';
import type { ExportKind, ExportRequest } from './export-request';

/** A client's tenant context: exports are always one client's. */
export type ClientContext = TenantContext & { clientId: string };

/** One exported row: the values of its kind's columns, in order. */
export type ExportValue = string | number | boolean | null;

/** Rows read per query: enough to amortise a round trip, few enough that memory stays flat. */
export const EXPORT_BATCH_SIZE = 1000;

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

interface KindReader<E extends object> {
  entity: new () => E;
  /** The time column the range applies to, which is also the first key of the walk. */
  at: keyof E & string;
  where(request: ExportRequest, clientId: string): Record<string, unknown>;
  values(row: E, timeZone: string): ExportValue[];
}

const READERS: { [K in ExportKind]: KindReader<K extends 'calls' ? Call : K extends 'bookings' ? Booking : CallerMessage> } = {
  calls: {
    entity: Call,
    at: 'startedAt',
    where: (request) => ({
      ...(request.outcomes ? { outcome: { $in: request.outcomes } } : {}),
      ...(request.caller ? { fromNumber: { $like: `%${request.caller}%` } } : {}),
      ...(request.minDurationSeconds !== undefined || request.maxDurationSeconds !== undefined
        ? { durationSeconds: { ...(request.minDurationSeconds !== undefined ? { $gte: request.minDurationSeconds } : {}), ...(request.maxDurationSeconds !== undefined ? { $lte: request.maxDurationSeconds } : {}) } }
        : {}),
    }),
    values: (c, tz) => [c.id, zonedIso(c.startedAt, tz), zonedIso(c.endedAt, tz), c.fromNumber, c.callerName ?? null, c.toNumber, c.route, c.outcome ?? null, c.durationSeconds ?? null, c.turnCount, c.transferTo ?? null, c.bookingId ?? null, c.messageId ?? null],
  },
  bookings: {
    entity: Booking,
    at: 'startsAt',
    where: (request) => (request.caller ? { callerPhone: { $like: `%${request.caller}%` } } : {}),
    values: (b, tz) => [b.id, zonedIso(b.startsAt, tz), zonedIso(b.endsAt, tz), b.serviceName, b.status, decimalAmount(b.valueMinor, b.currency), b.currency, b.callerName ?? null, b.callerPhone ?? null, b.callSid ?? null, zonedIso(b.createdAt, tz)],
  },
  messages: {
    entity: CallerMessage,
    at: 'createdAt',
    where: (request) => (request.caller ? { callbackNumber: { $like: `%${request.caller}%` } } : {}),
    values: (m, tz) => [m.id, zonedIso(m.createdAt, tz), m.callerName ?? null, m.callbackNumber, m.urgent, m.status, m.text, m.callSid ?? null],
  },
};

function baseWhere(request: ExportRequest, clientId: string, timeZone: string): Record<string, unknown> {
  const reader = READERS[request.kind] as KindReader<object>;
  const { start, end } = rangeInstants(request.range, timeZone);
  return { client: clientId, [reader.at]: { $gte: start, $lt: end }, ...reader.where(request, clientId) };
}

/** How many rows the request exports (decides between streaming now and a job). */
export async function countExportRows(db: Database, ctx: ClientContext, request: ExportRequest, timeZone: string): Promise<number> {
  const reader = READERS[request.kind] as KindReader<object>;
  return db.forTenant(ctx).count(reader.entity, baseWhere(request, ctx.clientId, timeZone) as FilterQuery<object>);
}

/**
 * The rows of an export in batches, oldest first: a keyset walk over (time, id), one query per batch on
 * a fresh EntityManager (no identity map growing with the export), so that any number of rows is read
 * in flat memory and a row written meanwhile neither repeats nor shifts the walk.
 */
export async function* exportBatches(db: Database, ctx: ClientContext, request: ExportRequest, timeZone: string, batchSize = EXPORT_BATCH_SIZE): AsyncGenerator<{ rows: object[]; values: ExportValue[][] }> {
  const reader = READERS[request.kind] as KindReader<object>;
  const where = baseWhere(request, ctx.clientId, timeZone);
  let last: { at: Date; id: string } | null = null;
  for (;;) {
    const after = last ? { $or: [{ [reader.at]: { $gt: last.at } }, { [reader.at]: last.at, id: { $gt: last.id } }] } : {};
    const rows = await db.forTenant(ctx).find(reader.entity, { $and: [where, after] } as FilterQuery<object>, {
      orderBy: { [reader.at]: 'asc', id: 'asc' } as never,
      limit: batchSize,
    });
    if (!rows.length) return;
    yield { rows, values: rows.map((row) => reader.values(row, timeZone)) };
    if (rows.length < batchSize) return;
    const tail = rows[rows.length - 1] as Record<string, unknown>;
    last = { at: tail[reader.at] as Date, id: tail.id as string };
  }
}
