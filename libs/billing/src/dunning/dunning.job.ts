import type { JobQueue } from '@tero/core';
import { PeriodicSweep } from '@tero/core';
import type { Logger } from 'pino';
import type { DunningService } from './dunning.service';

export const DUNNING_SWEEP_JOB = 'billing.dunning.sweep';

/** The hourly dunning sweep: reminders due, suspensions after the grace period. `register()` it, then `start()` where jobs are scheduled. */
export function dunningSweepJob(jobs: JobQueue, dunning: DunningService, options: { logger: Logger; intervalMs?: number; now?: () => number }): PeriodicSweep {
  return new PeriodicSweep(jobs, { name: DUNNING_SWEEP_JOB, run: () => dunning.sweep(), ...options });
}
