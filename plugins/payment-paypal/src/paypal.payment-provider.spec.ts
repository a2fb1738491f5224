import { createServer, type AddressInfo } from 'node:net';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { PAYMENT, PAYMENT_ERRORS, paymentPriceKey, TeroError, type PaymentPrice, type PluginLogger, type TenantContext } from '@tero/sdk';
import { runPaymentProviderContract } from '@tero/sdk/testing';
import plugin from './index';
import { PayPalPaymentProvider, paypalLocale, productIdFor } from './paypal.payment-provider';
import type { PayPalPaymentConfig } from './paypal.config';
import { FakePayPalServer, type FakePayPalServerOptions } from './testing';
import manifestPackage from '../package.json';

const ctx: TenantContext = { brandId: 'brand-1', clientId: 'client-1', locale: 'en', requestId: 'req-1' };
const silentLogger: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function providerFor(fake: FakePayPalServer, config: Partial<PayPalPaymentConfig> = {}, logger: PluginLogger = silentLogger): PayPalPaymentProvider {
  return new PayPalPaymentProvider({ apiBaseUrl: fake.baseUrl, clientId: fake.clientId, clientSecret: fake.clientSecret, webhookId: fake.webhookId, ...config }, logger);
}

let fake: FakePayPalServer;

runPaymentProviderContract('payment-paypal', {
  async setup() {
    fake = await FakePayPalServer.start();
    return { provider: providerFor(fake), ctx, vendor: fake };
  },
  async teardown() {
    await fake.stop();
  },
  async unreachable() {
    return new PayPalPaymentProvider({ apiBaseUrl: `http://127.0.0.1:${await closedPort()}`, clientId: 'id', clientSecret: 'secret', webhookId: 'WH-1', timeoutMs: 2000 }, silentLogger);
  },
});

function price(amountMinor: number, options: Partial<PaymentPrice> = {}): PaymentPrice {
  const base = { planId: 'plan-growth', interval: 'month' as const, amountMinor, currency: 'USD', ...options };
  return { planCode: 'growth', name: 'Growth (monthly)', ...base, priceKey: paymentPriceKey(base) };
}

async function caught(run: () => Promise<unknown>): Promise<TeroError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof TeroError)) throw new Error(`expected a TeroError, got ${String(error)}`);
  return error;
}

/** A subscriber who approved a subscription to `amountMinor` a month, webhooks taken. */
async function subscribed(provider: PayPalPaymentProvider, amountMinor = 29900, reference = 'sub-0001') {
  const ref = await provider.ensurePrice(ctx, price(amountMinor));
  const checkout = await provider.startCheckout(ctx, {
    customer: { clientId: 'client-1', name: 'Bright Smile Dental', email: 'owner@brightsmile.test' },
    price: ref,
    reference,
    successUrl: 'https://bright.tero.test/billing?done=1',
    cancelUrl: 'https://bright.tero.test/billing',
    locale: 'fr',
  });
  await fake.completeCheckout(checkout);
  await fake.takeWebhooks();
  return { ref, checkout, subscriptionId: checkout.providerSubscriptionId! };
}

