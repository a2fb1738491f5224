import type { FileStorage, InstanceConfig, JobQueue, PeriodicSweep } from '@tero/core';
import type { Database } from '@tero/db';
import type { Logger } from 'pino';
import type { CallSessionStore } from '../call-session.store';
import type { ListenAuth } from './listen-auth';
import { type ListenSettings, listenSettings } from './listen-verb';
import { recordingOrphansSweep, recordingRetentionSweep } from './recording-retention.job';
import { RecordingService, type RecordingServiceOptions } from './recording.service';

/** Call recordings: the listen streams' service, their credentials, the verb settings, and the hourly sweeps (retention, orphaned files). */
export interface Recordings {
  service: RecordingService;
  /** Checks a listen stream's credentials (the endpoint's upgrade). */
  auth: ListenAuth;
  /** For `listenConfigVerb(callSid, listen)`: where jambonz streams a recorded call, and how. */
  listen: ListenSettings;
  retention: PeriodicSweep;
  /** Recording files whose row is gone (their call was deleted), removed hourly. */
  orphans: PeriodicSweep;
  /** Schedules the hourly sweeps in a process that runs jobs (the job is registered in every process). */
  start(options: { processJobs: boolean }): void;
  /** Stops the schedule and stores what the open streams recorded (as partial). */
  close(): Promise<void>;
}

export interface RecordingsDeps {
  config: Pick<InstanceConfig, 'PUBLIC_URL' | 'APP_SECRET' | 'DATA_DIR' | 'RECORDING_RETENTION_DAYS'>;
  db: Database;
  storage: FileStorage;
  /** The call path's sessions (`telephony.sessions`): how a stream finds its call. */
  sessions: CallSessionStore;
  jobs: JobQueue;
  logger: Logger;
  clock?: () => Date;
  /** Limits and waits (tests shorten them). */
  options?: Partial<Omit<RecordingServiceOptions, 'dataDir' | 'retentionDays' | 'clock'>>;
}

export function createRecordings(deps: RecordingsDeps): Recordings {
  const log = deps.logger.child({ part: 'recordings' });
  const service = new RecordingService(
    { db: deps.db, storage: deps.storage, sessions: deps.sessions, logger: log },
    { ...deps.options, dataDir: deps.config.DATA_DIR, retentionDays: deps.config.RECORDING_RETENTION_DAYS, clock: deps.clock },
  );
  const listen = listenSettings({ publicUrl: deps.config.PUBLIC_URL, appSecret: deps.config.APP_SECRET, maxSeconds: service.maxSeconds });
  const clock = deps.clock;
  const retention = recordingRetentionSweep(deps.jobs, service, { logger: log, now: clock ? () => clock().getTime() : undefined });
  retention.register();
  const orphans = recordingOrphansSweep(deps.jobs, service, { logger: log, now: clock ? () => clock().getTime() : undefined });
  orphans.register();
  return {
    service,
    auth: listen.auth,
    listen,
    retention,
    orphans,
    start: ({ processJobs }) => {
      if (processJobs) {
        void retention.start();
        void orphans.start();
      }
    },
    close: async () => {
      retention.stop();
      orphans.stop();
      await service.close();
    },
  };
}
