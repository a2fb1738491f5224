import type { FilterQuery } from '@mikro-orm/core';
import { addDays, localDate, parseLocal } from '@tero/core';
import { BOOKING_STATUSES, Booking, Call, type CallOutcome, CallTurn, CallerMessage, Client, type Database, MESSAGE_STATUSES } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { ClientSummary, LocalDateRange } from '../analytics.types';
import type { CallLog } from '../call-log/call-log.service';
import { decodeCursor, encodeCursor } from './api-cursor';
import { callNotFound } from './api-keys.errors';
import { DEFAULT_LIMIT, type ParamSpec, type ParsedQuery, parseQuery } from './api-query';

/** An amount in minor units (cents) of an ISO 4217 currency: never a float. */
export interface Money {
  amountMinor: number;
  currency: string;
}

/** A call as the client API returns it. */
export interface CallResource {
  id: string;
  callSid: string;
  direction: string;
  fromNumber: string;
  toNumber: string;
  callerName: string | null;
  status: string;
  route: string;
  outcome: CallOutcome | null;
  locale: string;
  startedAt: string;
  endedAt: string | null;
  durationSeconds: number | null;
  turnCount: number;
  transferTo: string | null;
  bookingId: string | null;
  messageId: string | null;
}

export interface TurnResource {
  seq: number;
  speaker: 'caller' | 'agent';
  text: string;
  confidence: number | null;
  intent: string | null;
  at: string;
  bargedIn: boolean;
}

export interface BookingResource {
  id: string;
  serviceId: string;
  serviceName: string;
  value: Money;
  startsAt: string;
  endsAt: string;
  status: string;
  callerName: string | null;
  callerPhone: string | null;
  /** The call the agent made it in, when it did. */
  callId: string | null;
  createdAt: string;
}

export interface MessageResource {
  id: string;
  callerName: string | null;
  callbackNumber: string;
  text: string;
  urgent: boolean;
  status: string;
  callId: string | null;
  createdAt: string;
}

/** One page of a list: `nextCursor` is null on the last page. */
export interface ResourcePage<T> {
  items: T[];
  nextCursor: string | null;
}

/** The query parameters of the lists this module pages (calls are the call log's, `CALL_LOG_FILTERS`); the OpenAPI document is written from the same names. */
export const LIST_PARAMETERS = {
  bookings: { from: 'date', to: 'date', status: { kind: 'list', values: BOOKING_STATUSES }, limit: 'limit', cursor: 'cursor' },
  messages: { from: 'date', to: 'date', status: { kind: 'list', values: MESSAGE_STATUSES }, limit: 'limit', cursor: 'cursor' },
} as const satisfies Record<string, ParamSpec>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (at: Date | null | undefined): string | null => (at ? at.toISOString() : null);

export const callResource = (c: Call): CallResource => ({
  id: c.id,
  callSid: c.callSid,
  direction: c.direction,
  fromNumber: c.fromNumber,
  toNumber: c.toNumber,
  callerName: c.callerName ?? null,
  status: c.status,
  route: c.route,
  outcome: c.outcome ?? null,
  locale: c.locale,
  startedAt: c.startedAt.toISOString(),
  endedAt: iso(c.endedAt),
  durationSeconds: c.durationSeconds ?? null,
  turnCount: c.turnCount,
  transferTo: c.transferTo ?? null,
  bookingId: c.bookingId ?? null,
  messageId: c.messageId ?? null,
});

const turnResource = (t: CallTurn): TurnResource => ({
  seq: t.seq,
  speaker: t.speaker,
  text: t.text,
  confidence: t.confidence ?? null,
  intent: t.intent ?? null,
  at: t.at.toISOString(),
  bargedIn: t.bargedIn,
});

type Keyed = { id: string };

/**
 * The client API's reads: keyset pages (newest first, a cursor on the sort key and id, so a page never
 * repeats or skips a row that was there when the first was read), filters on the client's local dates,
 * and every read through the key's tenant scope — another client's id is simply not found.
 */
