import { createHmac } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import { fromLocalParts, localDate } from '@tero/core';
import { Booking, Call, CallEvent, CallRecording, CallTurn, CallerMessage, Client, type CallOutcome, type Database, type RecordingStatus, type TurnSpeaker } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { dialConnected } from '@tero/telephony';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { CallLogItem, CallLogPage, CallLogQuery, LocalDateRange } from '../analytics.types';
import { type CallLogSort, CursorCodec, type CursorPosition } from './call-log-cursor';
import { CALL_LOG_DEFAULT_LIMIT, defaultCallLogRange, parseCallLogQuery } from './call-log-query';
import { CALL_LOG_ERRORS, CallLogQueryError, callLogNotFound } from './call-log.errors';

/** What the call log needs from the kernel. */
export interface CallLogDeps {
  db: Database;
  /** `APP_SECRET`: the cursors' MAC key is derived from it. */
  appSecret: string;
  /** "Today" for the default range (scenario tests pin it); the real time when absent. */
  clock?: () => Date;
}

/** One step of a call's timeline: a status or another event of the call path, or a turn of the conversation. */
export type CallTimelineEntry =
  | { kind: 'event'; at: Date; key: string; data: Record<string, unknown> }
  | { kind: 'turn'; at: Date; seq: number; speaker: TurnSpeaker; text: string };

export interface CallTranscriptLine {
  seq: number;
  at: Date;
  speaker: TurnSpeaker;
  text: string;
  intent: string | null;
  confidence: number | null;
}

export interface CallRecordingSummary {
  id: string;
  status: RecordingStatus;
  durationMs: number;
  startedAt: Date;
}

/** What became of a transfer the agent attempted: the number dialled, why, jambonz's dial result, and what followed. */
export interface CallTransferOutcome {
  to: string | null;
  /** `human` (the caller asked), `emergency`… as the call path recorded it. */
  reason: string | null;
  /** jambonz's `dial_call_status` (`completed`, `no-answer`, `busy`…); null while it was not reported. */
  dialStatus: string | null;
  /** Whether a person took the call. */
  connected: boolean;
  /** The queue's last step (`queue:entered`, `queue:bridged`, `queue:max_wait`…) when the caller was queued. */
  queue: string | null;
  /** What the caller chose after nobody took it (`message`, `callback`, `none`). */
  followUp: string | null;
}

/** Everything the call detail page shows of one call. */
export interface CallDetail {
  call: {
    id: string;
    callSid: string;
    startedAt: Date;
    endedAt: Date | null;
    fromNumber: string;
    toNumber: string;
    callerName: string | null;
    status: string;
    route: string;
    outcome: CallOutcome | null;
    durationSeconds: number | null;
    locale: string;
    aiDisclosed: boolean;
    recordingConsent: boolean | null;
    turnCount: number;
    /** Placed through "talk to your agent" (billed nothing). */
    test: boolean;
  };
  timezone: string;
  timeline: CallTimelineEntry[];
  transcript: CallTranscriptLine[];
  recordings: CallRecordingSummary[];
  booking: { id: string; serviceName: string; startsAt: Date; endsAt: Date; status: string; valueMinor: number; currency: string; callerName: string | null } | null;
  message: { id: string; callerName: string | null; callbackNumber: string; text: string; urgent: boolean; status: string } | null;
  transfer: CallTransferOutcome | null;
}

