import type { TenantContext } from '../context';
import { TeroError } from '../errors';
import {
  PAYMENT_ERRORS,
  paymentPriceKey,
  type PaymentCheckout,
  type PaymentEvent,
  type PaymentEventType,
  type PaymentPrice,
  type PaymentProvider,
  type PaymentWebhookDelivery,
} from '../ports/payment.port';

/** One charge the fake vendor made, in port terms. */
export interface PaymentVendorCharge {
  providerPaymentId: string;
  providerSubscriptionId: string | null;
  amountMinor: number;
  currency: string;
  status: 'succeeded' | 'failed';
  at: Date;
}

/**
 * The fake vendor, driven the way a customer and the vendor's clock would drive the real one. Every
 * state change it makes is also sent as the webhook the real vendor would send, signed with the
 * brand's webhook secret, and kept for {@link takeWebhooks}.
 */
export interface PaymentVendorControl {
  /** The customer finishes the checkout: pays (Stripe) or approves (PayPal). A first charge happens at once unless the checkout asked for a later `firstChargeAt`. */
  completeCheckout(checkout: PaymentCheckout): Promise<void>;
  /** The vendor's clock reaches the end of the paid period: it charges the next one, with this outcome. */
  renew(providerSubscriptionId: string, outcome: 'paid' | 'failed'): Promise<void>;
  /** Webhook deliveries sent since the last call, oldest first. */
  takeWebhooks(): Promise<PaymentWebhookDelivery[]>;
  /** The same delivery with a signature made with another secret. */
  forge(delivery: PaymentWebhookDelivery): PaymentWebhookDelivery;
  /** A correctly signed delivery of an event type the port does not model. */
  unknownEvent(): Promise<PaymentWebhookDelivery>;
  /** Every charge the vendor made, oldest first. */
  charges(): Promise<PaymentVendorCharge[]>;
}

export interface PaymentProviderContractFixture {
  /** The provider under test, configured with the brand's credentials and pointed at the fake. */
  provider: PaymentProvider;
  ctx: TenantContext;
  vendor: PaymentVendorControl;
}

/** How the contract reaches a plugin's provider and its local fake vendor (a `node:http` server on a random port). */
export interface PaymentProviderContractHarness {
  setup(): Promise<PaymentProviderContractFixture>;
  teardown(): Promise<void>;
  /** A provider configured like the real one but pointed at a closed port on 127.0.0.1. */
  unreachable(): Promise<PaymentProvider>;
}

const PLAN_ID = '0190f3a0-0000-7000-8000-000000000001';

function price(amountMinor: number, interval: 'month' | 'year' = 'month', planCode = 'growth'): PaymentPrice {
  const base = { planId: PLAN_ID, interval, amountMinor, currency: 'USD' };
  return { ...base, planCode, name: `${planCode} (${interval})`, priceKey: paymentPriceKey(base) };
}

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, it resolved');
}

function expectCode(error: unknown, code: string): void {
  expect(error).toBeInstanceOf(TeroError);
  expect((error as TeroError).code).toBe(code);
}

async function eventsOf(f: PaymentProviderContractFixture): Promise<PaymentEvent[]> {
  const out: PaymentEvent[] = [];
  for (const delivery of await f.vendor.takeWebhooks()) out.push(...(await f.provider.parseWebhook(f.ctx, delivery)));
  return out;
}

function ofType<T extends PaymentEventType>(events: PaymentEvent[], type: T): Extract<PaymentEvent, { type: T }>[] {
  return events.filter((e): e is Extract<PaymentEvent, { type: T }> => e.type === type);
}

/**
 * The conformance suite of the {@link PaymentProvider} port. Every payment plugin runs it, in a spec
 * beside its provider, against its own local fake of the vendor's API:
 *
 * ```ts
 * runPaymentProviderContract('payment-stripe', harness);
 * ```
 */
