/**
 * The job-queue port: long or deferred work (e-mails, voice cloning, reports, post-call work, outbound
 * webhooks) runs as named jobs. Two implementations keep the same semantics: `InProcessJobQueue` (the
 * embedded default, no Redis) and `BullMqJobQueue` (Redis, several worker replicas).
 *
 * Tenancy: the queue knows nothing about tenants. When the work is for a tenant, the job data carries the
 * `TenantContext` explicitly, by convention in a `ctx` field (`enqueue('call.summary', { ctx, callId })`),
 * and the processor passes `job.data.ctx` to every port it calls. Job data must be JSON-serialisable:
 * with BullMQ it goes through Redis, so a `Date` comes back as a string.
 *
 * Retries: a processor that throws is retried with backoff until its attempts are spent, then the job
 * becomes a dead letter. To say "do not retry", throw a `TeroError` that is not retryable
 * (`retryable` is false, which is the default for a `TeroError`): the job becomes a dead letter at once.
 * Any other error (a plain `Error`, a `TeroError` built with `{ retryable: true }`, a rejected promise with a
 * non-error value) is retried, because an unknown failure may well be transient.
 */

/** Where a job is in its life. `delayed` covers both "not due yet" and "waiting for its next attempt". */
export type JobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';

export type JobProgress = number | Record<string, unknown>;

export interface JobBackoff {
  /** `fixed`: `delayMs` before each retry; `exponential`: `delayMs * 2^(attempt - 1)`. */
  type: 'fixed' | 'exponential';
  delayMs: number;
}

export interface RegisterOptions {
  /** Total tries, the first one included. Default {@link DEFAULT_ATTEMPTS}. */
  attempts?: number;
  /** Wait between tries. Default {@link DEFAULT_BACKOFF}. */
  backoff?: JobBackoff;
  /** Jobs of this name run at most this many at a time in one process. Default 1. */
  concurrency?: number;
}

export interface EnqueueOptions {
  /**
   * Idempotency key: enqueueing the same id twice enqueues once (the second call returns the same id and
   * changes nothing) for as long as the queue remembers the job; finished jobs are kept up to
   * {@link KEEP_FINISHED_JOBS} per name. Letters, digits and `.` `_` `-` only, and not only digits.
   */
  jobId?: string;
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** Overrides the attempts given at registration for this job. */
  attempts?: number;
}

/** What the processor sees of the job it runs. */
export interface JobHandle<T> {
  readonly id: string;
  /** The queue name the job was enqueued under. */
  readonly name: string;
  readonly data: T;
  /** 1 on the first try, 2 on the first retry, … */
  readonly attempt: number;
  /** Shown to the user through `get()` (long work has visible progress). */
  updateProgress(progress: JobProgress): Promise<void>;
  /** A line kept with the job, visible in `get()`. */
  log(message: string): Promise<void>;
}

export type JobProcessor<T> = (job: JobHandle<T>) => Promise<unknown>;

/** A snapshot of a job, safe to show to an operator. */
export interface JobView<T = unknown> {
  id: string;
  name: string;
  data: T;
  state: JobState;
  /** Tries that have finished (failed or succeeded). */
  attemptsMade: number;
  /** Tries allowed. */
  attempts: number;
  progress: JobProgress;
  /** The reason of the last failed try, or null if none failed. */
  failedReason: string | null;
  logs: string[];
  /** Epoch milliseconds. */
  createdAt: number;
  processedAt: number | null;
  finishedAt: number | null;
}

export interface StartOptions {
  /**
   * Run the registered processors in this process. The worker app always does; the server does when
   * `JOBS_IN_SERVER` is true; a server with `JOBS_IN_SERVER=false` only enqueues. Default true.
   */
  process?: boolean;
}

/** How many jobs of one name are in each state, as the queue holds them now (all processes together). */
export interface JobCounts {
  /** Waiting their turn (prioritized ones included). */
  waiting: number;
  active: number;
  /** Waiting out a delay or a retry's backoff. */
  delayed: number;
  /** Dead letters kept (attempts spent). */
  failed: number;
}

export interface JobQueue {
  /**
   * Declares a job name, its processor and its retry policy. Register every name in every process that
   * enqueues it too (processing or not): the policy travels with the jobs it enqueues.
   */
  register<T>(name: string, processor: JobProcessor<T>, options?: RegisterOptions): void;
  /** Adds a job and returns its id (the given `jobId`, or a generated one). */
  enqueue<T>(name: string, data: T, options?: EnqueueOptions): Promise<string>;
  /** The job, or null when it never existed or is no longer remembered. */
  get<T = unknown>(name: string, id: string): Promise<JobView<T> | null>;
  /** Jobs that failed for good (attempts spent, or a non-retryable error), newest first; all names when omitted. */
  deadLetters(name?: string): Promise<JobView[]>;
  /** The jobs of every name registered or used here, counted by state: `/metrics` reads it at each scrape. */
  counts(): Promise<Record<string, JobCounts>>;
  /** Puts a dead letter back in the queue with a fresh set of attempts. */
  retry(name: string, id: string): Promise<void>;
  /** Begins processing the registered names (see {@link StartOptions}). Names registered later start at once. */
  start(options?: StartOptions): Promise<void>;
  /** Resolves when no job of a known name is waiting, active or delayed: for tests and graceful shutdown. */
  drain(): Promise<void>;
  /** Stops taking jobs, waits for the active ones, releases timers and connections. */
  close(): Promise<void>;
}

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF: JobBackoff = { type: 'exponential', delayMs: 1000 };
/** Completed jobs and dead letters kept per name (the oldest are forgotten first). */
export const KEEP_FINISHED_JOBS = 1000;
