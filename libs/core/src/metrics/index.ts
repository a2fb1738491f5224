export * from './metrics';
export { instrumentJobQueue } from './instrumented-job-queue';
export { ActiveCallsTracker, type ActiveCallsOptions } from './active-calls';
