import { type EventBus, type JobQueue, addDays } from '@tero/core';
import type { Database } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import type { ClientSummary, LocalDateRange } from '../analytics.types';
import { CallRollups, type ClientFrame, type StoredDay } from '../rollups/call-rollups';
import type { DayFigures } from '../rollups/day-figures';
import { RollupJobs } from '../rollups/rollup-jobs';
import { parseRange } from './local-range';
import { summarize } from './summary-maths';
import { TodayCache } from './today-cache';

/** A line of a call still in progress. */
export interface LiveTurn {
  seq: number;
  speaker: 'caller' | 'agent';
  text: string;
  at: string;
}

/** A call in progress now, with what was said so far (as written; the live feed brings the rest). */
export interface LiveCall {
  id: string;
  callSid: string;
  fromNumber: string;
  callerName: string | null;
  route: string;
  startedAt: string;
  /** A "talk to your agent" call of the owner's, which the figures leave out. */
  test: boolean;
  transcript: LiveTurn[];
}

export interface AnalyticsDeps {
  db: Database;
  jobs: JobQueue;
  events: EventBus;
  logger: Logger;
  /** The time "today" is read at (scenario tests pin it). */
  clock?: () => Date;
  /** Today's figures kept between the events that change them (see {@link TodayCache}). */
  todayCache?: TodayCache;
}

/** What the dashboard, reports and the API read of a client's calls. */
export interface Analytics {
  /**
   * A client's figures over a range of its local dates: past dates from the daily rollups (a date whose
   * rollup is provisional, and yesterday without one, from its calls), today from its
   * calls as they are now (so an ended call counts at once: kept at most ten seconds and dropped when a call
   * of the client starts or ends or its rollup changes, see {@link TodayCache}), dates to come as empty. The range is checked
   * (real dates, in order, at most 400 days): a 400 otherwise.
   */
  summary(ctx: TenantContext, range: { from?: unknown; to?: unknown } | LocalDateRange): Promise<ClientSummary>;
  /**
   * Several summaries at once, reading the client, its rollups and today's calls once: `ranges` gets the
   * client's local date today (the dashboard asks for today and the 30 days up to it).
   */
  summaries(ctx: TenantContext, ranges: (today: string) => ({ from?: unknown; to?: unknown } | LocalDateRange)[]): Promise<ClientSummary[]>;
  /** The client's calls in progress, oldest first, with their transcript so far. */
  liveCalls(ctx: TenantContext): Promise<LiveCall[]>;
  /** The client's local date today. */
  today(ctx: TenantContext): Promise<string>;
  /** The rollups themselves (recompute, catch-up), for the jobs, the CLI and the tests. */
  readonly rollups: CallRollups;
  readonly jobs: RollupJobs;
  /** Registers the rollup jobs and starts the hourly sweep where jobs run; subscribes to ended calls (rollups, today's cache). */
  start(options: { processJobs: boolean }): Promise<void>;
  stop(): void;
}

/** Calls without an end for longer than this are not shown as live (their end was lost). */
const LIVE_WINDOW_MS = 2 * 3_600_000;
/** At most this many live calls are listed (the busiest clients have fewer lines than this). */
const MAX_LIVE_CALLS = 100;

const iso = (value: unknown): string => (value instanceof Date ? value : new Date(typeof value === 'number' ? value : String(value))).toISOString();

