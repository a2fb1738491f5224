import type { JobQueue } from '@tero/core';
import { PeriodicSweep } from '@tero/core';
import type { TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import type { OverageBilling } from './overage-billing';
import type { QuotaService } from './quota.service';

export const USAGE_SWEEP_JOB = 'billing.usage.sweep';
export const QUOTA_CHECK_JOB = 'billing.quota.check';

/** The hourly usage sweep: quota warnings of every client in force, then the overage of ended periods. */
export function usageSweepJob(
  jobs: JobQueue,
  quota: QuotaService,
  overage: OverageBilling,
  options: { logger: Logger; intervalMs?: number; now?: () => number },
): PeriodicSweep {
  return new PeriodicSweep(jobs, {
    name: USAGE_SWEEP_JOB,
    run: async () => {
      const quotas = await quota.sweep();
      const { charged, failed } = await overage.sweep();
      return { quotas, overage: { charged: charged.length, failed } };
    },
    ...options,
  });
}

interface QuotaCheckJob {
  ctx: TenantContext;
  clientId: string;
}

/**
 * The quota check after a call ended, as a job: a little later (the call record is written behind), and
 * one per client per interval however many calls end meanwhile (the job id names both).
 */
export class QuotaCheckAfterCall {
  private readonly delayMs: number;
  private readonly now: () => number;

  constructor(
    private readonly jobs: JobQueue,
    private readonly quota: QuotaService,
    options: { delayMs?: number; now?: () => number } = {},
  ) {
    this.delayMs = options.delayMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  register(): void {
    this.jobs.register<QuotaCheckJob>(QUOTA_CHECK_JOB, async (job) => {
      const result = await this.quota.check(job.data.ctx, job.data.clientId);
      return result ? { percent: result.summary.percent, reached: result.reached, warned: result.warned } : null;
    });
  }

  /**
   * Enqueues the check of a client whose call ended, once per client and window: the job id dedupes across
   * processes, and this process remembers the window's clients so that a busy line costs no queue round trip
   * per call (the call path publishes `call.ended` for every call).
   */
  enqueue(ctx: TenantContext, clientId: string): Promise<string> {
    const bucket = Math.floor(this.now() / this.delayMs);
    if (bucket !== this.bucket) {
      this.bucket = bucket;
      this.enqueued.clear();
    }
    const jobId = `quota-${clientId}-${bucket}`;
    const known = this.enqueued.get(clientId);
    if (known) return known;
    const queued = this.jobs.enqueue<QuotaCheckJob>(QUOTA_CHECK_JOB, { ctx: { brandId: ctx.brandId, clientId, locale: ctx.locale }, clientId }, { jobId, delayMs: this.delayMs });
    this.enqueued.set(clientId, queued);
    // A failed enqueue is forgotten, so the next call of the window tries again.
    queued.catch(() => this.enqueued.get(clientId) === queued && this.enqueued.delete(clientId));
    return queued;
  }

  private bucket = -1;
  private readonly enqueued = new Map<string, Promise<string>>();
}