export class ClientApiReads {
  private readonly clock: () => Date;
  private readonly summarize: (ctx: TenantContext, range: LocalDateRange) => Promise<ClientSummary>;
  private readonly callLog: CallLog;

  /**
   * `summary` gives the figures of `/analytics/summary` (the dashboard's, `Analytics.summary`) and
   * `callLog` the calls of `/calls` (the call log page's search), so the API and the pages agree.
   */
  constructor(
    private readonly db: Database,
    options: { clock?: () => Date; summary: (ctx: TenantContext, range: LocalDateRange) => Promise<ClientSummary>; callLog: CallLog },
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.summarize = options.summary;
    this.callLog = options.callLog;
  }

  /** The time "today" is read at (scenario tests pin it). */
  now(): Date {
    return this.clock();
  }

  /** The client's figures over local dates, as the dashboard shows them. */
  summary(ctx: TenantContext, range: LocalDateRange): Promise<ClientSummary> {
    return this.summarize(ctx, range);
  }

  /**
   * The call log's own search (its filters, default range, sorts, text search and signed cursors), so the
   * API lists exactly the calls the call log page shows; each found call is then read whole.
   */
  async calls(ctx: TenantContext, query: unknown): Promise<ResourcePage<CallResource>> {
    const page = await this.callLog.search(ctx, this.callLog.parseQuery((query ?? {}) as Record<string, unknown>));
    const ids = page.items.map((item) => item.id);
    const rows = ids.length ? await this.db.forTenant(ctx).find(Call, { id: { $in: ids } }) : [];
    const byId = new Map(rows.map((call) => [call.id, call]));
    return { items: ids.flatMap((id) => (byId.has(id) ? [callResource(byId.get(id)!)] : [])), nextCursor: page.nextCursor };
  }

  /** One call with its transcript; another client's id (or no call at all) is 404. */
  async call(ctx: TenantContext, id: string): Promise<CallResource & { turns: TurnResource[] }> {
    const call = await this.findCall(ctx, id);
    return { ...callResource(call), turns: await this.turnsOf(ctx, call) };
  }

  async turns(ctx: TenantContext, id: string): Promise<{ items: TurnResource[] }> {
    return { items: await this.turnsOf(ctx, await this.findCall(ctx, id)) };
  }

  async bookings(ctx: TenantContext, query: unknown): Promise<ResourcePage<BookingResource>> {
    const q = parseQuery(query, LIST_PARAMETERS.bookings);
    const em = this.db.forTenant(ctx);
    const where: FilterQuery<Booking> = { ...(await this.range(ctx, q, 'startsAt')) };
    if (q.status) where.status = { $in: q.status as Booking['status'][] };
    const page = await this.page(em, Booking, where, 'startsAt', 'bookings', q);
    const callIds = await this.callIdsBySid(ctx, page.rows.map((b) => b.callSid));
    return {
      items: page.rows.map((b) => ({
        id: b.id,
        serviceId: b.serviceId,
        serviceName: b.serviceName,
        value: { amountMinor: b.valueMinor, currency: b.currency },
        startsAt: b.startsAt.toISOString(),
        endsAt: b.endsAt.toISOString(),
        status: b.status,
        callerName: b.callerName ?? null,
        callerPhone: b.callerPhone ?? null,
        callId: (b.callSid && callIds.get(b.callSid)) || null,
        createdAt: b.createdAt.toISOString(),
      })),
      nextCursor: page.nextCursor,
    };
  }

  async messages(ctx: TenantContext, query: unknown): Promise<ResourcePage<MessageResource>> {
    const q = parseQuery(query, LIST_PARAMETERS.messages);
    const em = this.db.forTenant(ctx);
    const where: FilterQuery<CallerMessage> = { ...(await this.range(ctx, q, 'createdAt')) };
    if (q.status) where.status = { $in: q.status as CallerMessage['status'][] };
    const page = await this.page(em, CallerMessage, where, 'createdAt', 'messages', q);
    const callIds = await this.callIdsBySid(ctx, page.rows.map((m) => m.callSid));
    return {
      items: page.rows.map((m) => ({
        id: m.id,
        callerName: m.callerName ?? null,
        callbackNumber: m.callbackNumber,
        text: m.text,
        urgent: m.urgent,
        status: m.status,
        callId: (m.callSid && callIds.get(m.callSid)) || null,
        createdAt: m.createdAt.toISOString(),
      })),
      nextCursor: page.nextCursor,
    };
  }

