import { randomUUID } from 'node:crypto';
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
  backoffDelay,
  checkEnqueueOptions,
  errorMessage,
  isNonRetryable,
  jsonCopy,
  jobNotFound,
  notADeadLetter,
  resolvePolicy,
  type ResolvedPolicy,
} from './job-queue.rules';

interface JobRecord {
  id: string;
  name: string;
  data: unknown;
  state: JobState;
  attempts: number;
  attemptsMade: number;
  progress: JobProgress;
  failedReason: string | null;
  logs: string[];
  createdAt: number;
  processedAt: number | null;
  finishedAt: number | null;
  timer: NodeJS.Timeout | null;
}

interface NamedQueue {
  processor: JobProcessor<unknown> | null;
  policy: ResolvedPolicy;
  jobs: Map<string, JobRecord>;
  /** Ids in the order they became runnable. */
  waiting: string[];
  active: number;
  /** Finished ids, oldest first, to forget the oldest beyond KEEP_FINISHED_JOBS. */
  completed: string[];
  failed: string[];
}

/**
 * The embedded default: jobs live in this process's memory and are lost when it stops. Same semantics as
 * the BullMQ implementation (the shared contract suite runs against both).
 */
export class InProcessJobQueue implements JobQueue {
  private readonly queues = new Map<string, NamedQueue>();
  private processing = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  register<T>(name: string, processor: JobProcessor<T>, options?: RegisterOptions): void {
    const policy = resolvePolicy(name, options);
    const queue = this.queue(name);
    if (queue.processor) throw new TeroError('jobs.already_registered', `job "${name}" is already registered`, { name });
    queue.processor = processor as JobProcessor<unknown>;
    queue.policy = policy;
    this.pump(queue);
  }

  async enqueue<T>(name: string, data: T, options: EnqueueOptions = {}): Promise<string> {
    this.assertOpen();
    checkEnqueueOptions(name, options);
    const queue = this.queue(name);
    if (options.jobId !== undefined && queue.jobs.has(options.jobId)) return options.jobId;
    const id = options.jobId ?? randomUUID();
    const delayed = (options.delayMs ?? 0) > 0;
    const job: JobRecord = {
      id,
      name,
      data: jsonCopy(data),
      state: delayed ? 'delayed' : 'waiting',
      attempts: options.attempts ?? queue.policy.attempts,
      attemptsMade: 0,
      progress: 0,
      failedReason: null,
      logs: [],
      createdAt: Date.now(),
      processedAt: null,
      finishedAt: null,
      timer: null,
    };
    queue.jobs.set(id, job);
    if (delayed) this.delay(queue, job, options.delayMs!);
    else queue.waiting.push(id);
    this.pump(queue);
    return id;
  }

  async get<T = unknown>(name: string, id: string): Promise<JobView<T> | null> {
    const job = this.queues.get(name)?.jobs.get(id);
    return job ? (view(job) as JobView<T>) : null;
  }

  async deadLetters(name?: string): Promise<JobView[]> {
    const queues = name === undefined ? [...this.queues.values()] : [this.queues.get(name)].filter((q) => q !== undefined);
    return queues
      .flatMap((queue) => queue.failed.map((id) => view(queue.jobs.get(id)!)))
      .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
  }

  async counts(): Promise<Record<string, JobCounts>> {
    const out: Record<string, JobCounts> = {};
    for (const [name, queue] of this.queues) {
      const counts: JobCounts = { waiting: 0, active: 0, delayed: 0, failed: queue.failed.length };
      for (const job of queue.jobs.values()) if (job.state === 'waiting' || job.state === 'active' || job.state === 'delayed') counts[job.state]++;
      out[name] = counts;
    }
    return out;
  }

  async retry(name: string, id: string): Promise<void> {
    this.assertOpen();
    const queue = this.queues.get(name);
    const job = queue?.jobs.get(id);
    if (!queue || !job) throw jobNotFound(name, id);
    if (job.state !== 'failed') throw notADeadLetter(name, id, job.state);
    queue.failed.splice(queue.failed.indexOf(id), 1);
    Object.assign(job, { state: 'waiting', attemptsMade: 0, processedAt: null, finishedAt: null });
    queue.waiting.push(id);
    this.pump(queue);
  }

