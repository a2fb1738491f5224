import type { TenantContext } from '../context';
import { TeroError } from '../errors';
import { definePort } from '../port';

/** How often a subscription is charged. */
export type PaymentInterval = 'month' | 'year';

/**
 * One price of one of our plans, as the vendor must know it. Vendors keep prices immutable, so a plan
 * whose amount changed is a new price: `priceKey` names this exact amount, currency and interval, and a
 * provider finds or creates the vendor's object for it (idempotent: the same key twice is one object).
 */
export interface PaymentPrice {
  /** Our plan's id (stable across price changes). */
  planId: string;
  /** Our plan's code: `starter`. */
  planCode: string;
  /** Shown by the vendor on its checkout and receipts: `Growth (monthly)`. */
  name: string;
  interval: PaymentInterval;
  /** What is charged per interval, tax included, in minor units (cents). A positive integer. */
  amountMinor: number;
  /** ISO 4217, upper case: `USD`. */
  currency: string;
  /** `<planId>:<interval>:<amountMinor>:<currency>`: names this price at the vendor. */
  priceKey: string;
}

/** Builds {@link PaymentPrice.priceKey}. */
export function paymentPriceKey(price: Pick<PaymentPrice, 'planId' | 'interval' | 'amountMinor' | 'currency'>): string {
  return `${price.planId}:${price.interval}:${price.amountMinor}:${price.currency.toUpperCase()}`;
}

/** The vendor's object for a {@link PaymentPrice}: a Stripe price, a PayPal billing plan. */
export interface PaymentPriceRef {
  priceKey: string;
  providerPriceId: string;
}

/** Who pays: the client, as the vendor should show it. */
export interface PaymentCustomer {
  /** Our client id. */
  clientId: string;
  name: string;
  email: string;
  /** The vendor's customer id from an earlier checkout, when there is one. */
  providerCustomerId?: string | null;
}

/** What {@link PaymentProvider.startCheckout} needs. */
export interface PaymentCheckoutInput {
  customer: PaymentCustomer;
  price: PaymentPriceRef;
  /**
   * Our subscription's id. The provider stores it at the vendor (metadata, `custom_id`) so that every
   * later event about this subscription carries it back as {@link PaymentEventBase.reference}.
   */
  reference: string;
  /** Where the vendor sends the customer after paying or approving. */
  successUrl: string;
  /** Where the vendor sends the customer who gave up. */
  cancelUrl: string;
  /**
   * When the first charge happens. Absent: at once. A date in the future (a switch of provider starts
   * the new subscription when the old one's paid period ends): the customer approves now and nothing is
   * charged before that date.
   */
  firstChargeAt?: Date | null;
  /** Language of the vendor's pages: `en`, `es`, `fr`. */
  locale: string;
}

/** A checkout the customer must finish at the vendor. */
export interface PaymentCheckout {
  /** The vendor's checkout session (Stripe) or subscription awaiting approval (PayPal). */
  providerCheckoutId: string;
  /** Set when the vendor already created the subscription (PayPal does, before approval). */
  providerSubscriptionId: string | null;
  /** Send the customer's browser here. */
  redirectUrl: string;
}

/** The vendor's view of a subscription, normalized. */
export type PaymentSubscriptionStatus = 'incomplete' | 'trialing' | 'active' | 'past_due' | 'paused' | 'canceled';

export interface PaymentSubscriptionState {
  providerSubscriptionId: string;
  status: PaymentSubscriptionStatus;
  providerPriceId: string | null;
  /** The paid period, when the vendor has one. */
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
}

/** What {@link PaymentProvider.chargeOnce} needs: overage minutes, billed in arrears. */
export interface PaymentOneTimeCharge {
  providerSubscriptionId: string;
  providerCustomerId: string | null;
  amountMinor: number;
  currency: string;
  /** On the vendor's receipt: `Overage: 42 minutes (Nov 2026)`. */
  description: string;
  /**
   * Ours, unique per charge (`usage:<subscription>:<period start>`). The same key twice charges once;
   * events about the charge carry it back as {@link PaymentSucceededEvent.chargeKey}.
   */
  chargeKey: string;
  /** Our subscription's id, as in {@link PaymentCheckoutInput.reference}. */
  reference: string;
}

export interface PaymentChargeResult {
  providerPaymentId: string | null;
  status: 'succeeded' | 'pending' | 'failed';
}

export interface PaymentRefundInput {
  providerPaymentId: string;
  /** Absent: the whole payment. */
  amountMinor?: number;
  currency: string;
  reason?: string;
}

export interface PaymentRefundResult {
  providerRefundId: string;
  status: 'succeeded' | 'pending' | 'failed';
}

/** A webhook request exactly as it arrived: the raw body (signatures are over bytes) and its headers. */
export interface PaymentWebhookDelivery {
  rawBody: Buffer;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
}

/** What every normalized event has. */
export interface PaymentEventBase {
  /** The vendor's event id; the same id twice is the same event (deliveries repeat). */
  eventId: string;
  /** When the vendor says it happened; used to ignore an older state arriving after a newer one. */
  occurredAt: Date;
  /** Our subscription id the provider stored at the vendor, when the event carries it. */
  reference: string | null;
  providerSubscriptionId: string | null;
  providerCustomerId: string | null;
  /** The vendor's event type, for logs: `invoice.paid`, `PAYMENT.SALE.COMPLETED`. */
  vendorType: string;
}

