export * from './job-queue.port';
export { createJobQueue, type CreateJobQueueOptions } from './job-queue.factory';
export { InProcessJobQueue } from './in-process.job-queue';
export { BullMqJobQueue, type BullMqJobQueueOptions } from './bullmq.job-queue';