  async start(options: StartOptions = {}): Promise<void> {
    this.assertOpen();
    this.processing = options.process ?? true;
    for (const queue of this.queues.values()) this.pump(queue);
  }

  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    // Jobs that nothing here will ever run would make drain() hang: say so instead.
    const stuck = [...this.queues.entries()].find(([, q]) => q.jobs.size > 0 && (!q.processor || !this.processing) && pending(q));
    if (stuck) {
      return Promise.reject(
        new TeroError('jobs.not_processing', `drain(): job "${stuck[0]}" has pending jobs but is not processed here`, {
          name: stuck[0],
        }),
      );
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.processing = false;
    for (const queue of this.queues.values()) {
      for (const job of queue.jobs.values()) if (job.timer) clearTimeout(job.timer);
    }
    await Promise.allSettled([...this.running]);
    this.notifyIfIdle();
  }

  private queue(name: string): NamedQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = { processor: null, policy: resolvePolicy(name), jobs: new Map(), waiting: [], active: 0, completed: [], failed: [] };
      this.queues.set(name, queue);
    }
    return queue;
  }

  private delay(queue: NamedQueue, job: JobRecord, ms: number): void {
    job.state = 'delayed';
    job.timer = setTimeout(() => {
      job.timer = null;
      job.state = 'waiting';
      queue.waiting.push(job.id);
      this.pump(queue);
    }, ms);
  }

  private pump(queue: NamedQueue): void {
    while (this.processing && queue.processor && queue.active < queue.policy.concurrency && queue.waiting.length > 0) {
      const job = queue.jobs.get(queue.waiting.shift()!)!;
      const run = this.run(queue, queue.processor, job);
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }
  }

  private async run(queue: NamedQueue, processor: JobProcessor<unknown>, job: JobRecord): Promise<void> {
    queue.active++;
    job.state = 'active';
    job.processedAt = Date.now();
    const handle: JobHandle<unknown> = {
      id: job.id,
      name: job.name,
      data: job.data,
      attempt: job.attemptsMade + 1,
      updateProgress: async (progress) => {
        job.progress = jsonCopy(progress);
      },
      log: async (message) => {
        job.logs.push(message);
      },
    };
    try {
      await processor(handle);
      job.attemptsMade++;
      this.finish(queue, job, 'completed');
    } catch (error) {
      job.attemptsMade++;
      job.failedReason = errorMessage(error);
      const giveUp = isNonRetryable(error) || job.attemptsMade >= job.attempts;
      this.logger.warn(
        { err: error, job: job.name, jobId: job.id, attempt: job.attemptsMade, deadLetter: giveUp },
        giveUp ? 'job failed for good' : 'job failed, will retry',
      );
      if (giveUp) this.finish(queue, job, 'failed');
      else if (!this.closed) this.delay(queue, job, backoffDelay(queue.policy.backoff, job.attemptsMade));
      else job.state = 'waiting';
    } finally {
      queue.active--;
      this.pump(queue);
      this.notifyIfIdle();
    }
  }

  private finish(queue: NamedQueue, job: JobRecord, state: 'completed' | 'failed'): void {
    job.state = state;
    job.finishedAt = Date.now();
    const kept = state === 'completed' ? queue.completed : queue.failed;
    kept.push(job.id);
    while (kept.length > KEEP_FINISHED_JOBS) queue.jobs.delete(kept.shift()!);
  }

  private isIdle(): boolean {
    return [...this.queues.values()].every((queue) => !pending(queue));
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length === 0 || !(this.isIdle() || this.closed)) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private assertOpen(): void {
    if (this.closed) throw new TeroError('jobs.closed', 'the job queue is closed');
  }
}

function pending(queue: NamedQueue): boolean {
  if (queue.active > 0 || queue.waiting.length > 0) return true;
  for (const job of queue.jobs.values()) if (job.state === 'delayed') return true;
  return false;
}

function view(job: JobRecord): JobView {
  return {
    id: job.id,
    name: job.name,
    data: jsonCopy(job.data),
    state: job.state,
    attemptsMade: job.attemptsMade,
    attempts: job.attempts,
    progress: jsonCopy(job.progress),
    failedReason: job.failedReason,
    logs: [...job.logs],
    createdAt: job.createdAt,
    processedAt: job.processedAt,
    finishedAt: job.finishedAt,
  };
}
