import { normalizeStripeEvent, subscriptionStateOf, type StripeEventLike, type StripeEventLookups } from './stripe-event.normalizer';

const CREATED = 1_795_000_000;

function event(type: string, object: unknown, previous?: Record<string, unknown>): StripeEventLike {
  return { id: 'evt_1', type, created: CREATED, data: previous ? { object, previous_attributes: previous } : { object } };
}

/** A subscription invoice in today's shape (API 2025-03-31 and later). */
function subscriptionInvoice(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'in_1',
    object: 'invoice',
    customer: 'cus_1',
    currency: 'usd',
    amount_paid: 29900,
    amount_due: 29900,
    amount_remaining: 0,
    subtotal: 29900,
    metadata: {},
    parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_1', metadata: { tero_reference: 'ours-1' } } },
    // The invoice's own period is the previous one; the subscription line carries the period paid for.
    period_start: CREATED - 2_592_000,
    period_end: CREATED,
    lines: {
      object: 'list',
      data: [
        { amount: -500, parent: { type: 'invoice_item_details' }, period: { start: CREATED - 100, end: CREATED + 5_000_000 } },
        { amount: 29900, parent: { type: 'subscription_item_details' }, period: { start: CREATED, end: CREATED + 2_592_000 } },
      ],
    },
    ...overrides,
  };
}

const noLookups: StripeEventLookups = {
  invoiceOfPaymentIntent: async () => null,
  failureReasonOf: async () => null,
};

