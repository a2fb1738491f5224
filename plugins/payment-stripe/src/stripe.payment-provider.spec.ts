import { createServer, type AddressInfo } from 'node:net';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import Stripe from 'stripe';
import {
  PAYMENT,
  paymentPriceKey,
  PluginConfigError,
  TeroError,
  type PaymentEvent,
  type PaymentPrice,
  type PluginLogger,
  type TenantContext,
} from '@tero/sdk';
import { runPaymentProviderContract } from '@tero/sdk/testing';
import plugin from './index';
import { firstChargeParams, StripePaymentProvider, stripeLocale } from './stripe.payment-provider';
import type { StripePaymentConfig } from './stripe.config';
import { FakeStripeServer } from './testing';
import manifestPackage from '../package.json';

const ctx: TenantContext = { brandId: 'brand-1', clientId: null, locale: 'en', requestId: 'req-1' };
const silentLogger: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };
const PLAN_ID = '0190f3a0-0000-7000-8000-00000000000a';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function configFor(fake: FakeStripeServer, overrides: Partial<StripePaymentConfig> = {}): StripePaymentConfig {
  return {
    secretKey: fake.secretKey,
    webhookSecret: fake.webhookSecret,
    apiHost: '127.0.0.1',
    apiPort: fake.port,
    apiProtocol: 'http',
    maxNetworkRetries: 0,
    timeoutMs: 5000,
    ...overrides,
  };
}

function price(amountMinor: number, interval: 'month' | 'year' = 'month', currency = 'USD'): PaymentPrice {
  const base = { planId: PLAN_ID, interval, amountMinor, currency };
  return { ...base, planCode: 'growth', name: `Growth (${interval === 'month' ? 'monthly' : 'yearly'})`, priceKey: paymentPriceKey(base) };
}

async function caught(run: () => Promise<unknown>): Promise<TeroError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof TeroError) return error;
    throw error;
  }
  throw new Error('expected the call to throw, it resolved');
}

let fake: FakeStripeServer;

runPaymentProviderContract('payment-stripe', {
  async setup() {
    fake = await FakeStripeServer.start();
    return { provider: new StripePaymentProvider(configFor(fake), silentLogger), ctx, vendor: fake };
  },
  async teardown() {
    await fake.stop();
  },
  async unreachable() {
    return new StripePaymentProvider({ ...configFor(fake), apiPort: await closedPort() }, silentLogger);
  },
});

