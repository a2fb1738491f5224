/**
 * Integration across layers: libs/billing driven through the real payment-stripe plugin and its fake Stripe.
 * It lives under test/ because a lib must not import a plugin, not even in its specs.
 */
import 'reflect-metadata';
import { InMemoryTenantPluginConfigSource, type LoadedPlugin, PluginRegistry } from '@tero/core';
import { Client, PaymentEvent as PaymentEventRow, Subscription } from '@tero/db';
import type { PaymentCheckout, PluginManifest } from '@tero/sdk';
import Ajv2020 from 'ajv/dist/2020';
import pino from 'pino';
import stripePlugin from '../../plugins/payment-stripe/src/index';
import { FakeStripeServer } from '../../plugins/payment-stripe/src/testing';
import stripePackage from '../../plugins/payment-stripe/package.json';
import { type TestDatabase, createTestDatabase } from '../../libs/db/src/testing';
import { PlansService } from '../../libs/billing/src/plans/plans.service';
import { PaymentProviders } from '../../libs/billing/src/subscriptions/payment-providers';
import { SubscriptionsService } from '../../libs/billing/src/subscriptions/subscriptions.service';
import { seedBrand, seedClient } from '../../libs/billing/src/subscriptions/testing/billing-fixtures';
import { RecordingEffects, RecordingPublisher } from '../../libs/billing/src/subscriptions/testing/billing-harness';
import { PaymentWebhookService } from '../../libs/billing/src/webhooks/payment-webhook.service';

/**
 * Billing through the real Stripe plugin against its local fake Stripe (real API shapes, signed
 * webhooks): what a brand on Stripe gets, end to end below the HTTP layer.
 */
