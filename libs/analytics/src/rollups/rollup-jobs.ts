import { type EventBus, type JobQueue, PeriodicSweep, localDate } from '@tero/core';
import type { Database } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { CALL_EVENTS } from '@tero/telephony';
import type { Logger } from 'pino';
import type { CallRollups, ClientFrame } from './call-rollups';

/**
 * A call ended and its event did not say when it started (a replica of an earlier version): once its end
 * is written, find its local date and ask for that date's (debounced) recompute.
 */
export const ROLLUP_CALL_JOB = 'analytics.rollup.call';
/** Recompute one client's local date from its calls. */
export const ROLLUP_DAY_JOB = 'analytics.rollup.day';
/** The hourly pass: one catch-up job per client. */
export const ROLLUP_SWEEP_JOB = 'analytics.rollups.sweep';
/** One client's catch-up: yesterday, today, and days before its first rollup. */
export const ROLLUP_CLIENT_JOB = 'analytics.rollup.client';
/** Published after a client's rollup changed, so open dashboards fetch their figures again. */
export const SUMMARY_CHANGED = 'analytics.summary_changed';

/** Ended calls of one client and date within this window make one recompute, run after the window closed. */
const DEBOUNCE_MS = 2_000;
/**
 * How long after its window a recompute runs: the call record is written behind (every 250 ms, by
 * whichever replica took the call), and a recompute before that would miss the last calls' outcomes. A
 * call it still misses is in the next window's recompute, in the hourly sweep's, and in today's figures
 * at once (today is always added up from the calls).
 */
const SETTLE_MS = 1_000;
/** How long a client's time zone is taken as known when an ended call is dated. */
const FRAME_TTL_MS = 60_000;
/** At most this many clients' frames are kept. */
const MAX_FRAMES = 10_000;

interface CallJob {
  ctx: TenantContext;
  callId: string;
}
interface DayJob {
  ctx: TenantContext;
  date: string;
}

export interface RollupJobsDeps {
  db: Database;
  jobs: JobQueue;
  events: EventBus;
  rollups: CallRollups;
  logger: Logger;
  /** Hourly by default. */
  sweepIntervalMs?: number;
}

/**
 * Keeps the rollups of past dates final and dashboards told. Every `call.ended` (heard on every replica;
 * the job ids make one job of it) leads to a day job for the call's date, at most one per client, date and
 * two-second window, run a second after the window so that the calls' ends are written: a past date (a
 * call across midnight, a late event) is recomputed; today is not (its rollup is not read while today
 * lasts), and either way `analytics.summary_changed` goes out. A date's rollup is also written during the
 * day by the hourly sweep (provisional: the summary adds such a date up from its calls again and asks for
 * its recompute), which recomputes yesterday and today of every client and fills in days never rolled up.
 * Every run recomputes from the calls, so a repeated event or a retried job changes nothing.
 */
export class RollupJobs {
  private readonly periodic: PeriodicSweep;
  /** Day recomputes this process asked for in the current window (their job ids): asked once, not once per call. */
  private readonly requested = new Set<string>();
  private requestedWindow = -1;
  private readonly frames = new Map<string, { frame: Promise<ClientFrame | null>; at: number }>();

  constructor(private readonly deps: RollupJobsDeps) {
    this.periodic = new PeriodicSweep(deps.jobs, {
      name: ROLLUP_SWEEP_JOB,
      run: async () => ({ enqueued: await this.sweep() }),
      logger: deps.logger,
      intervalMs: deps.sweepIntervalMs,
      // A failed sweep is enqueued again at the next interval.
      attempts: 1,
    });
  }

  /** Registers the processors (every process) and, where jobs run, starts the hourly sweep. */
  async start(options: { processJobs: boolean }): Promise<void> {
    const { jobs, rollups } = this.deps;
    jobs.register<CallJob>(ROLLUP_CALL_JOB, async (job) => {
      const frame = await rollups.frameOrNull(job.data.ctx);
      if (!frame) return { skipped: 'client deleted' };
      const date = await rollups.dateOfEndedCall(job.data.ctx, job.data.callId, frame);
      // The call's end may not be written yet (write-behind, perhaps on another replica): tried again with
      // backoff, so the day is recomputed with the call's outcome in it.
      if (date === null) throw new Error(`the end of call ${job.data.callId} is not written yet`);
      return { date, job: await this.requestDay(job.data.ctx, date) };
    }, { attempts: 5, backoff: { type: 'exponential', delayMs: 1000 } });
    jobs.register<DayJob>(ROLLUP_DAY_JOB, async (job) => {
      const frame = await rollups.frameOrNull(job.data.ctx);
      if (!frame) return { skipped: 'client deleted' };
      // Today's rollup is not read while today lasts (the summary adds today up from its calls, see
      // `isFinal`): adding up the client's whole day again for each window of a busy line would cost more
      // than the calls. Dashboards are still told, now that the window's calls are written.
      if (job.data.date >= rollups.today(frame)) {
        await this.changed(job.data.ctx, [job.data.date]);
        return { date: job.data.date, recomputed: false };
      }
      const figures = await rollups.recompute(job.data.ctx, job.data.date, frame);
      await this.changed(job.data.ctx, [job.data.date]);
      return { date: figures.date, calls: figures.calls };
    });
    jobs.register<{ ctx: TenantContext }>(ROLLUP_CLIENT_JOB, async (job) => {
      const dates = await rollups.catchUp(job.data.ctx);
      await this.changed(job.data.ctx, dates);
      return { dates: dates.length };
    });
    this.periodic.register();
    if (options.processJobs) await this.periodic.start();
  }

