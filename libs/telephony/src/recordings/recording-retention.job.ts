import type { JobQueue } from '@tero/core';
import type { Logger } from 'pino';
import type { RecordingService } from './recording.service';

export const RECORDINGS_SWEEP_JOB = 'recordings.retention.sweep';

export interface RecordingRetentionOptions {
  logger: Logger;
  /** How often a sweep is enqueued. Default: hourly. */
  intervalMs?: number;
  /** How long after `start()` the first sweep is due. Default: a minute (the process migrates after the kernel starts). */
  firstDelayMs?: number;
  /** The clock naming each interval's job (tests move it). */
  now?: () => number;
}

/**
 * Enqueues the recordings sweep ({@link RecordingService.sweep}: expired recordings deleted, leftovers of
 * a stopped process stored) when the process starts and then every hour. The job id names the hour, so
 * replicas scheduling it enqueue one sweep per hour between them; it runs wherever jobs run, with the
 * queue's retries, and a repeated run finds nothing more to do.
 */
export class RecordingRetention {
  private timer: NodeJS.Timeout | null = null;
  private first: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly jobs: JobQueue,
    private readonly recordings: RecordingService,
    private readonly options: RecordingRetentionOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 3_600_000;
    this.now = options.now ?? Date.now;
  }

  /** Registers the job processor; call in every process, before the queue starts. */
  register(): void {
    this.jobs.register(RECORDINGS_SWEEP_JOB, async (job) => {
      const result = await this.recordings.sweep();
      await job.log(`deleted ${result.expired} expired recording(s), stored ${result.recovered} left over by a stopped process`);
      return result;
    });
  }

  /** Enqueues the current interval's sweep (once per interval, whoever asks). Returns the job id. */
  enqueueDue(): Promise<string> {
    return this.jobs.enqueue(RECORDINGS_SWEEP_JOB, {}, { jobId: `recordings-sweep-${Math.floor(this.now() / this.intervalMs)}` });
  }

  /** Schedules the sweeps until `stop()`; a failed enqueue (Redis away) is logged and tried at the next interval. */
  start(): void {
    if (this.timer) return;
    const tick = () =>
      this.enqueueDue().then(
        () => undefined,
        (err: unknown) => this.options.logger.warn({ err }, 'could not enqueue the recordings sweep'),
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
