import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import {
  PaymentSignatureError,
  type PaymentChargeResult,
  type PaymentCheckout,
  type PaymentCheckoutInput,
  type PaymentEvent,
  type PaymentOneTimeCharge,
  type PaymentPrice,
  type PaymentPriceRef,
  type PaymentProvider,
  type PaymentRefundInput,
  type PaymentRefundResult,
  type PaymentSubscriptionState,
  type PaymentWebhookDelivery,
  type PluginLogger,
  type TenantContext,
} from '@tero/sdk';
import {
  PLUGIN_ID,
  requireSecretKey,
  requireWebhookSecret,
  resolveStripeClientSettings,
  type StripeClientSettings,
  type StripePaymentConfig,
} from './stripe.config';
import { rejected, toPaymentError } from './stripe.errors';
import { isStripeError, loadStripe, stripeErrorType } from './stripe.module';
import {
  idOf,
  invoiceRefsOf,
  META,
  normalizeStripeEvent,
  subscriptionStateOf,
  type StripeEventLike,
  type StripeEventLookups,
  type StripeInvoiceOfPayment,
} from './stripe-event.normalizer';

/** Checkout's `trial_end` must be at least 48 hours away; the margin absorbs clock skew. */
const MIN_TRIAL_SECONDS = 48 * 3600 + 600;
/** A first charge closer than this is charged at once. */
const AT_ONCE_SECONDS = 60;
/** Stripe's limit on a metadata value. */
const METADATA_VALUE_LIMIT = 500;
/** Stripe's limit on a price's lookup key. */
const LOOKUP_KEY_LIMIT = 200;

const CHECKOUT_LOCALES = new Set(
  'bg cs da de el en en-GB es es-419 et fi fil fr fr-CA hi-IN hr hu id it ja ko lt lv ms mt nb nl pl pt pt-BR ro ru sk sl sv th tr vi zh zh-HK zh-TW'.split(' '),
);
const PORTAL_LOCALES = new Set(
  'bg cs da de el en en-AU en-CA en-GB en-IE en-IN en-NZ en-SG es es-419 et fi fil fr fr-CA hr hu id it ja ko lt lv ms mt nb nl pl pt pt-BR ro ru sk sl sv th tr vi zh zh-HK zh-TW'.split(
    ' ',
  ),
);

/** Our language tag in one of Stripe's locales: the exact tag, else its language, else Stripe's guess from the browser. */
export function stripeLocale(locale: string, supported: ReadonlySet<string>): string {
  const [language = '', region] = locale.trim().replace('_', '-').split('-');
  const exact = region ? `${language.toLowerCase()}-${region.length === 2 ? region.toUpperCase() : region}` : language.toLowerCase();
  if (supported.has(exact)) return exact;
  if (supported.has(language.toLowerCase())) return language.toLowerCase();
  return 'auto';
}

/**
 * Stripe idempotency key for one step of one of our operations: the same operation asked again (a
 * retry, a double click, a job run twice) gets Stripe's first answer back instead of a second object.
 * Stripe keeps keys 24 hours; the look-ups before each creation cover later repeats.
 */
export function idempotencyKey(step: string, ...parts: unknown[]): string {
  return `tero-${step}-${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40)}`;
}

