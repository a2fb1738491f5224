import { normalizePayPalEvent } from './paypal-webhook.normalizer';
import { cancelReason, encodeChargeCustom } from './paypal-subscription.mapper';
import type { WireSubscription, WireWebhookEvent } from './paypal.wire';

function event<R>(eventType: string, resource: R, createTime = '2026-11-10T12:00:00.000Z'): WireWebhookEvent<R> {
  return { id: 'WH-0MU674326S3386700-3ES95993UU900933Z', event_version: '1.0', create_time: createTime, resource_type: 'x', event_type: eventType, summary: '', resource };
}

const subscription: WireSubscription = {
  id: 'I-BW452GLLEP1G',
  plan_id: 'P-5ML4271244454362WXNWU5NQ',
  status: 'ACTIVE',
  status_update_time: '2026-11-01T10:00:00Z',
  start_time: '2026-11-01T10:00:00Z',
  custom_id: 'sub-123',
  subscriber: { email_address: 'owner@brightsmile.test', payer_id: 'QYR5Z8XDVJNXQ' },
  billing_info: {
    outstanding_balance: { currency_code: 'USD', value: '0.00' },
    last_payment: { amount: { currency_code: 'USD', value: '499.00' }, time: '2026-11-01T10:00:05Z' },
    next_billing_time: '2026-12-01T10:00:00Z',
    failed_payments_count: 0,
  },
};

/** A subscription sale, as PayPal delivers it (amount.total, billing_agreement_id, custom). */
const sale = {
  billing_agreement_id: 'I-BW452GLLEP1G',
  amount: { total: '499.00', currency: 'USD', details: { subtotal: '499.00' } },
  payment_mode: 'INSTANT_TRANSFER',
  update_time: '2026-11-01T10:00:05Z',
  create_time: '2026-11-01T10:00:05Z',
  protection_eligibility_type: 'ITEM_NOT_RECEIVED_ELIGIBLE,UNAUTHORIZED_PAYMENT_ELIGIBLE',
  transaction_fee: { currency: 'USD', value: '17.42' },
  protection_eligibility: 'ELIGIBLE',
  links: [{ method: 'GET', rel: 'self', href: 'https://api.paypal.com/v1/payments/sale/44P499886K055384U' }],
  id: '44P499886K055384U',
  state: 'completed',
  invoice_number: '',
  custom: 'sub-123',
};

