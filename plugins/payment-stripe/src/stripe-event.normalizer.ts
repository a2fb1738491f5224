import type {
  PaymentEvent,
  PaymentEventBase,
  PaymentSubscriptionState,
  PaymentSubscriptionStatus,
} from '@tero/sdk';

/**
 * Turns verified Stripe events into the port's events.
 *
 * Objects are read as loose records on purpose (a tolerant reader): a webhook endpoint keeps the API
 * version it was created with, so the same event type may arrive in today's shape (billing periods on
 * subscription items, `invoice.parent.subscription_details`) or in an older one (periods on the
 * subscription, `invoice.subscription`). Both are understood; nothing else is assumed.
 */

/** The metadata keys this plugin writes at Stripe, read back from events. */
export const META = {
  reference: 'tero_reference',
  clientId: 'tero_client_id',
  chargeKey: 'tero_charge_key',
  subscriptionId: 'tero_subscription_id',
  paymentId: 'tero_payment_id',
  customerId: 'tero_customer_id',
  planId: 'tero_plan_id',
  priceKey: 'tero_price_key',
  reason: 'tero_reason',
} as const;

type Obj = Record<string, unknown>;

/** What a Stripe event looks like on the wire, as far as the normalizer relies on it. */
export interface StripeEventLike {
  id: string;
  type: string;
  created: number;
  data: { object: unknown; previous_attributes?: unknown };
}

/** What an invoice payment (`invoice_payment`) says about the invoice a payment intent paid. */
export interface StripeInvoiceOfPayment {
  invoiceId: string;
  reference: string | null;
  subscriptionId: string | null;
  customerId: string | null;
}

/**
 * Look-ups the normalizer may need for details Stripe leaves out of an event. Each is best effort: a
 * failed look-up leaves the detail out (or falls back) rather than failing the delivery.
 */
export interface StripeEventLookups {
  /** The invoice a payment intent paid: a refund made in the Stripe dashboard names only the payment intent. */
  invoiceOfPaymentIntent(paymentIntentId: string): Promise<StripeInvoiceOfPayment | null>;
  /** Why the last payment attempt of an invoice failed (`card_declined`): invoices no longer carry it. */
  failureReasonOf(invoiceId: string): Promise<string | null>;
}

function obj(value: unknown): Obj | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : null;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** An expandable field: an id, or the object with its id. */
export function idOf(value: unknown): string | null {
  return str(value) ?? str(obj(value)?.id);
}

function dateOf(seconds: unknown): Date | null {
  const value = num(seconds);
  return value === null ? null : new Date(value * 1000);
}

function listData(value: unknown): Obj[] {
  const data = obj(value)?.data;
  return Array.isArray(data) ? data.map(obj).filter((item): item is Obj => item !== null) : [];
}

function metadataOf(value: unknown): Obj {
  return obj(obj(value)?.metadata) ?? {};
}

function upper(currency: unknown): string {
  return (str(currency) ?? '').toUpperCase();
}

const STATUS: Record<string, PaymentSubscriptionStatus> = {
  incomplete: 'incomplete',
  incomplete_expired: 'canceled',
  trialing: 'trialing',
  active: 'active',
  past_due: 'past_due',
  // Stripe's last dunning state keeps the subscription but stops trying: still unpaid, as past_due.
  unpaid: 'past_due',
  paused: 'paused',
  canceled: 'canceled',
};

/** A subscription's status in port terms; a status Stripe adds later counts as not (yet) paid for. */
export function subscriptionStatusOf(status: unknown): PaymentSubscriptionStatus {
  return STATUS[str(status) ?? ''] ?? 'incomplete';
}

/** The port's view of a Stripe subscription object. */
export function subscriptionStateOf(subscription: unknown): PaymentSubscriptionState {
  const sub = obj(subscription) ?? {};
  const item = listData(sub.items)[0] ?? {};
  const currentPeriodStart = dateOf(item.current_period_start ?? sub.current_period_start);
  const currentPeriodEnd = dateOf(item.current_period_end ?? sub.current_period_end);
  const status = subscriptionStatusOf(sub.status);
  const cancelAt = num(sub.cancel_at);
  // Newer API versions set `cancel_at` to the period's end alongside the flag; a portal may set only `cancel_at`.
  const cancelsAtEnd =
    sub.cancel_at_period_end === true ||
    (status !== 'canceled' && cancelAt !== null && currentPeriodEnd !== null && cancelAt * 1000 === currentPeriodEnd.getTime());
  return {
    providerSubscriptionId: str(sub.id) ?? '',
    status,
    providerPriceId: idOf(item.price) ?? idOf(item.plan),
    currentPeriodStart,
    currentPeriodEnd,
    cancelAtPeriodEnd: cancelsAtEnd,
  };
}