/** Our plan's product at Stripe has a deterministic id, so finding it is a read by id, not an eventually consistent search. */
export function productIdFor(planId: string): string {
  return `tero_plan_${planId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function requireText(value: unknown, field: string, limit = METADATA_VALUE_LIMIT): string {
  if (typeof value !== 'string' || value.trim() === '') throw rejected(`${field} is required`, { field });
  if (value.length > limit) throw rejected(`${field} is longer than Stripe allows (${limit} characters)`, { field, limit });
  return value;
}

/** A Stripe object id we put in a path: refused before it can reach another endpoint (`/v1/subscriptions/` lists). */
function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_]+$/.test(value)) throw rejected(`${field} must be a Stripe id such as sub_… (got ${JSON.stringify(value)})`, { field });
  return value;
}

function requireAmount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw rejected(`${field} must be a positive integer of minor units`, { field });
  return value;
}

function requireCurrency(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z]{3}$/.test(value)) throw rejected(`${field} must be an ISO 4217 code such as USD`, { field });
  return value.toLowerCase();
}

function requireUrl(value: unknown, field: string): string {
  try {
    const url = new URL(String(value));
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.toString();
  } catch {
    // refused below
  }
  throw rejected(`${field} must be an http(s) URL`, { field });
}

/** Metadata values are strings of at most 500 characters; absent values are left out. */
function metadata(values: Record<string, string | null | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) if (value) out[key] = value.slice(0, METADATA_VALUE_LIMIT);
  return out;
}

/** Stripe's search syntax quotes values with `'`; a quote or backslash inside is escaped with a backslash. */
function searchLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function isMissing(error: unknown): boolean {
  return isStripeError(error) && error.statusCode === 404;
}

function chargeStatusOf(invoice: Stripe.Invoice): PaymentChargeResult['status'] {
  if (invoice.status === 'paid') return 'succeeded';
  if (invoice.status === 'void' || invoice.status === 'uncollectible') return 'failed';
  // Open after a payment attempt that did not fail: an asynchronous method (bank debit) is processing.
  return 'pending';
}

function refundStatusOf(status: string | null): PaymentRefundResult['status'] {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'failed' || status === 'canceled') return 'failed';
  return 'pending';
}

/**
 * `PaymentProvider` on a brand's own Stripe account, through the official SDK: Products and Prices
 * (found by a deterministic product id and the price's `lookup_key`), Checkout in subscription mode,
 * the customer portal, Billing subscriptions, one-off invoices for overage, refunds, and signed
 * webhooks normalized to the port's events.
 *
 * A payment is reported by its invoice id (`in_…`): since API version 2025-03-31 an invoice no longer
 * names its payment intent, while every payment event is about an invoice. `refund` resolves an
 * invoice to the payment that paid it.
 */
export class StripePaymentProvider implements PaymentProvider {
  private readonly settings: StripeClientSettings;
  private client?: Stripe;

  constructor(
    private readonly config: StripePaymentConfig,
    private readonly logger: PluginLogger,
  ) {
    this.settings = resolveStripeClientSettings(config);
  }

  /** Built on first use, so that a brand that has not entered its key yet can still be listed and configured. */
  private async stripe(): Promise<Stripe> {
    if (this.client) return this.client;
    const secretKey = requireSecretKey(this.config);
    const StripeSdk = await loadStripe();
    this.client ??= new StripeSdk(secretKey, {
      host: this.settings.host,
      port: this.settings.port,
      protocol: this.settings.protocol,
      timeout: this.settings.timeoutMs,
      maxNetworkRetries: this.settings.maxNetworkRetries,
      telemetry: false,
      appInfo: { name: 'Tero Voice payment-stripe', version: '0.1.0' },
    });
    return this.client;
  }

  private async call<T>(action: string, run: (stripe: Stripe) => Promise<T>): Promise<T> {
    const stripe = await this.stripe();
    try {
      return await run(stripe);
    } catch (error) {
      throw toPaymentError(error, action);
    }
  }

  async ensurePrice(_ctx: TenantContext, price: PaymentPrice): Promise<PaymentPriceRef> {
    const priceKey = requireText(price.priceKey, 'priceKey', LOOKUP_KEY_LIMIT);
    const amount = requireAmount(price.amountMinor, 'amountMinor');
    const currency = requireCurrency(price.currency, 'currency');
    if (price.interval !== 'month' && price.interval !== 'year') throw rejected('interval must be month or year', { field: 'interval' });
    requireText(price.planId, 'planId');
    const name = requireText(price.name, 'name', 250);

    return this.call('ensurePrice', async (stripe) => {
      // Lookup keys are unique across active and archived prices: at most one holds ours.
      const found = await stripe.prices.list({ lookup_keys: [priceKey], limit: 1 });
      const existing = found.data[0];
      if (
        existing?.active &&
        existing.unit_amount === amount &&
        existing.currency === currency &&
        existing.recurring?.interval === price.interval &&
        existing.recurring.interval_count === 1
      ) {
        return { priceKey, providerPriceId: existing.id };
      }
      const product = await this.ensureProduct(stripe, price);
      const params: Stripe.PriceCreateParams = {
        product,
        currency,
        unit_amount: amount,
        recurring: { interval: price.interval, interval_count: 1 },
        lookup_key: priceKey,
        // The key names this exact amount; an archived (or hand-edited) price holding it gives it up.
        transfer_lookup_key: true,
        nickname: name,
        // Our amounts are what the customer pays, tax included.
        tax_behavior: 'inclusive',
        metadata: metadata({ [META.planId]: price.planId, [META.priceKey]: priceKey, tero_plan_code: price.planCode }),
      };
      // The holder is part of the key: replacing an archived price within Stripe's 24-hour key window must not get the archived one back.
      const created = await stripe.prices.create(params, { idempotencyKey: idempotencyKey('price', params, existing?.id ?? null) });
      return { priceKey, providerPriceId: created.id };
    });
  }

