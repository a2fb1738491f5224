import { Brand, Client, type Database, Subscription, SubscriptionTransition } from '@tero/db';
import type { PaymentChargeResult, PaymentProvider, TenantContext } from '@tero/sdk';
import type { i18n as I18nInstance, TFunction } from 'i18next';
import type { Logger } from 'pino';
import type { BillingNotices } from '../dunning/billing-notices';
import { formatDay } from '../invoices/money-format';
import { brandBillingSettings, taxOf } from '../settings/brand-billing-settings';
import { METERED_STATUSES, meteredSeconds } from './usage-meter';
import { type UsagePeriod, minutesOf, previousUsagePeriod, usagePeriodAt } from './usage-period';

/** Finds the payment provider of a brand by its plugin id (`payment-stripe`), with the brand's credentials. */
export type PaymentProviderResolver = (ctx: TenantContext, pluginId: string) => Promise<PaymentProvider>;

/** The key of an overage charge: `usage:<subscription id>:<usage period start ISO>`. */
export function overageChargeKey(subscriptionId: string, periodStart: Date): string {
  return `usage:${subscriptionId}:${periodStart.toISOString()}`;
}

/** The subscription and period start an overage charge key names, or null for another kind of key. */
export function parseOverageChargeKey(chargeKey: string): { subscriptionId: string; periodStart: Date } | null {
  const match = /^usage:([0-9a-f-]{36}):(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)$/i.exec(chargeKey);
  if (!match) return null;
  const periodStart = new Date(match[2]!);
  return Number.isNaN(periodStart.getTime()) ? null : { subscriptionId: match[1]!, periodStart };
}

/** The notice kind marking a period's overage as charged (no e-mail: the payment's invoice is the client's record). */
export const OVERAGE_CHARGED = 'overage_charge';

export interface OverageCharge {
  subscriptionId: string;
  period: UsagePeriod;
  chargeKey: string;
  minutes: number;
  netMinor: number;
  taxMinor: number;
  amountMinor: number;
  currency: string;
  result: PaymentChargeResult;
}

export interface OverageBillingOptions {
  i18n: I18nInstance;
  logger: Logger;
  clock?: () => Date;
  /**
   * How long after a period's end its overage is charged, so that calls still running at the end are
   * metered (the call record is written behind). Default: one hour.
   */
  settleMs?: number;
  /** How many ended periods back a sweep looks (a sweep that did not run for a while catches up). Default 3. */
  lookBack?: number;
}

/** Canceled subscriptions are looked at this long after their end, for their last period's overage. */
const ENDED_WITHIN_MS = 100 * 86_400_000;

/**
 * Bills overage minutes in arrears: after a usage period ended, the minutes used beyond the plan's
 * included ones (under the `overage` policy) are charged once through the subscription's payment
 * provider (`chargeOnce`, idempotent per charge key at the vendor too). The invoice follows the payment's
 * `payment.succeeded` event (purpose `one_time`, carrying the charge key).
 */
export class OverageBilling {
  private readonly clock: () => Date;
  private readonly settleMs: number;
  private readonly lookBack: number;

  constructor(
    private readonly db: Database,
    private readonly notices: BillingNotices,
    private readonly resolveProvider: PaymentProviderResolver,
    private readonly options: OverageBillingOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.settleMs = options.settleMs ?? 3_600_000;
    this.lookBack = options.lookBack ?? 3;
  }

  /** Charges every ended period not charged yet, of every subscription under the overage policy. */
  async sweep(): Promise<{ charged: OverageCharge[]; failed: number }> {
    const now = this.clock();
    const em = this.db.forInstance('the overage sweep bills every brand’s ended usage periods');
    const candidates = await em.find(
      Subscription,
      {
        $or: [
          { status: { $in: [...METERED_STATUSES] } },
          { status: 'canceled', $or: [{ currentPeriodEnd: { $gte: new Date(now.getTime() - ENDED_WITHIN_MS) } }, { canceledAt: { $gte: new Date(now.getTime() - ENDED_WITHIN_MS) } }] },
        ],
      },
      { populate: ['plan'] },
    );
    const charged: OverageCharge[] = [];
    let failed = 0;
    for (const sub of candidates) {
      if (sub.plan.overQuota !== 'overage' || sub.plan.overageMinorPerMinute <= 0) continue;
      const ctx: TenantContext = { brandId: sub.brand.id, clientId: sub.client.id, locale: 'en', requestId: 'billing.usage.sweep' };
      try {
        charged.push(...(await this.chargeEndedPeriods(ctx, sub.id, now)));
      } catch (err) {
        failed++;
        this.options.logger.error({ err, subscriptionId: sub.id }, 'overage charge failed; the next sweep tries again');
      }
    }
    return { charged, failed };
  }

