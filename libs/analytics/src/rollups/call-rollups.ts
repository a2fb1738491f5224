import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { addDays, localDate } from '@tero/core';
import { AgentProfile, type CallOutcome, type CallRoute, type Database } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type CallFact, type DayFigures, dayBounds, emptyDay, figuresOf } from './day-figures';

/** A client's clock and money: its time zone makes its dates, its brand's currency its revenue. */
export interface ClientFrame {
  timezone: string;
  currency: string;
}

/** A stored day and when it was computed. */
export interface StoredDay {
  figures: DayFigures;
  computedAt: Date;
}

/** A rollup computed this long after its date ended is final: the last calls' ends are written by then (write-behind). */
const FINAL_AFTER_MS = 5_000;

/** How far back a backfill goes at most (the summary itself reads 400 days at most). */
const BACKFILL_MAX_DAYS = 800;

const asDate = (value: unknown): Date => (value instanceof Date ? value : new Date(typeof value === 'number' ? value : String(value)));
const asNumber = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const asJson = <T>(value: unknown, fallback: T): T => {
  if (value === null || value === undefined) return fallback;
  if (typeof value !== 'string') return value as T;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
};

function clientIdOf(ctx: TenantContext): string {
  if (!ctx.clientId) throw new Error('call rollups are per client: the context names none');
  return ctx.clientId;
}

/**
 * The daily rollups of one client's calls (`call_rollups`): recomputed whole from the calls of a local
 * date, stored with an upsert that lets a newer read win, and read back by range. Queries name the client
 * explicitly (raw SQL, for speed on the dashboard's path); the context is the only source of that id.
 */
export class CallRollups {
  private readonly clock: () => Date;

  constructor(
    private readonly db: Database,
    clock?: () => Date,
  ) {
    this.clock = clock ?? (() => new Date());
  }

  /** The client's time zone and its brand's currency. */
  async frame(ctx: TenantContext): Promise<ClientFrame> {
    const frame = await this.frameOrNull(ctx);
    if (!frame) throw new Error(`client ${clientIdOf(ctx)} not found in brand ${ctx.brandId}`);
    return frame;
  }

  /** {@link frame}, or null for a client that no longer exists (deleted while its jobs waited). */
  async frameOrNull(ctx: TenantContext): Promise<ClientFrame | null> {
    const [row] = await this.select(this.db.forTenant(ctx), 'select c.timezone as timezone, b.currency as currency from clients c join brands b on b.id = c.brand_id where c.id = ? and c.brand_id = ?', [clientIdOf(ctx), ctx.brandId]);
    return row ? { timezone: String(row.timezone), currency: String(row.currency) } : null;
  }

  /** Today's local date for the client. */
  today(frame: ClientFrame): string {
    return localDate(this.clock(), frame.timezone);
  }

  /**
   * Adds up a local date's calls as they are now (test calls, which bill nothing, are left out). Revenue is
   * the value of the booking an agent's call made: the booking row's value, else the booked service's price
   * in the agent profile.
   */
  async compute(ctx: TenantContext, date: string, frame: ClientFrame): Promise<DayFigures> {
    const em = this.db.forTenant(ctx);
    const { start, end } = dayBounds(date, frame.timezone);
    const rows = await this.select(
      em,
      `select c.started_at as started_at, c.outcome as outcome, c.route as route, c.duration_seconds as duration_seconds, b.value_minor as value_minor, b.service_id as service_id
         from calls c
         left join bookings b on b.id = c.booking_id and b.client_id = c.client_id and c.outcome = 'booked'
        where c.client_id = ? and c.started_at >= ? and c.started_at < ?
          and not exists (select 1 from call_events e where e.call_id = c.id and e.key = 'test_call')`,
      [clientIdOf(ctx), start, end],
    );
    let prices: Map<string, number> | null = null;
    const facts: CallFact[] = [];
    for (const row of rows) {
      let revenueMinor = asNumber(row.value_minor);
      if (revenueMinor <= 0 && row.service_id !== null && row.service_id !== undefined) {
        prices ??= await this.servicePrices(em, ctx);
        revenueMinor = prices.get(String(row.service_id)) ?? 0;
      }
      facts.push({
        startedAt: asDate(row.started_at),
        outcome: (row.outcome ?? null) as CallOutcome | null,
        route: row.route as CallRoute,
        durationSeconds: row.duration_seconds === null || row.duration_seconds === undefined ? null : asNumber(row.duration_seconds),
        revenueMinor,
      });
    }
    return figuresOf(date, facts, frame.timezone);
  }