  /** Finds, revives or creates the product of one of our plans. */
  private async ensureProduct(stripe: Stripe, price: PaymentPrice): Promise<string> {
    const id = productIdFor(price.planId);
    try {
      const product = await stripe.products.retrieve(id);
      if (!product.active) await stripe.products.update(id, { active: true });
      return id;
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    const params: Stripe.ProductCreateParams = {
      id,
      name: price.name,
      metadata: metadata({ [META.planId]: price.planId, tero_plan_code: price.planCode }),
    };
    try {
      await stripe.products.create(params, { idempotencyKey: idempotencyKey('product', params) });
    } catch (error) {
      // Another replica created it between our read and our write.
      if (!(isStripeError(error) && error.code === 'resource_already_exists')) throw error;
    }
    return id;
  }

  async startCheckout(_ctx: TenantContext, input: PaymentCheckoutInput): Promise<PaymentCheckout> {
    const reference = requireText(input.reference, 'reference', 200);
    const price = requireId(input.price?.providerPriceId, 'price.providerPriceId');
    const successUrl = requireUrl(input.successUrl, 'successUrl');
    const cancelUrl = requireUrl(input.cancelUrl, 'cancelUrl');
    const customer = input.customer;
    const known = customer.providerCustomerId ? requireId(customer.providerCustomerId, 'customer.providerCustomerId') : null;
    if (!known) requireText(customer.email, 'customer.email');
    const tags = metadata({ [META.reference]: reference, [META.clientId]: customer.clientId });

    const params: Stripe.Checkout.SessionCreateParams = {
      mode: 'subscription',
      line_items: [{ price, quantity: 1 }],
      client_reference_id: reference,
      success_url: successUrl,
      cancel_url: cancelUrl,
      locale: stripeLocale(input.locale ?? 'auto', CHECKOUT_LOCALES) as Stripe.Checkout.SessionCreateParams.Locale,
      metadata: tags,
      subscription_data: { metadata: tags, ...firstChargeParams(input.firstChargeAt ?? null) },
      ...(known ? { customer: known } : { customer_email: customer.email }),
    };
    const session = await this.call('startCheckout', (stripe) => stripe.checkout.sessions.create(params));
    if (!session.url) throw rejected('Stripe created a checkout session without a URL', { providerCheckoutId: session.id });
    return { providerCheckoutId: session.id, providerSubscriptionId: idOf(session.subscription), redirectUrl: session.url };
  }

  async openPortal(
    _ctx: TenantContext,
    input: { providerCustomerId: string | null; providerSubscriptionId: string; returnUrl: string; locale: string },
  ): Promise<{ url: string }> {
    const returnUrl = requireUrl(input.returnUrl, 'returnUrl');
    return this.call('openPortal', async (stripe) => {
      const customer = input.providerCustomerId
        ? requireId(input.providerCustomerId, 'providerCustomerId')
        : idOf((await stripe.subscriptions.retrieve(requireId(input.providerSubscriptionId, 'providerSubscriptionId'))).customer);
      if (!customer) throw rejected('the subscription has no customer', { providerSubscriptionId: input.providerSubscriptionId });
      const session = await stripe.billingPortal.sessions.create({
        customer,
        return_url: returnUrl,
        locale: stripeLocale(input.locale ?? 'auto', PORTAL_LOCALES) as Stripe.BillingPortal.SessionCreateParams.Locale,
      });
      return { url: session.url };
    });
  }

  async getSubscription(_ctx: TenantContext, providerSubscriptionId: string): Promise<PaymentSubscriptionState> {
    const id = requireId(providerSubscriptionId, 'providerSubscriptionId');
    return this.call('getSubscription', async (stripe) => subscriptionStateOf(await stripe.subscriptions.retrieve(id)));
  }

  async changePrice(
    _ctx: TenantContext,
    input: { providerSubscriptionId: string; price: PaymentPriceRef; prorate: boolean },
  ): Promise<PaymentSubscriptionState> {
    const id = requireId(input.providerSubscriptionId, 'providerSubscriptionId');
    const price = requireId(input.price?.providerPriceId, 'price.providerPriceId');
    return this.call('changePrice', async (stripe) => {
      const subscription = await stripe.subscriptions.retrieve(id);
      const item = subscription.items.data[0];
      if (!item) throw rejected('the subscription has no item to move to another price', { providerSubscriptionId: id });
      // Asked twice (a retried job): the second time there is nothing to change, and nothing to prorate again.
      if (item.price.id === price) return subscriptionStateOf(subscription);
      const updated = await stripe.subscriptions.update(id, {
        items: [{ id: item.id, price }],
        proration_behavior: input.prorate ? 'create_prorations' : 'none',
      });
      return subscriptionStateOf(updated);
    });
  }

  async cancel(
    _ctx: TenantContext,
    input: { providerSubscriptionId: string; atPeriodEnd: boolean; reason?: string },
  ): Promise<PaymentSubscriptionState> {
    const id = requireId(input.providerSubscriptionId, 'providerSubscriptionId');
    const details = input.reason ? { cancellation_details: { comment: input.reason.slice(0, METADATA_VALUE_LIMIT) } } : {};
    return this.call('cancel', async (stripe) => {
      if (input.atPeriodEnd) return subscriptionStateOf(await stripe.subscriptions.update(id, { cancel_at_period_end: true, ...details }));
      try {
        // No final invoice and no proration credit: nothing more is charged.
        return subscriptionStateOf(await stripe.subscriptions.cancel(id, { invoice_now: false, prorate: false, ...details }));
      } catch (error) {
        // Canceled already (by the customer in the portal, or an earlier try): the wish is fulfilled.
        if (stripeErrorType(error) !== 'StripeInvalidRequestError' || isMissing(error)) throw error;
        const current = await stripe.subscriptions.retrieve(id);
        if (current.status !== 'canceled') throw error;
        return subscriptionStateOf(current);
      }
    });
  }

  /**
   * One invoice per charge key, outside the subscription (so that it sweeps in none of the
   * subscription's pending items), paid at once with the subscription's payment method. The invoice is
   * found again by its `tero_charge_key` metadata (Stripe search, which lags by up to a minute) and
   * every creating step carries an idempotency key derived from the charge key (which covers the lag):
   * the same key charges once, and a later call reports the same invoice.
   */
  async chargeOnce(_ctx: TenantContext, input: PaymentOneTimeCharge): Promise<PaymentChargeResult> {
    const subscriptionId = requireId(input.providerSubscriptionId, 'providerSubscriptionId');
    const chargeKey = requireText(input.chargeKey, 'chargeKey');
    const amount = requireAmount(input.amountMinor, 'amountMinor');
    const currency = requireCurrency(input.currency, 'currency');
    const description = requireText(input.description, 'description');
    const key = (step: string) => idempotencyKey(`charge-${step}`, chargeKey);

    return this.call('chargeOnce', async (stripe) => {
      let invoice = await this.findChargeInvoice(stripe, chargeKey);
      if (!invoice) {
        const subscription = await stripe.subscriptions.retrieve(subscriptionId);
        const customer = input.providerCustomerId ? requireId(input.providerCustomerId, 'providerCustomerId') : idOf(subscription.customer);
        if (!customer) throw rejected('the subscription has no customer to charge', { providerSubscriptionId: subscriptionId });
        const paymentMethod = idOf(subscription.default_payment_method);
        invoice = await stripe.invoices.create(
          {
            customer,
            currency,
            description,
            collection_method: 'charge_automatically',
            // We finalize and pay it now; Stripe must not finalize it on its own schedule meanwhile.
            auto_advance: false,
            pending_invoice_items_behavior: 'exclude',
            ...(paymentMethod ? { default_payment_method: paymentMethod } : {}),
            metadata: metadata({ [META.chargeKey]: chargeKey, [META.reference]: input.reference, [META.subscriptionId]: subscriptionId }),
          },
          { idempotencyKey: key('invoice') },
        );
      }
      if (invoice.status === 'draft' && invoice.total === 0) {
        await stripe.invoiceItems.create(
          {
            customer: idOf(invoice.customer)!,
            invoice: invoice.id,
            amount,
            currency,
            description,
            metadata: metadata({ [META.chargeKey]: chargeKey }),
          },
          { idempotencyKey: key('item') },
        );
      }
      if (invoice.status === 'draft') {
        // From here Stripe's own retry schedule (Smart Retries) may collect it after a failed attempt.
        invoice = await stripe.invoices.finalizeInvoice(invoice.id, { auto_advance: true }, { idempotencyKey: key('finalize') });
      }
      if (invoice.status === 'open') {
        try {
          invoice = await stripe.invoices.pay(invoice.id, {}, { idempotencyKey: key('pay') });
        } catch (error) {
          // A decline or a payment that needs the customer: the charge failed, the invoice stays open.
          if (stripeErrorType(error) === 'StripeCardError') return { providerPaymentId: invoice.id, status: 'failed' };
          throw error;
        }
      }
      return { providerPaymentId: invoice.id, status: chargeStatusOf(invoice) };
    });
  }

  private async findChargeInvoice(stripe: Stripe, chargeKey: string): Promise<Stripe.Invoice | null> {
    const found = await stripe.invoices.search({ query: `metadata['${META.chargeKey}']:${searchLiteral(chargeKey)}`, limit: 10 });
    return found.data.find((invoice) => invoice.metadata?.[META.chargeKey] === chargeKey && invoice.status !== 'void') ?? null;
  }

  async refund(_ctx: TenantContext, input: PaymentRefundInput): Promise<PaymentRefundResult> {
    const paymentId = requireId(input.providerPaymentId, 'providerPaymentId');
    const amount = input.amountMinor === undefined ? undefined : requireAmount(input.amountMinor, 'amountMinor');
    const currency = requireCurrency(input.currency, 'currency');
    return this.call('refund', async (stripe) => {
      let target: { payment_intent: string } | { charge: string };
      let tags: Record<string, string | null> = { [META.paymentId]: paymentId };
      if (paymentId.startsWith('in_')) {
        const invoice = await stripe.invoices.retrieve(paymentId);
        if (invoice.currency !== currency) throw rejected(`the payment is in ${invoice.currency.toUpperCase()}, not ${currency.toUpperCase()}`, { field: 'currency' });
        const payments = await stripe.invoicePayments.list({ invoice: paymentId, status: 'paid', limit: 10 });
        const paid = payments.data.find((payment) => payment.status === 'paid' && (payment.payment.payment_intent || payment.payment.charge));
        if (!paid) throw rejected(`invoice ${paymentId} has no payment to refund`, { providerPaymentId: paymentId });
        const intent = idOf(paid.payment.payment_intent);
        target = intent ? { payment_intent: intent } : { charge: idOf(paid.payment.charge)! };
        const refs = invoiceRefsOf(invoice as unknown as Record<string, unknown>);
        tags = { ...tags, [META.reference]: refs.reference, [META.subscriptionId]: refs.subscriptionId, [META.customerId]: refs.customerId };
      } else if (paymentId.startsWith('pi_')) {
        target = { payment_intent: paymentId };
      } else if (paymentId.startsWith('ch_') || paymentId.startsWith('py_')) {
        target = { charge: paymentId };
      } else {
        throw rejected('providerPaymentId must name an invoice (in_…), a payment intent (pi_…) or a charge (ch_…)', { field: 'providerPaymentId' });
      }
      const refund = await stripe.refunds.create({
        ...target,
        ...(amount !== undefined ? { amount } : {}),
        metadata: metadata({ ...tags, [META.reason]: input.reason }),
      });
      return { providerRefundId: refund.id, status: refundStatusOf(refund.status) };
    });
  }

  async parseWebhook(ctx: TenantContext, delivery: PaymentWebhookDelivery): Promise<PaymentEvent[]> {
    const secret = requireWebhookSecret(this.config);
    const header = delivery.headers['stripe-signature'];
    if (!header) throw new PaymentSignatureError('no stripe-signature header');
    const StripeSdk = await loadStripe();
    let event: Stripe.Event;
    try {
      event = StripeSdk.webhooks.constructEvent(delivery.rawBody, header, secret);
    } catch (error) {
      if (isStripeError(error) && error.type === 'StripeSignatureVerificationError') throw new PaymentSignatureError(signatureReason(error.message));
      // Genuine bytes that are not a snapshot event (a thin event sent to this endpoint, say): a set-up mistake.
      throw rejected(`Stripe webhook is not a snapshot event: ${error instanceof Error ? error.message : String(error)}`, {}, error);
    }
    const shaped = event as unknown as StripeEventLike;
    if (typeof shaped?.id !== 'string' || typeof shaped.type !== 'string' || typeof shaped.created !== 'number' || typeof shaped.data !== 'object') {
      throw rejected('Stripe webhook is not an event (id, type, created, data)');
    }
    return normalizeStripeEvent(shaped, this.config.secretKey ? this.lookups(ctx) : undefined);
  }

  /** Best-effort reads for details events leave out: a failure is logged and the detail left out. */
  private lookups(ctx: TenantContext): StripeEventLookups {
    const attempt = async <T>(what: string, run: (stripe: Stripe) => Promise<T>): Promise<T | null> => {
      try {
        return await run(await this.stripe());
      } catch (error) {
        this.logger.warn({ plugin: PLUGIN_ID, brandId: ctx.brandId, requestId: ctx.requestId, lookup: what, err: error instanceof Error ? error.message : String(error) }, 'Stripe look-up for a webhook failed');
        return null;
      }
    };
    return {
      invoiceOfPaymentIntent: (paymentIntentId) =>
        attempt('invoiceOfPaymentIntent', async (stripe): Promise<StripeInvoiceOfPayment | null> => {
          const found = await stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: paymentIntentId }, limit: 1, expand: ['data.invoice'] });
          const invoice = found.data[0]?.invoice;
          if (!invoice) return null;
          if (typeof invoice === 'string') return { invoiceId: invoice, reference: null, subscriptionId: null, customerId: null };
          const refs = invoiceRefsOf(invoice as unknown as Record<string, unknown>);
          return { invoiceId: invoice.id, reference: refs.reference, subscriptionId: refs.subscriptionId, customerId: refs.customerId };
        }),
      failureReasonOf: (invoiceId) =>
        attempt('failureReasonOf', async (stripe) => {
          const found = await stripe.invoicePayments.list({ invoice: invoiceId, limit: 1, expand: ['data.payment.payment_intent'] });
          const intent = found.data[0]?.payment.payment_intent;
          const error = typeof intent === 'object' && intent !== null ? intent.last_payment_error : null;
          return error ? (error.decline_code ?? error.code ?? error.message ?? null) : null;
        }),
    };
  }
}