  /** The ended usage periods of one subscription not charged yet, oldest first, charged. */
  async chargeEndedPeriods(ctx: TenantContext, subscriptionId: string, now: Date = this.clock()): Promise<OverageCharge[]> {
    const em = this.db.forTenant(ctx);
    const sub = await em.findOneOrFail(Subscription, { id: subscriptionId }, { populate: ['plan'] });
    const served = await em.findOne(SubscriptionTransition, { subscription: sub.id, toStatus: { $in: ['trialing', 'active'] } }, { orderBy: { at: 'asc' } });
    if (!served) return [];
    const serviceStart = new Date((sub.startsAt ?? served.at).getTime() - 86_400_000);
    const serviceEnd = sub.status === 'canceled' ? (sub.currentPeriodEnd ?? sub.canceledAt ?? now) : null;
    const cutoff = new Date(Math.min(now.getTime() - this.settleMs, serviceEnd?.getTime() ?? Infinity));
    let period = usagePeriodAt(sub, new Date(cutoff.getTime() - 1));
    if (period.end > cutoff) period = previousUsagePeriod(sub, period);
    const due: UsagePeriod[] = [];
    for (let i = 0; i < this.lookBack && period.start >= serviceStart; i++) {
      due.unshift(period);
      period = previousUsagePeriod(sub, period);
    }
    const charges: OverageCharge[] = [];
    for (const p of due) {
      const charge = await this.chargePeriod(ctx, sub, p);
      if (charge) charges.push(charge);
    }
    return charges;
  }

  /**
   * Charges one ended period's overage, unless it was charged before or there is none. Charged first,
   * marked after: a crash in between charges again at the next sweep, which the vendor answers from its
   * idempotency record of the charge key.
   */
  async chargePeriod(ctx: TenantContext, sub: Subscription, period: UsagePeriod): Promise<OverageCharge | null> {
    const clientId = sub.client.id;
    const chargeKey = overageChargeKey(sub.id, period.start);
    const marker = { clientId, kind: OVERAGE_CHARGED, key: chargeKey };
    if (await this.notices.sent(ctx, marker)) return null;
    const em = this.db.forTenant(ctx);
    const seconds = await meteredSeconds(em, clientId, { from: period.start, to: period.end });
    const minutes = Math.max(0, minutesOf(seconds) - sub.plan.includedMinutes);
    if (minutes === 0) return null;
    const [brand, client] = await Promise.all([em.findOneOrFail(Brand, { id: ctx.brandId }), em.findOneOrFail(Client, { id: clientId })]);
    const netMinor = minutes * sub.plan.overageMinorPerMinute;
    const taxMinor = taxOf(netMinor, brandBillingSettings(brand.billingSettings).taxRateBps);
    const payer = await this.payerOf(ctx, sub);
    const t = this.options.i18n.getFixedT(client.locale, 'billing') as TFunction;
    const periodText = `${formatDay(period.start, client.locale, client.timezone)} – ${formatDay(period.end, client.locale, client.timezone)}`;
    const provider = await this.resolveProvider(ctx, payer.provider);
    if (!payer.providerSubscriptionId) throw new Error(`subscription ${payer.id} has no provider subscription to charge`);
    const result = await provider.chargeOnce(ctx, {
      providerSubscriptionId: payer.providerSubscriptionId,
      providerCustomerId: payer.providerCustomerId ?? null,
      amountMinor: netMinor + taxMinor,
      currency: sub.currency,
      description: t('charge.overage', { brand: brand.name, count: minutes, period: periodText }).slice(0, 200),
      chargeKey,
      reference: payer.id,
    });
    await this.notices.claim(ctx, marker);
    if (result.status === 'failed') {
      // Not charged again by the sweep: the vendor answers the same key with the same refusal.
      this.options.logger.warn({ subscriptionId: sub.id, chargeKey, amountMinor: netMinor + taxMinor }, 'overage charge refused by the vendor');
    }
    this.options.logger.info({ subscriptionId: sub.id, chargeKey, minutes, amountMinor: netMinor + taxMinor, status: result.status }, 'overage charged');
    return { subscriptionId: sub.id, period, chargeKey, minutes, netMinor, taxMinor, amountMinor: netMinor + taxMinor, currency: sub.currency, result };
  }

  /**
   * Who pays a subscription's overage: the subscription itself while in force; once it ended because
   * the client switched provider, the subscription that replaced it (the old vendor may no longer charge).
   */
  private async payerOf(ctx: TenantContext, sub: Subscription): Promise<Subscription> {
    if (sub.status !== 'canceled') return sub;
    const replacement = await this.db.forTenant(ctx).findOne(Subscription, { replacesId: sub.id, status: { $in: [...METERED_STATUSES] } });
    return replacement ?? sub;
  }
}
