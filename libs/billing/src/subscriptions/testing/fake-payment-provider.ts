import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LoadedPlugin, LoadedPlugins } from '@tero/core';
import {
  PAYMENT,
  PluginConfigError,
  PaymentSignatureError,
  TeroError,
  definePlugin,
  providePort,
  type PaymentCheckout,
  type PaymentCheckoutInput,
  type PaymentChargeResult,
  type PaymentEvent,
  type PaymentOneTimeCharge,
  type PaymentPrice,
  type PaymentPriceRef,
  type PaymentProvider,
  type PaymentRefundInput,
  type PaymentRefundResult,
  type PaymentSubscriptionState,
  type PaymentSubscriptionStatus,
  type PaymentWebhookDelivery,
  type TenantContext,
} from '@tero/sdk';
import Ajv2020 from 'ajv/dist/2020';

/**
 * Test support: a payment vendor held in memory and a real `PaymentProvider` that talks to it. The vendor
 * keeps prices, checkouts, subscriptions and charges as a vendor would, and turns what happens into
 * normalized events; `deliver` wraps events into a delivery signed (HMAC-SHA256 over the raw body) with
 * a brand's webhook secret, which the provider verifies as a plugin would.
 */

interface VendorSubscription {
  id: string;
  reference: string;
  customerId: string;
  priceId: string;
  amountMinor: number;
  currency: string;
  interval: 'month' | 'year';
  status: PaymentSubscriptionStatus;
  periodStart: Date;
  periodEnd: Date;
  cancelAtPeriodEnd: boolean;
}

interface VendorCheckout {
  id: string;
  input: PaymentCheckoutInput;
  completed: boolean;
}

/** A call the provider made, for assertions on what reached the vendor. */
export interface VendorCall {
  method: 'ensurePrice' | 'startCheckout' | 'openPortal' | 'getSubscription' | 'changePrice' | 'cancel' | 'chargeOnce' | 'refund';
  input: unknown;
}

export const FAKE_SIGNATURE_HEADER = 'x-fake-signature';

