import { randomUUID } from 'node:crypto';
import { TeroError } from '@tero/sdk';
import type { JobQueue } from './job-queue.port';

/**
 * The behaviour every `JobQueue` implementation must have, run by each implementation's spec. Tests wait on
 * promises the processors resolve and on `drain()`; none asserts how long anything took.
 */
export function runJobQueueContract(label: string, createQueue: () => Promise<JobQueue>): void {
  describe(`JobQueue contract: ${label}`, () => {
    let queue: JobQueue;
    let name: string;

    beforeEach(async () => {
      queue = await createQueue();
      // A fresh name per test, so that nothing left by one test reaches another's processor.
      name = `test-${randomUUID().slice(0, 8)}`;
    });

    afterEach(async () => {
      await queue.close();
    });

    it('runs a job with its data and reports it completed', async () => {
      const seen: unknown[] = [];
      queue.register<{ ctx: { brandId: string }; n: number }>(name, async (job) => {
        seen.push({ id: job.id, name: job.name, data: job.data, attempt: job.attempt });
      });
      await queue.start();
      const id = await queue.enqueue(name, { ctx: { brandId: 'b1' }, n: 1 });
      await queue.drain();

      expect(seen).toEqual([{ id, name, data: { ctx: { brandId: 'b1' }, n: 1 }, attempt: 1 }]);
      const view = await queue.get(name, id);
      expect(view).toMatchObject({ id, name, state: 'completed', attemptsMade: 1, data: { n: 1 } });
      expect(view!.finishedAt).toEqual(expect.any(Number));
      expect(await queue.get(name, 'no-such-job')).toBeNull();
    });

    it('retries a failing job with backoff until it succeeds', async () => {
      const attempts: number[] = [];
      queue.register(
        name,
        async (job) => {
          attempts.push(job.attempt);
          if (job.attempt < 3) throw new Error(`transient ${job.attempt}`);
        },
        { attempts: 3, backoff: { type: 'exponential', delayMs: 5 } },
      );
      await queue.start();
      const id = await queue.enqueue(name, {});
      await queue.drain();

      expect(attempts).toEqual([1, 2, 3]);
      expect(await queue.get(name, id)).toMatchObject({ state: 'completed', attemptsMade: 3, failedReason: 'transient 2' });
      expect(await queue.deadLetters(name)).toEqual([]);
    });

    it('dead-letters a job whose attempts are spent, with the reason, and retry() runs it again', async () => {
      let fixed = false;
      const runs: number[] = [];
      queue.register(
        name,
        async (job) => {
          runs.push(job.attempt);
          if (!fixed) throw new Error(`vendor down (try ${job.attempt})`);
        },
        { attempts: 2, backoff: { type: 'fixed', delayMs: 5 } },
      );
      await queue.start();
      const id = await queue.enqueue(name, { ctx: { brandId: 'b1' } });
      await queue.drain();

      const dead = await queue.deadLetters(name);
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ id, name, state: 'failed', attemptsMade: 2, attempts: 2, failedReason: 'vendor down (try 2)' });
      expect((await queue.deadLetters()).map((job) => job.id)).toContain(id);

      fixed = true;
      await queue.retry(name, id);
      await queue.drain();
      expect(runs).toEqual([1, 2, 1]);
      expect(await queue.get(name, id)).toMatchObject({ state: 'completed' });
      expect(await queue.deadLetters(name)).toEqual([]);
    });

    it('counts the jobs of each name by state: waiting and delayed before the queue runs, failed after', async () => {
      queue.register(name, async (job) => {
        if ((job.data as { fail?: boolean }).fail) throw new Error('broken');
      }, { attempts: 1 });
      await queue.enqueue(name, {});
      await queue.enqueue(name, { fail: true });
      await queue.enqueue(name, {}, { delayMs: 60_000 });
      expect((await queue.counts())[name]).toEqual({ waiting: 2, active: 0, delayed: 1, failed: 0 });
      await queue.start();
      await queue.enqueue(name, { fail: true });
      // drain() waits for the delayed job too: the counts are read once the runnable ones are done.
      await new Promise<void>((resolve, reject) => {
        const poll = () => queue.counts().then((all) => (all[name]!.waiting === 0 && all[name]!.active === 0 ? resolve() : setTimeout(poll, 10)), reject);
        poll();
      });
      expect((await queue.counts())[name]).toEqual({ waiting: 0, active: 0, delayed: 1, failed: 2 });
    });

    it('refuses to retry a job that is not a dead letter, or unknown', async () => {
      queue.register(name, async () => undefined);
      await queue.start();
      const id = await queue.enqueue(name, {});
      await queue.drain();
      await expect(queue.retry(name, id)).rejects.toMatchObject({ code: 'jobs.not_dead_letter' });
      await expect(queue.retry(name, 'missing-job')).rejects.toMatchObject({ code: 'jobs.not_found' });
    });

    it('dead-letters at once on a non-retryable TeroError, but retries a retryable one', async () => {
      const calls: string[] = [];
      queue.register<{ retryable: boolean }>(
        name,
        async (job) => {
          calls.push(`${job.data.retryable}:${job.attempt}`);
          throw new TeroError('test.refused', 'bad input', {}, { retryable: job.data.retryable });
        },
        { attempts: 3, backoff: { type: 'fixed', delayMs: 1 } },
      );
      await queue.start();
      const fatal = await queue.enqueue(name, { retryable: false });
      await queue.drain();
      const retried = await queue.enqueue(name, { retryable: true });
      await queue.drain();

      expect(calls).toEqual(['false:1', 'true:1', 'true:2', 'true:3']);
      expect(await queue.get(name, fatal)).toMatchObject({ state: 'failed', attemptsMade: 1, failedReason: 'bad input' });
      expect(await queue.get(name, retried)).toMatchObject({ state: 'failed', attemptsMade: 3 });
      expect((await queue.deadLetters(name)).map((job) => job.id).sort()).toEqual([fatal, retried].sort());
    });

    it('enqueues once per jobId, even after the job has run', async () => {
      const runs: unknown[] = [];
      queue.register(name, async (job) => {
        runs.push(job.data);
      });
      const first = await queue.enqueue(name, { v: 1 }, { jobId: 'call-42.summary' });
      const second = await queue.enqueue(name, { v: 2 }, { jobId: 'call-42.summary' });
      await queue.start();
      await queue.drain();
      const third = await queue.enqueue(name, { v: 3 }, { jobId: 'call-42.summary' });
      await queue.drain();

      expect([first, second, third]).toEqual(['call-42.summary', 'call-42.summary', 'call-42.summary']);
      expect(runs).toEqual([{ v: 1 }]);
      expect(await queue.get(name, 'call-42.summary')).toMatchObject({ state: 'completed', data: { v: 1 } });
    });

    it('rejects a job id the Redis implementation could not store', async () => {
      await expect(queue.enqueue(name, {}, { jobId: '123' })).rejects.toMatchObject({ code: 'jobs.invalid_job_id' });
      await expect(queue.enqueue(name, {}, { jobId: 'a:b' })).rejects.toMatchObject({ code: 'jobs.invalid_job_id' });
    });

    it('does not run a delayed job before its delay: a job enqueued after it, without delay, runs first', async () => {
      const order: string[] = [];
      queue.register<{ label: string }>(
        name,
        async (job) => {
          order.push(job.data.label);
        },
        { concurrency: 1 },
      );
      const late = await queue.enqueue(name, { label: 'late' }, { delayMs: 1500 });
      expect(await queue.get(name, late)).toMatchObject({ state: 'delayed' });
      await queue.enqueue(name, { label: 'now' });
      await queue.start();
      await queue.drain();

      expect(order).toEqual(['now', 'late']);
      expect(await queue.get(name, late)).toMatchObject({ state: 'completed' });
    });

    it('shows progress and log lines of a running job through get()', async () => {
      const progressed = deferred();
      const release = deferred();
      queue.register(name, async (job) => {
        await job.updateProgress(40);
        await job.updateProgress({ step: 'cloning', percent: 60 });
        await job.log('uploaded 3 samples');
        progressed.resolve();
        await release.promise;
      });
      await queue.start();
      const id = await queue.enqueue(name, {});
      await progressed.promise;

      expect(await queue.get(name, id)).toMatchObject({
        state: 'active',
        progress: { step: 'cloning', percent: 60 },
        logs: ['uploaded 3 samples'],
      });
      release.resolve();
      await queue.drain();
      expect(await queue.get(name, id)).toMatchObject({ state: 'completed', progress: { step: 'cloning', percent: 60 } });
    });

    it('runs no more jobs of a name at once than its concurrency', async () => {
      const total = 5;
      let running = 0;
      let maxRunning = 0;
      const started: Deferred[] = Array.from({ length: total }, () => deferred());
      const releases: Deferred[] = Array.from({ length: total }, () => deferred());
      let next = 0;
      queue.register(
        name,
        async () => {
          const mine = next++;
          running++;
          maxRunning = Math.max(maxRunning, running);
          started[mine].resolve();
          await releases[mine].promise;
          running--;
        },
        { concurrency: 2 },
      );
      const ids: string[] = [];
      for (let i = 0; i < total; i++) ids.push(await queue.enqueue(name, { i }));
      await queue.start();
      await Promise.all([started[0].promise, started[1].promise]);

      // Two are held by their processors: every other job must still be waiting.
      const states = await Promise.all(ids.map(async (id) => (await queue.get(name, id))!.state));
      const counts = { active: states.filter((s) => s === 'active').length, waiting: states.filter((s) => s === 'waiting').length };
      if (counts.active !== 2) releases.forEach((release) => release.resolve()); // let close() finish on failure
      expect(counts).toEqual({ active: 2, waiting: total - 2 });

      // Released one at a time: each release lets exactly one more start.
      for (let i = 0; i < total; i++) {
        releases[i].resolve();
        if (i + 2 < total) await started[i + 2].promise;
      }
      await queue.drain();
      expect(maxRunning).toBe(2);
      expect(next).toBe(total);
    });

    it('drain() resolves at once when idle and after every pending job otherwise', async () => {
      await queue.drain();
      const done: number[] = [];
      queue.register<{ i: number }>(
        name,
        async (job) => {
          done.push(job.data.i);
        },
        { concurrency: 3 },
      );
      await queue.start();
      for (let i = 0; i < 6; i++) await queue.enqueue(name, { i }, { delayMs: i % 2 ? 20 : undefined });
      await queue.drain();
      expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    });
  });
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