describe('PayPalPaymentProvider beyond the contract', () => {
  let options: FakePayPalServerOptions = {};
  beforeEach(async () => {
    fake = await FakePayPalServer.start(options);
  });
  afterEach(async () => {
    await fake.stop();
    options = {};
  });

  it('keeps the brand’s plans under one catalog product, found again by their price key', async () => {
    const provider = providerFor(fake);
    const monthly = await provider.ensurePrice(ctx, price(49900));
    const yearly = await provider.ensurePrice(ctx, price(499000, { interval: 'year', name: 'Growth (yearly)' }));
    // A provider with nothing in memory (another replica, a restart) finds the same plans.
    const again = await providerFor(fake).ensurePrice(ctx, price(49900));

    expect(again.providerPriceId).toBe(monthly.providerPriceId);
    const products = fake.exchanges.filter((e) => e.method === 'POST' && e.path === '/v1/catalogs/products');
    expect(products).toHaveLength(1);
    expect(products[0]!.body).toMatchObject({ id: productIdFor('brand-1'), type: 'SERVICE', name: 'Subscription' });
    const plans = fake.exchanges.filter((e) => e.method === 'POST' && e.path === '/v1/billing/plans').map((e) => e.body);
    expect(plans).toEqual([
      expect.objectContaining({
        product_id: 'tero-brand-1',
        name: 'Growth (monthly)',
        description: `tero:${price(49900).priceKey}`,
        billing_cycles: [expect.objectContaining({ tenure_type: 'REGULAR', frequency: { interval_unit: 'MONTH', interval_count: 1 }, total_cycles: 0, pricing_scheme: { fixed_price: { value: '499.00', currency_code: 'USD' } } })],
        payment_preferences: { auto_bill_outstanding: false, setup_fee_failure_action: 'CONTINUE', payment_failure_threshold: 3 },
      }),
      expect.objectContaining({ billing_cycles: [expect.objectContaining({ frequency: { interval_unit: 'YEAR', interval_count: 1 }, pricing_scheme: { fixed_price: { value: '4990.00', currency_code: 'USD' } } })] }),
    ]);
    expect(yearly.providerPriceId).not.toBe(monthly.providerPriceId);
  });

  it('finds a plan on a later page of the product’s plans', async () => {
    const provider = providerFor(fake);
    const first = await provider.ensurePrice(ctx, price(100));
    for (let amount = 101; amount < 125; amount++) await provider.ensurePrice(ctx, price(amount));
    const last = await provider.ensurePrice(ctx, price(124));
    expect((await providerFor(fake).ensurePrice(ctx, price(100))).providerPriceId).toBe(first.providerPriceId);
    expect((await providerFor(fake).ensurePrice(ctx, price(124))).providerPriceId).toBe(last.providerPriceId);
    expect(fake.exchanges.filter((e) => e.method === 'POST' && e.path === '/v1/billing/plans')).toHaveLength(25);
  });

  it('writes yen without decimals and refuses a fraction of a forint before calling PayPal', async () => {
    const provider = providerFor(fake);
    await provider.ensurePrice(ctx, price(5000, { currency: 'JPY' }));
    const plan = fake.exchanges.find((e) => e.method === 'POST' && e.path === '/v1/billing/plans')!.body as { billing_cycles: { pricing_scheme: unknown }[] };
    expect(plan.billing_cycles[0]!.pricing_scheme).toEqual({ fixed_price: { value: '5000', currency_code: 'JPY' } });

    const calls = fake.exchanges.length;
    const error = await caught(() => provider.ensurePrice(ctx, price(49950, { currency: 'HUF' })));
    expect(error.code).toBe(PAYMENT_ERRORS.rejected);
    expect(fake.exchanges).toHaveLength(calls);
  });

  it('creates the subscription with our reference, the customer, PayPal’s locale and a later start time', async () => {
    const provider = providerFor(fake, { brandName: 'Bright Answering' });
    const ref = await provider.ensurePrice(ctx, price(29900));
    const later = new Date(Date.now() + 10 * 86_400_000);
    const checkout = await provider.startCheckout(ctx, {
      customer: { clientId: 'client-1', name: 'Bright Smile Dental', email: 'owner@brightsmile.test' },
      price: ref,
      reference: 'sub-0042',
      successUrl: 'https://bright.tero.test/billing?done=1',
      cancelUrl: 'https://bright.tero.test/billing',
      firstChargeAt: later,
      locale: 'es',
    });

    const created = fake.exchanges.find((e) => e.method === 'POST' && e.path === '/v1/billing/subscriptions')!;
    expect(created.body).toEqual({
      plan_id: ref.providerPriceId,
      custom_id: 'sub-0042',
      start_time: later.toISOString(),
      subscriber: { email_address: 'owner@brightsmile.test', name: { given_name: 'Bright Smile Dental' } },
      application_context: {
        brand_name: 'Bright Answering',
        locale: 'es-ES',
        shipping_preference: 'NO_SHIPPING',
        user_action: 'SUBSCRIBE_NOW',
        return_url: 'https://bright.tero.test/billing?done=1',
        cancel_url: 'https://bright.tero.test/billing',
      },
    });
    expect(checkout.providerCheckoutId).toMatch(/^I-/);
    expect(checkout.providerSubscriptionId).toBe(checkout.providerCheckoutId);
    expect(checkout.redirectUrl).toBe(fake.subscription(checkout.providerCheckoutId)!.links!.find((l) => l.rel === 'approve')!.href);
    expect((await provider.getSubscription(ctx, checkout.providerCheckoutId)).status).toBe('incomplete');
  });

  it('sends a customer to PayPal’s autopay page, live or sandbox', async () => {
    expect(await new PayPalPaymentProvider({}, silentLogger).openPortal()).toEqual({ url: 'https://www.paypal.com/myaccount/autopay/' });
    expect(await new PayPalPaymentProvider({ apiBaseUrl: 'https://api-m.sandbox.paypal.com' }, silentLogger).openPortal()).toEqual({ url: 'https://www.sandbox.paypal.com/myaccount/autopay/' });
    expect(await providerFor(fake, { webBaseUrl: fake.baseUrl }).openPortal()).toEqual({ url: `${fake.baseUrl}/myaccount/autopay/` });
    // Nothing is asked of PayPal: the page needs no session.
    expect(fake.exchanges).toHaveLength(0);
  });

  it('charges once through the outstanding balance and leaves balance and custom_id as they were, also for a repeat', async () => {
    const provider = providerFor(fake);
    const { subscriptionId } = await subscribed(provider);
    const charge = { providerSubscriptionId: subscriptionId, providerCustomerId: null, amountMinor: 1234, currency: 'USD', description: 'Overage: 42 minutes (Nov 2026)', chargeKey: 'usage:sub-0001:2026-11-01', reference: 'sub-0001' };

    const first = await provider.chargeOnce(ctx, charge);
    expect(fake.subscription(subscriptionId)).toMatchObject({ custom_id: 'sub-0001', billing_info: { outstanding_balance: { currency_code: 'USD', value: '0.00' } } });
    const second = await provider.chargeOnce(ctx, charge);

    expect(second).toEqual(first);
    expect(fake.subscription(subscriptionId)).toMatchObject({ custom_id: 'sub-0001', billing_info: { outstanding_balance: { currency_code: 'USD', value: '0.00' } } });
    const captures = fake.exchanges.filter((e) => e.path.endsWith('/capture'));
    expect(captures).toHaveLength(2);
    expect(captures[0]!.headers['paypal-request-id']).toBe(captures[1]!.headers['paypal-request-id']);
    expect(captures[0]!.body).toEqual({ note: 'Overage: 42 minutes (Nov 2026)', capture_type: 'OUTSTANDING_BALANCE', amount: { currency_code: 'USD', value: '12.34' } });
    // The next regular renewal is an ordinary subscription payment, at the plan's price.
    await fake.takeWebhooks();
    await fake.renew(subscriptionId, 'paid');
    const [renewal] = (await Promise.all((await fake.takeWebhooks()).map((d) => provider.parseWebhook(ctx, d)))).flat().filter((e) => e.type === 'payment.succeeded');
    expect(renewal).toMatchObject({ purpose: 'subscription', chargeKey: null, amountMinor: 29900, reference: 'sub-0001' });
  });

  it('keeps an overdue outstanding balance untouched by a one-time charge', async () => {
    const provider = providerFor(fake);
    const { subscriptionId } = await subscribed(provider);
    await fake.renew(subscriptionId, 'failed');
    expect((await provider.getSubscription(ctx, subscriptionId)).status).toBe('past_due');

    const result = await provider.chargeOnce(ctx, { providerSubscriptionId: subscriptionId, providerCustomerId: null, amountMinor: 500, currency: 'USD', description: 'Overage', chargeKey: 'usage:1', reference: 'sub-0001' });

    expect(result.status).toBe('succeeded');
    expect(fake.subscription(subscriptionId)!.billing_info!.outstanding_balance).toEqual({ currency_code: 'USD', value: '299.00' });
  });

  it('with autoBillOutstanding, lets PayPal add a failed cycle to the next charge; without, each charge is the plan’s price', async () => {
    const parse = async (provider: PayPalPaymentProvider) => (await Promise.all((await fake.takeWebhooks()).map((d) => provider.parseWebhook(ctx, d)))).flat();
    for (const [autoBillOutstanding, expected] of [
      [true, 59800],
      [false, 29900],
    ] as const) {
      const provider = providerFor(fake, { autoBillOutstanding });
      const { subscriptionId } = await subscribed(provider, 29900, `sub-${String(autoBillOutstanding)}`);
      await fake.renew(subscriptionId, 'failed');
      await fake.renew(subscriptionId, 'paid');
      const paid = (await parse(provider)).filter((e) => e.type === 'payment.succeeded');
      expect(paid).toEqual([expect.objectContaining({ amountMinor: expected, purpose: 'subscription' })]);
      // A new fake per setting: plans are per price key, and the setting is written into the plan.
      await fake.stop();
      fake = await FakePayPalServer.start();
    }
  });

  it('reports a declined capture as failed and still puts the balance back', async () => {
    const provider = providerFor(fake);
    const { subscriptionId } = await subscribed(provider);
    fake.declineNextCapture();
    const result = await provider.chargeOnce(ctx, { providerSubscriptionId: subscriptionId, providerCustomerId: null, amountMinor: 700, currency: 'USD', description: 'Overage', chargeKey: 'usage:2', reference: 'sub-0001' });
    expect(result.status).toBe('failed');
    expect(fake.subscription(subscriptionId)).toMatchObject({ custom_id: 'sub-0001', billing_info: { outstanding_balance: { value: '0.00' } } });
  });

  it('refuses a charge to a canceled subscription or in another currency with payment.rejected', async () => {
    const provider = providerFor(fake);
    const { subscriptionId } = await subscribed(provider);
    const charge = { providerSubscriptionId: subscriptionId, providerCustomerId: null, amountMinor: 700, currency: 'EUR', description: 'Overage', chargeKey: 'usage:3', reference: 'sub-0001' };
    expect((await caught(() => provider.chargeOnce(ctx, charge))).message).toMatch(/bills in USD/);
    await provider.cancel(ctx, { providerSubscriptionId: subscriptionId, atPeriodEnd: false });
    const error = await caught(() => provider.chargeOnce(ctx, { ...charge, currency: 'USD' }));
    expect(error.code).toBe(PAYMENT_ERRORS.rejected);
    expect(error.message).toMatch(/CANCELLED/);
  });

  it('cancels at period end by suspending with the period end: active until then, still chargeable, then closed at once', async () => {
    const provider = providerFor(fake);
    const { subscriptionId } = await subscribed(provider);
    const periodEnd = (await provider.getSubscription(ctx, subscriptionId)).currentPeriodEnd!;

    const state = await provider.cancel(ctx, { providerSubscriptionId: subscriptionId, atPeriodEnd: true, reason: 'Closing the practice' });

    expect(state).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, currentPeriodEnd: periodEnd });
    expect(fake.subscription(subscriptionId)).toMatchObject({ status: 'SUSPENDED', status_change_note: `Closing the practice [tero:until=${periodEnd.toISOString()}]` });
    const events = (await Promise.all((await fake.takeWebhooks()).map((d) => provider.parseWebhook(ctx, d)))).flat();
    expect(events).toEqual([expect.objectContaining({ type: 'subscription.updated', vendorType: 'BILLING.SUBSCRIPTION.SUSPENDED', state: expect.objectContaining({ status: 'active', cancelAtPeriodEnd: true }) })]);
    // Asking again changes nothing at PayPal.
    expect(await provider.cancel(ctx, { providerSubscriptionId: subscriptionId, atPeriodEnd: true })).toEqual(state);
    expect(fake.exchanges.filter((e) => e.path.endsWith('/suspend') || e.path.endsWith('/cancel'))).toHaveLength(1);
    // The last period's overage is billed in arrears, then the subscription is closed at PayPal.
    const overage = await provider.chargeOnce(ctx, { providerSubscriptionId: subscriptionId, providerCustomerId: null, amountMinor: 990, currency: 'USD', description: 'Overage', chargeKey: 'usage:last', reference: 'sub-0001' });
    expect(overage.status).toBe('succeeded');
    const closed = await provider.cancel(ctx, { providerSubscriptionId: subscriptionId, atPeriodEnd: false });
    expect(closed.status).toBe('canceled');
    const later = (await Promise.all((await fake.takeWebhooks()).map((d) => provider.parseWebhook(ctx, d)))).flat();
    expect(later.filter((e) => e.type === 'subscription.canceled').map((e) => e.providerSubscriptionId)).toEqual([subscriptionId]);
  });

  it('cancels a fresh subscription at once: canceled at PayPal, in state and in the webhook', async () => {
    const provider = providerFor(fake);
    const { subscriptionId } = await subscribed(provider);

    const state = await provider.cancel(ctx, { providerSubscriptionId: subscriptionId, atPeriodEnd: false, reason: 'Fraud' });

    expect(state).toMatchObject({ status: 'canceled', cancelAtPeriodEnd: false });
    expect(fake.subscription(subscriptionId)).toMatchObject({ status: 'CANCELLED', status_change_note: 'Fraud' });
    const events = (await Promise.all((await fake.takeWebhooks()).map((d) => provider.parseWebhook(ctx, d)))).flat();
    expect(events).toEqual([expect.objectContaining({ type: 'subscription.canceled', providerSubscriptionId: subscriptionId, reference: 'sub-0001', canceledAt: expect.any(Date) })]);
  });

  it('cancels at period end a subscription PayPal suspended for failed payments by canceling it with the period end', async () => {
    const provider = providerFor(fake, { paymentFailureThreshold: 1 });
    const { subscriptionId } = await subscribed(provider);
    await fake.renew(subscriptionId, 'failed');
    expect(fake.subscription(subscriptionId)!.status).toBe('SUSPENDED');
    expect((await provider.getSubscription(ctx, subscriptionId)).status).toBe('past_due');

    const state = await provider.cancel(ctx, { providerSubscriptionId: subscriptionId, atPeriodEnd: true });

    expect(fake.subscription(subscriptionId)!.status).toBe('CANCELLED');
    expect(state).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
  });

  it('changes the plan, and reports the old plan while PayPal waits for the subscriber’s consent', async () => {
    options = { reviseNeedsConsent: true };
    await fake.stop();
    fake = await FakePayPalServer.start(options);
    const warnings: unknown[] = [];
    const provider = providerFor(fake, {}, { ...silentLogger, warn: (obj: object | string) => warnings.push(obj) });
    const { ref, subscriptionId } = await subscribed(provider);
    const pro = await provider.ensurePrice(ctx, price(79900, { planCode: 'pro', name: 'Pro (monthly)' }));

    const pending = await provider.changePrice(ctx, { providerSubscriptionId: subscriptionId, price: pro, prorate: true });

    expect(pending.providerPriceId).toBe(ref.providerPriceId);
    expect(warnings).toEqual([expect.objectContaining({ approveUrl: expect.stringContaining('/webapps/billing/subscriptions/update') })]);
    fake.approveRevision(subscriptionId);
    expect((await provider.getSubscription(ctx, subscriptionId)).providerPriceId).toBe(pro.providerPriceId);
  });

  it('refunds part of a payment as a v1 sale refund', async () => {
    const provider = providerFor(fake);
    const { subscriptionId } = await subscribed(provider);
    const sale = (await fake.charges()).find((c) => c.providerSubscriptionId === subscriptionId)!;
    const refund = await provider.refund(ctx, { providerPaymentId: sale.providerPaymentId, amountMinor: 1000, currency: 'USD', reason: 'Goodwill' });
    expect(refund.status).toBe('succeeded');
    expect(fake.exchanges.at(-1)!.body).toEqual({ amount: { total: '10.00', currency: 'USD' }, description: 'Goodwill' });
    const events = (await Promise.all((await fake.takeWebhooks()).map((d) => provider.parseWebhook(ctx, d)))).flat();
    expect(events).toEqual([expect.objectContaining({ type: 'refund.succeeded', providerRefundId: refund.providerRefundId, providerPaymentId: sale.providerPaymentId, amountMinor: 1000 })]);
    const tooMuch = await caught(() => provider.refund(ctx, { providerPaymentId: sale.providerPaymentId, amountMinor: 29900, currency: 'USD' }));
    expect(tooMuch).toMatchObject({ code: PAYMENT_ERRORS.rejected, params: expect.objectContaining({ status: 400, name: 'REFUND_EXCEEDED_TRANSACTION_AMOUNT' }) });
  });

  it('gets one token, keeps it, and fetches a new one once when PayPal stops accepting it', async () => {
    const provider = providerFor(fake);
    await provider.ensurePrice(ctx, price(100));
    await provider.ensurePrice(ctx, price(100));
    expect(fake.exchanges.filter((e) => e.path === '/v1/oauth2/token')).toHaveLength(1);
    const tokenRequest = fake.exchanges.find((e) => e.path === '/v1/oauth2/token')!;
    expect(tokenRequest.headers.authorization).toBe(`Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`);
    expect(tokenRequest.body).toBe('grant_type=client_credentials');

    fake.expireTokens();
    await provider.ensurePrice(ctx, price(100));
    expect(fake.exchanges.filter((e) => e.path === '/v1/oauth2/token')).toHaveLength(2);
  });

  it('refuses wrong credentials with payment.rejected, without the secret in the error', async () => {
    const error = await caught(() => providerFor(fake, { clientSecret: 'EC-wrong-secret' }).ensurePrice(ctx, price(100)));
    expect(error.code).toBe(PAYMENT_ERRORS.rejected);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/invalid_client/);
    expect(JSON.stringify({ message: error.message, params: error.params })).not.toContain('EC-wrong-secret');
  });

  it('names the missing setting when a brand has no credentials or webhook id', async () => {
    const bare = new PayPalPaymentProvider({ apiBaseUrl: fake.baseUrl }, silentLogger);
    const error = await caught(() => bare.getSubscription(ctx, 'I-1'));
    expect(error).toMatchObject({ code: 'plugin.config_invalid', params: { pluginId: 'payment-paypal', key: 'clientId' } });
    const noWebhook = providerFor(fake, { webhookId: undefined });
    const delivery = await fake.unknownEvent();
    expect(await caught(() => noWebhook.parseWebhook(ctx, delivery))).toMatchObject({ code: 'plugin.config_invalid', params: { key: 'webhookId' } });
  });

  it('reads PayPal’s error body into the error: name, issue and debug id', async () => {
    const error = await caught(() => providerFor(fake).getSubscription(ctx, 'I-NOPE'));
    expect(error).toMatchObject({ code: PAYMENT_ERRORS.rejected, params: { status: 404, name: 'RESOURCE_NOT_FOUND', issue: 'INVALID_RESOURCE_ID', debugId: expect.any(String) } });
    expect(error.message).toContain('RESOURCE_NOT_FOUND');
  });

  it('fills a reference the sale does not carry from the subscription', async () => {
    const provider = providerFor(fake);
    const { subscriptionId } = await subscribed(provider);
    const sale = { id: '5TY05013RG002845M', state: 'completed', amount: { total: '299.00', currency: 'USD' }, billing_agreement_id: subscriptionId, create_time: new Date().toISOString() };
    const [event] = await provider.parseWebhook(ctx, fake.deliver('PAYMENT.SALE.COMPLETED', 'sale', sale));
    expect(event).toMatchObject({ type: 'payment.succeeded', reference: 'sub-0001', providerSubscriptionId: subscriptionId, amountMinor: 29900 });
  });
});

