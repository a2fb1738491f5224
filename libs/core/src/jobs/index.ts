export * from './job-queue.port';
export { createJobQueue, type CreateJobQueueOptions } from './job-queue.factory';
export { InProcessJobQueue } from './in-process.job-queue';
// Types only: the class (and bullmq with it) loads when createJobQueue is given a Redis URL.
export type { BullMqJobQueue, BullMqJobQueueOptions } from './bullmq.job-queue';
export * from './periodic-sweep';