function sign(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function addInterval(at: Date, interval: 'month' | 'year'): Date {
  const next = new Date(at);
  if (interval === 'month') next.setUTCMonth(next.getUTCMonth() + 1);
  else next.setUTCFullYear(next.getUTCFullYear() + 1);
  return next;
}

export class FakePaymentVendor {
  readonly prices = new Map<string, PaymentPriceRef & { price: PaymentPrice }>();
  readonly checkouts = new Map<string, VendorCheckout>();
  readonly subscriptions = new Map<string, VendorSubscription>();
  readonly charges: { id: string; subscriptionId: string; amountMinor: number; currency: string; status: 'succeeded' | 'failed'; chargeKey: string | null }[] = [];
  readonly calls: VendorCall[] = [];
  /** The next call of this method throws this error (once). */
  private readonly failures = new Map<VendorCall['method'], Error>();
  private sequence = 0;

  constructor(
    /** Prefix of the vendor's ids: `st` → `st_sub_1`. */
    readonly prefix: string,
    readonly clock: () => Date = () => new Date(),
  ) {}

  id(kind: string): string {
    return `${this.prefix}_${kind}_${++this.sequence}`;
  }

  failNext(method: VendorCall['method'], error: Error): void {
    this.failures.set(method, error);
  }

  record(method: VendorCall['method'], input: unknown): void {
    this.calls.push({ method, input });
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      throw failure;
    }
  }

  callsOf(method: VendorCall['method']): unknown[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.input);
  }

  private base(reference: string | null, subscription: VendorSubscription | null, vendorType: string, occurredAt?: Date) {
    return {
      eventId: this.id('evt'),
      occurredAt: occurredAt ?? this.clock(),
      reference,
      providerSubscriptionId: subscription?.id ?? null,
      providerCustomerId: subscription?.customerId ?? null,
      vendorType,
    };
  }

  stateOf(subscription: VendorSubscription): PaymentSubscriptionState {
    return {
      providerSubscriptionId: subscription.id,
      status: subscription.status,
      providerPriceId: subscription.priceId,
      currentPeriodStart: subscription.periodStart,
      currentPeriodEnd: subscription.periodEnd,
      cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    };
  }

  /**
   * The customer finishes a checkout: the vendor creates the subscription and, unless the first charge is
   * in the future, charges it. Returns the events the vendor sends, in the vendor's order.
   */
  completeCheckout(checkoutId: string, options: { pay?: 'paid' | 'failed' } = {}): PaymentEvent[] {
    const checkout = this.checkouts.get(checkoutId);
    if (!checkout) throw new Error(`no checkout ${checkoutId}`);
    checkout.completed = true;
    const now = this.clock();
    const price = [...this.prices.values()].find((p) => p.providerPriceId === checkout.input.price.providerPriceId)!;
    const later = checkout.input.firstChargeAt && checkout.input.firstChargeAt > now ? checkout.input.firstChargeAt : null;
    const subscription: VendorSubscription = {
      id: this.id('sub'),
      reference: checkout.input.reference,
      customerId: checkout.input.customer.providerCustomerId ?? this.id('cus'),
      priceId: price.providerPriceId,
      amountMinor: price.price.amountMinor,
      currency: price.price.currency,
      interval: price.price.interval,
      status: later ? 'trialing' : 'active',
      periodStart: now,
      periodEnd: later ?? addInterval(now, price.price.interval),
      cancelAtPeriodEnd: false,
    };
    this.subscriptions.set(subscription.id, subscription);
    const events: PaymentEvent[] = [{ ...this.base(subscription.reference, subscription, 'checkout.completed'), type: 'checkout.completed', providerCheckoutId: checkout.id }];
    if (!later) events.push(this.charge(subscription, options.pay ?? 'paid'));
    return events;
  }

  /** The vendor's clock reaches the period's end: it charges the next period. */
  renew(subscriptionId: string, outcome: 'paid' | 'failed'): PaymentEvent[] {
    const subscription = this.subscriptions.get(subscriptionId)!;
    if (outcome === 'paid') {
      subscription.periodStart = subscription.periodEnd;
      subscription.periodEnd = addInterval(subscription.periodStart, subscription.interval);
      subscription.status = 'active';
    } else {
      subscription.status = 'past_due';
    }
    return [this.charge(subscription, outcome), this.updated(subscription)];
  }

  /** A `subscription.updated` carrying the vendor's current state (or a given one). */
  updated(subscription: VendorSubscription | string, occurredAt?: Date): PaymentEvent {
    const s = typeof subscription === 'string' ? this.subscriptions.get(subscription)! : subscription;
    return { ...this.base(s.reference, s, 'subscription.updated', occurredAt), type: 'subscription.updated', state: { ...this.stateOf(s) } };
  }

  /** The vendor ends a subscription (at its period's end, or canceled at once). */
  end(subscriptionId: string): PaymentEvent {
    const s = this.subscriptions.get(subscriptionId)!;
    s.status = 'canceled';
    return { ...this.base(s.reference, s, 'subscription.deleted'), type: 'subscription.canceled', canceledAt: this.clock() };
  }

  unknown(): PaymentEvent {
    return { ...this.base(null, null, 'customer.tax_id.created'), type: 'unknown' };
  }

  private charge(subscription: VendorSubscription, outcome: 'paid' | 'failed'): PaymentEvent {
    const id = this.id('pay');
    this.charges.push({ id, subscriptionId: subscription.id, amountMinor: subscription.amountMinor, currency: subscription.currency, status: outcome === 'paid' ? 'succeeded' : 'failed', chargeKey: null });
    const base = this.base(subscription.reference, subscription, outcome === 'paid' ? 'invoice.paid' : 'invoice.payment_failed');
    if (outcome === 'paid') {
      return {
        ...base,
        type: 'payment.succeeded',
        providerPaymentId: id,
        amountMinor: subscription.amountMinor,
        currency: subscription.currency,
        purpose: 'subscription',
        chargeKey: null,
        periodStart: subscription.periodStart,
        periodEnd: subscription.periodEnd,
      };
    }
    return { ...base, type: 'payment.failed', providerPaymentId: id, amountMinor: subscription.amountMinor, currency: subscription.currency, purpose: 'subscription', chargeKey: null, failureReason: 'card_declined' };
  }

  /** Events as one webhook delivery, signed with `secret`. */
  deliver(secret: string, events: PaymentEvent[]): PaymentWebhookDelivery {
    const rawBody = Buffer.from(JSON.stringify({ events }));
    return { rawBody, headers: { 'content-type': 'application/json', [FAKE_SIGNATURE_HEADER]: sign(secret, rawBody) } };
  }
}