describe('billing through payment-stripe and its fake Stripe', () => {
  let t: TestDatabase;
  let fake: FakeStripeServer;
  let subscriptions: SubscriptionsService;
  let webhooks: PaymentWebhookService;
  let plans: PlansService;
  const effects = new RecordingEffects();
  const settings = new InMemoryTenantPluginConfigSource();

  beforeAll(async () => {
    t = await createTestDatabase('sqlite', { migrate: true });
    fake = await FakeStripeServer.start();
    const manifest = stripePackage.tero as PluginManifest;
    const loaded: LoadedPlugin = {
      manifest,
      version: stripePackage.version,
      source: 'local',
      dir: 'plugins/payment-stripe',
      definition: stripePlugin,
      instanceConfig: { apiHost: '127.0.0.1', apiPort: fake.port, apiProtocol: 'http', maxNetworkRetries: 0, timeoutMs: 5000 },
      tenantValidator: new Ajv2020({ coerceTypes: true, useDefaults: true, strictTypes: false }).compile(manifest.tenantConfig!),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    };
    const plugins = { plugins: [loaded], report: { discovered: [], rejected: [] } };
    const providers = new PaymentProviders({ registry: new PluginRegistry(plugins, settings), plugins, settings });
    const events = new RecordingPublisher();
    const logger = pino({ level: 'silent' });
    plans = new PlansService(t.db);
    subscriptions = new SubscriptionsService({ db: t.db, providers, events, logger });
    webhooks = new PaymentWebhookService({ db: t.db, providers, effects, events, logger });
  });
  afterAll(async () => {
    await fake.stop();
    await t.drop();
  });

  async function business() {
    const { brand, brandCtx } = await seedBrand(t.db, { billingSettings: { taxRateBps: 1000 } });
    settings.set({ brandId: brand.id }, 'payment-stripe', { secretKey: fake.secretKey, webhookSecret: fake.webhookSecret });
    const brandPlans = await plans.list(brandCtx);
    for (const plan of brandPlans) await plans.update(brandCtx, plan.id, { trialDays: 0 });
    const { client, ctx } = await seedClient(t.db, brand);
    return { brand, client, ctx, plan: (code: string) => brandPlans.find((p) => p.code === code)! };
  }

  /** Hands every webhook Stripe sent to the service, as the route would. */
  async function deliverAll(brandSlug: string) {
    const deliveries = await fake.takeWebhooks();
    const totals = { events: 0, applied: 0, duplicates: 0, ignored: 0, stale: 0, unmatched: 0 };
    for (const delivery of deliveries) {
      const summary = await webhooks.receive({ provider: 'payment-stripe', brandSlug, rawBody: delivery.rawBody, headers: delivery.headers });
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += summary[key];
    }
    return { deliveries, totals };
  }

  it('checkout, payment, failure, recovery, plan change and cancellation, with each webhook applied once', async () => {
    const b = await business();
    const em = () => t.db.forTenant({ brandId: b.brand.id, clientId: b.client.id, locale: 'en' });
    const started = await subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('growth').id, provider: 'payment-stripe', successUrl: 'https://b.test/ok', cancelUrl: 'https://b.test/no' });
    expect(started.amountMinor).toBe(54_890); // 499.00 + 10 %
    expect(started.redirectUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    await fake.takeWebhooks(); // what the set-up calls made (customer, product, price), before the customer pays

    const row = await em().findOneOrFail(Subscription, { id: started.subscriptionId });
    await fake.completeCheckout({ providerCheckoutId: row.providerCheckoutId!, providerSubscriptionId: null, redirectUrl: started.redirectUrl } satisfies PaymentCheckout);
    const first = await deliverAll(b.brand.slug);
    const active = await em().findOneOrFail(Subscription, { id: started.subscriptionId });
    expect(active).toMatchObject({ status: 'active', providerSubscriptionId: expect.stringMatching(/^sub_/), providerCustomerId: expect.stringMatching(/^cus_/) });
    expect(active.currentPeriodEnd!.getTime()).toBeGreaterThan(Date.now());
    expect((await em().findOneOrFail(Client, { id: b.client.id })).status).toBe('active');
    const paid = effects.calls.filter((c) => c.kind === 'paymentSucceeded' && c.subscriptionId === started.subscriptionId);
    expect(paid).toHaveLength(1);
    expect(paid[0]!.event).toMatchObject({ amountMinor: 54_890, currency: 'USD', purpose: 'subscription' });

    // Stripe delivers everything again: nothing changes.
    for (const delivery of first.deliveries) {
      const again = await webhooks.receive({ provider: 'payment-stripe', brandSlug: b.brand.slug, rawBody: delivery.rawBody, headers: delivery.headers });
      expect(again.applied).toBe(0);
    }
    expect(effects.calls.filter((c) => c.subscriptionId === started.subscriptionId)).toHaveLength(1);

    await fake.renew(active.providerSubscriptionId!, 'failed');
    await deliverAll(b.brand.slug);
    expect((await em().findOneOrFail(Subscription, { id: started.subscriptionId })).status).toBe('past_due');
    expect(effects.calls.filter((c) => c.kind === 'paymentFailed' && c.subscriptionId === started.subscriptionId)).toHaveLength(1);
    await fake.renew(active.providerSubscriptionId!, 'paid');
    await deliverAll(b.brand.slug);
    expect((await em().findOneOrFail(Subscription, { id: started.subscriptionId })).status).toBe('active');

    const changed = await subscriptions.changePlan(b.ctx, { clientId: b.client.id, planId: b.plan('pro').id });
    expect(changed).toMatchObject({ plan: { code: 'pro' }, amountMinor: 87_890 });
    await deliverAll(b.brand.slug);
    const afterChange = await em().findOneOrFail(Subscription, { id: started.subscriptionId });
    expect(afterChange.providerPriceId).toMatch(/^price_/);
    expect(afterChange.providerPriceId).not.toBe(active.providerPriceId);
    expect(afterChange.status).toBe('active');

    const canceling = await subscriptions.cancel(b.ctx, { clientId: b.client.id });
    expect(canceling).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, nextCharge: null });
    await deliverAll(b.brand.slug);
    expect(await em().findOneOrFail(Subscription, { id: started.subscriptionId })).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
  });

  it("a webhook signed with another secret is refused and changes nothing", async () => {
    const b = await business();
    await subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('starter').id, provider: 'payment-stripe', successUrl: 'https://b.test/ok', cancelUrl: 'https://b.test/no' });
    const [delivery] = await fake.takeWebhooks();
    const forged = fake.forge(delivery!);
    await expect(webhooks.receive({ provider: 'payment-stripe', brandSlug: b.brand.slug, rawBody: forged.rawBody, headers: forged.headers })).rejects.toMatchObject({ code: 'payment.signature_invalid' });
    expect(await t.db.forTenant({ brandId: b.brand.id, clientId: null, locale: 'en' }).count(PaymentEventRow, {})).toBe(0);
    // The genuine delivery is taken.
    expect((await webhooks.receive({ provider: 'payment-stripe', brandSlug: b.brand.slug, rawBody: delivery!.rawBody, headers: delivery!.headers })).events).toBeGreaterThan(0);
  });
});