/** When the first charge happens, in Checkout's terms: a trial for two days or more, else a billing anchor with nothing charged before it. */
export function firstChargeParams(firstChargeAt: Date | null, now = Date.now()): Pick<Stripe.Checkout.SessionCreateParams.SubscriptionData, 'trial_end' | 'billing_cycle_anchor' | 'proration_behavior'> {
  if (!firstChargeAt) return {};
  const at = Math.floor(firstChargeAt.getTime() / 1000);
  const seconds = Math.floor(now / 1000);
  if (!Number.isFinite(at) || at <= seconds + AT_ONCE_SECONDS) return {};
  if (at >= seconds + MIN_TRIAL_SECONDS) return { trial_end: at };
  return { billing_cycle_anchor: at, proration_behavior: 'none' };
}

/** Stripe's long explanation, shortened to what a log line needs. */
function signatureReason(message: string): string {
  if (/tolerance/i.test(message)) return 'timestamp outside the tolerance (replayed or delayed delivery)';
  if (/No signatures found matching/i.test(message)) return 'signature does not match the body and the webhook secret';
  if (/timestamp and signatures/i.test(message)) return 'malformed stripe-signature header';
  if (/No stripe-signature header/i.test(message)) return 'no stripe-signature header';
  return message.split('\n')[0]!.slice(0, 200);
}