describe('normalizeStripeEvent', () => {
  it('reports a paid subscription invoice with the period of its subscription line, the currency upper case', async () => {
    const [paid] = await normalizeStripeEvent(event('invoice.paid', subscriptionInvoice()));

    expect(paid).toEqual({
      type: 'payment.succeeded',
      eventId: 'evt_1',
      occurredAt: new Date(CREATED * 1000),
      reference: 'ours-1',
      providerSubscriptionId: 'sub_1',
      providerCustomerId: 'cus_1',
      vendorType: 'invoice.paid',
      providerPaymentId: 'in_1',
      amountMinor: 29900,
      currency: 'USD',
      purpose: 'subscription',
      chargeKey: null,
      periodStart: new Date(CREATED * 1000),
      periodEnd: new Date((CREATED + 2_592_000) * 1000),
    });
  });

  it('reports a subscription invoice without our metadata (a subscription made outside Tero) with no reference', async () => {
    const invoice = subscriptionInvoice({ parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_9', metadata: null } }, currency: 'eur' });

    const [paid] = await normalizeStripeEvent(event('invoice.paid', invoice));

    expect(paid).toMatchObject({ type: 'payment.succeeded', reference: null, providerSubscriptionId: 'sub_9', currency: 'EUR' });
  });

  it('reports our one-time charge invoice (parent null, tero_charge_key) as one_time, with its subscription from our metadata', async () => {
    const invoice = subscriptionInvoice({
      parent: null,
      amount_paid: 1234,
      subtotal: 1234,
      metadata: { tero_charge_key: 'usage:ours-1:2026-11-01', tero_reference: 'ours-1', tero_subscription_id: 'sub_1' },
      lines: { object: 'list', data: [{ amount: 1234, parent: { type: 'invoice_item_details' }, period: { start: CREATED, end: CREATED } }] },
    });

    const [paid] = await normalizeStripeEvent(event('invoice.paid', invoice));

    expect(paid).toMatchObject({
      type: 'payment.succeeded',
      purpose: 'one_time',
      chargeKey: 'usage:ours-1:2026-11-01',
      reference: 'ours-1',
      providerSubscriptionId: 'sub_1',
      amountMinor: 1234,
      periodStart: null,
      periodEnd: null,
    });
  });

  it('leaves an invoice that is neither a subscription nor ours (parent null, no metadata) as unknown', async () => {
    const invoice = subscriptionInvoice({ parent: null, metadata: {} });

    expect(await normalizeStripeEvent(event('invoice.paid', invoice))).toEqual([expect.objectContaining({ type: 'unknown', vendorType: 'invoice.paid', providerCustomerId: 'cus_1' })]);
    expect(await normalizeStripeEvent(event('invoice.payment_failed', invoice))).toEqual([expect.objectContaining({ type: 'unknown' })]);
  });

  it("does not count a trial's $0 invoice as a payment, but does count a billed period paid by a discount or credit", async () => {
    const trial = subscriptionInvoice({ amount_paid: 0, subtotal: 0 });
    const covered = subscriptionInvoice({ amount_paid: 0, subtotal: 29900 });

    expect((await normalizeStripeEvent(event('invoice.paid', trial)))[0]!.type).toBe('unknown');
    expect((await normalizeStripeEvent(event('invoice.paid', covered)))[0]).toMatchObject({ type: 'payment.succeeded', amountMinor: 0 });
  });

  it('counts a payment once: invoice.payment_succeeded, sent beside invoice.paid, is unknown', async () => {
    expect((await normalizeStripeEvent(event('invoice.payment_succeeded', subscriptionInvoice())))[0]!.type).toBe('unknown');
  });

  it('reads the shapes of older API versions (invoice.subscription, subscription_details, periods on the subscription)', async () => {
    const legacyInvoice = subscriptionInvoice({
      parent: undefined,
      subscription: 'sub_old',
      subscription_details: { metadata: { tero_reference: 'ours-old' } },
      lines: { object: 'list', data: [{ type: 'subscription', amount: 29900, period: { start: CREATED, end: CREATED + 10 } }] },
    });
    const legacySubscription = { id: 'sub_old', status: 'active', current_period_start: CREATED, current_period_end: CREATED + 10, items: { data: [{ price: { id: 'price_1' } }] } };

    const [paid] = await normalizeStripeEvent(event('invoice.paid', legacyInvoice));

    expect(paid).toMatchObject({ reference: 'ours-old', providerSubscriptionId: 'sub_old', periodEnd: new Date((CREATED + 10) * 1000) });
    expect(subscriptionStateOf(legacySubscription)).toMatchObject({ providerPriceId: 'price_1', currentPeriodStart: new Date(CREATED * 1000), currentPeriodEnd: new Date((CREATED + 10) * 1000) });
  });

  it('reports a failed payment with what is left to pay and the decline reason looked up', async () => {
    const invoice = subscriptionInvoice({ amount_paid: 0, amount_remaining: 29900 });
    const lookups: StripeEventLookups = { ...noLookups, failureReasonOf: async (id) => (id === 'in_1' ? 'insufficient_funds' : null) };

    const [failed] = await normalizeStripeEvent(event('invoice.payment_failed', invoice), lookups);
    const [withoutLookup] = await normalizeStripeEvent(event('invoice.payment_failed', invoice));

    expect(failed).toMatchObject({ type: 'payment.failed', providerPaymentId: 'in_1', amountMinor: 29900, currency: 'USD', purpose: 'subscription', failureReason: 'insufficient_funds', reference: 'ours-1' });
    expect(withoutLookup).toMatchObject({ type: 'payment.failed', failureReason: null });
  });

  it('reports a completed subscription checkout with the client reference, and leaves other checkout modes unknown', async () => {
    const session = { id: 'cs_1', object: 'checkout.session', mode: 'subscription', client_reference_id: 'ours-1', customer: 'cus_1', subscription: 'sub_1', metadata: {} };

    const [completed] = await normalizeStripeEvent(event('checkout.session.completed', session));
    const [other] = await normalizeStripeEvent(event('checkout.session.completed', { ...session, mode: 'payment' }));
    const [fromMetadata] = await normalizeStripeEvent(event('checkout.session.completed', { ...session, client_reference_id: null, metadata: { tero_reference: 'ours-2' } }));

    expect(completed).toMatchObject({ type: 'checkout.completed', providerCheckoutId: 'cs_1', reference: 'ours-1', providerSubscriptionId: 'sub_1', providerCustomerId: 'cus_1' });
    expect(other!.type).toBe('unknown');
    expect(fromMetadata!.reference).toBe('ours-2');
  });

  it('reports subscription changes as their state, and a deletion as canceled at its end', async () => {
    const subscription = {
      id: 'sub_1',
      object: 'subscription',
      customer: { id: 'cus_1', object: 'customer' },
      status: 'unpaid',
      cancel_at_period_end: false,
      cancel_at: CREATED + 100,
      metadata: {},
      ended_at: CREATED + 7,
      canceled_at: CREATED + 3,
      items: { data: [{ price: { id: 'price_1' }, current_period_start: CREATED, current_period_end: CREATED + 100 }] },
    };

    const [updated] = await normalizeStripeEvent(event('customer.subscription.updated', subscription));
    const [canceled] = await normalizeStripeEvent(event('customer.subscription.deleted', { ...subscription, status: 'canceled' }));

    expect(updated).toMatchObject({
      type: 'subscription.updated',
      reference: null,
      providerCustomerId: 'cus_1',
      // unpaid is past due in port terms; a cancel_at on the period's end is a cancellation at period end.
      state: { providerSubscriptionId: 'sub_1', status: 'past_due', providerPriceId: 'price_1', cancelAtPeriodEnd: true },
    });
    expect(canceled).toMatchObject({ type: 'subscription.canceled', providerSubscriptionId: 'sub_1', canceledAt: new Date((CREATED + 7) * 1000) });
  });

  it('maps every subscription status, a new one as not paid for', () => {
    const status = (value: string) => subscriptionStateOf({ id: 'sub_1', status: value, items: { data: [] } }).status;
    expect(['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'unpaid', 'paused', 'canceled', 'someday_new'].map(status)).toEqual([
      'incomplete', 'canceled', 'trialing', 'active', 'past_due', 'past_due', 'paused', 'canceled', 'incomplete',
    ]);
  });

  it('reports a refund when it succeeds (at creation or by an update from pending), and only then', async () => {
    const refund = { id: 're_1', object: 'refund', amount: 500, currency: 'usd', status: 'succeeded', payment_intent: 'pi_1', charge: 'ch_1', metadata: { tero_payment_id: 'in_1', tero_reference: 'ours-1' } };

    const [created] = await normalizeStripeEvent(event('refund.created', refund));
    const [settled] = await normalizeStripeEvent(event('refund.updated', refund, { status: 'pending' }));
    const [sameStatus] = await normalizeStripeEvent(event('refund.updated', refund, { destination_details: {} }));
    const [pending] = await normalizeStripeEvent(event('refund.created', { ...refund, status: 'pending' }));

    expect(created).toMatchObject({ type: 'refund.succeeded', providerRefundId: 're_1', providerPaymentId: 'in_1', amountMinor: 500, currency: 'USD', reference: 'ours-1' });
    expect(settled!.type).toBe('refund.succeeded');
    expect(sameStatus!.type).toBe('unknown');
    expect(pending!.type).toBe('unknown');
  });

  it('finds the invoice of a refund without our metadata through its payment intent, else names the payment intent', async () => {
    const refund = { id: 're_2', object: 'refund', amount: 500, currency: 'usd', status: 'succeeded', payment_intent: 'pi_1', charge: 'ch_1', metadata: {} };
    const lookups: StripeEventLookups = {
      ...noLookups,
      invoiceOfPaymentIntent: async () => ({ invoiceId: 'in_7', reference: 'ours-7', subscriptionId: 'sub_7', customerId: 'cus_7' }),
    };

    const [found] = await normalizeStripeEvent(event('refund.created', refund), lookups);
    const [notFound] = await normalizeStripeEvent(event('refund.created', refund), noLookups);
    const [chargeOnly] = await normalizeStripeEvent(event('refund.created', { ...refund, payment_intent: null }));

    expect(found).toMatchObject({ providerPaymentId: 'in_7', reference: 'ours-7', providerSubscriptionId: 'sub_7', providerCustomerId: 'cus_7' });
    expect(notFound).toMatchObject({ providerPaymentId: 'pi_1', reference: null });
    expect(chargeOnly).toMatchObject({ providerPaymentId: 'ch_1' });
  });

  it('turns an event with no object, or of a type the port does not model, into one unknown event', async () => {
    expect(await normalizeStripeEvent(event('invoice.paid', null))).toEqual([
      { type: 'unknown', eventId: 'evt_1', occurredAt: new Date(CREATED * 1000), reference: null, providerSubscriptionId: null, providerCustomerId: null, vendorType: 'invoice.paid' },
    ]);
    expect(await normalizeStripeEvent(event('customer.created', { id: 'cus_3', object: 'customer', metadata: {} }))).toEqual([
      expect.objectContaining({ type: 'unknown', vendorType: 'customer.created', providerCustomerId: 'cus_3' }),
    ]);
  });
});