/** Builds the analytics service of the kernel. */
export function createAnalytics(deps: AnalyticsDeps): Analytics {
  const clock = deps.clock ?? (() => new Date());
  const rollups = new CallRollups(deps.db, clock);
  const jobs = new RollupJobs({ db: deps.db, jobs: deps.jobs, events: deps.events, rollups, logger: deps.logger.child({ part: 'analytics' }) });
  const todayCache = deps.todayCache ?? new TodayCache();
  let offs: (() => void)[] = [];

  /** Today added up from its calls, or as kept since the last event that changed it. */
  async function todayOf(ctx: TenantContext, today: string, frame: ClientFrame): Promise<DayFigures> {
    const clientId = ctx.clientId;
    if (!clientId) return rollups.compute(ctx, today, frame);
    const kept = todayCache.read(clientId, today, frame.timezone);
    if (kept) return kept;
    const ticket = todayCache.ticket(clientId);
    const figures = await rollups.compute(ctx, today, frame);
    todayCache.store(clientId, ticket, figures, frame.timezone);
    return figures;
  }

  async function summaries(ctx: TenantContext, rangesFor: (today: string) => ({ from?: unknown; to?: unknown } | LocalDateRange)[]): Promise<ClientSummary[]> {
    const frame = await rollups.frame(ctx);
    const today = rollups.today(frame);
    const ranges = rangesFor(today).map((input) => parseRange(input));
    if (ranges.length === 0) return [];
    const from = ranges.reduce((min, r) => (r.from < min ? r.from : min), ranges[0]!.from);
    const to = ranges.reduce((max, r) => (r.to > max ? r.to : max), ranges[0]!.to);
    const stored = from < today ? await rollups.read(ctx, from, to < today ? to : today) : new Map<string, StoredDay>();
    const days = new Map<string, DayFigures>();
    // A past date whose rollup was computed during the day (the hourly sweep's), and yesterday without one
    // (no sweep since its calls), are added up from their calls and rolled up again, so that the next read
    // finds them final. Today's row is never read: today is always added up from the calls (or kept from
    // such a sum since no event changed it).
    const again: string[] = [];
    for (const [date, day] of stored) {
      if (date >= today) continue;
      if (rollups.isFinal(day, frame.timezone)) days.set(date, day.figures);
      else again.push(date);
    }
    const yesterday = addDays(today, -1);
    if (from <= yesterday && yesterday <= to && !stored.has(yesterday)) again.push(yesterday);
    for (const date of again) {
      days.set(date, await rollups.compute(ctx, date, frame));
      jobs.requestDay(ctx, date).catch((err: unknown) => deps.logger.warn({ err, date }, 'could not ask for a day\'s rollup; the hourly sweep makes it'));
    }
    if (ranges.some((r) => r.from <= today && today <= r.to)) days.set(today, await todayOf(ctx, today, frame));
    return ranges.map((range) => summarize(range, days, frame));
  }

  return {
    rollups,
    jobs,
    async summary(ctx, input) {
      const [summary] = await summaries(ctx, () => [input]);
      return summary!;
    },
    summaries,
    async today(ctx) {
      return rollups.today(await rollups.frame(ctx));
    },
    async liveCalls(ctx) {
      if (!ctx.clientId) throw new Error('live calls are per client: the context names none');
      const em = deps.db.forTenant(ctx);
      const connection = em.getConnection();
      const calls = (await connection.execute(
        `select c.id as id, c.call_sid as call_sid, c.from_number as from_number, c.caller_name as caller_name, c.route as route, c.started_at as started_at,
                exists (select 1 from call_events e where e.call_id = c.id and e.key = 'test_call') as test
           from calls c where c.client_id = ? and c.started_at >= ? and c.ended_at is null
          order by c.started_at limit ${MAX_LIVE_CALLS}`,
        [ctx.clientId, new Date(clock().getTime() - LIVE_WINDOW_MS)],
        'all',
      )) as Record<string, unknown>[];
      if (calls.length === 0) return [];
      const ids = calls.map((call) => String(call.id));
      const turns = (await connection.execute(
        `select call_id, seq, speaker, text, at from call_turns where client_id = ? and call_id in (${ids.map(() => '?').join(', ')}) order by call_id, seq`,
        [ctx.clientId, ...ids],
        'all',
      )) as Record<string, unknown>[];
      const byCall = new Map<string, LiveTurn[]>(ids.map((id) => [id, []]));
      for (const turn of turns) byCall.get(String(turn.call_id))?.push({ seq: Number(turn.seq), speaker: turn.speaker as LiveTurn['speaker'], text: String(turn.text), at: iso(turn.at) });
      return calls.map((call) => ({
        id: String(call.id),
        callSid: String(call.call_sid),
        fromNumber: String(call.from_number),
        callerName: call.caller_name === null || call.caller_name === undefined ? null : String(call.caller_name),
        route: String(call.route),
        startedAt: iso(call.started_at),
        test: call.test === true || Number(call.test) === 1,
        transcript: byCall.get(String(call.id)) ?? [],
      }));
    },
    async start(options) {
      await jobs.start(options);
      offs = [jobs.listen(deps.events), todayCache.listen(deps.events)];
    },
    stop() {
      offs.forEach((off) => off());
      offs = [];
      jobs.stop();
    },
  };
}
