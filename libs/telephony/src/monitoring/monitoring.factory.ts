import { type JobQueue, type Keyring, type Metrics, PeriodicSweep } from '@tero/core';
import type { Database } from '@tero/db';
import type { i18n as I18nInstance } from 'i18next';
import type { Logger } from 'pino';
import { type BrandIngestion, JambonzIngestion } from './jambonz-ingestion';
import { type MonitorAlertOutcome, MonitorAlerts, type MonitoringNotify } from './monitor-alerts';
import { MonitoringThresholds } from './monitoring-thresholds';
import { MonitoringQueries } from './monitoring.queries';
import { DEFAULT_MONITORING_SETTINGS, type MonitoringSettings } from './monitoring.settings';

/** Lists the connected brands and enqueues one poll per brand: every minute. */
export const MONITORING_SWEEP_JOB = 'telephony.monitoring.sweep';
/** Polls one brand's RecentCalls and Alerts, then checks its alert conditions. */
export const MONITORING_BRAND_JOB = 'telephony.monitoring.brand';

export interface MonitoringDeps {
  db: Database;
  keyring: Keyring;
  jobs: JobQueue;
  i18n: I18nInstance;
  logger: Logger;
  /** Mails one message (the kernel's mail service). */
  notify: MonitoringNotify;
  /** The instance's sender (`EMAIL_FROM`). */
  from: string;
  /** The operator's monitoring page for a brand, absolute (in alert e-mails). */
  operatorUrl: (brandId: string) => string;
  /** The hook latency histogram lives here; ingestion failures are counted here. */
  metrics?: Metrics;
  settings?: Partial<MonitoringSettings>;
  /** How often the sweep runs. Default a minute. */
  intervalMs?: number;
  /** How long after `start()` the first sweep is due. Default a minute (the database is migrated after the kernel starts). */
  firstDelayMs?: number;
  /** Per request to jambonz. */
  timeoutMs?: number;
  /** Tests: the fetch jambonz clients use. */
  fetch?: typeof fetch;
  clock?: () => Date;
}

/** A brand's poll, and the alert conditions it found (mailed or within their cool-down). */
export interface BrandMonitoringRun extends BrandIngestion {
  notices: MonitorAlertOutcome[];
}

/** Monitoring of the brands' jambonz: ingestion jobs, figures for the pages, operator alerts. */
export interface Monitoring {
  ingestion: JambonzIngestion;
  queries: MonitoringQueries;
  alerts: MonitorAlerts;
  /** Each brand's alert thresholds, set by the operator over the instance's. */
  thresholds: MonitoringThresholds;
  metrics?: Metrics;
  /** The instance's thresholds and windows (a brand's own thresholds override the alerting ones). */
  settings: Readonly<MonitoringSettings>;
  /** Polls one brand and checks its alerts, now, in this process. */
  runBrand(brandId: string): Promise<BrandMonitoringRun>;
  /** Enqueues a poll of every connected brand (what the minute timer does); resolves to the job ids. */
  sweep(): Promise<string[]>;
  /** Registers the job processors (every process) and, where jobs run, the minute timer. */
  start(options: { processJobs: boolean }): Promise<void>;
  stop(): void;
}

export function createMonitoring(deps: MonitoringDeps): Monitoring {
  const log = deps.logger.child({ part: 'monitoring' });
  const clock = deps.clock ?? (() => new Date());
  const intervalMs = deps.intervalMs ?? 60_000;
  const onError = (area: string) => deps.metrics?.countError(area);
  const ingestion = new JambonzIngestion({ db: deps.db, keyring: deps.keyring, logger: log, settings: deps.settings, timeoutMs: deps.timeoutMs, fetch: deps.fetch, onError, clock: deps.clock });
  const queries = new MonitoringQueries(deps.db, clock);
  const thresholds = new MonitoringThresholds(deps.db, deps.settings);
  const alerts = new MonitorAlerts({ db: deps.db, i18n: deps.i18n, notify: deps.notify, from: deps.from, operatorUrl: deps.operatorUrl, logger: log, settings: deps.settings, thresholds, clock: deps.clock });

  const runBrand = async (brandId: string): Promise<BrandMonitoringRun> => {
    const ingested = await ingestion.ingestBrand(brandId);
    if (!ingested.connected) return { ...ingested, notices: [] };
    let notices: MonitorAlertOutcome[] = [];
    try {
      notices = await alerts.checkBrand(brandId);
    } catch (error) {
      onError('monitoring');
      log.error({ err: error, brandId }, 'monitoring: could not check or mail the alert conditions');
    }
    return { ...ingested, notices };
  };

  /** One id per brand and interval: replicas enqueueing the same minute enqueue it once. */
  const slot = () => Math.floor(clock().getTime() / intervalMs);

  const sweep = async (): Promise<string[]> => {
    const brands = await ingestion.connectedBrands();
    const n = slot();
    return Promise.all(brands.map((brandId) => deps.jobs.enqueue(MONITORING_BRAND_JOB, { brandId }, { jobId: `monitoring-brand-${brandId}-${n}` })));
  };

  const periodic = new PeriodicSweep(deps.jobs, {
    name: MONITORING_SWEEP_JOB,
    run: async () => ({ enqueued: (await sweep()).length }),
    logger: log,
    intervalMs,
    now: () => clock().getTime(),
    firstDelayMs: deps.firstDelayMs,
    // A failed sweep is enqueued again the next minute.
    attempts: 1,
  });

  return {
    ingestion,
    queries,
    alerts,
    thresholds,
    metrics: deps.metrics,
    settings: Object.freeze({ ...DEFAULT_MONITORING_SETTINGS, ...deps.settings }),
    runBrand,
    sweep,
    async start({ processJobs }) {
      deps.jobs.register<{ brandId: string }>(
        MONITORING_BRAND_JOB,
        async (job) => {
          const run = await runBrand(job.data.brandId);
          await job.log(JSON.stringify({ calls: run.calls, alerts: run.alerts, notices: run.notices.map((n) => ({ kind: n.condition.kind, subject: n.condition.subject, mailed: n.mailed })) }).slice(0, 2000));
          return { brandId: run.brandId, calls: run.calls?.inserted ?? 0, alerts: run.alerts?.inserted ?? 0, mailed: run.notices.filter((n) => n.mailed).length };
        },
        // A failed poll keeps its cursor and the next minute asks again: no retries of a job here.
        { attempts: 1 },
      );
      periodic.register();
      if (processJobs) await periodic.start();
    },
    stop() {
      periodic.stop();
    },
  };
}
