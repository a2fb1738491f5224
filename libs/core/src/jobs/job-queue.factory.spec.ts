import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { requireRedis } from '../testing/services';
import { BullMqJobQueue } from './bullmq.job-queue';
import { InProcessJobQueue } from './in-process.job-queue';
import { createJobQueue } from './job-queue.factory';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });

describe('createJobQueue', () => {
  it('runs jobs in-process when no Redis URL is configured', async () => {
    const queue = await createJobQueue({ prefix: 'tero', logger });
    expect(queue).toBeInstanceOf(InProcessJobQueue);
    await queue.close();
  });

  it('stops with a clear error when the configured Redis is not there', async () => {
    await expect(createJobQueue({ redisUrl: 'redis://127.0.0.1:1', prefix: 'tero', logger })).rejects.toMatchObject({
      code: 'jobs.redis_unreachable',
    });
  });

  (requireRedis(REDIS_URL) ? it : it.skip)('uses BullMQ when a Redis URL is configured', async () => {
    // Nothing is enqueued, so this prefix leaves no keys behind.
    const queue = await createJobQueue({ redisUrl: REDIS_URL, prefix: `tero-test-${randomUUID().slice(0, 8)}`, logger });
    expect(queue).toBeInstanceOf(BullMqJobQueue);
    await queue.close();
  });
});
