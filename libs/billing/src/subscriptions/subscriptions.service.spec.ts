import 'reflect-metadata';
import { ValidationError } from '@tero/accounts';
import { Client, Subscription } from '@tero/db';
import { TeroError, type PaymentCheckoutInput, type PaymentPrice } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { seedBrand, seedClient } from './testing/billing-fixtures';
import { type BillingHarness, PAYPAL, STRIPE, createBillingHarness } from './testing/billing-harness';

async function caught(run: () => Promise<unknown>): Promise<TeroError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof TeroError) return error;
    throw error;
  }
  throw new Error('expected the call to throw, it resolved');
}

const urls = { successUrl: 'https://bright.tero.test/billing?done=1', cancelUrl: 'https://bright.tero.test/billing' };
const DAY = 86_400_000;

describe('SubscriptionsService', () => {
  let t: TestDatabase;
  let h: BillingHarness;
  beforeAll(async () => {
    t = await createTestDatabase('sqlite', { migrate: true });
    h = createBillingHarness(t.db);
  });
  afterAll(() => t.drop());

  const rows = (clientId: string, brandId: string) => t.db.forTenant({ brandId, clientId, locale: 'en' }).find(Subscription, { client: clientId }, { orderBy: { createdAt: 'asc' } });
  const clientStatus = async (clientId: string, brandId: string) => (await t.db.forTenant({ brandId, clientId, locale: 'en' }).findOneOrFail(Client, { id: clientId })).status;

  /** A client through checkout and the vendor's webhooks: active (or trialing) on `provider`. */
  async function subscribed(b: Awaited<ReturnType<BillingHarness['brandWithClient']>>, options: { provider?: typeof STRIPE | typeof PAYPAL; plan?: string } = {}) {
    const provider = options.provider ?? STRIPE;
    const started = await h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan(options.plan ?? 'growth').id, provider, ...urls });
    const checkoutId = (h.vendors[provider].callsOf('startCheckout').at(-1) as PaymentCheckoutInput & { id?: string }) && [...h.vendors[provider].checkouts.keys()].at(-1)!;
    await h.deliver(b.brand.slug, provider, h.vendors[provider].completeCheckout(checkoutId));
    return started;
  }

  describe('startCheckout', () => {
    it("creates the subscription incomplete, with the plan's price and the brand's tax, a 14-day trial, and sends the customer to the vendor", async () => {
      const b = await h.brandWithClient({ billingSettings: { taxRateBps: 825 } });
      const started = await h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('growth').id, provider: STRIPE, ...urls });
      const trialEnd = new Date(h.clock.now().getTime() + 14 * DAY);
      // 499.00 + 8.25 % = 540.17 (41.1675 rounded half up)
      expect(started).toEqual({ subscriptionId: expect.any(String), provider: STRIPE, redirectUrl: expect.stringMatching(/^https:\/\/vendor\.test\/st\/checkout\//), amountMinor: 54_017, currency: 'USD', trialEndsAt: trialEnd, startsAt: trialEnd });

      const [price] = h.vendors[STRIPE].callsOf('ensurePrice') as PaymentPrice[];
      expect(price).toEqual({ planId: b.plan('growth').id, planCode: 'growth', name: 'Growth (monthly)', interval: 'month', amountMinor: 54_017, currency: 'USD', priceKey: `${b.plan('growth').id}:month:54017:USD` });
      const checkout = h.vendors[STRIPE].callsOf('startCheckout').at(-1) as PaymentCheckoutInput;
      expect(checkout).toMatchObject({ reference: started.subscriptionId, firstChargeAt: trialEnd, locale: 'en', customer: { clientId: b.client.id, email: b.owner.email }, ...urls });

      const [row] = await rows(b.client.id, b.brand.id);
      expect(row).toMatchObject({ id: started.subscriptionId, status: 'incomplete', provider: STRIPE, interval: 'month', amountMinor: 54_017, providerCheckoutId: expect.stringMatching(/^st_cs_/), providerPriceId: expect.stringMatching(/^st_price_/) });
      expect(await h.subscriptions.history(b.ctx, b.client.id)).toEqual([
        expect.objectContaining({ subscriptionId: started.subscriptionId, from: null, to: 'incomplete', cause: 'client:checkout', causeRef: b.owner.id }),
      ]);
      // Until the customer finishes, the client has nothing in force.
      expect((await h.subscriptions.current(b.ctx, b.client.id))?.status).toBe('incomplete');
      expect(await clientStatus(b.client.id, b.brand.id)).toBe('onboarding');
    });

    it('an annual checkout costs ten months', async () => {
      const b = await h.brandWithClient();
      const started = await h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('pro').id, interval: 'year', provider: PAYPAL, ...urls });
      expect(started.amountMinor).toBe(799_000);
      expect((h.vendors[PAYPAL].callsOf('ensurePrice').at(-1) as PaymentPrice).name).toBe('Pro (yearly)');
    });

    it("uses the brand's default provider, or its only configured one, when none is asked for", async () => {
      const a = await h.brandWithClient({ billingSettings: { defaultProvider: PAYPAL } });
      expect((await h.subscriptions.startCheckout(a.ctx, { clientId: a.client.id, planId: a.plan('starter').id, ...urls })).provider).toBe(PAYPAL);
      const b = await h.brandWithClient({ providers: [STRIPE] });
      expect((await h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('starter').id, ...urls })).provider).toBe(STRIPE);
    });

    it('a client that had a subscription before gets no second trial', async () => {
      const b = await h.brandWithClient();
      await subscribed(b);
      await h.subscriptions.cancel(b.ctx, { clientId: b.client.id, atPeriodEnd: false });
      const again = await h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('growth').id, provider: STRIPE, ...urls });
      expect(again).toMatchObject({ trialEndsAt: null, startsAt: null });
      expect((h.vendors[STRIPE].callsOf('startCheckout').at(-1) as PaymentCheckoutInput).firstChargeAt).toBeNull();
    });

    it("refuses a plan of another brand as not found, and changes nothing", async () => {
      const a = await h.brandWithClient();
      const b = await h.brandWithClient();
      const error = await caught(() => h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: a.plan('growth').id, provider: STRIPE, ...urls }));
      expect(error).toMatchObject({ code: 'billing.plan_not_found', params: { field: 'planId' } });
      expect(error.options.status).toBe(404);
      expect(await rows(b.client.id, b.brand.id)).toEqual([]);
    });

    it('refuses a plan withdrawn from sale', async () => {
      const b = await h.brandWithClient();
      await h.plans.deactivate(b.brandCtx, b.plan('pro').id);
      expect((await caught(() => h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('pro').id, provider: STRIPE, ...urls }))).code).toBe('billing.plan_inactive');
    });

    it("refuses another brand's client, and a client acting for another client", async () => {
      const a = await h.brandWithClient();
      const b = await h.brandWithClient();
      const other = await seedClient(t.db, b.brand);
      expect((await caught(() => h.subscriptions.startCheckout(b.brandCtx, { clientId: a.client.id, planId: b.plan('growth').id, provider: STRIPE, ...urls }))).code).toBe('billing.client_not_found');
      expect((await caught(() => h.subscriptions.startCheckout(b.ctx, { clientId: other.client.id, planId: b.plan('growth').id, provider: STRIPE, ...urls }))).code).toBe('billing.client_not_found');
      // The brand's admin may start it for any of its clients.
      expect((await h.subscriptions.startCheckout(b.brandCtx, { clientId: other.client.id, planId: b.plan('growth').id, provider: STRIPE, ...urls })).provider).toBe(STRIPE);
    });

    it('a brand whose payments are not set up cannot check out (provider_unavailable), and nothing is written', async () => {
      const { brand, brandCtx } = await seedBrand(t.db);
      const { client, ctx } = await seedClient(t.db, brand);
      const plan = (await h.plans.list(brandCtx))[0]!;
      for (const provider of [STRIPE, undefined]) {
        const error = await caught(() => h.subscriptions.startCheckout(ctx, { clientId: client.id, planId: plan.id, provider, ...urls }));
        expect(error).toMatchObject({ code: 'billing.provider_unavailable', params: { field: 'provider' } });
      }
      const notEnabled = await caught(() => h.subscriptions.startCheckout(ctx, { clientId: client.id, planId: plan.id, provider: 'payment-square', ...urls }));
      expect(notEnabled).toMatchObject({ code: 'billing.provider_unavailable', params: { provider: 'payment-square', reason: 'not enabled on this instance' } });
      expect(await rows(client.id, brand.id)).toEqual([]);
    });

    it('refuses a client that already has a subscription in force', async () => {
      const b = await h.brandWithClient();
      await subscribed(b);
      const error = await caught(() => h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('pro').id, provider: PAYPAL, ...urls }));
      expect(error).toMatchObject({ code: 'billing.subscription_exists', params: { status: 'trialing' } });
      expect(error.options.status).toBe(409);
    });

    it('a checkout the customer abandoned does not block a new one', async () => {
      const b = await h.brandWithClient();
      await h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('growth').id, provider: STRIPE, ...urls });
      await h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('pro').id, provider: PAYPAL, ...urls });
      expect((await rows(b.client.id, b.brand.id)).map((s) => s.status)).toEqual(['incomplete', 'incomplete']);
    });

    it("a vendor's refusal closes the new subscription and leaves the client as it was", async () => {
      const b = await h.brandWithClient();
      h.vendors[STRIPE].failNext('startCheckout', new TeroError('payment.unavailable', 'stripe down', {}, { retryable: true, status: 503 }));
      expect((await caught(() => h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('growth').id, provider: STRIPE, ...urls }))).code).toBe('payment.unavailable');
      const [row] = await rows(b.client.id, b.brand.id);
      expect(row!.status).toBe('canceled');
      expect(await clientStatus(b.client.id, b.brand.id)).toBe('onboarding');
      expect((await h.subscriptions.history(b.ctx, b.client.id)).map((e) => [e.to, e.cause, e.causeRef])).toEqual([
        ['canceled', 'checkout:failed', 'payment.unavailable'],
        ['incomplete', 'client:checkout', b.owner.id],
      ]);
    });

    it('credentials that are incomplete are named: provider_unavailable with the missing key', async () => {
      const b = await h.brandWithClient();
      h.settings.set({ brandId: b.brand.id }, STRIPE, { webhookSecret: 'only-this' });
      const error = await caught(() => h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('growth').id, provider: STRIPE, ...urls }));
      expect(error.code).toBe('billing.provider_unavailable');
      expect(error.message).toContain('apiKey');
    });

    it.each([
      [{ successUrl: 'javascript:alert(1)' }, 'successUrl'],
      [{ cancelUrl: 'not a url' }, 'cancelUrl'],
      [{ interval: 'week' }, 'interval'],
      [{ provider: 'Stripe!' }, 'provider'],
    ])('refuses %j, naming the field', async (change, field) => {
      const b = await h.brandWithClient();
      const error = await caught(() => h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('growth').id, provider: STRIPE, ...urls, ...change } as never));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems.map((p) => p.field)).toEqual([field]);
    });
  });

  describe('current', () => {
    it('is null for a client without a subscription', async () => {
      const b = await h.brandWithClient();
      expect(await h.subscriptions.current(b.ctx, b.client.id)).toBeNull();
    });

    it('shows the plan, status and next charge once the checkout is finished', async () => {
      const b = await h.brandWithClient();
      const started = await subscribed(b, { plan: 'pro' });
      const view = (await h.subscriptions.current(b.ctx, b.client.id))!;
      expect(view).toMatchObject({ id: started.subscriptionId, status: 'trialing', serving: true, provider: STRIPE, plan: { code: 'pro' }, amountMinor: 79_900 });
      expect(view.nextCharge).toEqual({ at: started.trialEndsAt, amountMinor: 79_900, currency: 'USD', provider: STRIPE });
      expect(await clientStatus(b.client.id, b.brand.id)).toBe('active');
    });
  });

  describe('changePlan', () => {
    it('moves to another plan and interval, pro-rated at the vendor, and keeps the change in the history', async () => {
      const b = await h.brandWithClient();
      const started = await subscribed(b, { plan: 'starter' });
      const view = await h.subscriptions.changePlan(b.ctx, { clientId: b.client.id, planId: b.plan('pro').id, interval: 'year' });
      expect(view).toMatchObject({ id: started.subscriptionId, status: 'trialing', interval: 'year', plan: { code: 'pro' }, amountMinor: 799_000 });
      const change = h.vendors[STRIPE].callsOf('changePrice').at(-1) as { prorate: boolean; providerSubscriptionId: string };
      expect(change.prorate).toBe(true);
      const [row] = await rows(b.client.id, b.brand.id);
      expect(row!.providerPriceId).toBe(h.vendors[STRIPE].subscriptions.get(change.providerSubscriptionId)!.priceId);
      expect((await h.subscriptions.history(b.ctx, b.client.id))[0]).toMatchObject({ from: 'trialing', to: 'trialing', cause: 'client:plan_change', causeRef: `starter/month>pro/year by ${b.owner.id}` });
    });

    it('the same plan and interval is no change at all', async () => {
      const b = await h.brandWithClient();
      await subscribed(b);
      const calls = h.vendors[STRIPE].callsOf('changePrice').length;
      await h.subscriptions.changePlan(b.ctx, { clientId: b.client.id, planId: b.plan('growth').id });
      expect(h.vendors[STRIPE].callsOf('changePrice')).toHaveLength(calls);
    });

    it('refuses a plan of another brand, and a client without a subscription', async () => {
      const a = await h.brandWithClient();
      const b = await h.brandWithClient();
      await subscribed(b);
      expect((await caught(() => h.subscriptions.changePlan(b.ctx, { clientId: b.client.id, planId: a.plan('pro').id }))).code).toBe('billing.plan_not_found');
      expect((await caught(() => h.subscriptions.changePlan(a.ctx, { clientId: a.client.id, planId: a.plan('pro').id }))).code).toBe('billing.no_subscription');
    });

    it('refuses while a payment is overdue', async () => {
      const b = await h.brandWithClient();
      await subscribed(b);
      const [row] = await rows(b.client.id, b.brand.id);
      h.clock.advanceDays(15);
      await h.deliver(b.brand.slug, STRIPE, h.vendors[STRIPE].renew(row!.providerSubscriptionId!, 'failed'));
      expect(await caught(() => h.subscriptions.changePlan(b.ctx, { clientId: b.client.id, planId: b.plan('pro').id }))).toMatchObject({ code: 'billing.subscription_not_changeable', params: { status: 'past_due' } });
    });
  });

  describe('cancel', () => {
    it('at the period end: the vendor stops charging, the client keeps its service until then', async () => {
      const b = await h.brandWithClient();
      await subscribed(b);
      const view = await h.subscriptions.cancel(b.ctx, { clientId: b.client.id });
      expect(view).toMatchObject({ status: 'trialing', cancelAtPeriodEnd: true, nextCharge: null });
      expect(h.vendors[STRIPE].callsOf('cancel').at(-1)).toMatchObject({ atPeriodEnd: true });
      expect(await clientStatus(b.client.id, b.brand.id)).toBe('active');
      expect((await h.subscriptions.history(b.ctx, b.client.id))[0]).toMatchObject({ from: 'trialing', to: 'trialing', cause: 'client:cancel_at_period_end' });
    });

    it('at once: canceled here and at the vendor, the client canceled, and the change published', async () => {
      const b = await h.brandWithClient();
      const started = await subscribed(b);
      const before = h.events.published.length;
      const view = await h.subscriptions.cancel(b.brandCtx, { clientId: b.client.id, atPeriodEnd: false });
      expect(view.status).toBe('canceled');
      expect(h.vendors[STRIPE].callsOf('cancel').at(-1)).toMatchObject({ atPeriodEnd: false });
      expect(await clientStatus(b.client.id, b.brand.id)).toBe('canceled');
      expect(h.events.published.slice(before)).toEqual([
        expect.objectContaining({ type: 'billing.subscription_changed', clientId: b.client.id, payload: expect.objectContaining({ subscriptionId: started.subscriptionId, from: 'trialing', to: 'canceled' }) }),
        expect.objectContaining({ type: 'billing.client_status_changed', payload: { clientId: b.client.id, from: 'active', to: 'canceled' } }),
      ]);
      expect((await h.subscriptions.history(b.ctx, b.client.id))[0]).toMatchObject({ cause: 'admin:cancel' });
      expect(await h.subscriptions.current(b.ctx, b.client.id)).toBeNull();
    });

    it('a checkout never finished is simply closed', async () => {
      const b = await h.brandWithClient();
      await h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan('growth').id, provider: STRIPE, ...urls });
      const calls = h.vendors[STRIPE].callsOf('cancel').length;
      expect((await h.subscriptions.cancel(b.ctx, { clientId: b.client.id })).status).toBe('canceled');
      expect(h.vendors[STRIPE].callsOf('cancel')).toHaveLength(calls);
      expect(await clientStatus(b.client.id, b.brand.id)).toBe('onboarding');
    });

    it('a vendor that fails leaves everything as it was', async () => {
      const b = await h.brandWithClient();
      await subscribed(b);
      h.vendors[STRIPE].failNext('cancel', new TeroError('payment.unavailable', 'down', {}, { status: 503, retryable: true }));
      expect((await caught(() => h.subscriptions.cancel(b.ctx, { clientId: b.client.id, atPeriodEnd: false }))).code).toBe('payment.unavailable');
      expect((await h.subscriptions.current(b.ctx, b.client.id))!.status).toBe('trialing');
    });
  });

  describe('switchProvider', () => {
    it('checks out the new provider with its first charge at the end of the paid period; the old one stays in force meanwhile', async () => {
      const b = await h.brandWithClient();
      const old = await subscribed(b);
      const switched = await h.subscriptions.switchProvider(b.ctx, { clientId: b.client.id, provider: PAYPAL, ...urls });
      expect(switched).toMatchObject({ provider: PAYPAL, amountMinor: old.amountMinor, startsAt: old.trialEndsAt, trialEndsAt: null });
      expect(h.vendors[PAYPAL].callsOf('startCheckout').at(-1)).toMatchObject({ reference: switched.subscriptionId, firstChargeAt: old.trialEndsAt });
      const view = (await h.subscriptions.current(b.ctx, b.client.id))!;
      expect(view).toMatchObject({ id: old.subscriptionId, provider: STRIPE, pendingSwitch: { subscriptionId: switched.subscriptionId, provider: PAYPAL, status: 'incomplete', startsAt: old.trialEndsAt } });
      const [, row] = await rows(b.client.id, b.brand.id);
      expect(row).toMatchObject({ replacesId: old.subscriptionId, status: 'incomplete' });
    });

    it('refuses the provider already used, and a second switch once one is scheduled', async () => {
      const b = await h.brandWithClient();
      await subscribed(b);
      expect((await caught(() => h.subscriptions.switchProvider(b.ctx, { clientId: b.client.id, provider: STRIPE, ...urls }))).code).toBe('billing.same_provider');
      await h.subscriptions.switchProvider(b.ctx, { clientId: b.client.id, provider: PAYPAL, ...urls });
      await h.deliver(b.brand.slug, PAYPAL, h.vendors[PAYPAL].completeCheckout([...h.vendors[PAYPAL].checkouts.keys()].at(-1)!));
      expect((await caught(() => h.subscriptions.switchProvider(b.ctx, { clientId: b.client.id, provider: PAYPAL, ...urls }))).code).toBe('billing.switch_pending');
      expect((await caught(() => h.subscriptions.changePlan(b.ctx, { clientId: b.client.id, planId: b.plan('pro').id }))).code).toBe('billing.switch_pending');
    });
  });

  describe('portal', () => {
    it("opens the vendor's page for the subscription in force", async () => {
      const b = await h.brandWithClient();
      await subscribed(b, { provider: PAYPAL });
      const { url } = await h.subscriptions.portal(b.ctx, { clientId: b.client.id, returnUrl: 'https://bright.tero.test/billing' });
      expect(url).toMatch(/^https:\/\/vendor\.test\/pp\/portal\/pp_sub_\d+\?return=/);
    });

    it('is refused without a subscription', async () => {
      const b = await h.brandWithClient();
      expect((await caught(() => h.subscriptions.portal(b.ctx, { clientId: b.client.id, returnUrl: 'https://bright.tero.test/billing' }))).code).toBe('billing.no_subscription');
    });
  });

  it("lists the brand's clients with their subscription in force", async () => {
    const b = await h.brandWithClient();
    await subscribed(b);
    const other = await seedClient(t.db, b.brand);
    const states = await h.subscriptions.clientsOfBrand(b.brandCtx);
    expect(states.map((s) => [s.clientId, s.subscription?.status ?? null])).toEqual(
      expect.arrayContaining([
        [b.client.id, 'trialing'],
        [other.client.id, null],
      ]),
    );
    expect(states).toHaveLength(2);
  });

  it('lists the payment providers the brand can use', async () => {
    const b = await h.brandWithClient({ providers: [PAYPAL], billingSettings: { defaultProvider: PAYPAL } });
    expect(await h.providers.list(b.brandCtx, { defaultProvider: PAYPAL })).toEqual([
      { pluginId: STRIPE, displayName: `Fake ${STRIPE}`, configured: false, isDefault: false },
      { pluginId: PAYPAL, displayName: `Fake ${PAYPAL}`, configured: true, isDefault: true },
    ]);
  });
});
