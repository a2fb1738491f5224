import { LockMode } from '@mikro-orm/core';
import { Brand, type Database, Subscription, SubscriptionTransition } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import { type BillingEventPublisher, publishTransitions } from '../billing-events';
import { formatDay, formatMoney } from '../invoices/money-format';
import { brandBillingSettings } from '../settings/brand-billing-settings';
import { type TransitionResult, transitionSubscription } from '../subscriptions/subscription-transitions';
import { type BillingNotices, billingPageUrl } from './billing-notices';

const DAY_MS = 86_400_000;

/** What one step of dunning did for a subscription. */
export type DunningStep =
  | { action: 'none'; reason: 'not_past_due' | 'nothing_due' }
  /** The reminder of `day` is due; `sent` is false when it had been sent before. */
  | { action: 'reminded'; day: number; sent: boolean }
  /** The grace period is over: the subscription is suspended (`transition` null when it was already). */
  | { action: 'suspended'; transition: TransitionResult | null; noticeSent: boolean };

export interface DunningServiceOptions {
  events?: BillingEventPublisher;
  logger: Logger;
  clock?: () => Date;
}

/**
 * Dunning: after a failed payment (the subscription is `past_due` since `pastDueSince`), e-mails a
 * reminder on each of the brand's dunning days (day 0 at once), then, once the grace period is over,
 * suspends the subscription (the client with it: its calls are forwarded, never dropped) and says so.
 * Everything is decided from the stored state and the clock, never from timers in memory, so an hourly
 * sweep repairs whatever a restart interrupted; each e-mail is sent once (`billing_notices`). When the
 * sweep could not run on a reminder's day, only the latest reminder due is sent, not a burst of them.
 */
export class DunningService {
  private readonly clock: () => Date;

