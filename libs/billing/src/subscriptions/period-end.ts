import { LockMode } from '@mikro-orm/core';
import { Subscription } from '@tero/db';
import type { PaymentProvider, TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import { type BillingEventPublisher, publishTransitions } from '../billing-events';
import { type TransitionResult, transitionSubscription } from './subscription-transitions';

/** How long after its period end a subscription set to cancel is ended by us, when its vendor said nothing. */
const SETTLE_MS = 3_600_000;

export interface PeriodEndDeps {
  db: import('@tero/db').Database;
  resolveProvider: (ctx: TenantContext, pluginId: string) => Promise<PaymentProvider>;
  events?: BillingEventPublisher;
  logger: Logger;
  clock?: () => Date;
}

/**
 * Ends subscriptions set to cancel at period end once that end has passed. Stripe says so itself
 * (`customer.subscription.deleted`); PayPal sends nothing (a subscription canceled at period end is
 * suspended at PayPal until that date), and the old half of a provider switch must end for the new one
 * to be the only one in force. So an hour after the end, this closes it at the vendor (a no-op for a
 * subscription the vendor already ended) and moves it to `canceled` with the cause `period_end`.
 */
export class PeriodEndSweep {
  private readonly clock: () => Date;

  constructor(private readonly deps: PeriodEndDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  async sweep(): Promise<{ checked: number; ended: number; failed: number }> {
    const cutoff = new Date(this.clock().getTime() - SETTLE_MS);
    const rows = await this.deps.db.forInstance('the period-end sweep reads every brand’s subscriptions set to end').find(
      Subscription,
      { cancelAtPeriodEnd: true, status: { $ne: 'canceled' }, currentPeriodEnd: { $lte: cutoff } },
      { fields: ['id', 'brand', 'client', 'provider', 'providerSubscriptionId'] },
    );
    let ended = 0;
    let failed = 0;
    for (const row of rows) {
      const ctx: TenantContext = { brandId: row.brand.id, clientId: null, locale: 'en', requestId: 'billing.period_end.sweep' };
      try {
        if (await this.end(ctx, row.id)) ended++;
      } catch (err) {
        failed++;
        this.deps.logger.error({ err, subscriptionId: row.id }, 'could not end a subscription at its period end; the next sweep tries again');
      }
    }
    return { checked: rows.length, ended, failed };
  }

  /** Ends one subscription whose paid period is over; false when there was nothing (left) to do. */
  async end(ctx: TenantContext, subscriptionId: string): Promise<boolean> {
    const em = this.deps.db.forTenant(ctx);
    const sub = await em.findOne(Subscription, { id: subscriptionId });
    if (!sub || sub.status === 'canceled' || !sub.cancelAtPeriodEnd) return false;
    if (sub.providerSubscriptionId) {
      const provider = await this.deps.resolveProvider(ctx, sub.provider);
      await provider.cancel(ctx, { providerSubscriptionId: sub.providerSubscriptionId, atPeriodEnd: false, reason: 'paid period ended' });
    }
    const result: TransitionResult | null = await this.deps.db.forTenant(ctx).transactional(async (tx) => {
      const locked = await tx.findOne(Subscription, { id: subscriptionId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!locked || locked.status === 'canceled' || !locked.cancelAtPeriodEnd) return null;
      return transitionSubscription(tx, locked, 'canceled', { cause: 'period_end', causeRef: locked.currentPeriodEnd?.toISOString() ?? null, at: this.clock() });
    });
    if (result && this.deps.events) await publishTransitions(this.deps.events, ctx.brandId, [result], this.deps.logger);
    return result !== null;
  }
}