/** The call log of a client: its search and a call's detail. Built once by the kernel (field `callLog`). */
export interface CallLog {
  /** Checks a query string's filters (unknown ones, a malformed or forged cursor, a range over a year are refused by name). */
  parseQuery(input: Record<string, unknown>): CallLogQuery;
  /** One page of the client's calls matching the query, in its order, with the cursor of the next page. */
  search(ctx: TenantContext, query: CallLogQuery): Promise<CallLogPage>;
  /** One call of the client; another client's call, or none, is {@link callLogNotFound} (404). */
  detail(ctx: TenantContext, callId: string): Promise<CallDetail>;
  /** The range a query covers: its own, else the last 30 days in the client's zone. */
  rangeOf(ctx: TenantContext, query: CallLogQuery): Promise<LocalDateRange>;
  /** The client's IANA zone: its dates and the times the log shows are read in it. */
  timezoneOf(ctx: TenantContext): Promise<string>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SNIPPET_CHARS = 160;

/** A date-time column as the engine answers it (Date or ISO text on PostgreSQL, epoch ms on SQLite). */
function dateOf(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(typeof value === 'string' && !/^\d+$/.test(value) ? value : Number(value));
}

const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** `%`, `_` and the escape character itself, escaped for `like … escape '\'`: the text matches only as itself. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Around the first place `needle` occurs in `text` (case folded), at most {@link SNIPPET_CHARS} characters. */
export function snippetAround(text: string, needle: string): string {
  const at = Math.max(0, text.toLowerCase().indexOf(needle.toLowerCase()));
  if (text.length <= SNIPPET_CHARS) return text;
  const start = Math.max(0, Math.min(at - 40, text.length - SNIPPET_CHARS));
  const end = Math.min(text.length, start + SNIPPET_CHARS);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}

/**
 * Builds the call log. Searches run as plain SQL on the ORM's own connection through kysely's `sql` tag, so
 * every value the searcher typed is a bound parameter (never text of the statement); the client's id is a
 * condition of every statement, since raw SQL bypasses the ORM's tenant filter. Sorted by a unique key
 * (the sort's column, then `started_at`, then the id) and paginated by keyset: a page starts strictly after
 * the previous page's last row, so rows written meanwhile neither repeat nor shift a page.
 */
export function createCallLog(deps: CallLogDeps): CallLog {
  const cursors = new CursorCodec(createHmac('sha256', deps.appSecret).update('tero:call-log-cursor').digest());
  const now = () => deps.clock?.() ?? new Date();

  const clientOf = async (ctx: TenantContext): Promise<{ em: EntityManager; clientId: string; timezone: string }> => {
    if (!ctx.clientId) throw new Error('the call log is a client’s: its context must name the client');
    const em = deps.db.forTenant(ctx);
    const client = await em.findOne(Client, { id: ctx.clientId }, { fields: ['timezone'] });
    if (!client) throw callLogNotFound();
    return { em, clientId: ctx.clientId, timezone: client.timezone };
  };

  const rangeIn = (query: CallLogQuery, timezone: string) => query.range ?? defaultCallLogRange(localDate(now(), timezone));

  const search = async (ctx: TenantContext, query: CallLogQuery): Promise<CallLogPage> => {
    const { em, clientId, timezone } = await clientOf(ctx);
    const sqlite = deps.db.kind === 'sqlite';
    // SQLite keeps date-times as epoch milliseconds (as MikroORM writes them); pg binds a Date itself.
    const at = (instant: Date | number) => (sqlite ? new Date(instant).getTime() : new Date(instant));
    const range = rangeIn(query, timezone);
    const [fy, fm, fd] = range.from.split('-').map(Number) as [number, number, number];
    const [ty, tm, td] = range.to.split('-').map(Number) as [number, number, number];
    const start = fromLocalParts({ year: fy, month: fm, day: fd, hour: 0, minute: 0 }, timezone);
    // The day after `to`, at local midnight: the range is inclusive of its last day whatever its length (DST).
    const end = fromLocalParts({ year: ty, month: tm, day: td + 1, hour: 0, minute: 0 }, timezone);
    const sort: CallLogSort = query.sort ?? 'newest';
    const limit = query.limit ?? CALL_LOG_DEFAULT_LIMIT;
    const textPattern = query.text ? `%${escapeLike(query.text)}%` : null;
    const like = sqlite ? sql.raw('like') : sql.raw('ilike');

    const durationKey = sql`coalesce(c.duration_seconds, -1)`;
    // A page after a cursor by time: the position replaces the range's bound on its side (`<=`/`>=`; the row
    // comparison breaks ties). Not a second bound beside the range's: SQLite's planner, given two it cannot
    // tell apart, starts the index scan at the range's edge and reads every earlier page's rows again.
    let lower = sql`c.started_at >= ${at(start)}`;
    let upper = sql`c.started_at < ${at(end)}`;
    let after: RawBuilder<unknown> | null = null;
    if (query.cursor) {
      const position = cursors.decode(query.cursor);
      if (position.sort !== sort || position.clientId !== clientId) {
        throw new CallLogQueryError(CALL_LOG_ERRORS.invalidCursor, 'cursor', 'belongs to another search; start again from the first page');
      }
      const t = at(position.startedAtMs);
      if (sort === 'newest') {
        if (position.startedAtMs < end.getTime()) upper = sql`c.started_at <= ${t}`;
        after = sql`(c.started_at, c.id) < (${t}, ${position.id})`;
      } else if (sort === 'oldest') {
        if (position.startedAtMs > start.getTime()) lower = sql`c.started_at >= ${t}`;
        after = sql`(c.started_at, c.id) > (${t}, ${position.id})`;
      } else after = sql`(${durationKey}, c.started_at, c.id) < (${position.durationSeconds}, ${t}, ${position.id})`;
    }
    const where: RawBuilder<unknown>[] = [sql`c.client_id = ${clientId}`, lower, upper];
    if (after) where.push(after);
    if (query.outcomes?.length) where.push(sql`c.outcome in (${sql.join(query.outcomes)})`);
    if (query.caller) where.push(sql`c.from_number like ${`%${escapeLike(query.caller)}%`} escape '\\'`);
    if (query.minDurationSeconds !== undefined) where.push(sql`c.duration_seconds >= ${query.minDurationSeconds}`);
    if (query.maxDurationSeconds !== undefined) where.push(sql`c.duration_seconds <= ${query.maxDurationSeconds}`);
    if (textPattern) where.push(sql`exists (select 1 from call_turns t where t.call_id = c.id and t.text ${like} ${textPattern} escape '\\')`);
    const order =
      sort === 'newest' ? sql`c.started_at desc, c.id desc` : sort === 'oldest' ? sql`c.started_at asc, c.id asc` : sql`${durationKey} desc, c.started_at desc, c.id desc`;

    const kysely = (em.getConnection() as unknown as AbstractSqlConnection).getClient() as Kysely<unknown>;
    const { rows } = await sql<Record<string, unknown>>`
      select c.id, c.started_at, c.from_number, c.caller_name, c.route, c.outcome, c.duration_seconds, c.turn_count
      from calls c
      where ${sql.join(where, sql` and `)}
      order by ${order}
      limit ${limit + 1}`.execute(kysely);

    const page = rows.slice(0, limit);
    const snippets = new Map<string, string>();
    if (textPattern && page.length) {
      const matches = await sql<{ call_id: unknown; text: string }>`
        select t.call_id, t.text from call_turns t
        where t.client_id = ${clientId} and t.call_id in (${sql.join(page.map((r) => String(r.id)))}) and t.text ${like} ${textPattern} escape '\\'
        order by t.call_id, t.seq`.execute(kysely);
      for (const m of matches.rows) {
        const callId = String(m.call_id);
        if (!snippets.has(callId)) snippets.set(callId, snippetAround(m.text, query.text!));
      }
    }
    const items: CallLogItem[] = page.map((r) => ({
      id: String(r.id),
      startedAt: dateOf(r.started_at),
      fromNumber: String(r.from_number),
      callerName: (r.caller_name as string | null) ?? null,
      route: String(r.route),
      outcome: (r.outcome as CallOutcome | null) ?? null,
      durationSeconds: numOrNull(r.duration_seconds),
      turnCount: Number(r.turn_count ?? 0),
      snippet: snippets.get(String(r.id)) ?? null,
    }));
    const last = items[items.length - 1];
    const nextCursor =
      rows.length > limit && last
        ? cursors.encode({ sort, clientId, startedAtMs: last.startedAt.getTime(), durationSeconds: last.durationSeconds ?? -1, id: last.id } satisfies CursorPosition)
        : null;
    return { items, nextCursor, range };
  };

  const detail = async (ctx: TenantContext, callId: string): Promise<CallDetail> => {
    // Not a UUID: no call has that id (and PostgreSQL would refuse to compare it with one).
    if (typeof callId !== 'string' || !UUID.test(callId)) throw callLogNotFound();
    const { em, clientId, timezone } = await clientOf(ctx);
    const call = await em.findOne(Call, { id: callId.toLowerCase(), client: clientId });
    if (!call) throw callLogNotFound();
    const [turns, events, recordings] = await Promise.all([
      em.find(CallTurn, { call: call.id }, { orderBy: { seq: 'asc' } }),
      em.find(CallEvent, { call: call.id }, { orderBy: { at: 'asc' } }),
      em.find(CallRecording, { call: call.id }, { orderBy: { startedAt: 'asc' } }),
    ]);
    const booking = call.bookingId
      ? await em.findOne(Booking, { id: call.bookingId })
      : await em.findOne(Booking, { callSid: call.callSid }, { orderBy: { createdAt: 'desc' } });
    const message = call.messageId ? await em.findOne(CallerMessage, { id: call.messageId }) : await em.findOne(CallerMessage, { callSid: call.callSid });

    const transcript: CallTranscriptLine[] = turns.map((t) => ({ seq: t.seq, at: t.at, speaker: t.speaker, text: t.text, intent: t.intent ?? null, confidence: t.confidence ?? null }));
    const timeline: CallTimelineEntry[] = [
      ...events.map((e) => ({ kind: 'event' as const, at: e.at, key: e.key, data: e.data ?? {} })),
      ...turns.map((t) => ({ kind: 'turn' as const, at: t.at, seq: t.seq, speaker: t.speaker, text: t.text })),
    ].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.kind === b.kind ? 0 : a.kind === 'event' ? -1 : 1));