describe('StripePaymentProvider beyond the contract', () => {
  let stripe: StripePaymentProvider;

  async function start(options: Parameters<typeof FakeStripeServer.start>[0] = {}, overrides: Partial<StripePaymentConfig> = {}) {
    fake = await FakeStripeServer.start(options);
    stripe = new StripePaymentProvider(configFor(fake, overrides), silentLogger);
  }

  afterEach(async () => {
    await fake.stop();
  });

  async function events(): Promise<PaymentEvent[]> {
    const out: PaymentEvent[] = [];
    for (const delivery of await fake.takeWebhooks()) out.push(...(await stripe.parseWebhook(ctx, delivery)));
    return out;
  }

  /** A customer who subscribed through Checkout; its webhooks are consumed. */
  async function subscribed(amountMinor = 29900, reference = 'sub-ours-1') {
    const ref = await stripe.ensurePrice(ctx, price(amountMinor));
    const checkout = await stripe.startCheckout(ctx, {
      customer: { clientId: 'client-9', name: 'Bright Smile Dental', email: 'owner@brightsmile.test' },
      price: ref,
      reference,
      successUrl: 'https://bright.tero.test/billing?done=1',
      cancelUrl: 'https://bright.tero.test/billing',
      locale: 'fr',
    });
    await fake.completeCheckout(checkout);
    const session = fake.store.session(checkout.providerCheckoutId);
    await fake.takeWebhooks();
    return { ref, checkout, subscriptionId: session.subscription as string, customerId: session.customer as string };
  }

  it('creates one product per plan (deterministic id) and tax-inclusive prices found again by lookup key', async () => {
    await start();
    const monthly = await stripe.ensurePrice(ctx, price(49900));
    const yearly = await stripe.ensurePrice(ctx, price(499000, 'year'));
    const again = await stripe.ensurePrice(ctx, price(49900));

    expect(again.providerPriceId).toBe(monthly.providerPriceId);
    expect(fake.requests('POST', '/v1/products')).toHaveLength(1);
    expect(fake.requests('POST', '/v1/prices')).toHaveLength(2);
    const [created] = fake.requests('POST', '/v1/prices');
    expect(created!.params).toMatchObject({
      product: `tero_plan_${PLAN_ID}`,
      currency: 'usd',
      unit_amount: '49900',
      recurring: { interval: 'month', interval_count: '1' },
      lookup_key: price(49900).priceKey,
      tax_behavior: 'inclusive',
      metadata: { tero_plan_id: PLAN_ID, tero_price_key: price(49900).priceKey },
    });
    expect(created!.idempotencyKey).toMatch(/^tero-price-/);
    expect(fake.store.prices.get(yearly.providerPriceId)).toMatchObject({ product: `tero_plan_${PLAN_ID}`, recurring: { interval: 'year' } });
  });

  it('replaces an archived price that holds the lookup key, and revives an archived product', async () => {
    await start();
    const first = await stripe.ensurePrice(ctx, price(49900));
    fake.store.prices.get(first.providerPriceId)!.active = false;
    fake.store.products.get(`tero_plan_${PLAN_ID}`)!.active = false;

    const second = await stripe.ensurePrice(ctx, price(49900));

    expect(second.providerPriceId).not.toBe(first.providerPriceId);
    expect(fake.store.prices.get(second.providerPriceId)!.lookup_key).toBe(price(49900).priceKey);
    expect(fake.store.prices.get(first.providerPriceId)!.lookup_key).toBeNull();
    expect(fake.store.products.get(`tero_plan_${PLAN_ID}`)!.active).toBe(true);
  });

  it('starts Checkout in subscription mode with our reference on the session and the subscription, in the customer language', async () => {
    await start();
    const ref = await stripe.ensurePrice(ctx, price(29900));
    const checkout = await stripe.startCheckout(ctx, {
      customer: { clientId: 'client-9', name: 'Bright Smile Dental', email: 'owner@brightsmile.test' },
      price: ref,
      reference: 'sub-ours-1',
      successUrl: 'https://bright.tero.test/billing?done=1',
      cancelUrl: 'https://bright.tero.test/billing',
      locale: 'fr',
    });

    expect(checkout).toEqual({ providerCheckoutId: expect.stringMatching(/^cs_test_/), providerSubscriptionId: null, redirectUrl: expect.stringMatching(/^http/) });
    const [request] = fake.requests('POST', '/v1/checkout/sessions');
    expect(request!.params).toEqual({
      mode: 'subscription',
      line_items: [{ price: ref.providerPriceId, quantity: '1' }],
      client_reference_id: 'sub-ours-1',
      success_url: 'https://bright.tero.test/billing?done=1',
      cancel_url: 'https://bright.tero.test/billing',
      locale: 'fr',
      metadata: { tero_reference: 'sub-ours-1', tero_client_id: 'client-9' },
      subscription_data: { metadata: { tero_reference: 'sub-ours-1', tero_client_id: 'client-9' } },
      customer_email: 'owner@brightsmile.test',
    });
  });

  it('reuses a known customer, and defers the first charge with a trial (two days or more) or a free period up to a billing anchor', async () => {
    await start();
    const { ref, customerId } = await subscribed();
    const input = {
      customer: { clientId: 'client-9', name: 'Bright Smile Dental', email: 'owner@brightsmile.test', providerCustomerId: customerId },
      price: ref,
      reference: 'sub-ours-2',
      successUrl: 'https://bright.tero.test/billing?done=1',
      cancelUrl: 'https://bright.tero.test/billing',
      locale: 'es-MX',
    };
    const inTenDays = new Date(Date.now() + 10 * 86_400_000);
    const tomorrow = new Date(Date.now() + 86_400_000);
    await stripe.startCheckout(ctx, { ...input, firstChargeAt: inTenDays });
    const anchored = await stripe.startCheckout(ctx, { ...input, firstChargeAt: tomorrow });

    const [, trial, anchor] = fake.requests('POST', '/v1/checkout/sessions');
    expect(trial!.params).toMatchObject({ customer: customerId, locale: 'es', subscription_data: { trial_end: String(Math.floor(inTenDays.getTime() / 1000)) } });
    expect(trial!.params).not.toHaveProperty('customer_email');
    expect(anchor!.params).toMatchObject({ subscription_data: { billing_cycle_anchor: String(Math.floor(tomorrow.getTime() / 1000)), proration_behavior: 'none' } });

    await fake.completeCheckout(anchored);
    const subscriptionId = fake.store.session(anchored.providerCheckoutId).subscription as string;
    expect((await events()).filter((e) => e.type === 'payment.succeeded')).toHaveLength(0);
    const state = await stripe.getSubscription(ctx, subscriptionId);
    expect(state.status).toBe('active');
    expect(state.currentPeriodEnd!.getTime()).toBe(Math.floor(tomorrow.getTime() / 1000) * 1000);
  });

  it('opens the customer portal, finding the customer through the subscription when it is not known', async () => {
    await start();
    const { subscriptionId, customerId } = await subscribed();

    const portal = await stripe.openPortal(ctx, { providerCustomerId: null, providerSubscriptionId: subscriptionId, returnUrl: 'https://bright.tero.test/billing', locale: 'fr-CA' });

    expect(portal.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/p\/session\/bps_/);
    expect(fake.requests('POST', '/v1/billing_portal/sessions')[0]!.params).toEqual({ customer: customerId, return_url: 'https://bright.tero.test/billing', locale: 'fr-CA' });
  });

  it('moves a subscription to another price without proration when asked, once', async () => {
    await start();
    const { subscriptionId } = await subscribed();
    const pro = await stripe.ensurePrice(ctx, { ...price(79900), planCode: 'pro', name: 'Pro (monthly)' });

    const state = await stripe.changePrice(ctx, { providerSubscriptionId: subscriptionId, price: pro, prorate: false });
    await stripe.changePrice(ctx, { providerSubscriptionId: subscriptionId, price: pro, prorate: false });

    expect(state.providerPriceId).toBe(pro.providerPriceId);
    const updates = fake.requests('POST', `/v1/subscriptions/${subscriptionId}`);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.params).toMatchObject({ items: [{ id: expect.stringMatching(/^si_/), price: pro.providerPriceId }], proration_behavior: 'none' });
    const updated = (await events()).filter((e) => e.type === 'subscription.updated');
    expect(updated.map((e) => e.type === 'subscription.updated' && e.state.providerPriceId)).toContain(pro.providerPriceId);
  });

  it('bills prorations of a price change with the next renewal, reporting the new period', async () => {
    await start();
    const { subscriptionId } = await subscribed(29900);
    const pro = await stripe.ensurePrice(ctx, { ...price(79900), planCode: 'pro', name: 'Pro (monthly)' });
    await stripe.changePrice(ctx, { providerSubscriptionId: subscriptionId, price: pro, prorate: true });
    await fake.takeWebhooks();

    await fake.renew(subscriptionId, 'paid');

    const [paid] = (await events()).filter((e) => e.type === 'payment.succeeded');
    const state = await stripe.getSubscription(ctx, subscriptionId);
    // Almost the whole period remains: about 799.00 − 299.00 more than the new price.
    expect(paid).toMatchObject({ purpose: 'subscription', periodStart: state.currentPeriodStart, periodEnd: state.currentPeriodEnd });
    expect(paid!.type === 'payment.succeeded' && paid.amountMinor).toBeGreaterThan(79900 + 49000);
  });

  it('cancels at once even when the subscription was canceled already (in the portal, say)', async () => {
    await start();
    const { subscriptionId } = await subscribed();
    await stripe.cancel(ctx, { providerSubscriptionId: subscriptionId, atPeriodEnd: false, reason: 'moved away' });

    const again = await stripe.cancel(ctx, { providerSubscriptionId: subscriptionId, atPeriodEnd: false });

    expect(again.status).toBe('canceled');
    expect(fake.store.subscription(subscriptionId).cancellation_details.comment).toBe('moved away');
    expect(fake.requests('DELETE', `/v1/subscriptions/${subscriptionId}`)[0]!.params).toMatchObject({ invoice_now: 'false', prorate: 'false' });
  });

  it('ends a subscription canceled at period end when the period ends, without charging', async () => {
    await start();
    const { subscriptionId } = await subscribed();
    await stripe.cancel(ctx, { providerSubscriptionId: subscriptionId, atPeriodEnd: true });

    await fake.renew(subscriptionId, 'paid');

    const seen = await events();
    expect(seen.filter((e) => e.type === 'subscription.canceled').map((e) => e.providerSubscriptionId)).toEqual([subscriptionId]);
    expect(seen.filter((e) => e.type === 'payment.succeeded')).toHaveLength(0);
    expect((await fake.charges()).filter((c) => c.providerSubscriptionId === subscriptionId)).toHaveLength(1);
  });

  it('charges once per charge key while search has not caught up: every step is replayed by its idempotency key', async () => {
    await start({ searchIndexing: 'manual' });
    const { subscriptionId, customerId } = await subscribed();
    const input = {
      providerSubscriptionId: subscriptionId,
      providerCustomerId: null,
      amountMinor: 1234,
      currency: 'USD',
      description: 'Overage: 42 minutes',
      chargeKey: "usage:sub-ours-1:2026-11-01 'quoted'",
      reference: 'sub-ours-1',
    };

    const one = await stripe.chargeOnce(ctx, input);
    const two = await stripe.chargeOnce(ctx, input);

    expect(two).toEqual(one);
    expect(one).toEqual({ providerPaymentId: expect.stringMatching(/^in_/), status: 'succeeded' });
    expect((await fake.charges()).filter((c) => c.amountMinor === 1234)).toHaveLength(1);
    const creates = fake.requests('POST', '/v1/invoices');
    expect(creates.map((r) => r.replayed)).toEqual([false, true]);
    expect(creates[0]!.params).toMatchObject({
      customer: customerId,
      currency: 'usd',
      collection_method: 'charge_automatically',
      auto_advance: 'false',
      pending_invoice_items_behavior: 'exclude',
      default_payment_method: fake.store.subscription(subscriptionId).default_payment_method,
      metadata: { tero_charge_key: input.chargeKey, tero_reference: 'sub-ours-1', tero_subscription_id: subscriptionId },
    });
    expect(fake.requests('POST', /\/pay$/).map((r) => r.replayed)).toEqual([false, true]);

    fake.indexSearch();
    const three = await stripe.chargeOnce(ctx, input);
    expect(three).toEqual(one);
    expect(fake.requests('POST', '/v1/invoices')).toHaveLength(2);
    expect(fake.requests('GET', '/v1/invoices/search').at(-1)!.params).toEqual({ query: `metadata['tero_charge_key']:'usage:sub-ours-1:2026-11-01 \\'quoted\\''`, limit: '10' });
  });

  it('reports a declined one-time charge as failed, with the decline reason in the payment.failed event, and does not charge it twice', async () => {
    await start();
    const { subscriptionId } = await subscribed();
    fake.declineCards();
    const input = {
      providerSubscriptionId: subscriptionId,
      providerCustomerId: null,
      amountMinor: 990,
      currency: 'USD',
      description: 'Overage: 12 minutes',
      chargeKey: 'usage:sub-ours-1:2026-12-01',
      reference: 'sub-ours-1',
    };

    const result = await stripe.chargeOnce(ctx, input);
    const failed = (await events()).filter((e) => e.type === 'payment.failed');
    const again = await stripe.chargeOnce(ctx, input);

    expect(result).toEqual({ providerPaymentId: expect.stringMatching(/^in_/), status: 'failed' });
    expect(again).toEqual(result);
    expect(failed).toEqual([
      expect.objectContaining({ purpose: 'one_time', chargeKey: input.chargeKey, amountMinor: 990, currency: 'USD', reference: 'sub-ours-1', failureReason: 'insufficient_funds', providerPaymentId: result.providerPaymentId }),
    ]);
    expect((await fake.charges()).filter((c) => c.amountMinor === 990)).toHaveLength(1);
  });

  it('refunds part of an invoice payment, by payment intent too, and refuses what is not a payment', async () => {
    await start();
    const { subscriptionId } = await subscribed(29900);
    const invoiceId = fake.store.subscription(subscriptionId).latest_invoice as string;

    const partial = await stripe.refund(ctx, { providerPaymentId: invoiceId, amountMinor: 10000, currency: 'USD', reason: 'goodwill' });
    const [refunded] = (await events()).filter((e) => e.type === 'refund.succeeded');
    const intent = fake.store.invoicePayments.values().next().value!.payment.payment_intent as string;
    const rest = await stripe.refund(ctx, { providerPaymentId: intent, currency: 'USD' });

    expect(partial.status).toBe('succeeded');
    expect(refunded).toMatchObject({ providerRefundId: partial.providerRefundId, providerPaymentId: invoiceId, amountMinor: 10000, reference: 'sub-ours-1', providerSubscriptionId: subscriptionId });
    expect(fake.store.refunds.get(partial.providerRefundId)!.metadata).toMatchObject({ tero_payment_id: invoiceId, tero_reason: 'goodwill' });
    expect(fake.store.refunds.get(rest.providerRefundId)!.amount).toBe(19900);
    expect((await caught(() => stripe.refund(ctx, { providerPaymentId: 'sub_123', currency: 'USD' }))).code).toBe('payment.rejected');
    expect((await caught(() => stripe.refund(ctx, { providerPaymentId: invoiceId, currency: 'EUR' }))).params).toMatchObject({ field: 'currency' });
    expect((await caught(() => stripe.refund(ctx, { providerPaymentId: invoiceId, currency: 'USD' }))).params).toMatchObject({ status: 400, stripeCode: 'charge_already_refunded' });
  });

  it('reports a refund made in the Stripe dashboard against the invoice it refunds, found through its payment', async () => {
    await start();
    const { subscriptionId } = await subscribed(29900);
    await fake.renew(subscriptionId, 'paid');
    const invoiceId = fake.store.subscription(subscriptionId).latest_invoice as string;
    await fake.takeWebhooks();
    const intent = [...fake.store.invoicePayments.values()].find((p) => p.invoice === invoiceId)!.payment.payment_intent as string;
    const dashboard = new Stripe(fake.secretKey, { host: '127.0.0.1', port: fake.port, protocol: 'http', maxNetworkRetries: 0 });

    await dashboard.refunds.create({ payment_intent: intent, amount: 500 });

    const [refunded] = (await events()).filter((e) => e.type === 'refund.succeeded');
    expect(refunded).toMatchObject({ providerPaymentId: invoiceId, amountMinor: 500, reference: 'sub-ours-1', providerSubscriptionId: subscriptionId });
  });

  it('maps Stripe failures: 5xx and 429 are payment.unavailable (retryable), a bad key is payment.rejected and never shows the key', async () => {
    await start();
    fake.failNext(500);
    const server = await caught(() => stripe.getSubscription(ctx, 'sub_x'));
    fake.failNext(429);
    const limited = await caught(() => stripe.getSubscription(ctx, 'sub_x'));
    const wrongKey = 'sk_test_WRONGwrongWRONGwrong1234';
    const badKey = await caught(() => new StripePaymentProvider(configFor(fake, { secretKey: wrongKey }), silentLogger).getSubscription(ctx, 'sub_x'));

    expect(server).toMatchObject({ code: 'payment.unavailable', retryable: true, params: { status: 500 } });
    expect(limited).toMatchObject({ code: 'payment.unavailable', retryable: true, params: { status: 429 } });
    expect(badKey).toMatchObject({ code: 'payment.rejected', retryable: false, params: { status: 401 } });
    expect(JSON.stringify({ message: badKey.message, params: badKey.params })).not.toContain(wrongKey);
  });

  it('retries a 5xx with the same idempotency key when retries are configured', async () => {
    await start({}, { maxNetworkRetries: 1 });
    const { subscriptionId } = await subscribed();
    fake.failNext(503);

    const state = await stripe.cancel(ctx, { providerSubscriptionId: subscriptionId, atPeriodEnd: true });

    expect(state.cancelAtPeriodEnd).toBe(true);
    const attempts = fake.requests('POST', `/v1/subscriptions/${subscriptionId}`);
    expect(attempts.map((a) => a.status)).toEqual([503, 200]);
    expect(attempts[1]!.idempotencyKey).toBe(attempts[0]!.idempotencyKey);
  });

  it('refuses a delivery signed too long ago (a replay) with payment.signature_invalid', async () => {
    await start();
    const delivery = await fake.unknownEvent();
    const payload = delivery.rawBody.toString('utf8');
    const old = Stripe.webhooks.generateTestHeaderString({ payload, secret: fake.webhookSecret, timestamp: Math.floor(Date.now() / 1000) - 3600 });

    const error = await caught(() => stripe.parseWebhook(ctx, { rawBody: delivery.rawBody, headers: { 'stripe-signature': old } }));

    expect(error.code).toBe('payment.signature_invalid');
    expect(error.params.reason).toMatch(/tolerance/);
  });

  it('refuses bad input before calling Stripe, naming the field', async () => {
    await start();
    expect((await caught(() => stripe.ensurePrice(ctx, { ...price(100), amountMinor: 12.5 }))).params).toMatchObject({ field: 'amountMinor' });
    expect((await caught(() => stripe.getSubscription(ctx, '../customers/cus_1'))).params).toMatchObject({ field: 'providerSubscriptionId' });
    expect((await caught(() => stripe.openPortal(ctx, { providerCustomerId: 'cus_1', providerSubscriptionId: 'sub_1', returnUrl: 'javascript:alert(1)', locale: 'en' }))).params).toMatchObject({
      field: 'returnUrl',
    });
    expect(fake.exchanges).toHaveLength(0);
  });

  it('needs the brand keys only when used, and names the missing one', async () => {
    await start();
    const keyless = new StripePaymentProvider({ apiHost: '127.0.0.1', apiPort: fake.port, apiProtocol: 'http' }, silentLogger);

    const noKey = await caught(() => keyless.getSubscription(ctx, 'sub_1'));
    const delivery = await fake.unknownEvent();
    const noSecret = await caught(() => keyless.parseWebhook(ctx, delivery));

    expect(noKey).toBeInstanceOf(PluginConfigError);
    expect(noKey.params).toMatchObject({ pluginId: 'payment-stripe', key: 'secretKey' });
    expect(noSecret).toBeInstanceOf(PluginConfigError);
    expect(noSecret.params).toMatchObject({ key: 'webhookSecret' });
  });
});

