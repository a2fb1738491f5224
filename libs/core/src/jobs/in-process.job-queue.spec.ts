import pino from 'pino';
import { InProcessJobQueue } from './in-process.job-queue';
import { runJobQueueContract } from './job-queue.contract';

const logger = pino({ level: 'silent' });

runJobQueueContract('in-process', async () => new InProcessJobQueue(logger));

describe('InProcessJobQueue', () => {
  it('keeps a copy of the job data, as Redis would', async () => {
    const queue = new InProcessJobQueue(logger);
    const data = { at: new Date(0), list: [1] };
    const id = await queue.enqueue('copy-test', data);
    data.list.push(2);
    expect((await queue.get('copy-test', id))!.data).toEqual({ at: '1970-01-01T00:00:00.000Z', list: [1] });
    await queue.close();
  });

  it('drain() fails instead of hanging when pending jobs have no processor here', async () => {
    const queue = new InProcessJobQueue(logger);
    await queue.start();
    await queue.enqueue('nobody-runs-this', {});
    await expect(queue.drain()).rejects.toMatchObject({ code: 'jobs.not_processing' });
    await queue.close();
  });

  it('does not process when started with process: false', async () => {
    const queue = new InProcessJobQueue(logger);
    const runs: unknown[] = [];
    queue.register('enqueue-only', async (job) => {
      runs.push(job.data);
    });
    await queue.start({ process: false });
    const id = await queue.enqueue('enqueue-only', { a: 1 });
    expect(await queue.get('enqueue-only', id)).toMatchObject({ state: 'waiting' });
    await queue.start({ process: true });
    await queue.drain();
    expect(runs).toEqual([{ a: 1 }]);
    await queue.close();
  });
});