  /** The client's time zone and today's local date there. */
  async zoneOf(ctx: TenantContext, now: Date): Promise<{ timezone: string; today: string }> {
    const client = await this.db.forTenant(ctx).findOne(Client, { id: ctx.clientId! });
    const timezone = client?.timezone ?? 'UTC';
    return { timezone, today: localDate(now, timezone) };
  }

  private async findCall(ctx: TenantContext, id: string): Promise<Call> {
    if (!UUID.test(id)) throw callNotFound();
    const call = await this.db.forTenant(ctx).findOne(Call, { id: id.toLowerCase() });
    if (!call) throw callNotFound();
    return call;
  }

  private async turnsOf(ctx: TenantContext, call: Call): Promise<TurnResource[]> {
    const turns = await this.db.forTenant(ctx).find(CallTurn, { call: call.id }, { orderBy: { seq: 'asc' } });
    return turns.map(turnResource);
  }

  private async callIdsBySid(ctx: TenantContext, sids: (string | null | undefined)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(sids.filter((s): s is string => Boolean(s)))];
    if (!wanted.length) return new Map();
    const calls = await this.db.forTenant(ctx).find(Call, { callSid: { $in: wanted } }, { fields: ['id', 'callSid'] });
    return new Map(calls.map((c) => [c.callSid, c.id]));
  }

  /** `from`/`to` are the client's local dates, inclusive: midnight of `from` up to midnight after `to`, in its zone. */
  private async range(ctx: TenantContext, q: ParsedQuery, field: string): Promise<Record<string, { $gte?: Date; $lt?: Date }>> {
    if (typeof q.from !== 'string' && typeof q.to !== 'string') return {};
    const { timezone } = await this.zoneOf(ctx, this.clock());
    const bounds: { $gte?: Date; $lt?: Date } = {};
    if (typeof q.from === 'string') bounds.$gte = parseLocal(q.from, timezone);
    if (typeof q.to === 'string') bounds.$lt = parseLocal(addDays(q.to, 1), timezone);
    return { [field]: bounds };
  }

  private async page<T extends Keyed>(em: ReturnType<Database['forTenant']>, entity: new () => T, where: FilterQuery<T>, field: keyof T & string, list: string, q: ParsedQuery) {
    const limit = typeof q.limit === 'number' ? q.limit : DEFAULT_LIMIT;
    const conditions: Record<string, unknown> = { ...(where as object) };
    if (typeof q.cursor === 'string') {
      const after = decodeCursor(list, q.cursor);
      // The position becomes the range's upper bound (`<=`; the OR breaks ties): the OR alone does not bound
      // the index scan, so each page read the rows of all the pages before it again. It replaces the range's
      // `<` rather than joining it: given two, SQLite's planner picks one it cannot tell apart.
      const { $lt: end, ...bounds } = (conditions[field] ?? {}) as { $gte?: Date; $lt?: Date };
      conditions[field] = end && end <= after.at ? { ...bounds, $lt: end } : { ...bounds, $lte: after.at };
      conditions.$and = [{ $or: [{ [field]: { $lt: after.at } }, { [field]: after.at, id: { $lt: after.id } }] }];
    }
    const rows = await em.find(entity, conditions as FilterQuery<T>, { orderBy: { [field]: 'desc', id: 'desc' } as never, limit: limit + 1 });
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    const last = shown[shown.length - 1];
    return { rows: shown, nextCursor: more && last ? encodeCursor({ list, at: last[field] as unknown as Date, id: last.id }) : null };
  }
}
