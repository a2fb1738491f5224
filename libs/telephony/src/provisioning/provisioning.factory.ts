import { randomUUID } from 'node:crypto';
import { type EventBus, type JobQueue, type Keyring, PeriodicSweep } from '@tero/core';
import type { Database } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import type { JambonzApplicationSettings } from '../jambonz-api/jambonz-api.types';
import type { JambonzAccountsService } from '../jambonz-accounts.service';
import { JambonzConnectionService } from './jambonz-connection.service';
import { JambonzReconciler, type ReconcileOptions, type ReconcileReport, type SpeechKeySource } from './jambonz-reconciler';
import { SpeechCredentialsService } from './speech-credentials.service';

/** The periodic job: a pass for every connection whose backoff has passed. */
export const RECONCILE_SWEEP_JOB = 'telephony.jambonz.reconcile';
/** A pass for one brand, now: after a change someone waits for. */
export const RECONCILE_BRAND_JOB = 'telephony.jambonz.reconcile-brand';
/**
 * Publish this (`brandId` of the brand, any payload) after changing what jambonz must hold — a number
 * assigned or released — and a pass for the brand runs soon on a replica that processes jobs.
 */
export const PROVISIONING_REQUESTED = 'telephony.provisioning_requested';

export interface ProvisioningDeps {
  db: Database;
  keyring: Keyring;
  /** The call path's jambonz accounts (`Telephony.accounts`): where webhook secrets are kept. */
  accounts: JambonzAccountsService;
  jobs: JobQueue;
  events: EventBus;
  logger: Logger;
  /** `PUBLIC_URL`. */
  publicUrl: string;
  /** Default every minute. */
  intervalMs?: number;
  /** Default 30 days; 0: only on request. */
  secretRotationDays?: number;
  /** Per jambonz request. Default 10 s. */
  timeoutMs?: number;
  applicationDefaults?: JambonzApplicationSettings;
  speechKeys?: SpeechKeySource;
  /** An agent profile changed (its voice label): the call directory must forget it, on every replica. */
  onDirectoryChange?: (ctx: TenantContext) => void;
  clock?: () => Date;
  /** Tests: the fetch the jambonz clients use. */
  fetch?: typeof fetch;
}

export interface Provisioning {
  connections: JambonzConnectionService;
  reconciler: JambonzReconciler;
  speech: SpeechCredentialsService;
  /**
   * Enqueues a pass for the brand and returns the job id; a request while this process's previous one
   * still waits its turn shares that job (the pass reads the state it finds when it runs).
   */
  requestSync(brandId: string, options?: Pick<ReconcileOptions, 'rotateSecret'>): Promise<string>;
  /** Registers the jobs and listens for {@link PROVISIONING_REQUESTED}; with `processJobs`, starts the minute sweep. */
  start(options: { processJobs: boolean }): Promise<void>;
  stop(): void;
}

/**
 * Builds jambonz provisioning: the brands' connections, the reconciler and its jobs (a sweep every
 * `intervalMs`, and a pass per brand on request, after a connection is saved, or on
 * {@link PROVISIONING_REQUESTED}), and the speech credentials. A pass records its own failures on the
 * connection and schedules its own retry (backoff), so its jobs are not retried by the queue.
 */
export function createProvisioning(deps: ProvisioningDeps): Provisioning {
  const log = deps.logger.child({ part: 'provisioning' });
  const now = deps.clock ?? (() => new Date());
  const intervalMs = deps.intervalMs ?? 60_000;
  let provisioning!: Provisioning;

  const connections = new JambonzConnectionService(deps.db, deps.keyring, deps.accounts, {
    timeoutMs: deps.timeoutMs,
    fetch: deps.fetch,
    onChange: (ctx) => void provisioning.requestSync(ctx.brandId).catch((err: unknown) => log.warn({ err, brandId: ctx.brandId }, 'could not ask for a jambonz pass')),
  });
  const speech = new SpeechCredentialsService(deps.db, connections, { logger: log, onProfileChange: deps.onDirectoryChange });
  const reconciler = new JambonzReconciler({
    db: deps.db,
    keyring: deps.keyring,
    connections,
    accounts: deps.accounts,
    speech,
    logger: log,
    publicUrl: deps.publicUrl,
    secretRotationMs: (deps.secretRotationDays ?? 30) * 86_400_000,
    applicationDefaults: deps.applicationDefaults,
    speechKeys: deps.speechKeys,
    clock: deps.clock,
  });

  const summary = (report: ReconcileReport) => ({
    brandId: report.brandId,
    ok: report.ok,
    skipped: report.skipped,
    numbers: report.numbers,
    drift: report.drift.length,
    error: report.error,
  });

  /** This process's last request per brand, shared while it waits. */
  const waiting = new Map<string, string>();
  const unsubscribe: Array<() => void> = [];
  // A pass's failures are on its connection, with their own backoff: one try per job.
  const periodic = new PeriodicSweep(deps.jobs, {
    name: RECONCILE_SWEEP_JOB,
    run: async () => (await reconciler.reconcileDue()).map(summary),
    logger: log,
    intervalMs,
    now: () => now().getTime(),
    // The first sweep waits a little: `npm start` migrates the database after the kernel is up.
    firstDelayMs: Math.min(intervalMs, 60_000),
    attempts: 1,
  });

  provisioning = {
    connections,
    reconciler,
    speech,
    async requestSync(brandId, options = {}) {
      const rotateSecret = options.rotateSecret === true;
      const key = `${brandId}${rotateSecret ? ':rotate' : ''}`;
      const queued = waiting.get(key);
      if (queued) {
        const job = await deps.jobs.get(RECONCILE_BRAND_JOB, queued);
        if (job && (job.state === 'waiting' || job.state === 'delayed')) return queued;
      }
      // A job that started may have read the state before this change: a new one is needed.
      const id = await deps.jobs.enqueue(RECONCILE_BRAND_JOB, { brandId, rotateSecret }, { jobId: `jambonz-brand-${randomUUID()}` });
      waiting.set(key, id);
      return id;
    },
    async start({ processJobs }) {
      periodic.register();
      deps.jobs.register<{ brandId: string; rotateSecret?: boolean }>(
        RECONCILE_BRAND_JOB,
        async (job) => summary(await reconciler.reconcileBrand(job.data.brandId, { force: true, rotateSecret: job.data.rotateSecret === true })),
        { attempts: 1 },
      );
      unsubscribe.push(
        deps.events.subscribe(PROVISIONING_REQUESTED, async (event) => {
          const payload = (event.payload ?? {}) as { rotateSecret?: boolean };
          await provisioning.requestSync(event.brandId, { rotateSecret: payload.rotateSecret === true });
        }),
      );
      if (processJobs) await periodic.start();
    },
    stop() {
      periodic.stop();
      for (const off of unsubscribe.splice(0)) off();
    },
  };
  return provisioning;
}