export function runPaymentProviderContract(name: string, harness: PaymentProviderContractHarness): void {
  describe(`PaymentProvider contract: ${name}`, () => {
    let f: PaymentProviderContractFixture;
    beforeEach(async () => {
      f = await harness.setup();
    });
    afterEach(async () => {
      await harness.teardown();
    });

    async function subscribe(amountMinor = 49900, firstChargeAt: Date | null = null) {
      // Deliveries left over from an earlier step of the same case must not name this subscription.
      await f.vendor.takeWebhooks();
      const ref = await f.provider.ensurePrice(f.ctx, price(amountMinor));
      const reference = `sub-${Math.random().toString(36).slice(2, 10)}`;
      const checkout = await f.provider.startCheckout(f.ctx, {
        customer: { clientId: 'client-1', name: 'Bright Smile Dental', email: 'owner@brightsmile.test' },
        price: ref,
        reference,
        successUrl: 'https://bright.tero.test/billing?done=1',
        cancelUrl: 'https://bright.tero.test/billing',
        firstChargeAt,
        locale: 'en',
      });
      await f.vendor.completeCheckout(checkout);
      const events = await eventsOf(f);
      const subscriptionId = checkout.providerSubscriptionId ?? events.map((e) => e.providerSubscriptionId).find((id): id is string => !!id);
      if (!subscriptionId) throw new Error(`no event named the subscription: ${JSON.stringify(events.map((e) => e.vendorType))}`);
      return { ref, reference, checkout, events, subscriptionId };
    }

    it('ensurePrice is idempotent per price key, and a new amount is a new vendor price', async () => {
      const a = await f.provider.ensurePrice(f.ctx, price(49900));
      const b = await f.provider.ensurePrice(f.ctx, price(49900));
      const c = await f.provider.ensurePrice(f.ctx, price(59900));
      expect(a.providerPriceId).toBe(b.providerPriceId);
      expect(c.providerPriceId).not.toBe(a.providerPriceId);
      expect(a.priceKey).toBe(price(49900).priceKey);
    });

    it('a checkout sends the customer to the vendor, and finishing it yields checkout.completed and a payment carrying our reference', async () => {
      const { checkout, events, reference, subscriptionId } = await subscribe(49900);
      expect(checkout.redirectUrl).toMatch(/^https?:\/\//);
      expect(checkout.providerCheckoutId).toBeTruthy();
      const completed = ofType(events, 'checkout.completed');
      expect(completed).toHaveLength(1);
      expect(completed[0]!.reference).toBe(reference);
      const paid = ofType(events, 'payment.succeeded');
      expect(paid).toHaveLength(1);
      expect(paid[0]).toMatchObject({ amountMinor: 49900, currency: 'USD', purpose: 'subscription', reference, providerSubscriptionId: subscriptionId });
      for (const event of events) {
        expect(event.eventId).toBeTruthy();
        expect(event.occurredAt).toBeInstanceOf(Date);
      }
      const state = await f.provider.getSubscription(f.ctx, subscriptionId);
      expect(state.status).toBe('active');
      expect(state.currentPeriodEnd!.getTime()).toBeGreaterThan(state.currentPeriodStart!.getTime());
    });

    it('a first charge set in the future charges nothing now', async () => {
      const later = new Date(Date.now() + 20 * 86_400_000);
      const { events, subscriptionId } = await subscribe(49900, later);
      expect(ofType(events, 'payment.succeeded')).toHaveLength(0);
      expect((await f.vendor.charges()).filter((c) => c.status === 'succeeded')).toHaveLength(0);
      const state = await f.provider.getSubscription(f.ctx, subscriptionId);
      expect(['trialing', 'active']).toContain(state.status);
    });

    it('a failed renewal yields payment.failed, a paid one payment.succeeded, both with our reference', async () => {
      const { subscriptionId, reference } = await subscribe(29900);
      await f.vendor.renew(subscriptionId, 'failed');
      const failed = ofType(await eventsOf(f), 'payment.failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ reference, providerSubscriptionId: subscriptionId, amountMinor: 29900, currency: 'USD' });
      await f.vendor.renew(subscriptionId, 'paid');
      const paid = ofType(await eventsOf(f), 'payment.succeeded');
      expect(paid).toHaveLength(1);
      expect(paid[0]).toMatchObject({ reference, amountMinor: 29900 });
    });

    it('changes the price of a subscription', async () => {
      const { subscriptionId } = await subscribe(29900);
      const pro = await f.provider.ensurePrice(f.ctx, price(79900, 'month', 'pro'));
      const state = await f.provider.changePrice(f.ctx, { providerSubscriptionId: subscriptionId, price: pro, prorate: true });
      expect(state.providerPriceId).toBe(pro.providerPriceId);
      expect((await f.provider.getSubscription(f.ctx, subscriptionId)).providerPriceId).toBe(pro.providerPriceId);
    });

    it('cancels at period end (still active until then), and at once', async () => {
      const first = await subscribe(29900);
      const atEnd = await f.provider.cancel(f.ctx, { providerSubscriptionId: first.subscriptionId, atPeriodEnd: true });
      expect(atEnd.cancelAtPeriodEnd).toBe(true);
      expect(atEnd.status).not.toBe('canceled');
      const second = await subscribe(29900);
      expect(second.subscriptionId).not.toBe(first.subscriptionId);
      const now = await f.provider.cancel(f.ctx, { providerSubscriptionId: second.subscriptionId, atPeriodEnd: false });
      expect(now.status).toBe('canceled');
      const canceled = ofType(await eventsOf(f), 'subscription.canceled');
      expect(canceled.map((e) => e.providerSubscriptionId)).toContain(second.subscriptionId);
    });

    it('charges once per charge key, and refunds a payment', async () => {
      const { subscriptionId, reference } = await subscribe(29900);
      const input = {
        providerSubscriptionId: subscriptionId,
        providerCustomerId: null,
        amountMinor: 1234,
        currency: 'USD',
        description: 'Overage: 42 minutes',
        chargeKey: `usage:${reference}:2026-11-01`,
        reference,
      };
      const one = await f.provider.chargeOnce(f.ctx, input);
      const two = await f.provider.chargeOnce(f.ctx, input);
      expect(one.status).toBe('succeeded');
      expect(two.providerPaymentId).toBe(one.providerPaymentId);
      const charged = (await f.vendor.charges()).filter((c) => c.amountMinor === 1234 && c.status === 'succeeded');
      expect(charged).toHaveLength(1);
      const paid = ofType(await eventsOf(f), 'payment.succeeded').filter((e) => e.purpose === 'one_time');
      expect(paid).toHaveLength(1);
      expect(paid[0]).toMatchObject({ chargeKey: input.chargeKey, amountMinor: 1234, reference });

      const refund = await f.provider.refund(f.ctx, { providerPaymentId: paid[0]!.providerPaymentId, currency: 'USD' });
      expect(refund.providerRefundId).toBeTruthy();
      const refunded = ofType(await eventsOf(f), 'refund.succeeded');
      expect(refunded).toHaveLength(1);
      expect(refunded[0]).toMatchObject({ providerPaymentId: paid[0]!.providerPaymentId, amountMinor: 1234, currency: 'USD' });
    });

    it('refuses a forged or tampered webhook with payment.signature_invalid', async () => {
      await subscribe(29900);
      await f.vendor.renew((await f.vendor.charges())[0]!.providerSubscriptionId!, 'paid');
      const [delivery] = await f.vendor.takeWebhooks();
      expect(delivery).toBeDefined();
      expectCode(await caught(() => f.provider.parseWebhook(f.ctx, f.vendor.forge(delivery!))), PAYMENT_ERRORS.signatureInvalid);
      const tampered = { ...delivery!, rawBody: Buffer.from(delivery!.rawBody.toString('utf8').replace(/\d{3,}/, (m) => String(Number(m) + 1))) };
      expectCode(await caught(() => f.provider.parseWebhook(f.ctx, tampered)), PAYMENT_ERRORS.signatureInvalid);
      expectCode(await caught(() => f.provider.parseWebhook(f.ctx, { rawBody: delivery!.rawBody, headers: {} })), PAYMENT_ERRORS.signatureInvalid);
      const once = await f.provider.parseWebhook(f.ctx, delivery!);
      expect(once.length).toBeGreaterThan(0);
      // A redelivery of the same request is the same event: the platform deduplicates by its id.
      const again = await f.provider.parseWebhook(f.ctx, delivery!);
      expect(again.map((e) => e.eventId)).toEqual(once.map((e) => e.eventId));
    });

    it('turns an event type it does not model into one unknown event', async () => {
      const events = await f.provider.parseWebhook(f.ctx, await f.vendor.unknownEvent());
      expect(events).toHaveLength(1);
      expect(events[0]!.type).toBe('unknown');
      expect(events[0]!.vendorType).toBeTruthy();
    });

    it('refuses an unknown subscription with payment.rejected', async () => {
      expectCode(await caught(() => f.provider.getSubscription(f.ctx, 'sub_does_not_exist')), PAYMENT_ERRORS.rejected);
    });

    it('an unreachable vendor is payment.unavailable and retryable', async () => {
      const provider = await harness.unreachable();
      const error = await caught(() => provider.ensurePrice(f.ctx, price(100)));
      expectCode(error, PAYMENT_ERRORS.unavailable);
      expect((error as TeroError).retryable).toBe(true);
    });
  });
}
