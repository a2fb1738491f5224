import { InMemoryTenantPluginConfigSource, PluginRegistry, type DomainEvent } from '@tero/core';
import type { Database } from '@tero/db';
import type { PaymentEvent, PaymentFailedEvent, PaymentSucceededEvent, RefundSucceededEvent, TenantContext } from '@tero/sdk';
import pino from 'pino';
import type { BillingEventPublisher } from '../../billing-events';
import type { PaymentEffects } from '../../payment-effects';
import { PlansService } from '../../plans/plans.service';
import { PaymentWebhookService } from '../../webhooks/payment-webhook.service';
import { PaymentProviders } from '../payment-providers';
import { SubscriptionsService } from '../subscriptions.service';
import { seedBrand, seedClient } from './billing-fixtures';
import { FakePaymentVendor, fakePaymentPlugin, loadedPlugins } from './fake-payment-provider';

/** Test support: billing's services wired as the kernel wires them, on a test database, with two fake vendors. */

export const STRIPE = 'payment-stripe';
export const PAYPAL = 'payment-paypal';

/** Keeps what was published, in order. */
export class RecordingPublisher implements BillingEventPublisher {
  readonly published: DomainEvent[] = [];
  async publish<P>(event: DomainEvent<P>) {
    this.published.push(event as DomainEvent);
    return { ...event, id: String(this.published.length), at: new Date().toISOString() };
  }
  types(): string[] {
    return this.published.map((e) => e.type);
  }
}

type EffectCall =
  | { kind: 'paymentSucceeded'; ctx: TenantContext; subscriptionId: string; provider: string; event: PaymentSucceededEvent }
  | { kind: 'paymentFailed'; ctx: TenantContext; subscriptionId: string; provider: string; event: PaymentFailedEvent }
  | { kind: 'refundSucceeded'; ctx: TenantContext; subscriptionId: string | null; provider: string; event: RefundSucceededEvent };

/** Invoices and dunning as the webhook sees them: what it was asked to do, and a failure on demand. */
export class RecordingEffects implements PaymentEffects {
  readonly calls: EffectCall[] = [];
  private failures = 0;

  /** The next `count` calls throw (the effects' store is down). */
  failNext(count = 1): void {
    this.failures = count;
  }

  private take(call: EffectCall): void {
    this.calls.push(call);
    if (this.failures > 0) {
      this.failures--;
      throw new Error('invoice store unavailable');
    }
  }

  async paymentSucceeded(ctx: TenantContext, input: { subscriptionId: string; provider: string; event: PaymentSucceededEvent }): Promise<void> {
    this.take({ kind: 'paymentSucceeded', ctx, ...input });
  }
  async paymentFailed(ctx: TenantContext, input: { subscriptionId: string; provider: string; event: PaymentFailedEvent }): Promise<void> {
    this.take({ kind: 'paymentFailed', ctx, ...input });
  }
  async refundSucceeded(ctx: TenantContext, input: { subscriptionId: string | null; provider: string; event: RefundSucceededEvent }): Promise<void> {
    this.take({ kind: 'refundSucceeded', ctx, ...input });
  }

  kinds(): string[] {
    return this.calls.map((c) => c.kind);
  }
}

export const WEBHOOK_SECRETS = { [STRIPE]: 'whsec_stripe_brand', [PAYPAL]: 'paypal-webhook-secret' } as const;

/** A clock tests move by hand. */
export class ManualClock {
  constructor(private current: Date) {}
  readonly now = (): Date => new Date(this.current);
  advanceDays(days: number): void {
    this.current = new Date(this.current.getTime() + days * 86_400_000);
  }
  set(at: Date): void {
    this.current = new Date(at);
  }
}

export function createBillingHarness(db: Database, options: { start?: Date } = {}) {
  const clock = new ManualClock(options.start ?? new Date('2026-11-02T15:00:00Z'));
  const vendors = { [STRIPE]: new FakePaymentVendor('st', clock.now), [PAYPAL]: new FakePaymentVendor('pp', clock.now) };
  const plugins = loadedPlugins(fakePaymentPlugin(STRIPE, vendors[STRIPE]), fakePaymentPlugin(PAYPAL, vendors[PAYPAL]));
  const settings = new InMemoryTenantPluginConfigSource();
  const registry = new PluginRegistry(plugins, settings);
  const providers = new PaymentProviders({ registry, plugins, settings });
  const events = new RecordingPublisher();
  const effects = new RecordingEffects();
  const logger = pino({ level: 'silent' });
  const plans = new PlansService(db);
  const subscriptions = new SubscriptionsService({ db, providers, events, logger, clock: clock.now });
  const webhooks = new PaymentWebhookService({ db, providers, effects, events, logger, clock: clock.now });

  /** A brand with both providers configured, its plans, and a client with an owner. */
  async function brandWithClient(options: { providers?: string[]; currency?: string; billingSettings?: Record<string, unknown> } = {}) {
    const { brand, brandCtx } = await seedBrand(db, { currency: options.currency, billingSettings: options.billingSettings ?? null });
    for (const pluginId of options.providers ?? [STRIPE, PAYPAL]) {
      settings.set({ brandId: brand.id }, pluginId, { apiKey: `key-${pluginId}`, webhookSecret: WEBHOOK_SECRETS[pluginId as keyof typeof WEBHOOK_SECRETS] });
    }
    const brandPlans = await plans.list(brandCtx);
    const { client, owner, ctx } = await seedClient(db, brand);
    const plan = (code: string) => brandPlans.find((p) => p.code === code)!;
    return { brand, brandCtx, client, owner, ctx, plan };
  }

  /** Delivers vendor events to the webhook as the vendor would: signed, in one request. */
  function deliver(brandSlug: string, provider: typeof STRIPE | typeof PAYPAL, events: PaymentEvent[], secret: string = WEBHOOK_SECRETS[provider]) {
    const delivery = vendors[provider].deliver(secret, events);
    return webhooks.receive({ provider, brandSlug, rawBody: delivery.rawBody, headers: delivery.headers });
  }

  return { clock, vendors, plugins, settings, registry, providers, events, effects, plans, subscriptions, webhooks, brandWithClient, deliver };
}

export type BillingHarness = ReturnType<typeof createBillingHarness>;
