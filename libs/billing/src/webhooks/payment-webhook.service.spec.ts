import 'reflect-metadata';
import { Client, PaymentEvent as PaymentEventRow, Subscription } from '@tero/db';
import { TeroError, type PaymentEvent } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { transitionSubscription } from '../subscriptions/subscription-transitions';
import { type BillingHarness, PAYPAL, STRIPE, createBillingHarness } from '../subscriptions/testing/billing-harness';

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
type Business = Awaited<ReturnType<BillingHarness['brandWithClient']>>;

function suite(kind: 'sqlite' | 'postgresql') {
  let t: TestDatabase;
  let h: BillingHarness;
  beforeAll(async () => {
    t = await createTestDatabase(kind, { migrate: true });
    h = createBillingHarness(t.db);
  });
  afterAll(() => t.drop());

  const em = (b: Business) => t.db.forTenant({ brandId: b.brand.id, clientId: b.client.id, locale: 'en' });
  const subscription = async (b: Business, id: string) => em(b).findOneOrFail(Subscription, { id });
  const clientStatus = async (b: Business) => (await em(b).findOneOrFail(Client, { id: b.client.id })).status;
  const inbox = (b: Business) => t.db.forTenant({ brandId: b.brand.id, clientId: null, locale: 'en' }).find(PaymentEventRow, {}, { orderBy: { receivedAt: 'asc', createdAt: 'asc' } });
  const lastCheckout = (provider: typeof STRIPE | typeof PAYPAL) => [...h.vendors[provider].checkouts.keys()].at(-1)!;

  /** Starts a checkout; `trial: false` uses a client that had a subscription before (no trial). */
  async function checkout(b: Business, options: { provider?: typeof STRIPE | typeof PAYPAL; plan?: string } = {}) {
    const provider = options.provider ?? STRIPE;
    const started = await h.subscriptions.startCheckout(b.ctx, { clientId: b.client.id, planId: b.plan(options.plan ?? 'growth').id, provider, ...urls });
    return { ...started, checkoutId: lastCheckout(provider) };
  }

  /** A business whose plans have no trial: the checkout charges at once. */
  async function noTrialBusiness(options: { providers?: string[] } = {}) {
    const b = await h.brandWithClient(options);
    for (const plan of await h.plans.list(b.brandCtx)) await h.plans.update(b.brandCtx, plan.id, { trialDays: 0 });
    return b;
  }

  async function active(b: Business, provider: typeof STRIPE | typeof PAYPAL = STRIPE) {
    const started = await checkout(b, { provider });
    const events = h.vendors[provider].completeCheckout(started.checkoutId);
    const summary = await h.deliver(b.brand.slug, provider, events);
    const row = await subscription(b, started.subscriptionId);
    return { ...started, events, summary, providerSubscriptionId: row.providerSubscriptionId! };
  }

  it('a finished checkout with its first payment makes the subscription active, the client active, and issues the invoice', async () => {
    const b = await noTrialBusiness();
    const { subscriptionId, summary, events, providerSubscriptionId } = await active(b);
    expect(summary).toEqual({ events: 2, applied: 2, duplicates: 0, ignored: 0, stale: 0, unmatched: 0 });
    const row = await subscription(b, subscriptionId);
    expect(row).toMatchObject({ status: 'active', providerSubscriptionId: expect.stringMatching(/^st_sub_/), providerCustomerId: expect.stringMatching(/^st_cus_/) });
    expect(row.currentPeriodEnd!.getTime()).toBeGreaterThan(row.currentPeriodStart!.getTime());
    expect(await clientStatus(b)).toBe('active');
    const paid = h.effects.calls.filter((c) => c.kind === 'paymentSucceeded' && c.subscriptionId === subscriptionId);
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({ provider: STRIPE, ctx: { brandId: b.brand.id, clientId: b.client.id, locale: 'en' }, event: { providerPaymentId: (events[1] as { providerPaymentId: string }).providerPaymentId } });
    expect((await inbox(b)).map((e) => [e.type, e.outcome, e.client?.id])).toEqual([
      ['checkout.completed', 'applied', b.client.id],
      ['payment.succeeded', 'applied', b.client.id],
    ]);
    expect(h.events.published.filter((e) => e.clientId === b.client.id).map((e) => e.type)).toEqual(['billing.subscription_changed', 'billing.client_status_changed']);
    expect(providerSubscriptionId).toBe(h.vendors[STRIPE].subscriptions.get(providerSubscriptionId)!.id);
  });

  it('a checkout with a trial is trialing until the first charge, which makes it active', async () => {
    const b = await h.brandWithClient();
    const started = await checkout(b);
    await h.deliver(b.brand.slug, STRIPE, h.vendors[STRIPE].completeCheckout(started.checkoutId));
    const row = await subscription(b, started.subscriptionId);
    expect(row.status).toBe('trialing');
    expect(await clientStatus(b)).toBe('active');
    h.clock.advanceDays(14);
    await h.deliver(b.brand.slug, STRIPE, h.vendors[STRIPE].renew(row.providerSubscriptionId!, 'paid'));
    expect((await subscription(b, started.subscriptionId)).status).toBe('active');
    expect((await h.subscriptions.history(b.ctx, b.client.id)).map((e) => [e.from, e.to, e.cause])).toEqual([
      ['trialing', 'active', 'webhook:payment.succeeded'],
      ['incomplete', 'trialing', 'webhook:checkout.completed'],
      [null, 'incomplete', 'client:checkout'],
    ]);
  });

  it('the same delivery twice has the effect of once', async () => {
    const b = await noTrialBusiness();
    const started = await checkout(b);
    const delivery = h.vendors[STRIPE].deliver('whsec_stripe_brand', h.vendors[STRIPE].completeCheckout(started.checkoutId));
    const receive = () => h.webhooks.receive({ provider: STRIPE, brandSlug: b.brand.slug, rawBody: delivery.rawBody, headers: delivery.headers });
    await receive();
    const effects = h.effects.calls.length;
    const published = h.events.published.length;
    const transitions = (await h.subscriptions.history(b.ctx, b.client.id)).length;
    expect(await receive()).toEqual({ events: 2, applied: 0, duplicates: 2, ignored: 0, stale: 0, unmatched: 0 });
    expect(h.effects.calls).toHaveLength(effects);
    expect(h.events.published).toHaveLength(published);
    expect(await h.subscriptions.history(b.ctx, b.client.id)).toHaveLength(transitions);
    expect(await inbox(b)).toHaveLength(2);
  });

  it('a forged or mistyped signature is a 400 and writes nothing', async () => {
    const b = await noTrialBusiness();
    const started = await checkout(b);
    const events = h.vendors[STRIPE].completeCheckout(started.checkoutId);
    for (const secret of ['whsec_forged', 'whsec_stripe_bran']) {
      const error = await caught(() => h.deliver(b.brand.slug, STRIPE, events, secret));
      expect(error).toMatchObject({ code: 'payment.signature_invalid' });
      expect(error.options.status).toBe(400);
    }
    const delivery = h.vendors[STRIPE].deliver('whsec_stripe_brand', events);
    const tampered = Buffer.from(delivery.rawBody.toString().replace('"amountMinor":49900', '"amountMinor":1'));
    expect((await caught(() => h.webhooks.receive({ provider: STRIPE, brandSlug: b.brand.slug, rawBody: tampered, headers: delivery.headers }))).code).toBe('payment.signature_invalid');
    expect(await inbox(b)).toEqual([]);
    expect((await subscription(b, started.subscriptionId)).status).toBe('incomplete');
    expect(h.effects.calls.filter((c) => c.subscriptionId === started.subscriptionId)).toEqual([]);
  });

  it("a delivery for another brand's slug does not verify with that brand's secret", async () => {
    const a = await noTrialBusiness();
    const other = await noTrialBusiness();
    h.settings.set({ brandId: other.brand.id }, STRIPE, { apiKey: 'k', webhookSecret: 'whsec_other' });
    const started = await checkout(a);
    const events = h.vendors[STRIPE].completeCheckout(started.checkoutId);
    expect((await caught(() => h.deliver(other.brand.slug, STRIPE, events))).code).toBe('payment.signature_invalid');
  });

  it('an unknown brand, or a provider the brand does not use, is a 404', async () => {
    const b = await h.brandWithClient({ providers: [STRIPE] });
    const unknown = await caught(() => h.deliver('no-such-brand', STRIPE, [h.vendors[STRIPE].unknown()]));
    expect(unknown).toMatchObject({ code: 'billing.brand_not_found' });
    expect(unknown.options.status).toBe(404);
    expect((await caught(() => h.deliver('Not A Slug!', STRIPE, []))).code).toBe('billing.brand_not_found');
    const notUsed = await caught(() => h.deliver(b.brand.slug, PAYPAL, [h.vendors[PAYPAL].unknown()]));
    expect(notUsed).toMatchObject({ code: 'billing.provider_unavailable' });
    expect(notUsed.options.status).toBe(404);
  });

  it('an event type we do not act on is kept, logged and answered as ignored', async () => {
    const b = await h.brandWithClient();
    expect(await h.deliver(b.brand.slug, STRIPE, [h.vendors[STRIPE].unknown()])).toEqual({ events: 1, applied: 0, duplicates: 0, ignored: 1, stale: 0, unmatched: 0 });
    expect((await inbox(b)).map((e) => [e.type, e.vendorType, e.outcome])).toEqual([['unknown', 'customer.tax_id.created', 'ignored']]);
  });

  it('an event about no subscription of ours is unmatched', async () => {
    const b = await h.brandWithClient();
    const stray = { ...h.vendors[STRIPE].unknown(), type: 'subscription.canceled', reference: null, providerSubscriptionId: 'st_sub_elsewhere', canceledAt: new Date() } as PaymentEvent;
    const misreferenced = { ...stray, eventId: 'evt_x', reference: 'not-a-uuid' } as PaymentEvent;
    expect(await h.deliver(b.brand.slug, STRIPE, [stray, misreferenced])).toMatchObject({ unmatched: 2 });
  });

  it('a payment arriving before the checkout completion still activates (matched by our reference), and the completion changes nothing after it', async () => {
    const b = await noTrialBusiness();
    const started = await checkout(b);
    const [completed, paid] = h.vendors[STRIPE].completeCheckout(started.checkoutId);
    await h.deliver(b.brand.slug, STRIPE, [paid!]);
    expect(await subscription(b, started.subscriptionId)).toMatchObject({ status: 'active', providerSubscriptionId: paid!.providerSubscriptionId });
    await h.deliver(b.brand.slug, STRIPE, [completed!]);
    expect(await subscription(b, started.subscriptionId)).toMatchObject({ status: 'active', providerCheckoutId: started.checkoutId });
    expect((await h.subscriptions.history(b.ctx, b.client.id)).map((e) => e.to)).toEqual(['active', 'incomplete']);
  });

  it('an older subscription state arriving after a newer one does not regress it', async () => {
    const b = await noTrialBusiness();
    const { subscriptionId, providerSubscriptionId } = await active(b);
    const vendor = h.vendors[STRIPE];
    const older = vendor.updated(providerSubscriptionId, new Date(h.clock.now().getTime() + 1_000)); // active
    h.clock.advanceDays(30);
    const failed = vendor.renew(providerSubscriptionId, 'failed'); // payment.failed + updated(past_due), both newer
    expect(await h.deliver(b.brand.slug, STRIPE, failed)).toMatchObject({ applied: 2 });
    expect((await subscription(b, subscriptionId)).status).toBe('past_due');
    expect(await h.deliver(b.brand.slug, STRIPE, [older])).toMatchObject({ stale: 1, applied: 0 });
    expect((await subscription(b, subscriptionId)).status).toBe('past_due');
    expect((await inbox(b)).at(-1)!.outcome).toBe('stale');
  });

  it('a failed payment makes the subscription past due and starts dunning; the client is still served; paying makes it active', async () => {
    const b = await noTrialBusiness();
    const { subscriptionId, providerSubscriptionId } = await active(b);
    h.clock.advanceDays(31);
    await h.deliver(b.brand.slug, STRIPE, h.vendors[STRIPE].renew(providerSubscriptionId, 'failed'));
    const row = await subscription(b, subscriptionId);
    expect(row).toMatchObject({ status: 'past_due', pastDueSince: expect.any(Date) });
    expect(await clientStatus(b)).toBe('active');
    const failed = h.effects.calls.filter((c) => c.kind === 'paymentFailed' && c.subscriptionId === subscriptionId);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ ctx: { clientId: b.client.id }, event: { failureReason: 'card_declined' } });
    h.clock.advanceDays(3);
    await h.deliver(b.brand.slug, STRIPE, h.vendors[STRIPE].renew(providerSubscriptionId, 'paid'));
    expect(await subscription(b, subscriptionId)).toMatchObject({ status: 'active', pastDueSince: null });
  });

  it('a suspended client (dunning ran out) is reactivated by its payment at once, and the call router is told', async () => {
    const b = await noTrialBusiness();
    const { subscriptionId, providerSubscriptionId } = await active(b);
    h.clock.advanceDays(31);
    await h.deliver(b.brand.slug, STRIPE, h.vendors[STRIPE].renew(providerSubscriptionId, 'failed'));
    // What dunning does when the grace period ends.
    await em(b).transactional(async (tx) => {
      const row = await tx.findOneOrFail(Subscription, { id: subscriptionId });
      await transitionSubscription(tx, row, 'suspended', { cause: 'dunning:grace_expired' });
    });
    expect(await clientStatus(b)).toBe('suspended');
    // The vendor still says past_due: we stay suspended.
    await h.deliver(b.brand.slug, STRIPE, [h.vendors[STRIPE].updated(providerSubscriptionId)]);
    expect((await subscription(b, subscriptionId)).status).toBe('suspended');
    const before = h.events.published.length;
    await h.deliver(b.brand.slug, STRIPE, h.vendors[STRIPE].renew(providerSubscriptionId, 'paid'));
    expect((await subscription(b, subscriptionId)).status).toBe('active');
    expect(await clientStatus(b)).toBe('active');
    expect(h.events.published.slice(before)).toContainEqual(expect.objectContaining({ type: 'billing.client_status_changed', payload: { clientId: b.client.id, from: 'suspended', to: 'active' } }));
  });

  it('a subscription the vendor ended is canceled, and so is the client', async () => {
    const b = await noTrialBusiness();
    const { subscriptionId, providerSubscriptionId } = await active(b);
    await h.deliver(b.brand.slug, STRIPE, [h.vendors[STRIPE].end(providerSubscriptionId)]);
    expect((await subscription(b, subscriptionId)).status).toBe('canceled');
    expect(await clientStatus(b)).toBe('canceled');
  });

  it('a refund is passed on to invoices and changes no state', async () => {
    const b = await noTrialBusiness();
    const { subscriptionId, events, providerSubscriptionId } = await active(b);
    const paid = events[1] as Extract<PaymentEvent, { type: 'payment.succeeded' }>;
    const refund: PaymentEvent = {
      type: 'refund.succeeded',
      eventId: 'evt_refund_1',
      occurredAt: h.clock.now(),
      reference: subscriptionId,
      providerSubscriptionId,
      providerCustomerId: null,
      vendorType: 'charge.refunded',
      providerRefundId: 're_1',
      providerPaymentId: paid.providerPaymentId,
      amountMinor: paid.amountMinor,
      currency: 'USD',
    };
    await h.deliver(b.brand.slug, STRIPE, [refund]);
    expect(h.effects.calls.at(-1)).toMatchObject({ kind: 'refundSucceeded', subscriptionId, event: { providerRefundId: 're_1' } });
    expect((await subscription(b, subscriptionId)).status).toBe('active');
  });

  it('when invoicing fails after the commit, the vendor is asked to deliver again (503), and the redelivery finishes the job once', async () => {
    const b = await noTrialBusiness();
    const started = await checkout(b);
    const delivery = h.vendors[STRIPE].deliver('whsec_stripe_brand', h.vendors[STRIPE].completeCheckout(started.checkoutId));
    const receive = () => h.webhooks.receive({ provider: STRIPE, brandSlug: b.brand.slug, rawBody: delivery.rawBody, headers: delivery.headers });
    h.effects.failNext();
    const error = await caught(receive);
    expect(error).toMatchObject({ code: 'billing.webhook_retry' });
    expect(error.options.status).toBe(503);
    // The state is committed; the payment's follow-up is pending.
    expect((await subscription(b, started.subscriptionId)).status).toBe('active');
    expect((await inbox(b)).map((e) => e.outcome)).toEqual(['applied', 'pending']);
    expect(await receive()).toMatchObject({ applied: 1, duplicates: 1 });
    expect((await inbox(b)).map((e) => e.outcome)).toEqual(['applied', 'applied']);
    expect(await receive()).toMatchObject({ applied: 0, duplicates: 2 });
    const attempts = h.effects.calls.filter((c) => c.subscriptionId === started.subscriptionId);
    expect(attempts.map((c) => c.kind)).toEqual(['paymentSucceeded', 'paymentSucceeded']);
    expect((await h.subscriptions.history(b.ctx, b.client.id)).map((e) => e.to)).toEqual(['active', 'incomplete']);
  });

  it('a second checkout finished while a subscription is in force is ended at once: one subscription, one client', async () => {
    const b = await noTrialBusiness();
    const first = await checkout(b);
    const second = await checkout(b, { provider: PAYPAL, plan: 'pro' });
    await h.deliver(b.brand.slug, STRIPE, h.vendors[STRIPE].completeCheckout(first.checkoutId));
    await h.deliver(b.brand.slug, PAYPAL, h.vendors[PAYPAL].completeCheckout(second.checkoutId));
    expect((await subscription(b, first.subscriptionId)).status).toBe('active');
    expect((await subscription(b, second.subscriptionId)).status).toBe('canceled');
    expect(h.vendors[PAYPAL].callsOf('cancel').at(-1)).toMatchObject({ atPeriodEnd: false });
    expect(await clientStatus(b)).toBe('active');
    expect((await h.subscriptions.current(b.ctx, b.client.id))!.id).toBe(first.subscriptionId);
  });

  it('an abandoned checkout is closed when another one of the client finishes', async () => {
    const b = await noTrialBusiness();
    const abandoned = await checkout(b, { plan: 'pro' });
    const chosen = await checkout(b);
    await h.deliver(b.brand.slug, STRIPE, h.vendors[STRIPE].completeCheckout(chosen.checkoutId));
    expect((await subscription(b, abandoned.subscriptionId)).status).toBe('canceled');
    expect(await clientStatus(b)).toBe('active');
  });

  describe('switching from Stripe to PayPal', () => {
    it('no double charge and no gap: the old one ends at its period end, the new one charges first then', async () => {
      const b = await noTrialBusiness();
      const old = await active(b, STRIPE);
      const oldRow = await subscription(b, old.subscriptionId);
      const periodEnd = oldRow.currentPeriodEnd!;
      h.clock.advanceDays(10);

      const switched = await h.subscriptions.switchProvider(b.ctx, { clientId: b.client.id, provider: PAYPAL, ...urls });
      expect(switched.startsAt).toEqual(periodEnd);
      // The customer approves at PayPal: nothing is charged now.
      await h.deliver(b.brand.slug, PAYPAL, h.vendors[PAYPAL].completeCheckout(lastCheckout(PAYPAL)));
      const paypalSubscription = (await subscription(b, switched.subscriptionId)).providerSubscriptionId!;
      expect(h.vendors[PAYPAL].charges.filter((c) => c.subscriptionId === paypalSubscription)).toEqual([]);
      expect((await subscription(b, switched.subscriptionId)).status).toBe('trialing');
      // The old one is told to end at its period's end, once.
      expect(h.vendors[STRIPE].callsOf('cancel')).toContainEqual(expect.objectContaining({ providerSubscriptionId: old.providerSubscriptionId, atPeriodEnd: true }));
      expect(await subscription(b, old.subscriptionId)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
      const view = (await h.subscriptions.current(b.ctx, b.client.id))!;
      expect(view).toMatchObject({ id: old.subscriptionId, provider: STRIPE, pendingSwitch: { subscriptionId: switched.subscriptionId, provider: PAYPAL, status: 'trialing' } });
      expect(view.nextCharge).toEqual({ at: periodEnd, amountMinor: oldRow.amountMinor, currency: 'USD', provider: PAYPAL });

      // The period ends: Stripe ends the old one (no renewal), PayPal charges the first period.
      h.clock.set(periodEnd);
      await h.deliver(b.brand.slug, STRIPE, [h.vendors[STRIPE].end(old.providerSubscriptionId)]);
      expect(await clientStatus(b)).toBe('active');
      await h.deliver(b.brand.slug, PAYPAL, h.vendors[PAYPAL].renew(paypalSubscription, 'paid'));

      expect((await subscription(b, old.subscriptionId)).status).toBe('canceled');
      expect((await subscription(b, switched.subscriptionId)).status).toBe('active');
      expect(await clientStatus(b)).toBe('active');
      expect((await h.subscriptions.current(b.ctx, b.client.id))).toMatchObject({ id: switched.subscriptionId, provider: PAYPAL, pendingSwitch: null });
      // One charge per period: Stripe's first, PayPal's from the period end on.
      const charges = [...h.vendors[STRIPE].charges, ...h.vendors[PAYPAL].charges].filter((c) => [old.providerSubscriptionId, paypalSubscription].includes(c.subscriptionId));
      expect(charges.map((c) => [c.subscriptionId.slice(0, 2), c.status])).toEqual([
        ['st', 'succeeded'],
        ['pp', 'succeeded'],
      ]);
    });

    it("in either order: PayPal's first charge before Stripe's end keeps the client active", async () => {
      const b = await noTrialBusiness();
      const old = await active(b, STRIPE);
      const periodEnd = (await subscription(b, old.subscriptionId)).currentPeriodEnd!;
      const switched = await h.subscriptions.switchProvider(b.ctx, { clientId: b.client.id, provider: PAYPAL, ...urls });
      await h.deliver(b.brand.slug, PAYPAL, h.vendors[PAYPAL].completeCheckout(lastCheckout(PAYPAL)));
      h.clock.set(periodEnd);
      const paypalSubscription = (await subscription(b, switched.subscriptionId)).providerSubscriptionId!;
      await h.deliver(b.brand.slug, PAYPAL, h.vendors[PAYPAL].renew(paypalSubscription, 'paid'));
      await h.deliver(b.brand.slug, STRIPE, [h.vendors[STRIPE].end(old.providerSubscriptionId)]);
      expect(await clientStatus(b)).toBe('active');
      expect((await h.subscriptions.current(b.ctx, b.client.id))!.id).toBe(switched.subscriptionId);
    });

    it("when the old provider cannot be reached, the vendor is asked to deliver again and the old one's end is retried", async () => {
      const b = await noTrialBusiness();
      const old = await active(b, STRIPE);
      await h.subscriptions.switchProvider(b.ctx, { clientId: b.client.id, provider: PAYPAL, ...urls });
      const delivery = h.vendors[PAYPAL].deliver('paypal-webhook-secret', h.vendors[PAYPAL].completeCheckout(lastCheckout(PAYPAL)));
      const receive = () => h.webhooks.receive({ provider: PAYPAL, brandSlug: b.brand.slug, rawBody: delivery.rawBody, headers: delivery.headers });
      h.vendors[STRIPE].failNext('cancel', new TeroError('payment.unavailable', 'stripe down', {}, { status: 503, retryable: true }));
      expect((await caught(receive)).code).toBe('billing.webhook_retry');
      await receive();
      const cancels = h.vendors[STRIPE].callsOf('cancel').filter((c) => (c as { providerSubscriptionId: string }).providerSubscriptionId === old.providerSubscriptionId);
      expect(cancels).toHaveLength(2);
      expect(h.vendors[STRIPE].subscriptions.get(old.providerSubscriptionId)!.cancelAtPeriodEnd).toBe(true);
    });
  });

  describe('concurrency', () => {
    it('the same event delivered ten times at once is applied once', async () => {
      const b = await noTrialBusiness();
      const started = await checkout(b);
      const delivery = h.vendors[STRIPE].deliver('whsec_stripe_brand', h.vendors[STRIPE].completeCheckout(started.checkoutId));
      const results = await Promise.all(
        Array.from({ length: 10 }, () => h.webhooks.receive({ provider: STRIPE, brandSlug: b.brand.slug, rawBody: delivery.rawBody, headers: delivery.headers })),
      );
      // A delivery that lost the race to the pending follow-up may run it too (idempotent); none applies the state twice.
      expect(results.reduce((n, r) => n + r.applied + r.duplicates, 0)).toBe(20);
      expect(await inbox(b)).toHaveLength(2);
      expect((await h.subscriptions.history(b.ctx, b.client.id)).map((e) => e.to)).toEqual(['active', 'incomplete']);
      expect((await subscription(b, started.subscriptionId)).version).toBe(2);
    });

    it('two checkouts finished at the same moment leave exactly one subscription in force', async () => {
      const b = await noTrialBusiness();
      const first = await checkout(b);
      const second = await checkout(b, { provider: PAYPAL });
      await Promise.all([
        h.deliver(b.brand.slug, STRIPE, h.vendors[STRIPE].completeCheckout(first.checkoutId)),
        h.deliver(b.brand.slug, PAYPAL, h.vendors[PAYPAL].completeCheckout(second.checkoutId)),
      ]);
      const statuses = [(await subscription(b, first.subscriptionId)).status, (await subscription(b, second.subscriptionId)).status].sort();
      expect(statuses).toEqual(['active', 'canceled']);
      expect(await clientStatus(b)).toBe('active');
    });

    it('two switches started and finished at once: one takes over, the other is ended, the old one is told to end once', async () => {
      const b = await noTrialBusiness();
      const old = await active(b, STRIPE);
      const switches = await Promise.all([0, 1].map(() => h.subscriptions.switchProvider(b.ctx, { clientId: b.client.id, provider: PAYPAL, ...urls })));
      const checkouts = [...h.vendors[PAYPAL].checkouts.values()].filter((c) => switches.some((s) => s.subscriptionId === c.input.reference));
      expect(checkouts).toHaveLength(2);
      await Promise.all(checkouts.map((c) => h.deliver(b.brand.slug, PAYPAL, h.vendors[PAYPAL].completeCheckout(c.id))));
      const statuses = await Promise.all(switches.map(async (s) => (await subscription(b, s.subscriptionId)).status));
      expect(statuses.sort()).toEqual(['canceled', 'trialing']);
      const oldCancels = h.vendors[STRIPE].callsOf('cancel').filter((c) => (c as { providerSubscriptionId: string }).providerSubscriptionId === old.providerSubscriptionId);
      expect(oldCancels).toEqual([expect.objectContaining({ atPeriodEnd: true })]);
      expect((await h.subscriptions.current(b.ctx, b.client.id))!.pendingSwitch).toMatchObject({ status: 'trialing' });
    });

    it('events about one subscription applied at once keep the newest state', async () => {
      const b = await noTrialBusiness();
      const { subscriptionId, providerSubscriptionId } = await active(b);
      const vendor = h.vendors[STRIPE];
      const states: PaymentEvent[] = [];
      for (let i = 1; i <= 8; i++) {
        h.clock.advanceDays(1);
        const s = vendor.subscriptions.get(providerSubscriptionId)!;
        // The newest is past_due: only a payment may lift it, so whatever order they land in, it must stick.
        s.status = i % 2 ? 'active' : 'past_due';
        states.push(vendor.updated(providerSubscriptionId));
      }
      await Promise.all(states.reverse().map((event) => h.deliver(b.brand.slug, STRIPE, [event])));
      const row = await subscription(b, subscriptionId);
      expect(row.lastVendorEventAt).toEqual(states[0]!.occurredAt);
      expect(row.status).toBe('past_due');
    });
  });
}

describe.each(['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const)('PaymentWebhookService on %s', (kind) => suite(kind));

it('days are days', () => expect(DAY).toBe(86_400_000));
