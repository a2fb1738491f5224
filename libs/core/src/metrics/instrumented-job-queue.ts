import type { JobProcessor, JobQueue } from '../jobs/job-queue.port';
import type { Metrics } from './metrics';

/**
 * The queue with every processor counted: `tero_jobs_active{queue}` while a run is under way in this
 * process, `tero_jobs_processed_total{queue,outcome}` when it ends, and `tero_errors_total{area="jobs"}`
 * for a run that failed (a retry counts again). The jobs waiting, running or failed in the whole queue
 * (every process's) are read from the queue at each scrape (`tero_jobs{queue,state}`, see
 * {@link Metrics.setJobCountsSource}). Everything else is the queue itself.
 */
export function instrumentJobQueue(queue: JobQueue, metrics: Metrics): JobQueue & { readonly unwrapped: JobQueue } {
  return {
    /** The queue itself (which backend runs the jobs). */
    unwrapped: queue,
    register<T>(name: string, processor: JobProcessor<T>, options?: Parameters<JobQueue['register']>[2]) {
      const active = metrics.jobsActive.labels(name);
      const completed = metrics.jobsProcessed.labels(name, 'completed');
      const failed = metrics.jobsProcessed.labels(name, 'failed');
      // Zero series from the start, so that a rate over them exists before the first run.
      active.set(0);
      completed.inc(0);
      failed.inc(0);
      queue.register<T>(
        name,
        async (job) => {
          active.inc();
          try {
            const result = await processor(job);
            completed.inc();
            return result;
          } catch (error) {
            failed.inc();
            metrics.countError('jobs');
            throw error;
          } finally {
            active.dec();
          }
        },
        options,
      );
    },
    enqueue: (name, data, options) => queue.enqueue(name, data, options),
    get: (name, id) => queue.get(name, id),
    deadLetters: (name) => queue.deadLetters(name),
    counts: () => queue.counts(),
    retry: (name, id) => queue.retry(name, id),
    start: (options) => queue.start(options),
    drain: () => queue.drain(),
    close: () => queue.close(),
  };
}
