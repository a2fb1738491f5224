import type { EntityManager } from '@mikro-orm/core';
import { parseInput } from '@tero/accounts';
import { Brand, Client, type Database, Plan, Subscription, SubscriptionTransition, User, type BillingInterval } from '@tero/db';
import type { PaymentPrice, PaymentProvider, TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import { type BillingEventPublisher, publishTransitions } from '../billing-events';
import {
  clientNotFound,
  currencyMismatch,
  noBillingContact,
  noSubscription,
  planInactive,
  planNotFound,
  providerUnavailable,
  sameProvider,
  subscriptionExists,
  subscriptionNotChangeable,
  switchPending,
} from '../billing-errors';
import { lockingRoot, uuidOrNil } from '../db-utils';
import { priceFor, pricedAt } from '../plans/plan-pricing';
import { brandBillingSettings, type BrandBillingSettings } from '../settings/brand-billing-settings';
import { asProviderUnavailable, type PaymentProviders } from './payment-providers';
import {
  cancelSchema,
  changePlanSchema,
  portalSchema,
  startCheckoutSchema,
  switchProviderSchema,
  type CancelSubscriptionInput,
  type ChangePlanInput,
  type PortalInput,
  type StartCheckoutInput,
  type SwitchProviderInput,
} from './subscription.schemas';
import { type TransitionResult, noteSubscriptionChange, noteSubscriptionCreated, transitionSubscription } from './subscription-transitions';
import { type SubscriptionView, inForce, subscriptionView } from './subscription-view';

export interface SubscriptionsDeps {
  db: Database;
  providers: PaymentProviders;
  /** The core event bus: transitions made here (a cancellation) are published after they commit. */
  events: BillingEventPublisher;
  logger?: Logger;
  /** The time subscriptions start and trials end from; the real time when absent. */
  clock?: () => Date;
}

/** A checkout started: send the customer's browser to `redirectUrl`. */
export interface CheckoutStarted {
  subscriptionId: string;
  provider: string;
  redirectUrl: string;
  /** Charged per interval, tax included. */
  amountMinor: number;
  currency: string;
  /** The free trial's end (a first subscription of a plan with trial days), when nothing is charged before. */
  trialEndsAt: Date | null;
  /** When the first charge happens: the trial's end, or the old subscription's period end for a switch; null: at once. */
  startsAt: Date | null;
}

/** One row of a client's billing history. */
export interface SubscriptionHistoryEntry {
  at: Date;
  subscriptionId: string;
  from: string | null;
  to: string;
  cause: string;
  causeRef: string | null;
}

/** A client of the brand with its subscription in force, for the brand admin's list. */
export interface ClientBillingState {
  clientId: string;
  clientName: string;
  clientStatus: Client['status'];
  subscription: SubscriptionView | null;
}

const DAY_MS = 86_400_000;

interface ClientScope {
  em: EntityManager;
  client: Client;
  brand: Brand;
  settings: BrandBillingSettings;
}

/**
 * A client's subscription, from checkout to cancellation. The vendor is the source of truth of what was
 * paid: this service starts things at the vendor (a checkout, a plan change, a cancellation, a switch)
 * and records what it asked for; the payment webhooks then move the subscription's status. A brand admin
 * (context without a client) may act for any of the brand's clients; a client's own context only for itself.
 *
 * Races: work on one client's subscriptions locks the client row (PostgreSQL; SQLite runs one writer at a
 * time), so two checkouts started at once cannot both create a subscription in force.
 */
export class SubscriptionsService {
  private readonly clock: () => Date;

  constructor(private readonly deps: SubscriptionsDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /**
   * Starts a subscription: the row (`incomplete`, amount and currency frozen), then the vendor's price and
   * checkout, whose reference is the subscription's id. A first subscription of a plan with trial days
   * starts with the trial (nothing charged before its end). A client with a subscription in force is
   * refused (change its plan or switch its provider instead); checkouts never finished do not count, and
   * the first of them the customer finishes wins (the webhook ends the others).
   */
  async startCheckout(ctx: TenantContext, input: StartCheckoutInput): Promise<CheckoutStarted> {
    const q = parseInput(startCheckoutSchema, input);
    const scope = await this.clientScope(ctx, q.clientId);
    const plan = await this.sellablePlan(scope, q.planId);
    const providerId = await this.chooseProvider(ctx, q.provider ?? null, scope.settings);
    const provider = await this.deps.providers.forBrand(ctx, providerId);
    const contact = await this.billingContact(scope, ctx.userId ?? null);
    const price = priceFor(plan, q.interval, scope.settings);
    const now = this.clock();

    const subscription = await scope.em.fork().transactional(async (tx) => {
      const subscriptions = await this.lockedSubscriptions(tx, scope.client.id);
      const { current } = inForce(subscriptions);
      if (current && current.status !== 'incomplete') throw subscriptionExists(current.status);
      const trialed = (await tx.count(SubscriptionTransition, { client: scope.client.id, toStatus: { $in: ['trialing', 'active'] } })) > 0;
      const trialEndsAt = !trialed && plan.trialDays > 0 ? new Date(now.getTime() + plan.trialDays * DAY_MS) : null;
      // References, not the entities read outside this transaction (its unit of work would take them for new rows).
      const created = tx.create(Subscription, {
        brand: tx.getReference(Brand, scope.brand.id),
        client: tx.getReference(Client, scope.client.id),
        plan: tx.getReference(Plan, plan.id),
        interval: q.interval,
        status: 'incomplete',
        provider: providerId,
        providerCustomerId: customerIdAt(subscriptions, providerId),
        amountMinor: price.amountMinor,
        currency: price.currency,
        trialEndsAt,
        startsAt: trialEndsAt,
      });
      noteSubscriptionCreated(tx, created, { cause: `${this.actor(ctx)}:checkout`, causeRef: ctx.userId ?? null, at: now });
      return created;
    });

    return this.openCheckout(ctx, scope, subscription, provider, price, contact, q);
  }

  /**
   * Moves the subscription in force to another plan or interval, pro-rated by the vendor for the rest of
   * the period. The new amount applies from now on; the change is kept in the history.
   */
  async changePlan(ctx: TenantContext, input: ChangePlanInput): Promise<SubscriptionView> {
    const q = parseInput(changePlanSchema, input);
    const scope = await this.clientScope(ctx, q.clientId);
    const { current, pending } = inForce(await this.subscriptionsOf(scope.em, scope.client.id));
    if (!current) throw noSubscription(scope.client.id);
    if (current.status !== 'active' && current.status !== 'trialing') throw subscriptionNotChangeable('change the plan of', current.status);
    if (pending) throw switchPending(pending.provider);
    if (!current.providerSubscriptionId) throw subscriptionNotChangeable('change the plan of', 'not yet confirmed by its provider');
    const interval: BillingInterval = q.interval ?? current.interval;
    const plan = await this.sellablePlan(scope, q.planId);
    if (plan.id === current.plan.id && interval === current.interval) return subscriptionView(current, null);

    const provider = await this.deps.providers.forBrand(ctx, current.provider);
    const price = priceFor(plan, interval, scope.settings);
    const state = await this.vendor(current.provider, async () => {
      const ref = await provider.ensurePrice(ctx, price);
      return provider.changePrice(ctx, { providerSubscriptionId: current.providerSubscriptionId!, price: ref, prorate: true });
    });

    await scope.em.fork().transactional(async (tx) => {
      await this.lockClient(tx, scope.client.id);
      const subscription = await this.lockSubscription(tx, current.id);
      const from = `${current.plan.code}/${current.interval}`;
      subscription.plan = tx.getReference(Plan, plan.id);
      subscription.interval = interval;
      subscription.amountMinor = price.amountMinor;
      subscription.currency = price.currency;
      subscription.providerPriceId = state.providerPriceId ?? subscription.providerPriceId ?? null;
      if (state.currentPeriodStart) subscription.currentPeriodStart = state.currentPeriodStart;
      if (state.currentPeriodEnd) subscription.currentPeriodEnd = state.currentPeriodEnd;
      noteSubscriptionChange(tx, subscription, {
        cause: `${this.actor(ctx)}:plan_change`,
        causeRef: `${from}>${plan.code}/${interval}${ctx.userId ? ` by ${ctx.userId}` : ''}`,
        at: this.clock(),
      });
    });
    return (await this.current(ctx, scope.client.id))!;
  }

  /**
   * Cancels the subscription in force: at the end of the paid period (the default; the client keeps
   * its service until then) or at once. A switch of provider under way is called off with it, and a
   * checkout never finished is simply closed.
   */
  async cancel(ctx: TenantContext, input: CancelSubscriptionInput): Promise<SubscriptionView> {
    const q = parseInput(cancelSchema, input);
    const scope = await this.clientScope(ctx, q.clientId);
    const subscriptions = await this.subscriptionsOf(scope.em, scope.client.id);
    const { current, pending } = inForce(subscriptions);
    if (!current) throw noSubscription(scope.client.id);
    const cause = { cause: `${this.actor(ctx)}:cancel`, causeRef: ctx.userId ?? null };
    const results: (TransitionResult | null)[] = [];

    // The switch that would have taken over: ended at once (nothing was charged through it yet).
    if (pending) results.push(await this.endAtOnce(ctx, scope, pending, cause));
    if (current.status === 'incomplete' || !current.providerSubscriptionId) {
      // Checkouts never finished: nothing to cancel at the vendor.
      for (const open of subscriptions.filter((s) => s.status === 'incomplete' && !s.replacesId)) results.push(await this.endLocally(scope, open.id, cause));
    } else if (q.atPeriodEnd && current.status !== 'canceled') {
      const provider = await this.deps.providers.forBrand(ctx, current.provider);
      const state = await this.vendor(current.provider, () => provider.cancel(ctx, { providerSubscriptionId: current.providerSubscriptionId!, atPeriodEnd: true, reason: cause.cause }));
      await scope.em.fork().transactional(async (tx) => {
        await this.lockClient(tx, scope.client.id);
        const subscription = await this.lockSubscription(tx, current.id);
        subscription.cancelAtPeriodEnd = true;
        if (state.currentPeriodEnd) subscription.currentPeriodEnd = state.currentPeriodEnd;
        noteSubscriptionChange(tx, subscription, { cause: `${cause.cause}_at_period_end`, causeRef: cause.causeRef, at: this.clock() });
      });
    } else {
      results.push(await this.endAtOnce(ctx, scope, current, cause));
    }
    await publishTransitions(this.deps.events, scope.brand.id, results, this.deps.logger);
    const after = await this.subscriptionsOf(this.clientEm(ctx, scope.client.id), scope.client.id);
    const reloaded = after.find((s) => s.id === current.id)!;
    return subscriptionView(reloaded, null);
  }

  /**
   * Moves the subscription in force to another provider without a double charge or a gap: a new
   * subscription (replacing the old one) is checked out now with its first charge when the old one's paid
   * period ends. Once the customer finished that checkout, the webhook schedules the old one's end at its
   * provider for the same date; until then the old one stays in force as it was.
   */
  async switchProvider(ctx: TenantContext, input: SwitchProviderInput): Promise<CheckoutStarted> {
    const q = parseInput(switchProviderSchema, input);
    const scope = await this.clientScope(ctx, q.clientId);
    const { current, pending } = inForce(await this.subscriptionsOf(scope.em, scope.client.id));
    if (!current) throw noSubscription(scope.client.id);
    if (current.status !== 'active' && current.status !== 'trialing') throw subscriptionNotChangeable('switch the provider of', current.status);
    if (current.provider === q.provider) throw sameProvider(q.provider);
    if (pending && pending.status !== 'incomplete') throw switchPending(pending.provider);
    const provider = await this.deps.providers.forBrand(ctx, q.provider);
    const startsAt = await this.paidUntil(ctx, current);
    const contact = await this.billingContact(scope, ctx.userId ?? null);
    // The client keeps the amount it pays: a switch changes how it pays, not what.
    const price = pricedAt(current.plan, current.interval, current.amountMinor);

    const subscription = await scope.em.fork().transactional(async (tx) => {
      const subscriptions = await this.lockedSubscriptions(tx, scope.client.id);
      const now = inForce(subscriptions);
      if (now.current?.id !== current.id || (now.current.status !== 'active' && now.current.status !== 'trialing')) {
        throw subscriptionNotChangeable('switch the provider of', now.current?.status ?? 'ended');
      }
      if (now.pending && now.pending.status !== 'incomplete') throw switchPending(now.pending.provider);
      const created = tx.create(Subscription, {
        brand: tx.getReference(Brand, scope.brand.id),
        client: tx.getReference(Client, scope.client.id),
        plan: tx.getReference(Plan, current.plan.id),
        interval: current.interval,
        status: 'incomplete',
        provider: q.provider,
        providerCustomerId: customerIdAt(subscriptions, q.provider),
        amountMinor: current.amountMinor,
        currency: current.currency,
        startsAt,
        replacesId: current.id,
      });
      noteSubscriptionCreated(tx, created, { cause: `${this.actor(ctx)}:switch_provider`, causeRef: `from ${current.provider}${ctx.userId ? ` by ${ctx.userId}` : ''}`, at: this.clock() });
      return created;
    });

    return this.openCheckout(ctx, scope, subscription, provider, price, contact, { ...q, firstChargeAt: startsAt });
  }

  /** The vendor's self-service page (payment method, receipts) for the subscription in force. */
  async portal(ctx: TenantContext, input: PortalInput): Promise<{ url: string }> {
    const q = parseInput(portalSchema, input);
    const scope = await this.clientScope(ctx, q.clientId);
    const { current } = inForce(await this.subscriptionsOf(scope.em, scope.client.id));
    if (!current || !current.providerSubscriptionId) throw noSubscription(scope.client.id);
    const provider = await this.deps.providers.forBrand(ctx, current.provider);
    return this.vendor(current.provider, () =>
      provider.openPortal(ctx, {
        providerCustomerId: current.providerCustomerId ?? null,
        providerSubscriptionId: current.providerSubscriptionId!,
        returnUrl: q.returnUrl,
        locale: ctx.locale,
      }),
    );
  }

  /** The client's subscription in force (with its plan, status, next charge and any switch under way), or null. */
  async current(ctx: TenantContext, clientId: string): Promise<SubscriptionView | null> {
    const scope = await this.clientScope(ctx, clientId);
    const { current, pending } = inForce(await this.subscriptionsOf(scope.em, scope.client.id));
    return current ? subscriptionView(current, pending) : null;
  }

  /** Every change of the client's subscriptions with its cause, newest first. */
  async history(ctx: TenantContext, clientId: string, options: { limit?: number } = {}): Promise<SubscriptionHistoryEntry[]> {
    const scope = await this.clientScope(ctx, clientId);
    const rows = await scope.em.find(
      SubscriptionTransition,
      { client: scope.client.id },
      { orderBy: { at: 'desc', createdAt: 'desc' }, limit: Math.min(Math.max(options.limit ?? 100, 1), 500) },
    );
    return rows.map((row) => ({
      at: row.at,
      subscriptionId: row.subscription.id,
      from: row.fromStatus ?? null,
      to: row.toStatus,
      cause: row.cause,
      causeRef: row.causeRef ?? null,
    }));
  }

  /** The brand's clients with their subscription in force, for the brand admin (a brand context). */
  async clientsOfBrand(ctx: TenantContext): Promise<ClientBillingState[]> {
    const em = this.deps.db.forTenant({ brandId: ctx.brandId, clientId: ctx.clientId, locale: ctx.locale });
    const clients = await em.find(Client, {}, { orderBy: { name: 'asc' } });
    const subscriptions = await em.find(Subscription, { status: { $ne: 'canceled' } }, { populate: ['plan'] });
    const byClient = new Map<string, Subscription[]>();
    for (const s of subscriptions) byClient.set(s.client.id, [...(byClient.get(s.client.id) ?? []), s]);
    return clients.map((client) => {
      const { current, pending } = inForce(byClient.get(client.id) ?? []);
      return { clientId: client.id, clientName: client.name, clientStatus: client.status, subscription: current ? subscriptionView(current, pending) : null };
    });
  }

  // ---------------------------------------------------------------------------------------------------

  /** The vendor's part of a checkout: its price, then the checkout itself; a refusal closes the row. */
  private async openCheckout(
    ctx: TenantContext,
    scope: ClientScope,
    subscription: Subscription,
    provider: PaymentProvider,
    price: PaymentPrice,
    contact: { name: string; email: string },
    urls: { successUrl: string; cancelUrl: string; firstChargeAt?: Date | null },
  ): Promise<CheckoutStarted> {
    let checkout;
    let providerPriceId: string;
    try {
      const ref = await provider.ensurePrice(ctx, price);
      providerPriceId = ref.providerPriceId;
      checkout = await provider.startCheckout(ctx, {
        customer: { clientId: scope.client.id, name: scope.client.name, email: contact.email, providerCustomerId: subscription.providerCustomerId ?? null },
        price: ref,
        reference: subscription.id,
        successUrl: urls.successUrl,
        cancelUrl: urls.cancelUrl,
        firstChargeAt: urls.firstChargeAt ?? subscription.startsAt ?? null,
        locale: ctx.locale,
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      await this.endLocally(scope, subscription.id, { cause: 'checkout:failed', causeRef: typeof code === 'string' ? code : null }).catch((cleanup: unknown) =>
        this.deps.logger?.error({ err: cleanup, subscriptionId: subscription.id }, 'failed checkout not closed'),
      );
      throw asProviderUnavailable(error, subscription.provider);
    }
    // A plain update: a webhook about this subscription may already have written other columns.
    await scope.em.fork().nativeUpdate(
      Subscription,
      { id: subscription.id },
      {
        providerCheckoutId: checkout.providerCheckoutId,
        providerPriceId,
        ...(checkout.providerSubscriptionId ? { providerSubscriptionId: checkout.providerSubscriptionId } : {}),
        updatedAt: new Date(),
      },
    );
    return {
      subscriptionId: subscription.id,
      provider: subscription.provider,
      redirectUrl: checkout.redirectUrl,
      amountMinor: subscription.amountMinor,
      currency: subscription.currency,
      trialEndsAt: subscription.trialEndsAt ?? null,
      startsAt: subscription.startsAt ?? null,
    };
  }

  /** Cancels at the vendor at once (when the vendor has it), then here. */
  private async endAtOnce(ctx: TenantContext, scope: ClientScope, subscription: Subscription, why: { cause: string; causeRef: string | null }): Promise<TransitionResult | null> {
    if (subscription.providerSubscriptionId) {
      const provider = await this.deps.providers.forBrand(ctx, subscription.provider);
      await this.vendor(subscription.provider, () => provider.cancel(ctx, { providerSubscriptionId: subscription.providerSubscriptionId!, atPeriodEnd: false, reason: why.cause }));
    }
    return this.endLocally(scope, subscription.id, why);
  }

  /** Moves a subscription to `canceled` here only (a checkout never finished, or already canceled at the vendor). */
  private async endLocally(scope: ClientScope, subscriptionId: string, why: { cause: string; causeRef: string | null }): Promise<TransitionResult | null> {
    return scope.em.fork().transactional(async (tx) => {
      await this.lockClient(tx, scope.client.id);
      const subscription = await this.lockSubscription(tx, subscriptionId);
      if (subscription.status === 'canceled') return null;
      return transitionSubscription(tx, subscription, 'canceled', { ...why, at: this.clock() });
    });
  }

  /** When the subscription in force is paid until: its trial's or period's end, asked of the vendor when not known here. */
  private async paidUntil(ctx: TenantContext, subscription: Subscription): Promise<Date> {
    const now = this.clock();
    const known = subscription.status === 'trialing' ? (subscription.trialEndsAt ?? subscription.currentPeriodEnd) : subscription.currentPeriodEnd;
    if (known && known > now) return known;
    if (subscription.providerSubscriptionId) {
      const provider = await this.deps.providers.forBrand(ctx, subscription.provider);
      const state = await this.vendor(subscription.provider, () => provider.getSubscription(ctx, subscription.providerSubscriptionId!));
      if (state.currentPeriodEnd && state.currentPeriodEnd > now) return state.currentPeriodEnd;
    }
    throw subscriptionNotChangeable('switch the provider of', 'without a known end of its paid period');
  }

  private async clientScope(ctx: TenantContext, clientId: string): Promise<ClientScope> {
    if (ctx.clientId !== null && ctx.clientId !== clientId) throw clientNotFound(clientId);
    const em = this.clientEm(ctx, uuidOrNil(clientId));
    const client = await em.findOne(Client, { id: uuidOrNil(clientId) });
    if (!client) throw clientNotFound(clientId);
    const brand = await em.findOneOrFail(Brand, { id: ctx.brandId });
    return { em, client, brand, settings: brandBillingSettings(brand.billingSettings) };
  }

  private clientEm(ctx: TenantContext, clientId: string): EntityManager {
    return this.deps.db.forTenant({ brandId: ctx.brandId, clientId, locale: ctx.locale });
  }

  /** One of the brand's plans that is for sale, in the brand's currency. */
  private async sellablePlan(scope: ClientScope, planId: string): Promise<Plan> {
    const plan = await scope.em.findOne(Plan, { id: uuidOrNil(planId) });
    if (!plan) throw planNotFound(planId);
    if (!plan.active) throw planInactive(plan);
    if (plan.currency !== scope.brand.currency) throw currencyMismatch('planId', plan.currency, scope.brand.currency);
    return plan;
  }

  /** The provider asked for, else the brand's default, else its only (first) configured one. */
  private async chooseProvider(ctx: TenantContext, requested: string | null, settings: BrandBillingSettings): Promise<string> {
    if (requested) return requested;
    if (settings.defaultProvider && (await this.deps.providers.isAvailable(ctx, settings.defaultProvider))) return settings.defaultProvider;
    const configured = (await this.deps.providers.list(ctx)).find((option) => option.configured);
    if (!configured) throw providerUnavailable('(none)', 'the brand has no payment provider configured');
    return configured.pluginId;
  }

  /** Whose e-mail the vendor gets: the signed-in user when it is one of the client's, else the client's owner. */
  private async billingContact(scope: ClientScope, userId: string | null): Promise<{ name: string; email: string }> {
    const own = userId ? await scope.em.findOne(User, { id: uuidOrNil(userId), client: scope.client.id }) : null;
    const user =
      own ??
      (await scope.em.findOne(User, { client: scope.client.id, role: 'client_owner' }, { orderBy: { createdAt: 'asc' } })) ??
      (await scope.em.findOne(User, { client: scope.client.id }, { orderBy: { createdAt: 'asc' } }));
    if (!user) throw noBillingContact(scope.client.id);
    return { name: user.name, email: user.email };
  }

  private subscriptionsOf(em: EntityManager, clientId: string): Promise<Subscription[]> {
    return em.find(Subscription, { client: clientId }, { populate: ['plan'], orderBy: { createdAt: 'desc' } });
  }

  /**
   * The client row locked (PostgreSQL), then its subscriptions: the client's billing is changed by one
   * transaction at a time. Their plans are not loaded: a client's unit of work must not hold the brand's
   * plans, which it may not write (and on SQLite a row loaded counts as changed on flush: its dates compare unequal).
   */
  private async lockedSubscriptions(tx: EntityManager, clientId: string): Promise<Subscription[]> {
    await this.lockClient(tx, clientId);
    return tx.find(Subscription, { client: clientId }, { orderBy: { createdAt: 'desc' }, refresh: true });
  }

  private async lockClient(tx: EntityManager, clientId: string): Promise<void> {
    await tx.findOneOrFail(Client, { id: clientId }, lockingRoot('c0'));
  }

  private lockSubscription(tx: EntityManager, id: string): Promise<Subscription> {
    return tx.findOneOrFail(Subscription, { id }, lockingRoot('s0'));
  }

  /** Runs a vendor call; the plugin's complaint about its settings becomes `billing.provider_unavailable`. */
  private async vendor<T>(pluginId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw asProviderUnavailable(error, pluginId);
    }
  }

  /** Who acted, as transitions record it: the client itself, or its brand's administrator. */
  private actor(ctx: TenantContext): 'client' | 'admin' {
    return ctx.clientId ? 'client' : 'admin';
  }
}

/** The vendor's customer id the client already has at a provider (from an earlier subscription there). */
function customerIdAt(subscriptions: readonly Subscription[], provider: string): string | null {
  return subscriptions.find((s) => s.provider === provider && s.providerCustomerId)?.providerCustomerId ?? null;
}