describe('stripe request helpers', () => {
  it('maps our language tags to Stripe locales', () => {
    const locales = new Set(['en', 'es', 'es-419', 'fr', 'fr-CA', 'pt-BR']);
    expect(stripeLocale('fr', locales)).toBe('fr');
    expect(stripeLocale('fr-ca', locales)).toBe('fr-CA');
    expect(stripeLocale('pt_BR', locales)).toBe('pt-BR');
    expect(stripeLocale('es-MX', locales)).toBe('es');
    expect(stripeLocale('xx', locales)).toBe('auto');
  });

  it('charges at once, after a free period up to an anchor, or after a trial of two days or more', () => {
    const now = Date.UTC(2026, 10, 1);
    expect(firstChargeParams(null, now)).toEqual({});
    expect(firstChargeParams(new Date(now - 1000), now)).toEqual({});
    expect(firstChargeParams(new Date(now + 30_000), now)).toEqual({});
    expect(firstChargeParams(new Date(now + 3600_000), now)).toEqual({ billing_cycle_anchor: now / 1000 + 3600, proration_behavior: 'none' });
    expect(firstChargeParams(new Date(now + 48 * 3600_000), now)).toEqual({ billing_cycle_anchor: now / 1000 + 48 * 3600, proration_behavior: 'none' });
    expect(firstChargeParams(new Date(now + 3 * 86_400_000), now)).toEqual({ trial_end: now / 1000 + 3 * 86_400 });
  });
});