const DATE_FIELDS = new Set(['occurredAt', 'periodStart', 'periodEnd', 'canceledAt', 'currentPeriodStart', 'currentPeriodEnd']);

/** The provider a plugin would be, configured with a brand's `apiKey` and `webhookSecret`. */
export class FakePaymentProvider implements PaymentProvider {
  constructor(
    private readonly vendor: FakePaymentVendor,
    /** The effective configuration the registry built it with. */
    readonly config: { apiKey?: string; webhookSecret?: string },
    private readonly pluginId = 'payment-fake',
  ) {}

  private key(): void {
    if (!this.config.apiKey) throw new PluginConfigError(this.pluginId, 'apiKey', 'is required');
  }

  async ensurePrice(_ctx: TenantContext, price: PaymentPrice): Promise<PaymentPriceRef> {
    this.key();
    this.vendor.record('ensurePrice', price);
    const known = this.vendor.prices.get(price.priceKey);
    if (known) return { priceKey: known.priceKey, providerPriceId: known.providerPriceId };
    const ref = { priceKey: price.priceKey, providerPriceId: this.vendor.id('price') };
    this.vendor.prices.set(price.priceKey, { ...ref, price });
    return ref;
  }

  async startCheckout(_ctx: TenantContext, input: PaymentCheckoutInput): Promise<PaymentCheckout> {
    this.key();
    this.vendor.record('startCheckout', input);
    const id = this.vendor.id('cs');
    this.vendor.checkouts.set(id, { id, input, completed: false });
    return { providerCheckoutId: id, providerSubscriptionId: null, redirectUrl: `https://vendor.test/${this.vendor.prefix}/checkout/${id}` };
  }

  async openPortal(_ctx: TenantContext, input: { providerCustomerId: string | null; providerSubscriptionId: string; returnUrl: string; locale: string }): Promise<{ url: string }> {
    this.key();
    this.vendor.record('openPortal', input);
    return { url: `https://vendor.test/${this.vendor.prefix}/portal/${input.providerSubscriptionId}?return=${encodeURIComponent(input.returnUrl)}` };
  }

  async getSubscription(_ctx: TenantContext, providerSubscriptionId: string): Promise<PaymentSubscriptionState> {
    this.key();
    this.vendor.record('getSubscription', providerSubscriptionId);
    return this.vendor.stateOf(this.find(providerSubscriptionId));
  }

  async changePrice(_ctx: TenantContext, input: { providerSubscriptionId: string; price: PaymentPriceRef; prorate: boolean }): Promise<PaymentSubscriptionState> {
    this.key();
    this.vendor.record('changePrice', input);
    const subscription = this.find(input.providerSubscriptionId);
    const price = [...this.vendor.prices.values()].find((p) => p.providerPriceId === input.price.providerPriceId)!;
    subscription.priceId = price.providerPriceId;
    subscription.amountMinor = price.price.amountMinor;
    subscription.interval = price.price.interval;
    return this.vendor.stateOf(subscription);
  }