  constructor(
    private readonly db: Database,
    private readonly notices: BillingNotices,
    private readonly options: DunningServiceOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** A payment failed (the subscription was moved to `past_due`): the day-0 reminder goes out now. */
  async start(ctx: TenantContext, subscriptionId: string, details: { failureReason?: string | null } = {}): Promise<DunningStep> {
    return this.advance(ctx, subscriptionId, details);
  }

  /** Does what is due for one subscription now: the latest reminder due, or the suspension. */
  async advance(ctx: TenantContext, subscriptionId: string, details: { failureReason?: string | null } = {}): Promise<DunningStep> {
    const em = this.db.forTenant(ctx);
    const sub = await em.findOne(Subscription, { id: subscriptionId }, { populate: ['plan'] });
    if (!sub || !sub.pastDueSince || (sub.status !== 'past_due' && sub.status !== 'suspended')) return { action: 'none', reason: 'not_past_due' };
    const brand = await em.findOneOrFail(Brand, { id: sub.brand.id });
    const settings = brandBillingSettings(brand.billingSettings);
    const now = this.clock();
    const since = sub.pastDueSince;
    const elapsedDays = Math.floor((now.getTime() - since.getTime()) / DAY_MS);
    const clientId = sub.client.id;
    const amount = (locale: string) => formatMoney(sub.amountMinor, sub.currency, locale);

    if (sub.status === 'suspended' || elapsedDays >= settings.graceDays) {
      const transition = sub.status === 'past_due' ? await this.suspend(ctx, sub.id, since, now) : null;
      if (sub.status === 'past_due' && !transition) {
        // A payment came first (nothing to say), or another worker suspended it (its notice is ours to finish).
        const again = await this.db.forTenant(ctx).findOne(Subscription, { id: sub.id });
        if (again?.status !== 'suspended') return { action: 'none', reason: 'not_past_due' };
      }
      const noticeSent = await this.notices.sendOnce(ctx, { clientId, kind: 'suspended', key: `${sub.id}:${since.toISOString()}` }, ({ t, locale, brand: b, client }) => ({
        subject: t('email.suspended.subject', { brand: b.name }),
        paragraphs: [t('email.suspended.body', { amount: amount(locale), plan: sub.plan.name }), t('email.suspended.howTo')],
        action: { label: t('email.suspended.action'), url: billingPageUrl(this.notices.links, b, client) },
      }));
      return { action: 'suspended', transition, noticeSent };
    }

    const day = settings.dunningDays.filter((d) => d <= elapsedDays).at(-1);
    if (day === undefined) return { action: 'none', reason: 'nothing_due' };
    const deadline = new Date(since.getTime() + settings.graceDays * DAY_MS);
    const sent = await this.notices.sendOnce(ctx, { clientId, kind: 'dunning_reminder', key: `${sub.id}:${since.toISOString()}:day${day}` }, ({ t, locale, brand: b, client }) => ({
      subject: t(day === settings.dunningDays[0] ? 'email.dunning.subjectFirst' : 'email.dunning.subjectReminder', { brand: b.name }),
      paragraphs: [
        t('email.dunning.body', { amount: amount(locale), plan: sub.plan.name }),
        ...(details.failureReason ? [t('email.dunning.reason', { reason: details.failureReason })] : []),
        t('email.dunning.deadline', { date: formatDay(deadline, locale, client.timezone) }),
      ],
      action: { label: t('email.dunning.action'), url: billingPageUrl(this.notices.links, b, client) },
    }));
    return { action: 'reminded', day, sent };
  }

  /**
   * A payment came in (the webhook made the subscription active again): dunning stops by itself, since
   * it acts only on past-due subscriptions. When the payment lifted a suspension, the client is told its
   * agent answers again, once. True when this call sent that notice.
   */
  async end(ctx: TenantContext, subscriptionId: string): Promise<boolean> {
    const em = this.db.forTenant(ctx);
    const sub = await em.findOne(Subscription, { id: subscriptionId });
    if (!sub || (sub.status !== 'active' && sub.status !== 'trialing')) return false;
    // The move into the current status, by when we recorded it (`at` is the vendor's time, which may lag ours).
    const last = await em.findOne(SubscriptionTransition, { subscription: sub.id, toStatus: sub.status }, { orderBy: { createdAt: 'desc' } });
    if (!last || last.fromStatus !== 'suspended') return false;
    return this.notices.sendOnce(ctx, { clientId: sub.client.id, kind: 'reactivated', key: `${sub.id}:${last.id}` }, ({ t, brand: b, client }) => ({
      subject: t('email.reactivated.subject', { brand: b.name }),
      paragraphs: [t('email.reactivated.body')],
      action: { label: t('email.reactivated.action'), url: this.notices.links.clientUrl(b, client) },
    }));
  }

  /**
   * Advances every subscription in dunning, and finishes the suspension notice of recently suspended
   * ones (a crash between the suspension and its e-mail). One subscription's failure is logged; the
   * others go on.
   */
  async sweep(): Promise<{ checked: number; reminded: number; suspended: number; failed: number }> {
    const now = this.clock();
    const rows = await this.db.forInstance('the dunning sweep reads every brand’s past-due subscriptions').find(
      Subscription,
      {
        pastDueSince: { $ne: null },
        $or: [{ status: 'past_due' }, { status: 'suspended', pastDueSince: { $gte: new Date(now.getTime() - 120 * DAY_MS) } }],
      },
      { fields: ['id', 'brand', 'client', 'status'] },
    );
    let reminded = 0;
    let suspended = 0;
    let failed = 0;
    for (const row of rows) {
      const ctx: TenantContext = { brandId: row.brand.id, clientId: row.client.id, locale: 'en', requestId: 'billing.dunning.sweep' };
      try {
        const step = await this.advance(ctx, row.id);
        if (step.action === 'reminded' && step.sent) reminded++;
        if (step.action === 'suspended' && step.transition) suspended++;
      } catch (err) {
        failed++;
        this.options.logger.error({ err, subscriptionId: row.id }, 'dunning step failed; the next sweep tries again');
      }
    }
    return { checked: rows.length, reminded, suspended, failed };
  }

  /**
   * Suspends a past-due subscription whose grace period is over, holding its row meanwhile so that a
   * payment arriving at the same moment either comes first (nothing is suspended) or after (it
   * reactivates). Publishes the change once committed. Null when another worker or a payment got there first.
   */
  private async suspend(ctx: TenantContext, subscriptionId: string, since: Date, now: Date): Promise<TransitionResult | null> {
    const result = await this.db.forTenant(ctx).transactional(async (tx) => {
      const sub = await tx.findOne(Subscription, { id: subscriptionId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!sub || sub.status !== 'past_due' || sub.pastDueSince?.getTime() !== since.getTime()) return null;
      return transitionSubscription(tx, sub, 'suspended', { cause: 'dunning:grace_expired', causeRef: `past_due_since:${since.toISOString()}`, at: now });
    });
    if (result) {
      this.options.logger.info({ subscriptionId, clientId: result.clientId }, 'subscription suspended: grace period over');
      if (this.options.events) await publishTransitions(this.options.events, ctx.brandId, [result], this.options.logger);
    }
    return result;
  }
}