    return {
      call: {
        id: call.id,
        callSid: call.callSid,
        startedAt: call.startedAt,
        endedAt: call.endedAt ?? null,
        fromNumber: call.fromNumber,
        toNumber: call.toNumber,
        callerName: call.callerName ?? null,
        status: call.status,
        route: call.route,
        outcome: call.outcome ?? null,
        durationSeconds: call.durationSeconds ?? null,
        locale: call.locale,
        aiDisclosed: call.aiDisclosed,
        recordingConsent: call.recordingConsent ?? null,
        turnCount: call.turnCount,
        test: events.some((e) => e.key === 'test_call'),
      },
      timezone,
      timeline,
      transcript,
      recordings: recordings.map((r) => ({ id: r.id, status: r.status, durationMs: r.durationMs, startedAt: r.startedAt })),
      booking: booking
        ? { id: booking.id, serviceName: booking.serviceName, startsAt: booking.startsAt, endsAt: booking.endsAt, status: booking.status, valueMinor: booking.valueMinor, currency: booking.currency, callerName: booking.callerName ?? null }
        : null,
      message: message ? { id: message.id, callerName: message.callerName ?? null, callbackNumber: message.callbackNumber, text: message.text, urgent: message.urgent, status: message.status } : null,
      transfer: transferOutcome(events, call.transferTo ?? null),
    };
  };

  return {
    parseQuery: (input) => parseCallLogQuery(input, cursors),
    search,
    detail,
    rangeOf: async (ctx, query) => rangeIn(query, (await clientOf(ctx)).timezone),
    timezoneOf: async (ctx) => (await clientOf(ctx)).timezone,
  };
}

/** The transfer's story from the call's timeline: its last dial result, the queue's last step, the caller's choice after. */
export function transferOutcome(events: readonly Pick<CallEvent, 'key' | 'data'>[], transferTo: string | null): CallTransferOutcome | null {
  const dial = [...events].reverse().find((e) => e.key === 'transfer');
  const queue = [...events].reverse().find((e) => e.key.startsWith('queue:') || e.key.startsWith('dequeue:'));
  const followUp = [...events].reverse().find((e) => e.key === 'followup');
  if (!dial && !queue && !transferTo) return null;
  const data = (dial?.data ?? {}) as Record<string, unknown>;
  const dialStatus = typeof data.status === 'string' ? data.status : null;
  return {
    to: typeof data.to === 'string' && data.to ? data.to : transferTo,
    reason: typeof data.reason === 'string' ? data.reason : null,
    dialStatus,
    connected: (dialStatus !== null && dialConnected(dialStatus)) || queue?.key === 'queue:bridged' || queue?.key === 'dequeue:bridged',
    queue: queue?.key ?? null,
    followUp: typeof followUp?.data?.choice === 'string' ? (followUp.data.choice as string) : null,
  };
}
