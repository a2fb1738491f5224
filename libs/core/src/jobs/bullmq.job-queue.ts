import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { TeroError } from '@tero/sdk';
import {
  KEEP_FINISHED_JOBS,
  type EnqueueOptions,
  type JobCounts,
  type JobHandle,
  type JobProcessor,
  type JobProgress,
  type JobQueue,
  type JobState,
  type JobView,
  type RegisterOptions,
  type StartOptions,
} from './job-queue.port';
import {
  checkEnqueueOptions,
  errorMessage,
  isNonRetryable,
  jobNotFound,
  notADeadLetter,
  resolvePolicy,
  type ResolvedPolicy,
} from './job-queue.rules';
import { redactUrl } from './redact-url';

export interface BullMqJobQueueOptions {
  /** `REDIS_URL`. */
  redisUrl: string;
  /** `REDIS_PREFIX`: every BullMQ key starts with it, so instances and test runs can share one Redis. */
  prefix: string;
  logger: Logger;
}

/** How often `drain()` looks at the job counts again; a wait on a condition, not a timing guarantee. */
const DRAIN_POLL_MS = 25;

/** BullMQ states outside the port's five all mean "not started yet". */
const STATES: Record<string, JobState | undefined> = {
  waiting: 'waiting',
  prioritized: 'waiting',
  'waiting-children': 'waiting',
  active: 'active',
  delayed: 'delayed',
  completed: 'completed',
  failed: 'failed',
};

/**
 * Jobs in Redis through BullMQ: one BullMQ queue per job name, shared by every replica. A BullMQ job only
 * reaches the `failed` state when it will not be retried (attempts spent, a non-retryable error, stalled
 * too often), so the failed jobs are the dead letters.
 */
export class BullMqJobQueue implements JobQueue {
  private readonly queues = new Map<string, Queue>();
  private readonly registrations = new Map<string, { processor: JobProcessor<unknown>; policy: ResolvedPolicy }>();
  private readonly workers = new Map<string, Worker>();
  /** Shared by the workers (each duplicates it for its blocking commands); created by the first worker. */
  private workerConnection: Redis | null = null;
  private processing = false;
  private closed = false;