  /**
   * Recomputes a local date from its calls and stores it. Idempotent: the row is replaced, never added to,
   * and a recompute that read the calls earlier than the stored one does not overwrite it.
   */
  async recompute(ctx: TenantContext, date: string, frame?: ClientFrame): Promise<DayFigures> {
    const clientFrame = frame ?? (await this.frame(ctx));
    const readAt = new Date();
    const figures = await this.compute(ctx, date, clientFrame);
    await this.db.rawTransaction(async (sql) => {
      const p = (n: number) => sql.param(n);
      await sql.run(
        `insert into call_rollups (id, created_at, updated_at, brand_id, client_id, "date", calls, ended_calls, wanted_calls, duration_seconds, duration_count, revenue_minor, missed_recovered, outcomes, per_hour, computed_at)
         values (${[...Array(16).keys()].map((i) => p(i + 1)).join(', ')})
         on conflict (client_id, "date") do update set updated_at = excluded.updated_at, calls = excluded.calls, ended_calls = excluded.ended_calls,
           wanted_calls = excluded.wanted_calls, duration_seconds = excluded.duration_seconds, duration_count = excluded.duration_count,
           revenue_minor = excluded.revenue_minor, missed_recovered = excluded.missed_recovered, outcomes = excluded.outcomes,
           per_hour = excluded.per_hour, computed_at = excluded.computed_at
         where call_rollups.computed_at <= excluded.computed_at`,
        [
          randomUUID(),
          readAt,
          readAt,
          ctx.brandId,
          clientIdOf(ctx),
          date,
          figures.calls,
          figures.endedCalls,
          figures.wantedCalls,
          figures.durationSeconds,
          figures.durationCount,
          figures.revenueMinor,
          figures.missedRecovered,
          figures.outcomes,
          figures.perHour,
          readAt,
        ],
      );
    });
    return figures;
  }

  /**
   * Stored rollups of the dates `from`..`to` (inclusive), by date, with when each was computed; dates never
   * rolled up are absent.
   */
  async read(ctx: TenantContext, from: string, to: string): Promise<Map<string, StoredDay>> {
    const rows = await this.select(
      this.db.forTenant(ctx),
      `select "date" as day, calls, ended_calls, wanted_calls, duration_seconds, duration_count, revenue_minor, missed_recovered, outcomes, per_hour, computed_at
         from call_rollups where client_id = ? and "date" >= ? and "date" <= ?`,
      [clientIdOf(ctx), from, to],
    );
    const days = new Map<string, StoredDay>();
    for (const row of rows) {
      const date = String(row.day);
      const perHour = asJson<number[]>(row.per_hour, []);
      const figures: DayFigures = {
        date,
        calls: asNumber(row.calls),
        endedCalls: asNumber(row.ended_calls),
        wantedCalls: asNumber(row.wanted_calls),
        durationSeconds: asNumber(row.duration_seconds),
        durationCount: asNumber(row.duration_count),
        revenueMinor: asNumber(row.revenue_minor),
        missedRecovered: asNumber(row.missed_recovered),
        outcomes: asJson<Partial<Record<CallOutcome, number>>>(row.outcomes, {}),
        perHour: perHour.length === 24 ? perHour : emptyDay(date).perHour,
      };
      days.set(date, { figures, computedAt: asDate(row.computed_at) });
    }
    return days;
  }

  /**
   * Whether a stored rollup is final: computed once its date was over (and the calls' ends written). One
   * computed during its day (the hourly sweep's) is provisional: its date is added up from the calls again.
   */
  isFinal(stored: StoredDay, timeZone: string): boolean {
    return stored.computedAt.getTime() >= dayBounds(stored.figures.date, timeZone).end.getTime() + FINAL_AFTER_MS;
  }

  /**
   * What the hourly sweep does for a client: yesterday and today recomputed (a late update, a lost event),
   * and any day between the client's first call and its first rollup filled in (calls from before the
   * rollups existed, or imported). Returns the dates recomputed (none for a client deleted meanwhile).
   */
  async catchUp(ctx: TenantContext): Promise<string[]> {
    const frame = await this.frameOrNull(ctx);
    if (!frame) return [];
    const today = this.today(frame);
    const dates = new Set([addDays(today, -1), today]);
    const em = this.db.forTenant(ctx);
    const [first] = await this.select(em, 'select min(started_at) as first from calls where client_id = ?', [clientIdOf(ctx)]);
    if (first?.first !== null && first?.first !== undefined) {
      const [rolled] = await this.select(em, 'select min("date") as first from call_rollups where client_id = ?', [clientIdOf(ctx)]);
      const oldest = addDays(today, -BACKFILL_MAX_DAYS);
      let date = localDate(asDate(first.first), frame.timezone);
      if (date < oldest) date = oldest;
      const stop = rolled?.first ? String(rolled.first) : today;
      for (; date < stop; date = addDays(date, 1)) dates.add(date);
    }
    const done: string[] = [];
    for (const date of [...dates].sort()) {
      await this.recompute(ctx, date, frame);
      done.push(date);
    }
    return done;
  }

  /**
   * The local date an ended call started on, or null while its end is not written yet (the call record is
   * written behind, by whichever replica took the call): a recompute before that would miss its outcome.
   */
  async dateOfEndedCall(ctx: TenantContext, callId: string, frame: ClientFrame): Promise<string | null> {
    const [row] = await this.select(this.db.forTenant(ctx), 'select started_at, ended_at from calls where id = ? and client_id = ?', [callId, clientIdOf(ctx)]);
    return row && row.ended_at !== null && row.ended_at !== undefined ? localDate(asDate(row.started_at), frame.timezone) : null;
  }

  private async servicePrices(em: EntityManager, ctx: TenantContext): Promise<Map<string, number>> {
    const profile = await em.findOne(AgentProfile, { client: clientIdOf(ctx) }, { fields: ['services'] });
    return new Map((profile?.services ?? []).map((service) => [service.id, service.priceMinor]));
  }

  private async select(em: EntityManager, sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    return (await em.getConnection().execute(sql, params, 'all')) as Record<string, unknown>[];
  }
}