  stop(): void {
    this.periodic.stop();
  }

  /**
   * Subscribes to ended calls; returns the unsubscribe. An ended call names when it started: its local date
   * (the client's time zone, known for a minute) gets a day job after the current window, asked of the
   * queue once per client, date and window by this process (the job id makes one job of what several
   * replicas ask). Without the start, the call's own job reads it once the call is written.
   */
  listen(events: EventBus): () => void {
    return events.subscribe(CALL_EVENTS.ended, async (event) => {
      const payload = event.payload as { callId?: unknown; startedAt?: unknown } | null;
      const callId = payload?.callId;
      if (!event.clientId || typeof callId !== 'string') return;
      const ctx: TenantContext = { brandId: event.brandId, clientId: event.clientId, locale: 'en' };
      const startedAt = typeof payload?.startedAt === 'string' ? new Date(payload.startedAt) : null;
      try {
        if (startedAt && !Number.isNaN(startedAt.getTime())) {
          const frame = await this.frameOf(ctx);
          if (frame) await this.requestDay(ctx, localDate(startedAt, frame.timezone));
          return;
        }
        await this.deps.jobs.enqueue<CallJob>(ROLLUP_CALL_JOB, { ctx, callId }, { jobId: `analytics-rollup-call-${callId}` });
      } catch (err) {
        this.deps.logger.warn({ err, callId }, 'could not ask for a call\'s rollup; the hourly sweep recomputes its day');
      }
    });
  }

  /**
   * Asks for a recompute of the date after the current window has closed and settled (one job per client,
   * date and window; this process asks the queue once for each).
   */
  requestDay(ctx: TenantContext, date: string): Promise<string> {
    const now = Date.now();
    const window = Math.floor(now / DEBOUNCE_MS);
    const jobId = `analytics-rollup-day-${ctx.clientId}-${date}-${window}`;
    if (window !== this.requestedWindow) {
      this.requested.clear();
      this.requestedWindow = window;
    }
    if (this.requested.has(jobId)) return Promise.resolve(jobId);
    this.requested.add(jobId);
    return this.deps.jobs.enqueue<DayJob>(ROLLUP_DAY_JOB, { ctx, date }, { jobId, delayMs: (window + 1) * DEBOUNCE_MS - now + SETTLE_MS }).catch((err: unknown) => {
      this.requested.delete(jobId);
      throw err;
    });
  }

  /** The client's frame, read at most once a minute per client; null for a client that no longer exists. */
  private frameOf(ctx: TenantContext): Promise<ClientFrame | null> {
    const key = ctx.clientId!;
    const now = performance.now();
    const known = this.frames.get(key);
    if (known && now - known.at < FRAME_TTL_MS) return known.frame;
    if (this.frames.size >= MAX_FRAMES) this.frames.clear();
    const frame = this.deps.rollups.frameOrNull(ctx);
    this.frames.set(key, { frame, at: now });
    frame.catch(() => this.frames.delete(key));
    return frame;
  }

  /** Enqueues one catch-up per client for this interval; returns how many. */
  async sweep(): Promise<number> {
    const em = this.deps.db.forInstance('the rollup sweep visits every client');
    const clients = (await em.getConnection().execute('select id, brand_id from clients', [], 'all')) as { id: string; brand_id: string }[];
    const slot = Math.floor(Date.now() / 3_600_000);
    await Promise.all(
      clients.map((client) =>
        this.deps.jobs.enqueue(ROLLUP_CLIENT_JOB, { ctx: { brandId: String(client.brand_id), clientId: String(client.id), locale: 'en' } }, { jobId: `analytics-rollup-client-${client.id}-${slot}` }),
      ),
    );
    return clients.length;
  }

  private async changed(ctx: TenantContext, dates: string[]): Promise<void> {
    if (dates.length === 0) return;
    await this.deps.events.publish({ type: SUMMARY_CHANGED, brandId: ctx.brandId, clientId: ctx.clientId ?? null, payload: { dates } }).catch((err: unknown) => {
      this.deps.logger.warn({ err }, 'could not tell dashboards that figures changed; they show them at their next refresh');
    });
  }
}