  async cancel(_ctx: TenantContext, input: { providerSubscriptionId: string; atPeriodEnd: boolean }): Promise<PaymentSubscriptionState> {
    this.key();
    this.vendor.record('cancel', input);
    const subscription = this.find(input.providerSubscriptionId);
    if (input.atPeriodEnd) subscription.cancelAtPeriodEnd = true;
    else subscription.status = 'canceled';
    return this.vendor.stateOf(subscription);
  }

  async chargeOnce(_ctx: TenantContext, input: PaymentOneTimeCharge): Promise<PaymentChargeResult> {
    this.key();
    this.vendor.record('chargeOnce', input);
    const known = this.vendor.charges.find((c) => c.chargeKey === input.chargeKey);
    if (known) return { providerPaymentId: known.id, status: known.status };
    const id = this.vendor.id('pay');
    this.vendor.charges.push({ id, subscriptionId: input.providerSubscriptionId, amountMinor: input.amountMinor, currency: input.currency, status: 'succeeded', chargeKey: input.chargeKey });
    return { providerPaymentId: id, status: 'succeeded' };
  }

  async refund(_ctx: TenantContext, input: PaymentRefundInput): Promise<PaymentRefundResult> {
    this.key();
    this.vendor.record('refund', input);
    return { providerRefundId: this.vendor.id('re'), status: 'succeeded' };
  }

  async parseWebhook(_ctx: TenantContext, delivery: PaymentWebhookDelivery): Promise<PaymentEvent[]> {
    const secret = this.config.webhookSecret;
    if (!secret) throw new PluginConfigError(this.pluginId, 'webhookSecret', 'is required to verify webhooks');
    const given = Buffer.from(delivery.headers[FAKE_SIGNATURE_HEADER] ?? '', 'hex');
    const expected = Buffer.from(sign(secret, delivery.rawBody), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new PaymentSignatureError('signature does not match');
    const parsed = JSON.parse(delivery.rawBody.toString('utf8'), (key, value) => (DATE_FIELDS.has(key) && typeof value === 'string' ? new Date(value) : value)) as {
      events: PaymentEvent[];
    };
    return parsed.events;
  }

  private find(id: string): VendorSubscription {
    const subscription = this.vendor.subscriptions.get(id);
    if (!subscription) throw new TeroError('payment.rejected', `no subscription ${id}`, {}, { status: 400 });
    return subscription;
  }
}

const FAKE_TENANT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    apiKey: { type: 'string', minLength: 1, writeOnly: true },
    webhookSecret: { type: 'string', minLength: 1, writeOnly: true },
  },
};

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A loaded plugin providing the payment port through {@link FakePaymentProvider}, as the loader would
 * hand it to the registry: its tenant settings validated by the same kind of schema a real plugin has.
 */
export function fakePaymentPlugin(pluginId: string, vendor: FakePaymentVendor, instanceConfig: Record<string, unknown> = {}): LoadedPlugin {
  const definition = definePlugin({
    id: pluginId,
    provides: [providePort(PAYMENT, ({ config }) => new FakePaymentProvider(vendor, config as { apiKey?: string; webhookSecret?: string }, pluginId))],
  });
  return {
    manifest: { id: pluginId, kinds: ['payment'], displayName: `Fake ${pluginId}`, compatibility: '^0.1.0', tenantConfig: FAKE_TENANT_SCHEMA },
    version: '1.0.0',
    source: 'local',
    dir: `plugins/${pluginId}`,
    definition,
    instanceConfig,
    tenantValidator: new Ajv2020({ coerceTypes: true, useDefaults: true, strictTypes: false }).compile(FAKE_TENANT_SCHEMA),
    logger: silent,
  };
}

export function loadedPlugins(...plugins: LoadedPlugin[]): LoadedPlugins {
  return { plugins, report: { discovered: [], rejected: [] } };
}
