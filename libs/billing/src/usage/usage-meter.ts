import { type EntityManager, raw } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { Brand, Call, type Database, type Plan, type PlanOverQuotaPolicy, Subscription } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { brandBillingSettings, taxOf } from '../settings/brand-billing-settings';
import { LIVE_STATUSES } from '../subscriptions/subscription-state';
import { inForce } from '../subscriptions/subscription-view';
import { type UsagePeriod, minutesOf, usagePeriodAt } from './usage-period';

/** Statuses whose calls are metered against the plan: the subscription is in force. */
export const METERED_STATUSES = ['trialing', 'active', 'past_due', 'suspended'] as const;

/** Metered use of a stretch of time. */
export interface Usage {
  seconds: number;
  /** Whole minutes: a started minute counts. */
  minutes: number;
}

/** What the billing page's meter shows. Amounts in minor units of `currency`. */
export interface UsageSummary {
  subscriptionId: string;
  planId: string;
  planName: string;
  periodStart: Date;
  periodEnd: Date;
  usedSeconds: number;
  usedMinutes: number;
  includedMinutes: number;
  /** Used over included, in whole per cent (may exceed 100); 0 when the plan includes nothing and nothing was used. */
  percent: number;
  overQuota: PlanOverQuotaPolicy;
  /** Minutes beyond the included ones (billed only under the `overage` policy). */
  overageMinutes: number;
  overageMinorPerMinute: number;
  /** What the period's overage would be charged, tax included, if no more calls came: 0 unless the policy is `overage`. */
  projectedOverageMinor: number;
  currency: string;
}

/**
 * Meters calls: the billable seconds of a client's calls (`calls.billable_seconds`; test calls and calls
 * never answered have 0) by when they started, against the usage period of the client's subscription.
 */
export class UsageMeter {
  private readonly clock: () => Date;

  constructor(
    private readonly db: Database,
    options: { clock?: () => Date } = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Billable use of the client's calls that started in `[from, to)`. */
  async usage(ctx: TenantContext, clientId: string, range: { from: Date; to: Date }): Promise<Usage> {
    const seconds = await meteredSeconds(this.db.forTenant(ctx), clientId, range);
    return { seconds, minutes: minutesOf(seconds) };
  }

  /** The subscription the client's calls are metered against now, with its plan; null when none is in force. */
  async currentSubscription(ctx: TenantContext, clientId: string): Promise<Subscription | null> {
    return currentSubscription(this.db.forTenant(ctx), clientId);
  }

  /** The usage period in progress for the client, or null without a subscription in force. */
  async currentPeriod(ctx: TenantContext, clientId: string): Promise<(UsagePeriod & { subscription: Subscription }) | null> {
    const subscription = await this.currentSubscription(ctx, clientId);
    return subscription ? { ...usagePeriodAt(subscription, this.clock()), subscription } : null;
  }

  /** The meter of the billing page: the period in progress, its use against the plan, and the overage so far. */
  async usageSummary(ctx: TenantContext, clientId: string): Promise<UsageSummary | null> {
    const em = this.db.forTenant(ctx);
    const subscription = await currentSubscription(em, clientId);
    if (!subscription) return null;
    const period = usagePeriodAt(subscription, this.clock());
    const [seconds, brand] = await Promise.all([meteredSeconds(em, clientId, { from: period.start, to: period.end }), em.findOneOrFail(Brand, { id: ctx.brandId })]);
    return summarize(subscription.plan, subscription, period, seconds, brandBillingSettings(brand.billingSettings).taxRateBps);
  }
}

/** A period's use against a plan. */
export function summarize(plan: Plan, subscription: Subscription, period: UsagePeriod, seconds: number, taxRateBps: number): UsageSummary {
  const usedMinutes = minutesOf(seconds);
  const overageMinutes = Math.max(0, usedMinutes - plan.includedMinutes);
  const overageNet = plan.overQuota === 'overage' ? overageMinutes * plan.overageMinorPerMinute : 0;
  const includedSeconds = plan.includedMinutes * 60;
  return {
    subscriptionId: subscription.id,
    planId: plan.id,
    planName: plan.name,
    periodStart: period.start,
    periodEnd: period.end,
    usedSeconds: seconds,
    usedMinutes,
    includedMinutes: plan.includedMinutes,
    percent: includedSeconds > 0 ? Math.floor((seconds * 100) / includedSeconds) : seconds > 0 ? 100 : 0,
    overQuota: plan.overQuota,
    overageMinutes,
    overageMinorPerMinute: plan.overageMinorPerMinute,
    projectedOverageMinor: overageNet + taxOf(overageNet, taxRateBps),
    currency: subscription.currency,
  };
}

/** Sum of billable seconds of a client's calls started in `[from, to)`. */
export async function meteredSeconds(em: EntityManager, clientId: string, range: { from: Date; to: Date }): Promise<number> {
  const row = await (em as unknown as SqlEntityManager)
    .createQueryBuilder(Call)
    .select(raw('coalesce(sum(billable_seconds), 0) as total'))
    .where({ client: clientId, startedAt: { $gte: range.from, $lt: range.to } })
    .execute<{ total: number | string } | undefined>('get', false);
  return Number(row?.total ?? 0);
}

/**
 * The subscription a client's use counts against: the one in force (as the billing page shows it,
 * `inForce`), when it is past its checkout. During a switch of provider the old one counts until the
 * new one takes over.
 */
export async function currentSubscription(em: EntityManager, clientId: string): Promise<Subscription | null> {
  const live = await em.find(Subscription, { client: clientId, status: { $in: [...LIVE_STATUSES] } }, { populate: ['plan'], orderBy: { createdAt: 'desc' } });
  const { current } = inForce(live);
  return current && (METERED_STATUSES as readonly string[]).includes(current.status) ? current : null;
}