describe('paypalLocale', () => {
  it('gives PayPal five-character locales, and nothing it would refuse', () => {
    expect(paypalLocale('en')).toBe('en-US');
    expect(paypalLocale('fr')).toBe('fr-FR');
    expect(paypalLocale('fr-ca')).toBe('fr-CA');
    expect(paypalLocale('es_MX')).toBe('es-MX');
    expect(paypalLocale('xx')).toBeUndefined();
    expect(paypalLocale('english')).toBeUndefined();
  });
});

describe('payment-paypal plugin', () => {
  it('declares the manifest the loader expects, with schemas Ajv (2020, strict) compiles and env strings coerce to', () => {
    const manifest = manifestPackage.tero;
    expect(manifest.id).toBe(plugin.id);
    expect(manifest.kinds).toEqual([PAYMENT.id]);
    const ajv = new Ajv2020({ coerceTypes: true, useDefaults: true, strictTypes: false, strictTuples: false });
    addFormats(ajv);
    const instance = ajv.compile(manifest.instanceConfig);
    const tenant = ajv.compile(manifest.tenantConfig);

    const fromEnv: Record<string, unknown> = { apiBaseUrl: 'https://api-m.sandbox.paypal.com', timeoutMs: '8000', autoBillOutstanding: 'true', paymentFailureThreshold: '2' };
    expect(instance(fromEnv)).toBe(true);
    expect(fromEnv).toMatchObject({ timeoutMs: 8000, autoBillOutstanding: true, paymentFailureThreshold: 2, verification: 'api' });
    expect(instance({})).toBe(true);
    expect(instance({ apiBaseUrl: 'api-m.paypal.com' })).toBe(false);
    expect(instance({ apiBaseUrl: 'https://api-m.paypal.com/v1' })).toBe(false);
    expect(instance({ verification: 'none' })).toBe(false);
    expect(instance({ timeoutMs: 10 })).toBe(false);
    expect(tenant({ clientId: 'AeA1', clientSecret: 'EC-1', webhookId: 'WH-1', brandName: 'Bright Answering' })).toBe(true);
    expect(tenant({ apiBaseUrl: 'http://169.254.169.254' })).toBe(false);
  });

  it('provides the payment port, building a provider from the effective config', () => {
    const [provision] = plugin.provides;
    expect(provision!.port).toBe(PAYMENT);
    expect(provision!.create({ config: { clientId: 'a', clientSecret: 'b' }, logger: silentLogger })).toBeInstanceOf(PayPalPaymentProvider);
    expect(() => provision!.create({ config: { apiBaseUrl: 'ftp://paypal' }, logger: silentLogger })).toThrow(/apiBaseUrl/);
  });
});
