import { cancelReason, CANCEL_REASON_MAX, encodeChargeCustom, parseCustom, servedUntil, subscriptionState } from './paypal-subscription.mapper';
import type { WireSubscription } from './paypal.wire';

const NOW = new Date('2026-11-10T12:00:00Z');

function subscription(overrides: Partial<WireSubscription> = {}): WireSubscription {
  return {
    id: 'I-BW452GLLEP1G',
    plan_id: 'P-5ML4271244454362WXNWU5NQ',
    status: 'ACTIVE',
    status_update_time: '2026-11-01T10:00:00Z',
    start_time: '2026-11-01T10:00:00Z',
    custom_id: 'sub-123',
    create_time: '2026-11-01T09:59:00Z',
    billing_info: {
      outstanding_balance: { currency_code: 'USD', value: '0.00' },
      last_payment: { amount: { currency_code: 'USD', value: '499.00' }, time: '2026-11-01T10:00:05Z' },
      next_billing_time: '2026-12-01T10:00:00Z',
      failed_payments_count: 0,
    },
    ...overrides,
  };
}

describe('subscriptionState', () => {
  it('reads an active subscription with its paid period: last payment → next billing time', () => {
    expect(subscriptionState(subscription(), NOW)).toEqual({
      providerSubscriptionId: 'I-BW452GLLEP1G',
      providerPriceId: 'P-5ML4271244454362WXNWU5NQ',
      status: 'active',
      currentPeriodStart: new Date('2026-11-01T10:00:05Z'),
      currentPeriodEnd: new Date('2026-12-01T10:00:00Z'),
      cancelAtPeriodEnd: false,
    });
  });

  it('reads a subscription waiting for approval as incomplete, without a period', () => {
    for (const status of ['APPROVAL_PENDING', 'APPROVED'] as const) {
      const state = subscriptionState(subscription({ status, billing_info: undefined }), NOW);
      expect(state).toMatchObject({ status: 'incomplete', currentPeriodStart: null, currentPeriodEnd: null });
    }
  });

  it('reads an approved subscription whose first charge is ahead as trialing until its start time', () => {
    const state = subscriptionState(
      subscription({
        start_time: '2026-11-30T00:00:00Z',
        status_update_time: '2026-11-10T11:00:00Z',
        billing_info: { outstanding_balance: { currency_code: 'USD', value: '0.00' }, next_billing_time: '2026-11-30T00:00:00Z', failed_payments_count: 0 },
      }),
      NOW,
    );
    expect(state).toMatchObject({ status: 'trialing', currentPeriodStart: new Date('2026-11-10T11:00:00Z'), currentPeriodEnd: new Date('2026-11-30T00:00:00Z') });
  });

  it('reads a failed cycle payment as past_due, and a suspension as past_due after failures or paused by hand', () => {
    const failing = { ...subscription().billing_info!, failed_payments_count: 1 };
    expect(subscriptionState(subscription({ billing_info: failing }), NOW).status).toBe('past_due');
    expect(subscriptionState(subscription({ status: 'SUSPENDED', billing_info: failing }), NOW).status).toBe('past_due');
    expect(subscriptionState(subscription({ status: 'SUSPENDED' }), NOW).status).toBe('paused');
  });

  it('reads a cancellation at period end (suspended, or canceled, with the end in the note) as active with cancelAtPeriodEnd until that end, canceled after', () => {
    const until = new Date('2026-12-01T10:00:00Z');
    for (const status of ['SUSPENDED', 'CANCELLED'] as const) {
      const ending = subscription({ status, status_change_note: cancelReason('Moving to another plan', until), billing_info: { ...subscription().billing_info!, next_billing_time: undefined } });
      expect(subscriptionState(ending, NOW)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, currentPeriodEnd: until });
      expect(subscriptionState(ending, new Date('2026-12-01T10:00:01Z'))).toMatchObject({ status: 'canceled', cancelAtPeriodEnd: false, currentPeriodEnd: until });
    }
  });

  it('reads a plain cancellation and an expiry as canceled', () => {
    expect(subscriptionState(subscription({ status: 'CANCELLED', status_change_note: 'Not needed any more' }), NOW).status).toBe('canceled');
    expect(subscriptionState(subscription({ status: 'EXPIRED' }), NOW).status).toBe('canceled');
  });
});

describe('cancel reason marker', () => {
  it('keeps the reason and appends the period end, within PayPal’s 128 characters', () => {
    const until = new Date('2026-12-01T10:00:00.000Z');
    const long = cancelReason('x'.repeat(300), until);
    expect(long.length).toBeLessThanOrEqual(CANCEL_REASON_MAX);
    expect(servedUntil(long)).toEqual(until);
    expect(cancelReason(undefined, null)).toBe('Canceled by the customer');
    expect(servedUntil('Canceled by the customer')).toBeNull();
    expect(servedUntil('[tero:until=not-a-date]')).toBeNull();
  });
});

describe('custom_id', () => {
  it('carries our reference, and during a one-time charge its amount and key', () => {
    expect(parseCustom('sub-123')).toEqual({ reference: 'sub-123', charge: null });
    expect(parseCustom(encodeChargeCustom('sub-123', 1234, 'usage:sub-123:2026-11-01'))).toEqual({
      reference: 'sub-123',
      charge: { amountMinor: 1234, chargeKey: 'usage:sub-123:2026-11-01' },
    });
    expect(parseCustom(encodeChargeCustom('sub-1', 5, 'key|with|bars')).charge).toEqual({ amountMinor: 5, chargeKey: 'key|with|bars' });
    expect(parseCustom(undefined)).toEqual({ reference: null, charge: null });
    expect(parseCustom('sub-123|c|garbage')).toEqual({ reference: 'sub-123', charge: null });
  });
});