export interface CheckoutCompletedEvent extends PaymentEventBase {
  type: 'checkout.completed';
  providerCheckoutId: string;
}

export interface PaymentSucceededEvent extends PaymentEventBase {
  type: 'payment.succeeded';
  providerPaymentId: string;
  amountMinor: number;
  currency: string;
  /** `subscription` for a period's charge, `one_time` for {@link PaymentProvider.chargeOnce}. */
  purpose: 'subscription' | 'one_time';
  /** {@link PaymentOneTimeCharge.chargeKey} when `purpose` is `one_time`. */
  chargeKey: string | null;
  /** The period this payment pays for, when the vendor says. */
  periodStart: Date | null;
  periodEnd: Date | null;
}

export interface PaymentFailedEvent extends PaymentEventBase {
  type: 'payment.failed';
  providerPaymentId: string | null;
  amountMinor: number;
  currency: string;
  purpose: 'subscription' | 'one_time';
  chargeKey: string | null;
  /** The vendor's reason, for the dunning e-mail and logs: `card_declined`. */
  failureReason: string | null;
}

export interface SubscriptionUpdatedEvent extends PaymentEventBase {
  type: 'subscription.updated';
  state: PaymentSubscriptionState;
}

export interface SubscriptionCanceledEvent extends PaymentEventBase {
  type: 'subscription.canceled';
  canceledAt: Date;
}

export interface RefundSucceededEvent extends PaymentEventBase {
  type: 'refund.succeeded';
  providerRefundId: string;
  providerPaymentId: string;
  amountMinor: number;
  currency: string;
}

/** A verified event of a type the port does not model: acknowledged (200) and logged, nothing else. */
export interface UnknownPaymentEvent extends PaymentEventBase {
  type: 'unknown';
}

export type PaymentEvent =
  | CheckoutCompletedEvent
  | PaymentSucceededEvent
  | PaymentFailedEvent
  | SubscriptionUpdatedEvent
  | SubscriptionCanceledEvent
  | RefundSucceededEvent
  | UnknownPaymentEvent;

export type PaymentEventType = PaymentEvent['type'];

/**
 * Collects recurring payments from a brand's clients at one vendor, with the brand's own account (the
 * tenant configuration carries its keys). Every method takes the tenant first.
 *
 * Errors: `payment.signature_invalid` (a webhook that is not the vendor's: answer 400, change nothing),
 * `payment.rejected` (the vendor refused the request: bad card, unknown object), `payment.unavailable`
 * (retryable: the vendor could not be reached or answered 5xx).
 */
export interface PaymentProvider {
  /** Finds or creates the vendor's product and price for one of our prices. Idempotent per `priceKey`. */
  ensurePrice(ctx: TenantContext, price: PaymentPrice): Promise<PaymentPriceRef>;
  /** Starts a subscription checkout (Stripe Checkout) or approval (PayPal) for one customer. */
  startCheckout(ctx: TenantContext, input: PaymentCheckoutInput): Promise<PaymentCheckout>;
  /** A page where the customer updates the payment method or sees receipts at the vendor. */
  openPortal(ctx: TenantContext, input: { providerCustomerId: string | null; providerSubscriptionId: string; returnUrl: string; locale: string }): Promise<{ url: string }>;
  /** The vendor's current view of a subscription. */
  getSubscription(ctx: TenantContext, providerSubscriptionId: string): Promise<PaymentSubscriptionState>;
  /** Moves a subscription to another price; `prorate` charges or credits the difference for the rest of the period. */
  changePrice(ctx: TenantContext, input: { providerSubscriptionId: string; price: PaymentPriceRef; prorate: boolean }): Promise<PaymentSubscriptionState>;
  /** Cancels at once, or at the end of the paid period (nothing more is charged either way). */
  cancel(ctx: TenantContext, input: { providerSubscriptionId: string; atPeriodEnd: boolean; reason?: string }): Promise<PaymentSubscriptionState>;
  /** Charges an amount once against the subscription's payment method. Idempotent per `chargeKey`. */
  chargeOnce(ctx: TenantContext, input: PaymentOneTimeCharge): Promise<PaymentChargeResult>;
  refund(ctx: TenantContext, input: PaymentRefundInput): Promise<PaymentRefundResult>;
  /**
   * Verifies a webhook delivery (signature over the raw body, with the brand's webhook secret) and
   * turns it into events. Throws `payment.signature_invalid` when it is not genuine. A delivery may yield
   * several events or one `unknown`.
   */
  parseWebhook(ctx: TenantContext, delivery: PaymentWebhookDelivery): Promise<PaymentEvent[]>;
}

/** Port token: `registry.get(PAYMENT, ctx, 'payment-stripe')`. */
export const PAYMENT = definePort<PaymentProvider>('payment', 1);

/** Stable codes of the errors payment providers throw. */
export const PAYMENT_ERRORS = {
  signatureInvalid: 'payment.signature_invalid',
  rejected: 'payment.rejected',
  unavailable: 'payment.unavailable',
} as const;

/** A webhook that is not the vendor's (forged, mistyped secret, tampered body, too old). Answer 400. */
export class PaymentSignatureError extends TeroError {
  constructor(reason: string) {
    super(PAYMENT_ERRORS.signatureInvalid, `payment webhook signature invalid: ${reason}`, { reason }, { status: 400 });
  }
}