describe('payment-stripe plugin', () => {
  it('declares the manifest the loader expects, with schemas Ajv (2020, strict) compiles and env strings coerce to', () => {
    const manifest = manifestPackage.tero;
    expect(manifest.id).toBe(plugin.id);
    expect(manifest.kinds).toEqual([PAYMENT.id]);
    const ajv = new Ajv2020({ coerceTypes: true, useDefaults: true, strictTypes: false, strictTuples: false });
    addFormats(ajv);
    const instance = ajv.compile(manifest.instanceConfig);
    const tenant = ajv.compile(manifest.tenantConfig);

    const fromEnv: Record<string, unknown> = { apiHost: '127.0.0.1', apiPort: '12111', apiProtocol: 'http', timeoutMs: '8000' };
    expect(instance(fromEnv)).toBe(true);
    expect(fromEnv).toMatchObject({ apiPort: 12111, timeoutMs: 8000, maxNetworkRetries: 2 });
    expect(instance({})).toBe(true);
    expect(instance({ apiProtocol: 'ftp' })).toBe(false);
    expect(instance({ apiHost: 'http://api.stripe.com' })).toBe(false);
    expect(tenant({ secretKey: 'sk_live_51Habc', webhookSecret: 'whsec_abc' })).toBe(true);
    expect(tenant({ secretKey: 'pk_live_51Habc' })).toBe(false);
    expect(tenant({ webhookSecret: 'secret' })).toBe(false);
    expect(tenant({ apiHost: '169.254.169.254' })).toBe(false);
  });

  it('provides the payment port, building a provider even before the brand entered its keys', () => {
    expect(plugin.provides).toHaveLength(1);
    const [provision] = plugin.provides;
    expect(provision!.port).toBe(PAYMENT);
    expect(provision!.create({ config: {}, logger: silentLogger })).toBeInstanceOf(StripePaymentProvider);
    expect(() => provision!.create({ config: { apiProtocol: 'gopher' }, logger: silentLogger })).toThrow(PluginConfigError);
  });
});