/** Who an invoice is about: our reference, the subscription, the customer, and our charge key for one-time charges. */
export function invoiceRefsOf(invoice: Obj): {
  reference: string | null;
  subscriptionId: string | null;
  customerId: string | null;
  chargeKey: string | null;
} {
  const meta = metadataOf(invoice);
  // Today: invoice.parent.subscription_details; 2022-2025 versions: invoice.subscription_details and invoice.subscription.
  const details = obj(obj(invoice.parent)?.subscription_details) ?? obj(invoice.subscription_details);
  const subscriptionMeta = obj(details?.metadata) ?? {};
  return {
    reference: str(meta[META.reference]) ?? str(subscriptionMeta[META.reference]),
    subscriptionId: idOf(details?.subscription) ?? idOf(invoice.subscription) ?? str(meta[META.subscriptionId]),
    customerId: idOf(invoice.customer),
    chargeKey: str(meta[META.chargeKey]),
  };
}

/** The service period of a subscription invoice: its subscription line's (the invoice's own period is the previous one). */
function subscriptionPeriodOf(invoice: Obj): { start: Date | null; end: Date | null } {
  const lines = listData(invoice.lines).filter((line) => {
    const parentType = str(obj(line.parent)?.type);
    return parentType === 'subscription_item_details' || (parentType === null && str(line.type) === 'subscription');
  });
  let best: Obj | null = null;
  for (const line of lines) {
    const end = num(obj(line.period)?.end);
    if (end !== null && (best === null || end > (num(obj(best.period)?.end) ?? -Infinity))) best = line;
  }
  const period = obj(best?.period);
  return { start: dateOf(period?.start), end: dateOf(period?.end) };
}

function baseOf(event: StripeEventLike, refs: { reference: string | null; subscriptionId: string | null; customerId: string | null }): PaymentEventBase {
  return {
    eventId: event.id,
    occurredAt: new Date(event.created * 1000),
    reference: refs.reference,
    providerSubscriptionId: refs.subscriptionId,
    providerCustomerId: refs.customerId,
    vendorType: event.type,
  };
}

/** A verified event the port does not model (or one that carries nothing for it): acknowledged and logged. */
function unknownOf(event: StripeEventLike): PaymentEvent {
  const object = obj(event.data?.object) ?? {};
  const customer = idOf(object.customer) ?? (str(object.object) === 'customer' ? str(object.id) : null);
  return { type: 'unknown', ...baseOf(event, { reference: str(metadataOf(object)[META.reference]), subscriptionId: null, customerId: customer }) };
}

function checkoutCompleted(event: StripeEventLike, session: Obj): PaymentEvent {
  // The brand's account may run other Checkout flows (one-off payments): only subscription checkouts are ours to report.
  if (str(session.mode) !== 'subscription') return unknownOf(event);
  const meta = metadataOf(session);
  return {
    type: 'checkout.completed',
    ...baseOf(event, {
      reference: str(session.client_reference_id) ?? str(meta[META.reference]),
      subscriptionId: idOf(session.subscription),
      customerId: idOf(session.customer),
    }),
    providerCheckoutId: str(session.id) ?? '',
  };
}

/** An invoice that is neither a subscription's nor one of our one-time charges (a brand's own invoice): not ours to report. */
function isOurs(refs: ReturnType<typeof invoiceRefsOf>): boolean {
  return refs.chargeKey !== null || refs.subscriptionId !== null;
}

function invoicePaid(event: StripeEventLike, invoice: Obj): PaymentEvent {
  const refs = invoiceRefsOf(invoice);
  if (!isOurs(refs)) return unknownOf(event);
  const amountPaid = num(invoice.amount_paid) ?? 0;
  // A trial's (or a free first period's) invoice bills nothing: no payment happened. A discount or the
  // customer's credit balance covering a billed amount is a payment of 0 that still pays the period.
  if (amountPaid === 0 && (num(invoice.subtotal) ?? 0) === 0) return unknownOf(event);
  const oneTime = refs.chargeKey !== null;
  const period = oneTime ? { start: null, end: null } : subscriptionPeriodOf(invoice);
  return {
    type: 'payment.succeeded',
    ...baseOf(event, refs),
    providerPaymentId: str(invoice.id) ?? '',
    amountMinor: amountPaid,
    currency: upper(invoice.currency),
    purpose: oneTime ? 'one_time' : 'subscription',
    chargeKey: refs.chargeKey,
    periodStart: period.start,
    periodEnd: period.end,
  };
}

