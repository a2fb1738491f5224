import { type JobQueue, pruneOutbox } from '@tero/core';
import type { Logger } from 'pino';

export const PRUNE_OUTBOX_JOB = 'email.outbox.prune';

const DAY_MS = 86_400_000;

export interface OutboxRetentionOptions {
  /** The outbox folder (`<DATA_DIR>/outbox`). */
  dir: string;
  /** `OUTBOX_RETENTION_DAYS`. */
  retentionDays: number;
  /** How often a prune is enqueued. Default: hourly. */
  intervalMs?: number;
  logger: Logger;
  /** The clock (tests). */
  now?: () => number;
}

/**
 * Keeps the outbox to `OUTBOX_RETENTION_DAYS`: a job deletes older messages, enqueued when the process
 * starts and then every hour. The job id names the hour, so several replicas scheduling it enqueue one
 * job per hour between them, and it runs wherever jobs run (where the outbox is written), with the queue's
 * retries and dead letters.
 */
export class OutboxRetention {
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly jobs: JobQueue,
    private readonly options: OutboxRetentionOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 3_600_000;
    this.now = options.now ?? Date.now;
  }

  /** Registers the job processor; call in every process, before the queue starts. */
  register(): void {
    this.jobs.register(PRUNE_OUTBOX_JOB, async (job) => {
      const olderThan = new Date(this.now() - this.options.retentionDays * DAY_MS);
      const removed = await pruneOutbox(this.options.dir, olderThan);
      await job.log(`removed ${removed} message(s) written before ${olderThan.toISOString()}`);
      return { removed };
    });
  }

  /** Enqueues the prune of the current period (once per period, whoever asks). Returns the job id. */
  enqueueDue(): Promise<string> {
    return this.jobs.enqueue(PRUNE_OUTBOX_JOB, {}, { jobId: `outbox-prune-${Math.floor(this.now() / this.intervalMs)}` });
  }

  /**
   * Enqueues a prune now and every interval until `stop()`; resolves once the first one is enqueued. A
   * failed enqueue (Redis away) is logged and tried again at the next interval, never thrown.
   */
  async start(): Promise<void> {
    if (this.timer) return;
    const tick = () => this.enqueueDue().then(
      () => undefined,
      (err: unknown) => this.options.logger.warn({ err }, 'could not enqueue the outbox prune'),
    );
    this.timer = setInterval(() => void tick(), this.intervalMs);
    this.timer.unref();
    await tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
