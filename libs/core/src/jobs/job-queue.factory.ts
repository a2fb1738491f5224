import type { Logger } from 'pino';
import { InProcessJobQueue } from './in-process.job-queue';
import type { JobQueue } from './job-queue.port';

export interface CreateJobQueueOptions {
  /** `REDIS_URL`: BullMQ when set, in-process jobs when absent (the embedded default). */
  redisUrl?: string;
  /** `REDIS_PREFIX`. */
  prefix: string;
  logger: Logger;
}

/**
 * The job queue the instance configuration asks for. With Redis it connects first, so that a wrong
 * `REDIS_URL` stops the boot. The caller then registers its processors and calls
 * `start({ process: JOBS_IN_SERVER })` in the server, `start({ process: true })` in the worker. BullMQ
 * (with ioredis, ~35 MB of resident memory) is loaded only when Redis is configured.
 */
export async function createJobQueue(options: CreateJobQueueOptions): Promise<JobQueue> {
  const logger = options.logger.child({ component: 'jobs' });
  if (!options.redisUrl) return new InProcessJobQueue(logger);
  const { BullMqJobQueue } = await import('./bullmq.job-queue');
  return BullMqJobQueue.connect({ redisUrl: options.redisUrl, prefix: options.prefix, logger });
}
