import { type JobQueue, PeriodicSweep } from '@tero/core';
import type { Logger } from 'pino';
import type { RecordingService } from './recording.service';

export const RECORDINGS_SWEEP_JOB = 'recordings.retention.sweep';

/**
 * The hourly recordings sweep ({@link RecordingService.sweep}: expired recordings deleted, leftovers of a
 * stopped process stored), one run per hour between replicas, wherever jobs run; a repeated run finds
 * nothing more to do.
 */
export function recordingRetentionSweep(jobs: JobQueue, recordings: RecordingService, options: { logger: Logger; intervalMs?: number; now?: () => number }): PeriodicSweep {
  return new PeriodicSweep(jobs, { name: RECORDINGS_SWEEP_JOB, run: () => recordings.sweep(), ...options });
}

export const RECORDINGS_ORPHANS_JOB = 'recordings.orphans.sweep';

/**
 * The hourly sweep of recording files whose row is gone ({@link RecordingService.sweepOrphans}), one run
 * per hour between replicas; a repeated run finds nothing more to remove.
 */
export function recordingOrphansSweep(jobs: JobQueue, recordings: RecordingService, options: { logger: Logger; intervalMs?: number; now?: () => number }): PeriodicSweep {
  return new PeriodicSweep(jobs, { name: RECORDINGS_ORPHANS_JOB, run: () => recordings.sweepOrphans(), ...options });
}
