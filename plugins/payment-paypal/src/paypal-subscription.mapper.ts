import type { PaymentSubscriptionState, PaymentSubscriptionStatus } from '@tero/sdk';
import type { WireSubscription } from './paypal.wire';

/** PayPal's limits on the fields we write our markers into. */
export const CUSTOM_ID_MAX = 127;
export const CANCEL_REASON_MAX = 128;

/**
 * What we keep in a subscription's `custom_id`, which PayPal copies into the `custom` of every sale it
 * makes for it. Normally our reference alone. While {@link PaymentProvider.chargeOnce} runs it also names
 * the one-time charge (`<reference>|c|<amountMinor>|<chargeKey>`), so that the sale's webhook can say
 * which charge it paid: PayPal carries no other field of ours from a subscription capture to its sale.
 */
export interface PayPalCustom {
  reference: string | null;
  charge: { amountMinor: number; chargeKey: string } | null;
}

const CHARGE_SEPARATOR = '|c|';

export function encodeChargeCustom(reference: string, amountMinor: number, chargeKey: string): string {
  return `${reference}${CHARGE_SEPARATOR}${amountMinor}|${chargeKey}`;
}

export function parseCustom(custom: string | null | undefined): PayPalCustom {
  if (!custom) return { reference: null, charge: null };
  const at = custom.indexOf(CHARGE_SEPARATOR);
  if (at < 0) return { reference: custom, charge: null };
  const reference = custom.slice(0, at) || null;
  const match = /^(\d+)\|(.+)$/s.exec(custom.slice(at + CHARGE_SEPARATOR.length));
  return { reference, charge: match ? { amountMinor: Number(match[1]), chargeKey: match[2] } : null };
}

/**
 * PayPal has no "cancel at period end", and a canceled PayPal subscription takes no more writes (no
 * capture of the last period's overage, no "cancel now" later). So a cancellation at period end
 * suspends the subscription (PayPal bills nothing while suspended) with the end of the paid period in
 * the reason, which PayPal keeps as `status_change_note`. Until that date it reads as active with
 * `cancelAtPeriodEnd`, after it as canceled; `cancel(atPeriodEnd: false)` then closes it at PayPal.
 * A subscription PayPal already suspended for failed payments is canceled at PayPal with the same note.
 */
const PERIOD_END_MARKER = /\[tero:until=([0-9T:.\-+Z]+)\]\s*$/;

export function cancelReason(reason: string | undefined, periodEnd: Date | null): string {
  const text = (reason ?? '').replace(/\s+/g, ' ').trim() || 'Canceled by the customer';
  if (!periodEnd) return text.slice(0, CANCEL_REASON_MAX);
  const marker = ` [tero:until=${periodEnd.toISOString()}]`;
  return `${text.slice(0, CANCEL_REASON_MAX - marker.length)}${marker}`;
}

/** The end of the paid period written by {@link cancelReason}, when there is one. */
export function servedUntil(note: string | null | undefined): Date | null {
  const match = note ? PERIOD_END_MARKER.exec(note) : null;
  if (!match) return null;
  const date = new Date(match[1]);
  return Number.isNaN(date.getTime()) ? null : date;
}

function date(value: string | null | undefined): Date | null {
  if (!value) return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

/**
 * PayPal's status in port terms:
 * - `APPROVAL_PENDING`, `APPROVED` → `incomplete` (the customer has not finished at PayPal);
 * - `ACTIVE` → `trialing` while the first charge is still ahead (a later `start_time`, nothing paid),
 *   `past_due` while the last cycle payment failed (`failed_payments_count` > 0; PayPal resets it on
 *   the next successful payment), else `active`;
 * - `SUSPENDED` or `CANCELLED` with the end of a paid period we wrote into the reason (a cancellation
 *   at period end) → `active` with `cancelAtPeriodEnd` until that end, `canceled` after it;
 * - other `SUSPENDED` → `past_due` when payments failed (PayPal suspends at the failure threshold),
 *   `paused` when suspended by hand; other `CANCELLED`, `EXPIRED` → `canceled`.
 */
export function subscriptionState(subscription: WireSubscription, now: Date = new Date()): PaymentSubscriptionState {
  const billing = subscription.billing_info;
  const lastPaid = date(billing?.last_payment?.time);
  const nextBilling = date(billing?.next_billing_time);
  const start = date(subscription.start_time);
  const failed = (billing?.failed_payments_count ?? 0) > 0;
  const base = { providerSubscriptionId: subscription.id, providerPriceId: subscription.plan_id ?? null, cancelAtPeriodEnd: false };

  let status: PaymentSubscriptionStatus;
  let periodStart: Date | null = lastPaid ?? start;
  let periodEnd: Date | null = nextBilling;
  switch (subscription.status) {
    case 'APPROVAL_PENDING':
    case 'APPROVED':
      status = 'incomplete';
      periodStart = null;
      periodEnd = null;
      break;
    case 'ACTIVE':
      if (!lastPaid && start && start.getTime() > now.getTime()) {
        status = 'trialing';
        periodStart = date(subscription.status_update_time) ?? date(subscription.create_time);
        periodEnd = start;
      } else {
        status = failed ? 'past_due' : 'active';
      }
      break;
    case 'SUSPENDED':
    case 'CANCELLED': {
      const until = servedUntil(subscription.status_change_note);
      if (until) {
        if (until.getTime() > now.getTime()) return { ...base, status: 'active', cancelAtPeriodEnd: true, currentPeriodStart: periodStart, currentPeriodEnd: until };
        return { ...base, status: 'canceled', currentPeriodStart: periodStart, currentPeriodEnd: until };
      }
      status = subscription.status === 'CANCELLED' ? 'canceled' : failed ? 'past_due' : 'paused';
      break;
    }
    case 'EXPIRED':
      status = 'canceled';
      break;
    default:
      // A status PayPal adds later: not paying until it says otherwise.
      status = 'incomplete';
  }
  return { ...base, status, currentPeriodStart: periodStart, currentPeriodEnd: periodEnd };
}