describe('normalizePayPalEvent', () => {
  it('turns an activation into checkout.completed and subscription.updated, with distinct event ids', () => {
    const events = normalizePayPalEvent(event('BILLING.SUBSCRIPTION.ACTIVATED', subscription));
    expect(events).toEqual([
      expect.objectContaining({ type: 'checkout.completed', eventId: 'WH-0MU674326S3386700-3ES95993UU900933Z', providerCheckoutId: 'I-BW452GLLEP1G', reference: 'sub-123', providerCustomerId: 'QYR5Z8XDVJNXQ' }),
      expect.objectContaining({ type: 'subscription.updated', eventId: 'WH-0MU674326S3386700-3ES95993UU900933Z:subscription', state: expect.objectContaining({ status: 'active' }) }),
    ]);
    expect(events[0]!.occurredAt).toEqual(new Date('2026-11-10T12:00:00.000Z'));
  });

  it('turns a sale into a subscription payment carrying our reference', () => {
    expect(normalizePayPalEvent(event('PAYMENT.SALE.COMPLETED', sale))).toEqual([
      {
        type: 'payment.succeeded',
        eventId: 'WH-0MU674326S3386700-3ES95993UU900933Z',
        occurredAt: new Date('2026-11-10T12:00:00.000Z'),
        vendorType: 'PAYMENT.SALE.COMPLETED',
        reference: 'sub-123',
        providerSubscriptionId: 'I-BW452GLLEP1G',
        providerCustomerId: null,
        providerPaymentId: '44P499886K055384U',
        amountMinor: 49900,
        currency: 'USD',
        purpose: 'subscription',
        chargeKey: null,
        periodStart: null,
        periodEnd: null,
      },
    ]);
  });

  it('knows a one-time charge by the custom PayPal copied from the subscription, only when the amount is the charge’s', () => {
    const custom = encodeChargeCustom('sub-123', 1234, 'usage:sub-123:2026-11-01');
    const [overage] = normalizePayPalEvent(event('PAYMENT.SALE.COMPLETED', { ...sale, amount: { total: '12.34', currency: 'USD' }, custom }));
    expect(overage).toMatchObject({ type: 'payment.succeeded', purpose: 'one_time', chargeKey: 'usage:sub-123:2026-11-01', reference: 'sub-123', amountMinor: 1234 });
    // A renewal that happened while the charge was running keeps its own purpose.
    const [renewal] = normalizePayPalEvent(event('PAYMENT.SALE.COMPLETED', { ...sale, custom }));
    expect(renewal).toMatchObject({ purpose: 'subscription', chargeKey: null, reference: 'sub-123' });
  });

  it('reads yen sales without decimals', () => {
    const [paid] = normalizePayPalEvent(event('PAYMENT.SALE.COMPLETED', { ...sale, amount: { total: '5000', currency: 'JPY' } }));
    expect(paid).toMatchObject({ amountMinor: 5000, currency: 'JPY' });
  });

  it('turns a failed cycle payment into payment.failed with PayPal’s reason', () => {
    const failing: WireSubscription = {
      ...subscription,
      billing_info: {
        ...subscription.billing_info!,
        failed_payments_count: 1,
        outstanding_balance: { currency_code: 'USD', value: '499.00' },
        last_failed_payment: { amount: { currency_code: 'USD', value: '499.00' }, time: '2026-12-01T10:00:00Z', reason_code: 'PAYMENT_DENIED', next_payment_retry_time: '2026-12-06T10:00:00Z' },
      },
    };
    expect(normalizePayPalEvent(event('BILLING.SUBSCRIPTION.PAYMENT.FAILED', failing))).toEqual([
      expect.objectContaining({ type: 'payment.failed', providerPaymentId: null, amountMinor: 49900, currency: 'USD', purpose: 'subscription', failureReason: 'PAYMENT_DENIED', reference: 'sub-123', providerSubscriptionId: 'I-BW452GLLEP1G' }),
    ]);
    expect(normalizePayPalEvent(event('PAYMENT.SALE.DENIED', { ...sale, state: 'denied', reason_code: 'RISK_DENIED' }))).toEqual([
      expect.objectContaining({ type: 'payment.failed', providerPaymentId: '44P499886K055384U', failureReason: 'RISK_DENIED', amountMinor: 49900 }),
    ]);
  });

  it('turns a cancellation into subscription.canceled, and one at period end into an update until that end', () => {
    const [canceled] = normalizePayPalEvent(event('BILLING.SUBSCRIPTION.CANCELLED', { ...subscription, status: 'CANCELLED', status_update_time: '2026-11-10T11:59:00Z', status_change_note: 'Fraud' }));
    expect(canceled).toMatchObject({ type: 'subscription.canceled', canceledAt: new Date('2026-11-10T11:59:00Z'), reference: 'sub-123' });
    const until = new Date('2026-12-01T10:00:00Z');
    const [ending] = normalizePayPalEvent(event('BILLING.SUBSCRIPTION.SUSPENDED', { ...subscription, status: 'SUSPENDED', status_change_note: cancelReason(undefined, until) }));
    expect(ending).toMatchObject({ type: 'subscription.updated', state: { status: 'active', cancelAtPeriodEnd: true, currentPeriodEnd: until } });
    // Judged at the event's time, not when it is read: a late delivery gives the same events.
    const [late] = normalizePayPalEvent(event('BILLING.SUBSCRIPTION.CANCELLED', { ...subscription, status: 'CANCELLED', status_change_note: cancelReason(undefined, until) }, '2026-12-02T00:00:00Z'));
    expect(late).toMatchObject({ type: 'subscription.canceled', canceledAt: until });
    expect(normalizePayPalEvent(event('BILLING.SUBSCRIPTION.EXPIRED', { ...subscription, status: 'EXPIRED' }))[0]).toMatchObject({ type: 'subscription.canceled' });
  });

  it('turns suspensions, re-activations, creations and updates into subscription.updated', () => {
    for (const [type, status] of [
      ['BILLING.SUBSCRIPTION.CREATED', 'APPROVAL_PENDING'],
      ['BILLING.SUBSCRIPTION.UPDATED', 'ACTIVE'],
      ['BILLING.SUBSCRIPTION.RE-ACTIVATED', 'ACTIVE'],
      ['BILLING.SUBSCRIPTION.SUSPENDED', 'SUSPENDED'],
    ] as const) {
      const [updated] = normalizePayPalEvent(event(type, { ...subscription, status }));
      expect(updated).toMatchObject({ type: 'subscription.updated', vendorType: type, providerSubscriptionId: 'I-BW452GLLEP1G' });
    }
    // During a one-time charge custom_id carries the charge; the reference is still ours.
    const [patched] = normalizePayPalEvent(event('BILLING.SUBSCRIPTION.UPDATED', { ...subscription, custom_id: encodeChargeCustom('sub-123', 5, 'k') }));
    expect(patched!.reference).toBe('sub-123');
  });

  it('turns sale refunds (positive or negative totals) and capture refunds into refund.succeeded', () => {
    const saleRefund = { id: '6YX43824R4443062K', state: 'completed', amount: { total: '-10.00', currency: 'USD' }, sale_id: '44P499886K055384U', create_time: '2026-11-10T11:00:00Z' };
    expect(normalizePayPalEvent(event('PAYMENT.SALE.REFUNDED', saleRefund))[0]).toMatchObject({ type: 'refund.succeeded', providerRefundId: '6YX43824R4443062K', providerPaymentId: '44P499886K055384U', amountMinor: 1000, currency: 'USD' });
    const linked = { ...saleRefund, sale_id: undefined, amount: { total: '10.00', currency: 'USD' }, links: [{ href: 'https://api.paypal.com/v1/payments/sale/9T0916710M1105906', rel: 'sale', method: 'GET' }] };
    expect(normalizePayPalEvent(event('PAYMENT.SALE.REFUNDED', linked))[0]).toMatchObject({ providerPaymentId: '9T0916710M1105906', amountMinor: 1000 });
    const captureRefund = {
      id: '1JU08902781691411',
      status: 'COMPLETED',
      amount: { value: '12.34', currency_code: 'USD' },
      custom_id: 'sub-123',
      links: [{ href: 'https://api.paypal.com/v2/payments/captures/2GG279541U471931P', rel: 'up', method: 'GET' }],
    };
    expect(normalizePayPalEvent(event('PAYMENT.CAPTURE.REFUNDED', captureRefund))[0]).toMatchObject({ type: 'refund.succeeded', providerPaymentId: '2GG279541U471931P', amountMinor: 1234, reference: 'sub-123' });
  });

  it('gives one unknown event for other types, sales of no subscription, and resources missing what the port needs', () => {
    const unknown = (type: string, resource: unknown) => normalizePayPalEvent(event(type, resource));
    for (const events of [
      unknown('CUSTOMER.DISPUTE.CREATED', { dispute_id: 'PP-D-1' }),
      unknown('PAYMENT.SALE.COMPLETED', { ...sale, billing_agreement_id: undefined }),
      unknown('PAYMENT.SALE.COMPLETED', { ...sale, amount: { total: 'lots', currency: 'USD' } }),
      unknown('BILLING.SUBSCRIPTION.ACTIVATED', { id: 'I-1' }),
      unknown('BILLING.SUBSCRIPTION.PAYMENT.FAILED', { ...subscription, billing_info: undefined }),
      unknown('PAYMENT.SALE.REFUNDED', { id: 'R-1', amount: { total: '1.00', currency: 'USD' } }),
      unknown('PAYMENT.SALE.COMPLETED', 'not an object'),
    ]) {
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'unknown', eventId: 'WH-0MU674326S3386700-3ES95993UU900933Z' });
    }
  });
});
