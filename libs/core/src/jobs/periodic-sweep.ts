import type { JobQueue } from './job-queue.port';
import type { Logger } from 'pino';

export interface PeriodicSweepOptions {
  /** The job's name: `billing.dunning.sweep`, `numbers.sweep`. */
  name: string;
  /** What one run does; its result is kept with the job. */
  run: () => Promise<unknown>;
  logger: Logger;
  /** How often a run is enqueued. Default: hourly. */
  intervalMs?: number;
  /** The clock (tests). */
  now?: () => number;
  /** How long after `start()` the first run is due. Default: a minute. */
  firstDelayMs?: number;
  /** Tries per run (the queue's default when absent); 1 for a sweep whose next run is the retry. */
  attempts?: number;
}

/**
 * A sweep enqueued when the process starts and then every interval: billing's dunning, usage and period
 * ends, the number pool, call recordings' retention, jambonz reconciliation and monitoring (every minute). The
 * job id names the interval, so replicas scheduling it enqueue one run per interval between them; the run
 * itself works from stored state, so a missed or repeated run does no harm.
 */
export class PeriodicSweep {
  private timer: NodeJS.Timeout | null = null;
  private first: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly jobs: JobQueue,
    private readonly options: PeriodicSweepOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 3_600_000;
    this.now = options.now ?? Date.now;
  }

  get name(): string {
    return this.options.name;
  }

  /** Registers the job processor; call in every process, before the queue starts. */
  register(): void {
    this.jobs.register(this.options.name, async (job) => {
      const result = await this.options.run();
      await job.log(JSON.stringify(result ?? null).slice(0, 2000));
      return result;
    }, this.options.attempts === undefined ? undefined : { attempts: this.options.attempts });
  }

  /** Enqueues the current interval's run (once per interval, whoever asks). Returns the job id. */
  enqueueDue(): Promise<string> {
    return this.jobs.enqueue(this.options.name, {}, { jobId: `${this.options.name.replace(/[^A-Za-z0-9_-]/g, '-')}-${Math.floor(this.now() / this.intervalMs)}` });
  }

  /**
   * Enqueues a run a minute from now (the process migrates its database after the kernel starts) and then
   * every interval until `stop()`; a failed enqueue is logged and tried at the next interval.
   */
  async start(): Promise<void> {
    if (this.timer) return;
    const tick = () =>
      this.enqueueDue().then(
        () => undefined,
        (err: unknown) => this.options.logger.warn({ err, job: this.options.name }, 'could not enqueue a periodic sweep'),
      );
    this.timer = setInterval(() => void tick(), this.intervalMs);
    this.timer.unref();
    // A timer rather than a delayed job: a queue drained (shutdown, tests) does not wait for it.
    this.first = setTimeout(() => void tick(), this.options.firstDelayMs ?? 60_000);
    this.first.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.first) clearTimeout(this.first);
    this.timer = null;
    this.first = null;
  }
}
