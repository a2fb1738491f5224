import { type EventBus, type FileStorage, type JobQueue, PeriodicSweep } from '@tero/core';
import type { Database } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import type { CallDirectory } from '../call-directory';
import { DIRECTORY_CHANGED } from '../telephony.factory';
import { NumberImports } from './number-imports';
import { NumberPool } from './number-pool.service';
import { PortingService } from './porting.service';

export const NUMBER_SWEEP_JOB = 'numbers.sweep';
export const NUMBER_RELEASE_CLIENT_JOB = 'numbers.release_client';

/** The pool's services, built once per process by the kernel. */
export interface Numbers {
  pool: NumberPool;
  imports: NumberImports;
  porting: PortingService;
  /** Registers the jobs (every process) and, where jobs run, schedules the hourly sweep. */
  start(options: { processJobs: boolean }): Promise<void>;
  stop(): void;
}

export interface NumbersDeps {
  db: Database;
  jobs: JobQueue;
  events: EventBus;
  storage: FileStorage;
  logger: Logger;
  /** `NUMBER_QUARANTINE_DAYS`. */
  quarantineDays: number;
  /** The call path's directory: forgotten on every change that routing may see, here and (by event) on every replica. */
  directory?: Pick<CallDirectory, 'invalidate'>;
  /**
   * An event whose payload is `{ clientId, to }` when a client's status changes (billing's
   * `billing.client_status_changed`): a client that becomes `canceled` has its numbers released.
   */
  clientStatusEvent?: string;
  clock?: () => Date;
  /** Milliseconds between sweeps (hourly by default) and before the first one (a minute: npm start migrates after boot). */
  sweepIntervalMs?: number;
  firstSweepDelayMs?: number;
}

interface ReleaseClientData {
  ctx: TenantContext;
  clientId: string;
}

/**
 * Builds the number pool, its CSV imports and porting requests, with their jobs: the hourly sweep
 * (reservations that expired, quarantines that ended; one run per hour between replicas, by job id) and
 * the release of a canceled client's numbers (one job per event, whichever replicas heard it).
 */
export function createNumbers(deps: NumbersDeps): Numbers {
  const { db, jobs, events, logger } = deps;
  const log = logger.child({ part: 'numbers' });
  const onChange = (ctx: TenantContext) => {
    deps.directory?.invalidate();
    events.publish({ type: DIRECTORY_CHANGED, brandId: ctx.brandId, clientId: null, payload: { what: 'phone_number' } }).catch((err: unknown) => {
      log.warn({ err }, 'telling other replicas about a number change failed; they notice within 30 s');
    });
  };
  const pool = new NumberPool(db, { quarantineDays: deps.quarantineDays, clock: deps.clock, onChange });
  const imports = new NumberImports(pool, jobs, deps.storage, log);
  const porting = new PortingService(db, deps.storage, pool, { clock: deps.clock });
  const sweep = new PeriodicSweep(jobs, { name: NUMBER_SWEEP_JOB, run: () => pool.sweep(), logger: log, intervalMs: deps.sweepIntervalMs, firstDelayMs: deps.firstSweepDelayMs });
  const unsubscribe: (() => void)[] = [];

  return {
    pool,
    imports,
    porting,
    async start({ processJobs }) {
      imports.register();
      sweep.register();
      jobs.register<ReleaseClientData>(NUMBER_RELEASE_CLIENT_JOB, async (job) => ({ released: await pool.releaseAllOf(job.data.ctx, job.data.clientId) }));
      if (deps.clientStatusEvent) {
        unsubscribe.push(
          events.subscribe(deps.clientStatusEvent, async (event) => {
            const payload = event.payload as { clientId?: string; to?: string } | null;
            if (payload?.to !== 'canceled' || typeof payload.clientId !== 'string') return;
            const ctx: TenantContext = { brandId: event.brandId, clientId: null, locale: 'en' };
            await jobs.enqueue<ReleaseClientData>(NUMBER_RELEASE_CLIENT_JOB, { ctx, clientId: payload.clientId }, { jobId: `numbers-release-${event.id.replace(/[^A-Za-z0-9_-]/g, '-')}` });
          }),
        );
      }
      if (processJobs) await sweep.start();
    },
    stop() {
      sweep.stop();
      for (const off of unsubscribe.splice(0)) off();
    },
  };
}
