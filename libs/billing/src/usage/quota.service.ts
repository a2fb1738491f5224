import { AgentProfile, Brand, type Database, type ProfilePolicies, Subscription } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import { BILLING_EVENTS, type BillingEventPublisher } from '../billing-events';
import { type BillingNotices, billingPageUrl } from '../dunning/billing-notices';
import { formatDay, formatMoney } from '../invoices/money-format';
import { brandBillingSettings } from '../settings/brand-billing-settings';
import { METERED_STATUSES, type UsageSummary, currentSubscription, meteredSeconds, summarize } from './usage-meter';
import { usagePeriodAt } from './usage-period';

/** Thresholds of the plan's included minutes at which the client is warned, highest first. */
export const QUOTA_THRESHOLDS = [100, 80] as const;

/** What a quota check found and did. */
export interface QuotaCheck {
  summary: UsageSummary;
  /** The threshold reached (100 or 80), or null below 80 %. */
  reached: (typeof QUOTA_THRESHOLDS)[number] | null;
  /** Whether this check sent the warning (false: below, or sent before). */
  warned: boolean;
}

/** What `syncAgentQuota` set on the agent. */
export interface AgentQuota {
  monthlyMinutes: number | null;
  quotaExceeded: ProfilePolicies['quotaExceeded'];
  changed: boolean;
}

export interface QuotaServiceOptions {
  events?: BillingEventPublisher;
  logger: Logger;
  clock?: () => Date;
}

/**
 * The plan's quota: warns the client at 80 % and 100 % of its included minutes (once per period each,
 * by e-mail and a `billing.quota_warning` event), and keeps the agent's routing limits in line with the
 * plan, so that the call router applies the plan's over-quota policy.
 */
export class QuotaService {
  private readonly clock: () => Date;

  constructor(
    private readonly db: Database,
    private readonly notices: BillingNotices,
    private readonly options: QuotaServiceOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Checks the client's use in the period in progress and sends the warning of the highest threshold
   * reached, if not sent yet (a client who jumps past 100 % is not told about 80 % afterwards). Call it
   * from the sweep and after a call ended. Null when no subscription is in force.
   */
  async check(ctx: TenantContext, clientId: string): Promise<QuotaCheck | null> {
    const em = this.db.forTenant(ctx);
    const now = this.clock();
    const subscription = await currentSubscription(em, clientId);
    if (!subscription) return null;
    const period = usagePeriodAt(subscription, now);
    const [seconds, brand] = await Promise.all([meteredSeconds(em, clientId, { from: period.start, to: period.end }), em.findOneOrFail(Brand, { id: ctx.brandId })]);
    const summary = summarize(subscription.plan, subscription, period, seconds, brandBillingSettings(brand.billingSettings).taxRateBps);
    const reached = summary.includedMinutes > 0 ? (QUOTA_THRESHOLDS.find((threshold) => summary.percent >= threshold) ?? null) : null;
    if (!reached) return { summary, reached, warned: false };

    const key = `${subscription.id}:${period.start.toISOString()}`;
    const kind = `quota_${reached}`;
    if (reached === 80 && (await this.notices.sent(ctx, { clientId, kind: 'quota_100', key }))) return { summary, reached, warned: false };
    const plan = subscription.plan;
    const warned = await this.notices.sendOnce(ctx, { clientId, kind, key }, ({ t, locale, brand: b, client }) => {
      const end = formatDay(period.end, locale, client.timezone);
      const vars = { brand: b.name, percent: summary.percent, used: summary.usedMinutes, included: summary.includedMinutes, end };
      const policy = t(`email.quotaPolicy.${plan.overQuota}`, { end, price: formatMoney(plan.overageMinorPerMinute, subscription.currency, locale) });
      return {
        subject: t(`email.quota${reached}.subject`, vars),
        paragraphs: [t(`email.quota${reached}.body`, vars), ...(reached === 100 ? [policy] : [])],
        action: { label: t('email.quotaAction'), url: billingPageUrl(this.notices.links, b, client) },
      };
    });
    if (warned) {
      await this.options.events?.publish({
        type: BILLING_EVENTS.quotaWarning,
        brandId: ctx.brandId,
        clientId,
        payload: {
          usedSeconds: summary.usedSeconds,
          includedSeconds: summary.includedMinutes * 60,
          percent: summary.percent,
          threshold: reached,
          subscriptionId: subscription.id,
          periodStart: period.start.toISOString(),
          periodEnd: period.end.toISOString(),
        },
      });
    }
    return { summary, reached, warned };
  }

  /** Checks every client with a subscription in force; one client's failure is logged and the others go on. */
  async sweep(): Promise<{ checked: number; warned: number; failed: number }> {
    const rows = await this.db
      .forInstance('the quota sweep checks every brand’s subscriptions in force')
      .find(Subscription, { status: { $in: [...METERED_STATUSES] } }, { fields: ['id', 'brand', 'client'] });
    const clients = new Map<string, { brandId: string; clientId: string }>();
    for (const row of rows) clients.set(row.client.id, { brandId: row.brand.id, clientId: row.client.id });
    let warned = 0;
    let failed = 0;
    for (const { brandId, clientId } of clients.values()) {
      try {
        const result = await this.check({ brandId, clientId, locale: 'en', requestId: 'billing.usage.sweep' }, clientId);
        if (result?.warned) warned++;
      } catch (err) {
        failed++;
        this.options.logger.error({ err, brandId, clientId }, 'quota check failed');
      }
    }
    return { checked: clients.size, warned, failed };
  }

  /**
   * Brings the agent's routing limits in line with the client's plan: under `overage` the agent is never
   * stopped (`monthlyMinutes` null: extra minutes are billed); under `voicemail` or `forward` the agent
   * answers the plan's included minutes, then the router sends calls to that policy. A client with no
   * subscription in force keeps what it has. The caller tells the call directory to forget the profile.
   */
  async syncAgentQuota(ctx: TenantContext, clientId: string): Promise<AgentQuota | null> {
    // Two units of work: the profile's flush must not carry the plan (the brand's row) along with it.
    const em = this.db.forTenant(ctx);
    const [subscription, profile] = await Promise.all([currentSubscription(this.db.forTenant(ctx), clientId), em.findOne(AgentProfile, { client: clientId })]);
    if (!subscription || !profile) return null;
    const plan = subscription.plan;
    const monthlyMinutes = plan.overQuota === 'overage' ? null : plan.includedMinutes;
    const quotaExceeded = plan.overQuota === 'overage' ? profile.policies.quotaExceeded : plan.overQuota;
    const changed = (profile.monthlyMinutes ?? null) !== monthlyMinutes || profile.policies.quotaExceeded !== quotaExceeded;
    if (changed) {
      profile.monthlyMinutes = monthlyMinutes;
      profile.policies = { ...profile.policies, quotaExceeded };
      await em.flush();
    }
    return { monthlyMinutes, quotaExceeded, changed };
  }
}
