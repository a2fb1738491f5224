import { createHash } from 'node:crypto';
import {
  PAYMENT_ERRORS,
  PaymentSignatureError,
  TeroError,
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
import { PayPalApiClient } from './paypal-api.client';
import { resolvePayPalSettings, type PayPalPaymentConfig, type PayPalSettings } from './paypal.config';
import { fromPayPalValue, toPayPalValue } from './paypal-money';
import { cancelReason, CUSTOM_ID_MAX, encodeChargeCustom, parseCustom, subscriptionState } from './paypal-subscription.mapper';
import { normalizePayPalEvent } from './paypal-webhook.normalizer';
import { PayPalWebhookVerifier } from './paypal-webhook.verifier';
import type {
  WireCaptureRequest,
  WirePatchOperation,
  WirePlan,
  WirePlanList,
  WirePlanRequest,
  WireProduct,
  WireReviseResponse,
  WireSaleRefund,
  WireSubscription,
  WireSubscriptionRequest,
  WireSubscriptionTransaction,
  WireWebhookEvent,
} from './paypal.wire';

/** PayPal lists at most 20 plans a page; a brand with more pages than this has a problem we should not loop on. */
const PLAN_PAGE_SIZE = 20;
const PLAN_PAGE_LIMIT = 100;
const PRODUCT_ID_MAX = 50;
const SUBSCRIBER_NAME_MAX = 140;
const NOTE_MAX = 127;
const REFUND_DESCRIPTION_MAX = 255;

/** PayPal's pages take a five-character locale; our locales are languages. */
const PAYPAL_LOCALES: Record<string, string> = {
  en: 'en-US',
  es: 'es-ES',
  fr: 'fr-FR',
  de: 'de-DE',
  it: 'it-IT',
  pt: 'pt-BR',
  nl: 'nl-NL',
  pl: 'pl-PL',
  sv: 'sv-SE',
  da: 'da-DK',
  ja: 'ja-JP',
  zh: 'zh-CN',
};

/** `en` → `en-US`, `fr-CA` → `fr-CA`; `undefined` (PayPal picks from the buyer) for what it would refuse. */
export function paypalLocale(locale: string): string | undefined {
  const match = /^([a-z]{2})(?:[-_]([A-Za-z]{2}))?$/.exec(locale.trim());
  if (!match) return undefined;
  return match[2] ? `${match[1]}-${match[2].toUpperCase()}` : PAYPAL_LOCALES[match[1]];
}

/** The catalog product that holds a brand's plans: PayPal revises a subscription only to a plan of the same product. */
export function productIdFor(brandId: string): string {
  return `tero-${brandId}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, PRODUCT_ID_MAX);
}

/** A `PayPal-Request-Id` derived from our own key, short enough for every endpoint. */
function requestId(kind: string, ...parts: string[]): string {
  return `tero-${kind}-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40)}`;
}

function rejected(message: string, params: Record<string, string | number> = {}): TeroError {
  return new TeroError(PAYMENT_ERRORS.rejected, message, params, { status: 422 });
}

function isNotFound(error: unknown): boolean {
  return error instanceof TeroError && error.code === PAYMENT_ERRORS.rejected && error.params.status === 404;
}

function required<T>(value: T | null, what: string): T {
  if (value === null) throw new TeroError(PAYMENT_ERRORS.unavailable, `PayPal answered ${what} without a body`, {}, { retryable: true, status: 502 });
  return value;
}

/**
 * A {@link PaymentProvider} over PayPal Subscriptions, on the brand's own PayPal REST app:
 * - a price is an active billing plan (one fixed-price regular cycle) under the brand's catalog product,
 *   found again by its description `tero:<priceKey>`;
 * - a checkout is a subscription awaiting the customer's approval at PayPal's `approve` link;
 * - a one-time charge raises the subscription's outstanding balance by the amount and captures it (the
 *   capture API takes no more than the outstanding balance), then puts the balance back;
 * - webhooks are verified by PayPal (or offline with its certificate) and normalized.
 * See the README for what PayPal cannot do (a portal, proration, cancel at period end) and how each is met.
 */
export class PayPalPaymentProvider implements PaymentProvider {
  private readonly settings: PayPalSettings;
  private readonly client: PayPalApiClient;
  private readonly verifier: PayPalWebhookVerifier;
  /** Products known to exist: PayPal never deletes one. */
  private readonly products = new Set<string>();

  constructor(
    config: PayPalPaymentConfig,
    private readonly logger: PluginLogger,
  ) {
    this.settings = resolvePayPalSettings(config);
    this.client = new PayPalApiClient(this.settings, logger);
    this.verifier = new PayPalWebhookVerifier(this.settings, this.client);
  }

  async ensurePrice(ctx: TenantContext, price: PaymentPrice): Promise<PaymentPriceRef> {
    if (!Number.isSafeInteger(price.amountMinor) || price.amountMinor <= 0) throw rejected(`price ${price.priceKey}: amountMinor must be a positive integer`, { amountMinor: price.amountMinor });
    if (price.interval !== 'month' && price.interval !== 'year') throw rejected(`price ${price.priceKey}: interval must be month or year`, { interval: String(price.interval) });
    const currency = price.currency.toUpperCase();
    const value = toPayPalValue(price.amountMinor, currency);
    const productId = await this.ensureProduct(ctx);
    const description = `tero:${price.priceKey}`;
    const existing = await this.findPlan(ctx, productId, description);
    if (existing) return { priceKey: price.priceKey, providerPriceId: existing.id };

    const body: WirePlanRequest = {
      product_id: productId,
      name: price.name.slice(0, 127) || price.planCode,
      description,
      status: 'ACTIVE',
      billing_cycles: [
        {
          frequency: { interval_unit: price.interval === 'year' ? 'YEAR' : 'MONTH', interval_count: 1 },
          tenure_type: 'REGULAR',
          sequence: 1,
          total_cycles: 0,
          pricing_scheme: { fixed_price: { value, currency_code: currency } },
        },
      ],
      payment_preferences: {
        auto_bill_outstanding: this.settings.autoBillOutstanding,
        setup_fee_failure_action: 'CONTINUE',
        payment_failure_threshold: this.settings.paymentFailureThreshold,
      },
    };
    const plan = required(
      await this.client.call<WirePlan>(ctx, { method: 'POST', path: '/v1/billing/plans', body, requestId: requestId('plan', productId, price.priceKey) }),
      'the plan creation',
    );
    this.logger.info({ requestId: ctx.requestId, brandId: ctx.brandId, priceKey: price.priceKey, planId: plan.id }, 'payment-paypal: billing plan created');
    return { priceKey: price.priceKey, providerPriceId: plan.id };
  }

  async startCheckout(ctx: TenantContext, input: PaymentCheckoutInput): Promise<PaymentCheckout> {
    const body: WireSubscriptionRequest = {
      plan_id: input.price.providerPriceId,
      custom_id: input.reference,
      subscriber: { email_address: input.customer.email, name: { given_name: input.customer.name.slice(0, SUBSCRIBER_NAME_MAX) } },
      application_context: {
        locale: paypalLocale(input.locale),
        shipping_preference: 'NO_SHIPPING',
        user_action: 'SUBSCRIBE_NOW',
        return_url: input.successUrl,
        cancel_url: input.cancelUrl,
      },
    };
    if (input.reference.length > CUSTOM_ID_MAX || input.reference.includes('|')) {
      throw rejected(`reference "${input.reference}" must be at most ${CUSTOM_ID_MAX} characters without "|" (PayPal custom_id)`, { reference: input.reference });
    }
    if (this.settings.brandName) body.application_context.brand_name = this.settings.brandName;
    // PayPal refuses a start time in the past; "at once" is no start time.
    if (input.firstChargeAt && input.firstChargeAt.getTime() > Date.now()) body.start_time = input.firstChargeAt.toISOString();
    const subscription = required(await this.client.call<WireSubscription>(ctx, { method: 'POST', path: '/v1/billing/subscriptions', body }), 'the subscription creation');
    const approve = subscription.links?.find((link) => link.rel === 'approve')?.href;
    if (!approve) {
      throw this.client.logged(ctx, new TeroError(PAYMENT_ERRORS.unavailable, `PayPal created subscription ${subscription.id} without an approve link`, { subscriptionId: subscription.id }, { retryable: true, status: 502 }));
    }
    return { providerCheckoutId: subscription.id, providerSubscriptionId: subscription.id, redirectUrl: approve };
  }

  /**
   * PayPal has no hosted portal for a merchant's customers: a subscriber manages (and cancels) automatic
   * payments in their own PayPal account. This is that page, on the live or sandbox site.
   */
  async openPortal(): Promise<{ url: string }> {
    return { url: `${this.settings.webBaseUrl}/myaccount/autopay/` };
  }

  async getSubscription(ctx: TenantContext, providerSubscriptionId: string): Promise<PaymentSubscriptionState> {
    return subscriptionState(await this.subscription(ctx, providerSubscriptionId));
  }

  /**
   * Revises the subscription to the new plan. PayPal applies the new price from the next billing cycle
   * and never prorates, so `prorate` cannot be honoured here; a subscription paid from a PayPal balance
   * also needs the subscriber's consent at an `approve` link, and until then PayPal keeps the old plan
   * (the state returned says so: `providerPriceId` stays the old plan's).
   */
  async changePrice(ctx: TenantContext, input: { providerSubscriptionId: string; price: PaymentPriceRef; prorate: boolean }): Promise<PaymentSubscriptionState> {
    const revised = await this.client.call<WireReviseResponse>(ctx, {
      method: 'POST',
      path: `/v1/billing/subscriptions/${encodeURIComponent(input.providerSubscriptionId)}/revise`,
      body: { plan_id: input.price.providerPriceId },
    });
    const consent = revised?.links?.find((link) => link.rel === 'approve')?.href;
    const log = { requestId: ctx.requestId, brandId: ctx.brandId, subscriptionId: input.providerSubscriptionId, planId: input.price.providerPriceId };
    if (consent) this.logger.warn({ ...log, approveUrl: consent }, 'payment-paypal: the subscriber must approve the new plan at PayPal; the old plan stays until then');
    if (input.prorate) this.logger.info(log, 'payment-paypal: PayPal does not prorate; the new price applies from the next billing cycle');
    return this.getSubscription(ctx, input.providerSubscriptionId);
  }

  /**
   * At once: PayPal cancels the subscription (nothing is charged after). At period end, where PayPal has
   * no such option: the subscription is suspended (PayPal bills nothing while suspended) with the end of
   * the paid period in the reason, and reads as active with `cancelAtPeriodEnd` until then, canceled
   * after. The last period's overage can still be charged; PayPal sends no event when the date passes,
   * so the platform ends the service at `currentPeriodEnd` and calls `cancel(atPeriodEnd: false)` to
   * close the subscription at PayPal. A subscription PayPal already suspended for failed payments cannot
   * be suspended again: it is canceled at once, with the same note.
   */
  async cancel(ctx: TenantContext, input: { providerSubscriptionId: string; atPeriodEnd: boolean; reason?: string }): Promise<PaymentSubscriptionState> {
    const path = `/v1/billing/subscriptions/${encodeURIComponent(input.providerSubscriptionId)}`;
    const current = await this.subscription(ctx, input.providerSubscriptionId);
    if (current.status === 'CANCELLED' || current.status === 'EXPIRED') return subscriptionState(current);
    const state = subscriptionState(current);
    if (input.atPeriodEnd) {
      if (state.cancelAtPeriodEnd) return state;
      const periodEnd = state.currentPeriodEnd && state.currentPeriodEnd.getTime() > Date.now() ? state.currentPeriodEnd : null;
      const action = periodEnd && current.status === 'ACTIVE' ? 'suspend' : 'cancel';
      await this.client.call(ctx, { method: 'POST', path: `${path}/${action}`, body: { reason: cancelReason(input.reason, periodEnd) } });
    } else {
      await this.client.call(ctx, { method: 'POST', path: `${path}/cancel`, body: { reason: cancelReason(input.reason, null) } });
    }
    return this.getSubscription(ctx, input.providerSubscriptionId);
  }

  /**
   * PayPal captures from a subscription no more than its outstanding balance. So: raise the balance by
   * the amount (and name the charge in `custom_id`, which PayPal copies into the sale and its webhook),
   * capture with `PayPal-Request-Id` derived from the charge key (a repeated key gets the first capture
   * back), then put balance and `custom_id` back as they were. A charge already captured leaves the
   * balance raised until that last step, so the restore is what keeps a repeat from being billed later.
   * Two charges of one subscription must not run at the same time.
   */
  async chargeOnce(ctx: TenantContext, input: PaymentOneTimeCharge): Promise<PaymentChargeResult> {
    const currency = input.currency.toUpperCase();
    const value = toPayPalValue(input.amountMinor, currency);
    if (input.amountMinor <= 0) throw rejected(`charge ${input.chargeKey}: amountMinor must be positive`, { amountMinor: input.amountMinor });
    const custom = encodeChargeCustom(input.reference, input.amountMinor, input.chargeKey);
    if (custom.length > CUSTOM_ID_MAX || input.reference.includes('|')) {
      throw rejected(`charge ${input.chargeKey}: reference and charge key must fit PayPal's custom_id (${CUSTOM_ID_MAX} characters)`, { chargeKey: input.chargeKey });
    }
    const path = `/v1/billing/subscriptions/${encodeURIComponent(input.providerSubscriptionId)}`;
    const subscription = await this.subscription(ctx, input.providerSubscriptionId);
    if (subscription.status !== 'ACTIVE' && subscription.status !== 'SUSPENDED') {
      throw rejected(`PayPal subscription ${subscription.id} is ${subscription.status}: nothing can be charged to it`, { status: subscription.status });
    }
    const balance = subscription.billing_info?.outstanding_balance ?? { currency_code: currency, value: toPayPalValue(0, currency) };
    if (balance.currency_code.toUpperCase() !== currency) {
      throw rejected(`PayPal subscription ${subscription.id} bills in ${balance.currency_code}, not ${currency}`, { currency });
    }
    const raised = toPayPalValue(fromPayPalValue(balance.value, currency) + input.amountMinor, currency);
    const reference = parseCustom(subscription.custom_id).reference ?? input.reference;
    const customOp = subscription.custom_id ? 'replace' : 'add';
    const restore: WirePatchOperation[] = [
      { op: 'replace', path: '/billing_info/outstanding_balance', value: balance },
      { op: 'replace', path: '/custom_id', value: reference },
    ];

    await this.client.call(ctx, {
      method: 'PATCH',
      path,
      body: [
        { op: 'replace', path: '/billing_info/outstanding_balance', value: { currency_code: currency, value: raised } },
        { op: customOp, path: '/custom_id', value: custom },
      ] satisfies WirePatchOperation[],
    });
    let transaction: WireSubscriptionTransaction;
    try {
      const body: WireCaptureRequest = { note: input.description.slice(0, NOTE_MAX), capture_type: 'OUTSTANDING_BALANCE', amount: { currency_code: currency, value } };
      transaction = required(
        await this.client.call<WireSubscriptionTransaction>(ctx, { method: 'POST', path: `${path}/capture`, body, requestId: requestId('charge', input.chargeKey) }),
        'the capture',
      );
    } catch (error) {
      await this.client.call(ctx, { method: 'PATCH', path, body: restore }).catch((restoreError: unknown) => {
        this.logger.error({ requestId: ctx.requestId, brandId: ctx.brandId, subscriptionId: subscription.id, error: String(restoreError) }, 'payment-paypal: could not put the outstanding balance back after a failed capture');
      });
      throw error;
    }
    try {
      await this.client.call(ctx, { method: 'PATCH', path, body: restore });
    } catch (restoreError) {
      // The money moved: report the charge; the balance left raised is logged for an operator.
      this.logger.error({ requestId: ctx.requestId, brandId: ctx.brandId, subscriptionId: subscription.id, chargeKey: input.chargeKey, error: String(restoreError) }, 'payment-paypal: charged, but could not put the outstanding balance back');
    }
    const status = transaction.status ?? 'COMPLETED';
    return {
      providerPaymentId: transaction.id,
      status: status === 'PENDING' ? 'pending' : status === 'DECLINED' || status === 'FAILED' ? 'failed' : 'succeeded',
    };
  }

  /** Refunds a subscription payment (a v1 sale: every charge of a PayPal subscription is one). */
  async refund(ctx: TenantContext, input: PaymentRefundInput): Promise<PaymentRefundResult> {
    const body: { amount?: { total: string; currency: string }; description?: string } = {};
    if (input.amountMinor !== undefined) {
      if (input.amountMinor <= 0) throw rejected('refund amountMinor must be positive', { amountMinor: input.amountMinor });
      body.amount = { total: toPayPalValue(input.amountMinor, input.currency), currency: input.currency.toUpperCase() };
    }
    if (input.reason) body.description = input.reason.slice(0, REFUND_DESCRIPTION_MAX);
    const refund = required(
      await this.client.call<WireSaleRefund>(ctx, { method: 'POST', path: `/v1/payments/sale/${encodeURIComponent(input.providerPaymentId)}/refund`, body }),
      'the refund',
    );
    return { providerRefundId: refund.id, status: refund.state === 'completed' ? 'succeeded' : refund.state === 'pending' ? 'pending' : 'failed' };
  }

  async parseWebhook(ctx: TenantContext, delivery: PaymentWebhookDelivery): Promise<PaymentEvent[]> {
    await this.verifier.verify(ctx, delivery);
    let event: WireWebhookEvent;
    try {
      event = JSON.parse(delivery.rawBody.toString('utf8')) as WireWebhookEvent;
    } catch {
      throw new PaymentSignatureError('the body is not JSON');
    }
    if (typeof event?.id !== 'string' || typeof event.event_type !== 'string') throw new PaymentSignatureError('the body is not a PayPal event');
    const events = normalizePayPalEvent(event);
    await this.fillReferences(ctx, events);
    for (const normalized of events) {
      if (normalized.type === 'unknown') {
        this.logger.info({ requestId: ctx.requestId, brandId: ctx.brandId, eventId: event.id, eventType: event.event_type }, 'payment-paypal: event type not used');
      }
    }
    return events;
  }

  /** Sales may come without `custom`: the subscription's `custom_id` still names our reference. */
  private async fillReferences(ctx: TenantContext, events: PaymentEvent[]): Promise<void> {
    const looked = new Map<string, string | null>();
    for (const event of events) {
      if (event.type === 'unknown' || event.reference !== null || !event.providerSubscriptionId) continue;
      if (!looked.has(event.providerSubscriptionId)) {
        const subscription = await this.subscription(ctx, event.providerSubscriptionId, true).catch((error: unknown) => {
          if (isNotFound(error)) return null;
          throw error;
        });
        looked.set(event.providerSubscriptionId, parseCustom(subscription?.custom_id).reference);
      }
      event.reference = looked.get(event.providerSubscriptionId) ?? null;
    }
  }

  private async subscription(ctx: TenantContext, id: string, notFoundExpected = false): Promise<WireSubscription> {
    return required(await this.client.call<WireSubscription>(ctx, { method: 'GET', path: `/v1/billing/subscriptions/${encodeURIComponent(id)}`, notFoundExpected }), 'the subscription');
  }

  private async ensureProduct(ctx: TenantContext): Promise<string> {
    const id = productIdFor(ctx.brandId);
    if (this.products.has(id)) return id;
    try {
      await this.client.call<WireProduct>(ctx, { method: 'GET', path: `/v1/catalogs/products/${encodeURIComponent(id)}`, notFoundExpected: true });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.client.call<WireProduct>(ctx, {
        method: 'POST',
        path: '/v1/catalogs/products',
        body: { id, name: this.settings.productName, type: 'SERVICE', description: 'Recurring service plans' },
        requestId: requestId('product', id),
      });
      this.logger.info({ requestId: ctx.requestId, brandId: ctx.brandId, productId: id }, 'payment-paypal: catalog product created');
    }
    this.products.add(id);
    return id;
  }

  private async findPlan(ctx: TenantContext, productId: string, description: string): Promise<WirePlan | null> {
    for (let page = 1; page <= PLAN_PAGE_LIMIT; page++) {
      const query = new URLSearchParams({ product_id: productId, page_size: String(PLAN_PAGE_SIZE), page: String(page), total_required: 'true' });
      const list = await this.client.call<WirePlanList>(ctx, { method: 'GET', path: `/v1/billing/plans?${query}` });
      const plans = list?.plans ?? [];
      const match = plans.find((plan) => plan.description === description && plan.status === 'ACTIVE');
      if (match) return match;
      if (plans.length < PLAN_PAGE_SIZE || page >= (list?.total_pages ?? page)) return null;
    }
    return null;
  }
}
