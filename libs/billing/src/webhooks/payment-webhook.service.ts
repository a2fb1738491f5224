import { type EntityManager, FlushMode } from '@mikro-orm/core';
import { Brand, Client, type Database, PaymentEvent as PaymentEventRow, Subscription } from '@tero/db';
import { PAYMENT_ERRORS, TeroError, type PaymentEvent, type PaymentProvider, type TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import { type BillingEventPublisher, publishTransitions } from '../billing-events';
import { brandNotFound, webhookRetry } from '../billing-errors';
import { isUniqueViolation, isUuid, lockingRoot } from '../db-utils';
import type { PaymentEffects } from '../payment-effects';
import { asProviderUnavailable, type PaymentProviders } from '../subscriptions/payment-providers';
import { canTransition, statusFromVendor } from '../subscriptions/subscription-state';
import { type TransitionResult, noteSubscriptionChange, transitionSubscription } from '../subscriptions/subscription-transitions';

/** A payment webhook request as the route received it. */
export interface PaymentWebhookReceipt {
  /** Plugin id: `payment-stripe`. */
  provider: string;
  /** The brand's slug from the URL: `/hooks/payments/stripe/<brand>`. */
  brandSlug: string;
  rawBody: Buffer;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
}

/**
 * What became of one event. `applied`: matched and applied (or passed on to invoices and dunning);
 * `duplicate`: received before; `stale`: older than the state already applied; `unmatched`: about no
 * subscription of ours; `ignored`: a type we do not act on, or one that changes nothing in its state.
 */
export type PaymentEventOutcome = 'applied' | 'duplicate' | 'stale' | 'unmatched' | 'ignored';

/** The answer to a delivery (the route answers 200 with it). */
export interface PaymentWebhookSummary {
  /** Events the delivery carried (the route adds `received: true`). */
  events: number;
  applied: number;
  duplicates: number;
  ignored: number;
  stale: number;
  unmatched: number;
}

export interface PaymentWebhookDeps {
  db: Database;
  providers: PaymentProviders;
  /** Invoices and dunning (libs/billing invoices, dunning). */
  effects: PaymentEffects;
  events: BillingEventPublisher;
  logger: Logger;
  clock?: () => Date;
}

/** A vendor call to make after the commit: the end of a subscription another took over from. */
interface VendorCancel {
  subscriptionId: string;
  provider: string;
  providerSubscriptionId: string;
  atPeriodEnd: boolean;
  reason: string;
}

/**
 * What follows an event once its state is committed, kept with the event (`payload.followUp`) while it
 * is under way (`outcome: 'pending'`): a redelivery of the same event finds it there and runs it again
 * if it did not finish (a vendor down, a crash), which is why every step is idempotent.
 */
interface FollowUp {
  clientId: string | null;
  subscriptionId: string | null;
  transitions: TransitionResult[];
  cancels: VendorCancel[];
  effect: 'paymentSucceeded' | 'paymentFailed' | 'refundSucceeded' | null;
}

interface Applied {
  outcome: Exclude<PaymentEventOutcome, 'duplicate'>;
  followUp: FollowUp | null;
  /** The matched subscription's client, kept on the inbox row. */
  clientId?: string | null;
}

/** The outcome stored while an event's follow-up is under way. */
const PENDING = 'pending';
const IN_FORCE = ['trialing', 'active', 'past_due', 'suspended'] as const;

/**
 * Payment webhooks: verified by the brand's provider, kept once per (brand, provider, event id) in the
 * `payment_events` inbox, and applied to the matching subscription in the same transaction, so the same
 * event twice has the effect of once. Events arriving out of order are tolerated: a payment before the
 * checkout's completion matches by our reference and activates; a subscription state older than one
 * already applied is ignored (`lastVendorEventAt`). After the commit: vendor calls a switch needs (the
 * old subscription ends at its period's end), invoices and dunning ({@link PaymentEffects}), and the
 * events on the bus. A follow-up that fails answers 503 so that the vendor delivers again.
 */
export class PaymentWebhookService {
  private readonly clock: () => Date;

  constructor(private readonly deps: PaymentWebhookDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  async receive(receipt: PaymentWebhookReceipt): Promise<PaymentWebhookSummary> {
    const brand = /^[a-z0-9][a-z0-9-]{0,62}$/.test(receipt.brandSlug)
      ? await this.deps.db.forInstance('payment webhook: the brand named in its URL').findOne(Brand, { slug: receipt.brandSlug })
      : null;
    if (!brand) throw brandNotFound(receipt.brandSlug);
    const ctx: TenantContext = { brandId: brand.id, clientId: null, locale: brand.defaultLocale };
    const provider = await this.deps.providers.forBrand(ctx, receipt.provider, 404);
    let events: PaymentEvent[];
    try {
      events = await provider.parseWebhook(ctx, { rawBody: receipt.rawBody, headers: receipt.headers });
    } catch (error) {
      if (error instanceof TeroError && error.code === PAYMENT_ERRORS.signatureInvalid) {
        // Thrown as the plugin raised it (a 400), whatever status it carried: nothing was written.
        throw error.options.status === 400 ? error : new TeroError(error.code, error.message, error.params, { ...error.options, status: 400 });
      }
      throw asProviderUnavailable(error, receipt.provider, 404);
    }

    const summary: PaymentWebhookSummary = { events: events.length, applied: 0, duplicates: 0, ignored: 0, stale: 0, unmatched: 0 };
    for (const event of events) {
      const outcome = await this.handle(ctx, receipt.provider, provider, event);
      if (outcome === 'applied') summary.applied++;
      else if (outcome === 'duplicate') summary.duplicates++;
      else if (outcome === 'ignored') summary.ignored++;
      else if (outcome === 'stale') summary.stale++;
      else summary.unmatched++;
    }
    return summary;
  }

  /** One event: into the inbox and applied in one transaction, then its follow-up. */
  private async handle(ctx: TenantContext, providerId: string, provider: PaymentProvider, event: PaymentEvent): Promise<PaymentEventOutcome> {
    const em = this.deps.db.forTenant(ctx);
    let applied: Applied;
    try {
      applied = await em.transactional(async (tx) => {
        const row = tx.create(PaymentEventRow, {
          brand: tx.getReference(Brand, ctx.brandId),
          provider: providerId,
          eventId: event.eventId.slice(0, 255),
          type: event.type,
          vendorType: event.vendorType.slice(0, 100),
          occurredAt: event.occurredAt,
          receivedAt: this.clock(),
          outcome: PENDING,
          payload: { event: event as unknown as Record<string, unknown> },
        });
        // The inbox's unique key (brand, provider, event id) refuses a repeated event here, before any effect.
        await tx.flush();
        const result = await this.apply(tx, providerId, event);
        const clientId = result.clientId ?? result.followUp?.clientId ?? null;
        row.client = clientId ? tx.getReference(Client, clientId) : null;
        row.outcome = result.followUp ? PENDING : result.outcome;
        row.payload = { event: event as unknown as Record<string, unknown>, outcome: result.outcome, followUp: result.followUp as unknown as Record<string, unknown> | null };
        return result;
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const seen = await this.deps.db.forTenant(ctx).findOne(PaymentEventRow, { provider: providerId, eventId: event.eventId.slice(0, 255) });
      if (!seen || seen.outcome !== PENDING) return 'duplicate';
      // Received before, but what followed did not finish: run it again.
      const payload = seen.payload as { outcome?: Applied['outcome']; followUp?: FollowUp | null };
      applied = { outcome: payload.outcome ?? 'applied', followUp: payload.followUp ?? null };
    }
    if (applied.followUp) await this.followUp(ctx, providerId, provider, event, applied);
    this.log(providerId, event, applied.outcome);
    return applied.outcome;
  }

  /** Matches the event to a subscription (ours by reference, else the vendor's id) and applies it. */
  private async apply(tx: EntityManager, providerId: string, event: PaymentEvent): Promise<Applied> {
    if (event.type === 'unknown') return { outcome: 'ignored', followUp: null };
    const subscription = await this.match(tx, providerId, event);
    if (!subscription) {
      if (event.type === 'refund.succeeded') return { outcome: 'applied', followUp: followUpOf(null, 'refundSucceeded') };
      return { outcome: 'unmatched', followUp: null };
    }
    return { ...(await this.applyTo(tx, subscription, event)), clientId: subscription.client.id };
  }

  private async applyTo(tx: EntityManager, subscription: Subscription, event: Exclude<PaymentEvent, { type: 'unknown' }>): Promise<Applied> {
    this.adoptVendorIds(subscription, event);
    const why = { cause: `webhook:${event.type}`, causeRef: event.eventId, at: event.occurredAt };
    const stale = !!subscription.lastVendorEventAt && event.occurredAt < subscription.lastVendorEventAt;
    const followUp = followUpOf(subscription, null);
    const seen = () => {
      if (!subscription.lastVendorEventAt || event.occurredAt > subscription.lastVendorEventAt) subscription.lastVendorEventAt = event.occurredAt;
    };

    switch (event.type) {
      case 'checkout.completed': {
        // A completed checkout is a fact whatever arrived before it: never stale.
        if (subscription.status === 'canceled') {
          this.endAtVendor(followUp, subscription, false, 'checkout of a closed subscription');
        } else if (subscription.status === 'incomplete') {
          await this.start(tx, subscription, this.startingStatus(subscription), why, followUp);
        }
        await this.takeOver(tx, subscription, followUp);
        return { outcome: 'applied', followUp };
      }
      case 'payment.succeeded': {
        followUp.effect = 'paymentSucceeded';
        if (event.purpose === 'subscription' && !stale) {
          if (subscription.status === 'incomplete') await this.start(tx, subscription, 'active', why, followUp);
          else if (subscription.status !== 'canceled' && subscription.status !== 'active') followUp.transitions.push(...nonNull(await transitionSubscription(tx, subscription, 'active', why)));
          if (event.periodEnd && (!subscription.currentPeriodEnd || event.periodEnd >= subscription.currentPeriodEnd)) {
            subscription.currentPeriodEnd = event.periodEnd;
            if (event.periodStart) subscription.currentPeriodStart = event.periodStart;
          }
          seen();
          await this.takeOver(tx, subscription, followUp);
        }
        return { outcome: 'applied', followUp };
      }
      case 'payment.failed': {
        if (event.purpose === 'one_time') return { outcome: 'applied', followUp: { ...followUp, effect: 'paymentFailed' } };
        if (stale) return { outcome: 'stale', followUp: null };
        // A first charge failing while the customer is still at the vendor's checkout, or a subscription already ended: no dunning.
        if (subscription.status === 'incomplete' || subscription.status === 'canceled') return { outcome: 'ignored', followUp: null };
        if (subscription.status === 'trialing' || subscription.status === 'active') followUp.transitions.push(...nonNull(await transitionSubscription(tx, subscription, 'past_due', why)));
        seen();
        followUp.effect = 'paymentFailed';
        return { outcome: 'applied', followUp };
      }
      case 'subscription.updated': {
        if (stale) return { outcome: 'stale', followUp: null };
        const state = event.state;
        const to = statusFromVendor(subscription.status, state.status);
        if (subscription.status === 'incomplete' && (to === 'trialing' || to === 'active')) await this.start(tx, subscription, to, why, followUp);
        else if (to !== subscription.status && canTransition(subscription.status, to)) followUp.transitions.push(...nonNull(await transitionSubscription(tx, subscription, to, why)));
        else if (to !== subscription.status) this.deps.logger.warn({ subscriptionId: subscription.id, from: subscription.status, vendor: state.status, eventId: event.eventId }, 'vendor state not applicable; kept ours');
        if (state.currentPeriodStart) subscription.currentPeriodStart = state.currentPeriodStart;
        if (state.currentPeriodEnd) subscription.currentPeriodEnd = state.currentPeriodEnd;
        subscription.cancelAtPeriodEnd = state.cancelAtPeriodEnd;
        if (state.providerPriceId) subscription.providerPriceId = state.providerPriceId;
        seen();
        await this.takeOver(tx, subscription, followUp);
        return { outcome: 'applied', followUp: followUp.transitions.length || followUp.cancels.length ? followUp : null };
      }
      case 'subscription.canceled': {
        // The end is final at the vendor: applied whatever its age.
        if (subscription.status !== 'canceled') followUp.transitions.push(...nonNull(await transitionSubscription(tx, subscription, 'canceled', { ...why, at: event.canceledAt })));
        seen();
        return { outcome: 'applied', followUp: followUp.transitions.length ? followUp : null };
      }
      case 'refund.succeeded':
        return { outcome: 'applied', followUp: { ...followUp, effect: 'refundSucceeded' } };
    }
  }

  /**
   * Starts an `incomplete` subscription (`trialing` or `active`), unless the client already has another
   * in force that this one does not replace: a second checkout finished in another tab. That one is
   * ended at once at its vendor and here, so that the client pays one subscription. Checkouts of the
   * client never finished are closed.
   */
  private async start(tx: EntityManager, subscription: Subscription, to: 'trialing' | 'active', why: { cause: string; causeRef: string; at: Date }, followUp: FollowUp): Promise<void> {
    const siblings = await tx.find(Subscription, { client: subscription.client.id, id: { $ne: subscription.id } }, { flushMode: FlushMode.COMMIT });
    const rival = siblings.find((s) => (IN_FORCE as readonly string[]).includes(s.status) && s.id !== subscription.replacesId && s.replacesId !== subscription.id);
    if (rival) {
      this.deps.logger.warn({ subscriptionId: subscription.id, inForce: rival.id }, 'a second checkout finished while another subscription is in force; ending it');
      followUp.transitions.push(...nonNull(await transitionSubscription(tx, subscription, 'canceled', { ...why, cause: `${why.cause}:duplicate` })));
      this.endAtVendor(followUp, subscription, false, 'duplicate checkout');
      return;
    }
    followUp.transitions.push(...nonNull(await transitionSubscription(tx, subscription, to, why)));
    for (const other of siblings.filter((s) => s.status === 'incomplete' && (s.replacesId ?? null) === (subscription.replacesId ?? null))) {
      const locked = await this.lock(tx, other.id);
      if (locked.status === 'incomplete') followUp.transitions.push(...nonNull(await transitionSubscription(tx, locked, 'canceled', { ...why, cause: 'checkout:superseded' })));
    }
  }

  /**
   * A subscription that replaces another (a switch of provider) took over once the customer finished
   * its checkout: the old one ends at its period's end, at its own provider, which is when this one
   * charges first; until then the old one stays in force.
   */
  private async takeOver(tx: EntityManager, subscription: Subscription, followUp: FollowUp): Promise<void> {
    if (!subscription.replacesId || (subscription.status !== 'trialing' && subscription.status !== 'active')) return;
    const old = await tx.findOne(Subscription, { id: subscription.replacesId }, lockingRoot('s0'));
    if (!old || old.status === 'canceled' || old.cancelAtPeriodEnd) return;
    old.cancelAtPeriodEnd = true;
    noteSubscriptionChange(tx, old, { cause: 'switch:replaced', causeRef: subscription.id });
    this.endAtVendor(followUp, old, true, 'switched provider');
  }

  private endAtVendor(followUp: FollowUp, subscription: Subscription, atPeriodEnd: boolean, reason: string): void {
    if (!subscription.providerSubscriptionId) return;
    followUp.cancels.push({ subscriptionId: subscription.id, provider: subscription.provider, providerSubscriptionId: subscription.providerSubscriptionId, atPeriodEnd, reason });
  }

  /** `trialing` while the first charge is still ahead (a trial, a switch waiting for the old period's end). */
  private startingStatus(subscription: Subscription): 'trialing' | 'active' {
    const first = subscription.startsAt ?? subscription.trialEndsAt;
    return first && first > this.clock() ? 'trialing' : 'active';
  }

  /** Our subscription the event is about, locked (its client first, as every billing change locks), or null. */
  private async match(tx: EntityManager, providerId: string, event: PaymentEvent): Promise<Subscription | null> {
    const byReference = isUuid(event.reference) ? await tx.findOne(Subscription, { id: event.reference.toLowerCase(), provider: providerId }) : null;
    const found =
      byReference ??
      (event.providerSubscriptionId ? await tx.findOne(Subscription, { provider: providerId, providerSubscriptionId: event.providerSubscriptionId }) : null);
    if (!found) return null;
    await tx.findOneOrFail(Client, { id: found.client.id }, lockingRoot('c0'));
    return this.lock(tx, found.id);
  }

  private lock(tx: EntityManager, id: string): Promise<Subscription> {
    return tx.findOneOrFail(Subscription, { id }, lockingRoot('s0'));
  }

  /** The vendor's ids we learn from its events (a payment may bring them before the checkout's completion). */
  private adoptVendorIds(subscription: Subscription, event: PaymentEvent): void {
    const vendorId = event.type === 'subscription.updated' ? event.state.providerSubscriptionId : event.providerSubscriptionId;
    if (vendorId && !subscription.providerSubscriptionId) subscription.providerSubscriptionId = vendorId;
    else if (vendorId && subscription.providerSubscriptionId !== vendorId) {
      this.deps.logger.warn({ subscriptionId: subscription.id, ours: subscription.providerSubscriptionId, event: vendorId }, 'event names another vendor subscription than ours');
    }
    if (event.providerCustomerId && !subscription.providerCustomerId) subscription.providerCustomerId = event.providerCustomerId;
    if (event.type === 'checkout.completed' && !subscription.providerCheckoutId) subscription.providerCheckoutId = event.providerCheckoutId;
  }

  /** Vendor calls, then invoices and dunning, then the bus; the inbox row is marked done at the end. */
  private async followUp(ctx: TenantContext, providerId: string, provider: PaymentProvider, event: PaymentEvent, applied: Applied): Promise<void> {
    const followUp = applied.followUp!;
    try {
      for (const cancel of followUp.cancels) {
        const vendor = cancel.provider === providerId ? provider : await this.deps.providers.forBrand(ctx, cancel.provider);
        await vendor.cancel(ctx, { providerSubscriptionId: cancel.providerSubscriptionId, atPeriodEnd: cancel.atPeriodEnd, reason: cancel.reason });
      }
      if (followUp.effect) {
        const clientCtx = await this.clientContext(ctx, followUp.clientId);
        const input = { subscriptionId: followUp.subscriptionId, provider: providerId };
        if (followUp.effect === 'paymentSucceeded' && event.type === 'payment.succeeded') await this.deps.effects.paymentSucceeded(clientCtx, { ...input, subscriptionId: input.subscriptionId!, event });
        else if (followUp.effect === 'paymentFailed' && event.type === 'payment.failed') await this.deps.effects.paymentFailed(clientCtx, { ...input, subscriptionId: input.subscriptionId!, event });
        else if (followUp.effect === 'refundSucceeded' && event.type === 'refund.succeeded') await this.deps.effects.refundSucceeded(clientCtx, { ...input, event });
      }
    } catch (error) {
      this.deps.logger.error({ err: error, eventId: event.eventId, provider: providerId }, 'payment event follow-up failed; the vendor will deliver it again');
      throw webhookRetry(event.eventId, error);
    }
    await publishTransitions(this.deps.events, ctx.brandId, followUp.transitions, this.deps.logger);
    await this.deps.db
      .forTenant(ctx)
      .nativeUpdate(PaymentEventRow, { provider: providerId, eventId: event.eventId.slice(0, 255), outcome: PENDING }, { outcome: applied.outcome, updatedAt: new Date() });
  }

  /** The brand and the subscription's client, in the client's language. */
  private async clientContext(ctx: TenantContext, clientId: string | null): Promise<TenantContext> {
    if (!clientId) return ctx;
    const client = await this.deps.db.forTenant({ ...ctx, clientId }).findOne(Client, { id: clientId });
    return { brandId: ctx.brandId, clientId, locale: client?.locale ?? ctx.locale, requestId: ctx.requestId };
  }

  private log(providerId: string, event: PaymentEvent, outcome: PaymentEventOutcome): void {
    const line = { provider: providerId, eventId: event.eventId, type: event.type, vendorType: event.vendorType, outcome };
    if (outcome === 'unmatched') this.deps.logger.warn(line, 'payment event about no subscription of ours');
    else if (event.type === 'unknown') this.deps.logger.info(line, 'payment event of a type we do not act on');
    else this.deps.logger.debug(line, 'payment event');
  }
}

function followUpOf(subscription: Subscription | null, effect: FollowUp['effect']): FollowUp {
  return { clientId: subscription?.client.id ?? null, subscriptionId: subscription?.id ?? null, transitions: [], cancels: [], effect };
}

function nonNull<T>(value: T | null): T[] {
  return value === null ? [] : [value];
}
