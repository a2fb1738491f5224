import { type EventBus, type JobQueue, PeriodicSweep } from '@tero/core';
import type { Database } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { CALL_EVENTS } from '@tero/telephony';
import type { Logger } from 'pino';
import type { CallRollups } from './call-rollups';

/** A call ended: once its end is written, find its local date and ask for that date's (debounced) recompute. */
export const ROLLUP_CALL_JOB = 'analytics.rollup.call';
/** Recompute one client's local date from its calls. */
export const ROLLUP_DAY_JOB = 'analytics.rollup.day';
/** The hourly pass: one catch-up job per client. */
export const ROLLUP_SWEEP_JOB = 'analytics.rollups.sweep';
/** One client's catch-up: yesterday, today, and days before its first rollup. */
export const ROLLUP_CLIENT_JOB = 'analytics.rollup.client';
/** Published after a client's rollup changed, so open dashboards fetch their figures again. */
export const SUMMARY_CHANGED = 'analytics.summary_changed';

/**
 * Ended calls of one client and date within this window make one recompute, run when the window closes
 * (and after the call record's write-behind, ~250 ms, has landed).
 */
const DEBOUNCE_MS = 2_000;

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
 * Keeps the rollups current: every `call.ended` (heard on every replica; the job ids make one job of it)
 * leads to a recompute of the call's date, at most one per client, date and two-second window; the hourly
 * sweep recomputes yesterday and today of every client and fills in days never rolled up. Every run
 * recomputes from the calls, so a repeated event or a retried job changes nothing.
 */
export class RollupJobs {
  private readonly periodic: PeriodicSweep;

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

  /** Subscribes to ended calls; returns the unsubscribe. */
  listen(events: EventBus): () => void {
    return events.subscribe(CALL_EVENTS.ended, async (event) => {
      const callId = (event.payload as { callId?: unknown } | null)?.callId;
      if (!event.clientId || typeof callId !== 'string') return;
      const ctx: TenantContext = { brandId: event.brandId, clientId: event.clientId, locale: 'en' };
      await this.deps.jobs.enqueue<CallJob>(ROLLUP_CALL_JOB, { ctx, callId }, { jobId: `analytics-rollup-call-${callId}` }).catch((err: unknown) => {
        this.deps.logger.warn({ err, callId }, 'could not enqueue a call\'s rollup; the hourly sweep recomputes its day');
      });
    });
  }

  /** Asks for a recompute of the date at the end of the current window (one per client, date and window). */
  requestDay(ctx: TenantContext, date: string): Promise<string> {
    const now = Date.now();
    const window = Math.floor(now / DEBOUNCE_MS);
    return this.deps.jobs.enqueue<DayJob>(ROLLUP_DAY_JOB, { ctx, date }, { jobId: `analytics-rollup-day-${ctx.clientId}-${date}-${window}`, delayMs: (window + 1) * DEBOUNCE_MS - now });
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
