import type { PaymentEvent, PaymentEventBase } from '@tero/sdk';
import { fromPayPalValue } from './paypal-money';
import { parseCustom, servedUntil, subscriptionState } from './paypal-subscription.mapper';
import type { WireCaptureRefund, WireLink, WireSale, WireSaleRefund, WireSubscription, WireWebhookEvent } from './paypal.wire';

/**
 * The event types to subscribe the brand's webhook to; {@link normalizePayPalEvent} turns each into port
 * events. Anything else that arrives is one `unknown` event.
 */
export const PAYPAL_WEBHOOK_EVENT_TYPES = [
  'BILLING.SUBSCRIPTION.CREATED',
  'BILLING.SUBSCRIPTION.ACTIVATED',
  'BILLING.SUBSCRIPTION.UPDATED',
  'BILLING.SUBSCRIPTION.RE-ACTIVATED',
  'BILLING.SUBSCRIPTION.SUSPENDED',
  'BILLING.SUBSCRIPTION.CANCELLED',
  'BILLING.SUBSCRIPTION.EXPIRED',
  'BILLING.SUBSCRIPTION.PAYMENT.FAILED',
  'PAYMENT.SALE.COMPLETED',
  'PAYMENT.SALE.DENIED',
  'PAYMENT.SALE.REFUNDED',
  'PAYMENT.CAPTURE.REFUNDED',
] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function date(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

/** The last path segment of the first link with this relation: `…/v2/payments/captures/CAP1` → `CAP1`. */
function linkedId(links: WireLink[] | undefined, rel: string): string | null {
  const href = Array.isArray(links) ? links.find((link) => link?.rel === rel)?.href : undefined;
  if (typeof href !== 'string') return null;
  const segment = href.split('?')[0].split('/').filter(Boolean).at(-1);
  return segment ? decodeURIComponent(segment) : null;
}

/** Minor units of a money field, or `null` when it is absent or unreadable. */
function minor(value: unknown, currency: unknown): number | null {
  if (typeof value !== 'string' || typeof currency !== 'string') return null;
  try {
    return fromPayPalValue(value, currency);
  } catch {
    return null;
  }
}

function isSubscription(resource: unknown): resource is WireSubscription {
  return isObject(resource) && typeof resource.id === 'string' && typeof resource.status === 'string';
}

/**
 * Turns one verified PayPal event into port events, deterministically (the same delivery always gives
 * the same events, whenever it is read): states are judged at the event's `create_time`.
 *
 * - `BILLING.SUBSCRIPTION.ACTIVATED` → `checkout.completed` and `subscription.updated`;
 * - `BILLING.SUBSCRIPTION.CREATED`, `UPDATED`, `RE-ACTIVATED`, `SUSPENDED` → `subscription.updated`;
 * - `BILLING.SUBSCRIPTION.CANCELLED` → `subscription.canceled`, or `subscription.updated` (active,
 *   `cancelAtPeriodEnd`) for a cancellation at the end of a paid period that had not ended then;
 * - `BILLING.SUBSCRIPTION.EXPIRED` → `subscription.canceled`;
 * - `BILLING.SUBSCRIPTION.PAYMENT.FAILED`, `PAYMENT.SALE.DENIED` → `payment.failed`;
 * - `PAYMENT.SALE.COMPLETED` → `payment.succeeded` (`one_time` with its charge key when the sale's
 *   `custom` names a charge of the same amount);
 * - `PAYMENT.SALE.REFUNDED`, `PAYMENT.CAPTURE.REFUNDED` → `refund.succeeded`;
 * - anything else, a sale that belongs to no subscription, or a resource missing what the port needs
 *   → one `unknown`.
 *
 * When a delivery yields two events the second's id is the event id with a suffix, so that each is
 * recorded once and neither hides the other.
 */
export function normalizePayPalEvent(event: WireWebhookEvent): PaymentEvent[] {
  const occurredAt = date(event.create_time) ?? (isObject(event.resource) ? date(event.resource.update_time) : null) ?? new Date();
  const base = (extra: Partial<PaymentEventBase> = {}): PaymentEventBase => ({
    eventId: event.id,
    occurredAt,
    reference: null,
    providerSubscriptionId: null,
    providerCustomerId: null,
    vendorType: event.event_type,
    ...extra,
  });
  const unknown = (): PaymentEvent[] => [{ ...base(), type: 'unknown' }];
  const resource: unknown = event.resource;

  switch (event.event_type) {
    case 'BILLING.SUBSCRIPTION.CREATED':
    case 'BILLING.SUBSCRIPTION.ACTIVATED':
    case 'BILLING.SUBSCRIPTION.UPDATED':
    case 'BILLING.SUBSCRIPTION.RE-ACTIVATED':
    case 'BILLING.SUBSCRIPTION.SUSPENDED':
    case 'BILLING.SUBSCRIPTION.CANCELLED':
    case 'BILLING.SUBSCRIPTION.EXPIRED':
    case 'BILLING.SUBSCRIPTION.PAYMENT.FAILED': {
      if (!isSubscription(resource)) return unknown();
      const about = base({
        reference: parseCustom(text(resource.custom_id)).reference,
        providerSubscriptionId: resource.id,
        providerCustomerId: text(resource.subscriber?.payer_id),
      });
      const state = subscriptionState(resource, occurredAt);
      switch (event.event_type) {
        case 'BILLING.SUBSCRIPTION.ACTIVATED':
          return [
            { ...about, type: 'checkout.completed', providerCheckoutId: resource.id },
            { ...about, eventId: `${event.id}:subscription`, type: 'subscription.updated', state },
          ];
        case 'BILLING.SUBSCRIPTION.CANCELLED':
        case 'BILLING.SUBSCRIPTION.EXPIRED':
          if (state.status !== 'canceled') return [{ ...about, type: 'subscription.updated', state }];
          return [{ ...about, type: 'subscription.canceled', canceledAt: servedUntil(resource.status_change_note) ?? date(resource.status_update_time) ?? occurredAt }];
        case 'BILLING.SUBSCRIPTION.PAYMENT.FAILED': {
          const failed = resource.billing_info?.last_failed_payment;
          const money = failed?.amount ?? resource.billing_info?.outstanding_balance;
          const amountMinor = minor(money?.value, money?.currency_code);
          if (amountMinor === null) return unknown();
          return [
            {
              ...about,
              type: 'payment.failed',
              providerPaymentId: null,
              amountMinor: Math.abs(amountMinor),
              currency: money!.currency_code.toUpperCase(),
              purpose: 'subscription',
              chargeKey: null,
              failureReason: text(failed?.reason_code),
            },
          ];
        }
        default:
          return [{ ...about, type: 'subscription.updated', state }];
      }
    }

    case 'PAYMENT.SALE.COMPLETED':
    case 'PAYMENT.SALE.DENIED': {
      if (!isObject(resource)) return unknown();
      const sale = resource as unknown as WireSale;
      const subscriptionId = text(sale.billing_agreement_id);
      const amountMinor = minor(sale.amount?.total, sale.amount?.currency);
      if (!subscriptionId || !text(sale.id) || amountMinor === null) return unknown();
      const custom = parseCustom(text(sale.custom));
      const charge = custom.charge && custom.charge.amountMinor === Math.abs(amountMinor) ? custom.charge : null;
      const about = base({ reference: custom.reference, providerSubscriptionId: subscriptionId });
      const money = { amountMinor: Math.abs(amountMinor), currency: sale.amount.currency.toUpperCase(), purpose: charge ? ('one_time' as const) : ('subscription' as const), chargeKey: charge?.chargeKey ?? null };
      if (event.event_type === 'PAYMENT.SALE.DENIED') {
        return [{ ...about, type: 'payment.failed', providerPaymentId: sale.id, ...money, failureReason: text(sale.reason_code) ?? 'denied' }];
      }
      return [{ ...about, type: 'payment.succeeded', providerPaymentId: sale.id, ...money, periodStart: null, periodEnd: null }];
    }

    case 'PAYMENT.SALE.REFUNDED': {
      if (!isObject(resource)) return unknown();
      const refund = resource as unknown as WireSaleRefund;
      const saleId = text(refund.sale_id) ?? linkedId(refund.links, 'sale');
      const amountMinor = minor(refund.amount?.total, refund.amount?.currency);
      if (!text(refund.id) || !saleId || amountMinor === null) return unknown();
      return [
        {
          ...base({ reference: parseCustom(text(refund.custom)).reference, providerSubscriptionId: text(refund.billing_agreement_id) }),
          type: 'refund.succeeded',
          providerRefundId: refund.id,
          providerPaymentId: saleId,
          amountMinor: Math.abs(amountMinor),
          currency: refund.amount.currency.toUpperCase(),
        },
      ];
    }

    case 'PAYMENT.CAPTURE.REFUNDED': {
      if (!isObject(resource)) return unknown();
      const refund = resource as unknown as WireCaptureRefund;
      const captureId = linkedId(refund.links, 'up');
      const amountMinor = minor(refund.amount?.value, refund.amount?.currency_code);
      if (!text(refund.id) || !captureId || amountMinor === null) return unknown();
      return [
        {
          ...base({ reference: parseCustom(text(refund.custom_id)).reference }),
          type: 'refund.succeeded',
          providerRefundId: refund.id,
          providerPaymentId: captureId,
          amountMinor: Math.abs(amountMinor),
          currency: refund.amount.currency_code.toUpperCase(),
        },
      ];
    }

    default:
      return unknown();
  }
}
