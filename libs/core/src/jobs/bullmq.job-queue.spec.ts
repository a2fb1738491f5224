import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { clearRedisPrefix, requireRedis } from '../testing/services';
import { BullMqJobQueue } from './bullmq.job-queue';
import { runJobQueueContract } from './job-queue.contract';
import type { JobQueue } from './job-queue.port';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });

(requireRedis(REDIS_URL) ? describe : describe.skip)('BullMqJobQueue', () => {
  // One prefix per run: runs in parallel, or a crashed earlier run, share nothing with this one.
  const prefix = `tero-test-${randomUUID().slice(0, 8)}`;
  const connect = () => BullMqJobQueue.connect({ redisUrl: REDIS_URL, prefix, logger });

  // SCAN walks the whole keyspace: on a Redis shared with other work (a benchmark's millions of
  // short-lived keys) that takes longer than Jest's default hook timeout.
  afterAll(() => clearRedisPrefix(REDIS_URL, prefix), 120_000);

  runJobQueueContract('BullMQ', connect);

  describe('across processes', () => {
    const opened: JobQueue[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((queue) => queue.close()));
    });

    it('an enqueue-only process (JOBS_IN_SERVER=false) leaves the work to a processing one', async () => {
      const name = `handoff-${randomUUID().slice(0, 8)}`;
      const server = await connect();
      const worker = await connect();
      opened.push(server, worker);
      const serverRuns: unknown[] = [];
      const workerRuns: unknown[] = [];
      server.register(name, async (job) => {
        serverRuns.push(job.data);
      });
      worker.register(name, async (job) => {
        workerRuns.push(job.data);
      });
      await server.start({ process: false });

      const id = await server.enqueue(name, { ctx: { brandId: 'b1', clientId: 'c1' } });
      expect(await server.get(name, id)).toMatchObject({ state: 'waiting' });
      await worker.start({ process: true });
      await server.drain();

      expect(serverRuns).toEqual([]);
      expect(workerRuns).toEqual([{ ctx: { brandId: 'b1', clientId: 'c1' } }]);
      expect(await server.get(name, id)).toMatchObject({ state: 'completed' });
    });
  });

  it('fails to connect with a clear error when Redis is not there', async () => {
    await expect(
      BullMqJobQueue.connect({ redisUrl: 'redis://:secret@127.0.0.1:1', prefix, logger }),
    ).rejects.toMatchObject({ code: 'jobs.redis_unreachable', message: expect.not.stringContaining('secret') });
  });
});