  private constructor(
    /** Shared by the queues. Commands fail after ioredis's retries, so an enqueue during an outage errors instead of hanging. */
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  /** Connects first, so that an unreachable Redis stops the boot with a clear message. */
  static async connect(options: BullMqJobQueueOptions): Promise<BullMqJobQueue> {
    const connection = new Redis(options.redisUrl, { lazyConnect: true });
    connection.on('error', (err) => options.logger.error({ err }, 'job queue: Redis connection error'));
    try {
      await connection.connect();
    } catch (cause) {
      connection.disconnect();
      throw new TeroError('jobs.redis_unreachable', `job queue: Redis not reachable at ${redactUrl(options.redisUrl)}`, {}, { cause });
    }
    return new BullMqJobQueue(connection, options.prefix, options.logger);
  }

  register<T>(name: string, processor: JobProcessor<T>, options?: RegisterOptions): void {
    if (this.registrations.has(name)) throw new TeroError('jobs.already_registered', `job "${name}" is already registered`, { name });
    this.registrations.set(name, { processor: processor as JobProcessor<unknown>, policy: resolvePolicy(name, options) });
    if (this.processing) this.startWorker(name);
  }

  async enqueue<T>(name: string, data: T, options: EnqueueOptions = {}): Promise<string> {
    this.assertOpen();
    checkEnqueueOptions(name, options);
    const policy = this.registrations.get(name)?.policy ?? resolvePolicy(name);
    const jobOptions: JobsOptions = {
      jobId: options.jobId,
      delay: options.delayMs,
      attempts: options.attempts ?? policy.attempts,
      backoff: { type: policy.backoff.type, delay: policy.backoff.delayMs },
      removeOnComplete: { count: KEEP_FINISHED_JOBS },
      removeOnFail: { count: KEEP_FINISHED_JOBS },
    };
    // With an existing jobId BullMQ adds nothing and returns a job carrying that id: the idempotency we want.
    const job = await this.queue(name).add(name, data, jobOptions);
    return job.id!;
  }

  async get<T = unknown>(name: string, id: string): Promise<JobView<T> | null> {
    const job = await this.queue(name).getJob(id);
    if (!job) return null;
    const state = STATES[await job.getState()];
    return state ? ((await this.view(job, state)) as JobView<T>) : null;
  }

  async deadLetters(name?: string): Promise<JobView[]> {
    const names = name === undefined ? this.knownNames() : [name];
    const perName = await Promise.all(
      names.map(async (n) => {
        const jobs = await this.queue(n).getFailed(0, KEEP_FINISHED_JOBS - 1);
        return Promise.all(jobs.filter((job) => job !== undefined).map((job) => this.view(job, 'failed')));
      }),
    );
    return perName.flat().sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
  }

  async counts(): Promise<Record<string, JobCounts>> {
    const names = this.knownNames();
    const perName = await Promise.all(names.map((name) => this.queue(name).getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed')));
    return Object.fromEntries(
      names.map((name, i) => {
        const c = perName[i]!;
        return [name, { waiting: (c.wait ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 }];
      }),
    );
  }

  async retry(name: string, id: string): Promise<void> {
    this.assertOpen();
    const job = await this.queue(name).getJob(id);
    if (!job) throw jobNotFound(name, id);
    const state = await job.getState();
    if (state !== 'failed') throw notADeadLetter(name, id, STATES[state] ?? state);
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  }

  async start(options: StartOptions = {}): Promise<void> {
    this.assertOpen();
    this.processing = options.process ?? true;
    if (!this.processing) return;
    for (const name of this.registrations.keys()) this.startWorker(name);
    await Promise.all([...this.workers.values()].map((worker) => worker.waitUntilReady()));
  }

  async drain(): Promise<void> {
    for (;;) {
      const counts = await Promise.all(
        this.knownNames().map((name) =>
          this.queue(name).getJobCountByTypes('waiting', 'prioritized', 'waiting-children', 'active', 'delayed'),
        ),
      );
      if (counts.every((count) => count === 0)) return;
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.processing = false;
    // Workers first: they finish their active jobs, which still need the queues' connection.
    await Promise.all([...this.workers.values()].map((worker) => worker.close()));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    await Promise.all([this.connection.quit(), this.workerConnection?.quit()]);
  }

  private startWorker(name: string): void {
    if (this.workers.has(name)) return;
    const { processor, policy } = this.registrations.get(name)!;
    // BullMQ requires maxRetriesPerRequest: null on worker connections: a worker waits out an outage.
    this.workerConnection ??= this.connection.duplicate({ maxRetriesPerRequest: null });
    const worker = new Worker(name, (job: Job) => run(processor, job), {
      connection: this.workerConnection,
      prefix: this.prefix,
      concurrency: policy.concurrency,
    });
    worker.on('failed', (job, err) => {
      const deadLetter = !job || err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      this.logger.warn(
        { err, job: name, jobId: job?.id, attempt: job?.attemptsMade, deadLetter },
        deadLetter ? 'job failed for good' : 'job failed, will retry',
      );
    });
    worker.on('error', (err) => this.logger.error({ err, job: name }, 'job worker error'));
    this.workers.set(name, worker);
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      queue.on('error', (err) => this.logger.error({ err, job: name }, 'job queue error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  private knownNames(): string[] {
    return [...new Set([...this.registrations.keys(), ...this.queues.keys()])];
  }

  private async view(job: Job, state: JobState): Promise<JobView> {
    const { logs } = await this.queue(job.queueName).getJobLogs(job.id!);
    return {
      id: job.id!,
      name: job.queueName,
      data: job.data,
      state,
      attemptsMade: job.attemptsMade,
      attempts: job.opts.attempts ?? 1,
      progress: job.progress as JobProgress,
      failedReason: job.failedReason || null,
      logs,
      createdAt: job.timestamp,
      processedAt: job.processedOn ?? null,
      finishedAt: job.finishedOn ?? null,
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new TeroError('jobs.closed', 'the job queue is closed');
  }
}

async function run(processor: JobProcessor<unknown>, job: Job): Promise<unknown> {
  const handle: JobHandle<unknown> = {
    id: job.id!,
    name: job.queueName,
    data: job.data,
    attempt: job.attemptsMade + 1,
    updateProgress: (progress) => job.updateProgress(progress),
    log: async (message) => {
      await job.log(message);
    },
  };
  try {
    return await processor(handle);
  } catch (error) {
    // UnrecoverableError is how BullMQ is told to skip the remaining attempts.
    if (isNonRetryable(error)) throw new UnrecoverableError(errorMessage(error));
    throw error instanceof Error ? error : new Error(errorMessage(error));
  }
}