async function invoicePaymentFailed(event: StripeEventLike, invoice: Obj, lookups: StripeEventLookups | undefined): Promise<PaymentEvent> {
  const refs = invoiceRefsOf(invoice);
  if (!isOurs(refs)) return unknownOf(event);
  const invoiceId = str(invoice.id);
  const failureReason = invoiceId && lookups ? await lookups.failureReasonOf(invoiceId) : null;
  return {
    type: 'payment.failed',
    ...baseOf(event, refs),
    providerPaymentId: invoiceId,
    amountMinor: num(invoice.amount_remaining) ?? num(invoice.amount_due) ?? 0,
    currency: upper(invoice.currency),
    purpose: refs.chargeKey !== null ? 'one_time' : 'subscription',
    chargeKey: refs.chargeKey,
    failureReason,
  };
}

function subscriptionUpdated(event: StripeEventLike, subscription: Obj): PaymentEvent {
  const state = subscriptionStateOf(subscription);
  return {
    type: 'subscription.updated',
    ...baseOf(event, {
      reference: str(metadataOf(subscription)[META.reference]),
      subscriptionId: state.providerSubscriptionId || null,
      customerId: idOf(subscription.customer),
    }),
    state,
  };
}

function subscriptionCanceled(event: StripeEventLike, subscription: Obj): PaymentEvent {
  return {
    type: 'subscription.canceled',
    ...baseOf(event, {
      reference: str(metadataOf(subscription)[META.reference]),
      subscriptionId: str(subscription.id),
      customerId: idOf(subscription.customer),
    }),
    canceledAt: dateOf(subscription.ended_at) ?? dateOf(subscription.canceled_at) ?? new Date(event.created * 1000),
  };
}

/** A refund reaches `succeeded` when it is created so (cards) or later (`refund.updated` from `pending`). */
function refundJustSucceeded(event: StripeEventLike, refund: Obj): boolean {
  if (str(refund.status) !== 'succeeded') return false;
  if (event.type === 'refund.created') return true;
  const previous = obj(event.data.previous_attributes);
  return previous !== null && 'status' in previous && previous.status !== 'succeeded';
}

async function refundSucceeded(event: StripeEventLike, refund: Obj, lookups: StripeEventLookups | undefined): Promise<PaymentEvent> {
  if (!refundJustSucceeded(event, refund)) return unknownOf(event);
  const meta = metadataOf(refund);
  const paymentIntent = idOf(refund.payment_intent);
  let paymentId = str(meta[META.paymentId]);
  let refs = {
    reference: str(meta[META.reference]),
    subscriptionId: str(meta[META.subscriptionId]),
    customerId: str(meta[META.customerId]),
  };
  // A refund made in the dashboard names only the payment intent; ours name the invoice we reported as the payment.
  if (paymentId === null && paymentIntent !== null && lookups) {
    const paid = await lookups.invoiceOfPaymentIntent(paymentIntent);
    if (paid) {
      paymentId = paid.invoiceId;
      refs = { reference: refs.reference ?? paid.reference, subscriptionId: refs.subscriptionId ?? paid.subscriptionId, customerId: refs.customerId ?? paid.customerId };
    }
  }
  paymentId ??= paymentIntent ?? idOf(refund.charge);
  if (paymentId === null) return unknownOf(event);
  return {
    type: 'refund.succeeded',
    ...baseOf(event, refs),
    providerRefundId: str(refund.id) ?? '',
    providerPaymentId: paymentId,
    amountMinor: num(refund.amount) ?? 0,
    currency: upper(refund.currency),
  };
}

/**
 * The port's events for one verified Stripe event: always exactly one, `unknown` for what the port does
 * not model. `invoice.paid` is the payment (Stripe's recommended signal; `invoice.payment_succeeded`,
 * sent beside it, would count the payment twice), and `refund.*` the refund (`charge.refunded` names no
 * refund).
 */
export async function normalizeStripeEvent(event: StripeEventLike, lookups?: StripeEventLookups): Promise<PaymentEvent[]> {
  const object = obj(event.data?.object);
  if (!object) return [unknownOf(event)];
  switch (event.type) {
    case 'checkout.session.completed':
      return [checkoutCompleted(event, object)];
    case 'invoice.paid':
      return [invoicePaid(event, object)];
    case 'invoice.payment_failed':
      return [await invoicePaymentFailed(event, object, lookups)];
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.paused':
    case 'customer.subscription.resumed':
    case 'customer.subscription.pending_update_applied':
    case 'customer.subscription.pending_update_expired':
      return [subscriptionUpdated(event, object)];
    case 'customer.subscription.deleted':
      return [subscriptionCanceled(event, object)];
    case 'refund.created':
    case 'refund.updated':
      return [await refundSucceeded(event, object, lookups)];
    default:
      return [unknownOf(event)];
  }
}
