import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { PaymentWebhookDelivery } from '@tero/sdk';
import type { PaymentVendorCharge } from '@tero/sdk/testing';
import { asEnum, asInt, asObject, asString, FakeStripeError, invalid, mergeMetadata, notFound, Params } from './fake-stripe.params';
import { matchesSearch, parseSearchQuery, SearchQueryError } from './stripe-search.query';

/** An API object in Stripe's JSON shape. */
export type StripeObject = Record<string, any>;

/** The request a state change happened in, as Stripe records it on the event (`event.request`). */
export interface FakeRequestContext {
  requestId: string;
  idempotencyKey: string | null;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `prefix_` and 24 base-62 characters, as Stripe's ids look. */
export function stripeId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += BASE62[byte % 62];
  return `${prefix}_${id}`;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

const DAY = 86_400;
/** Checkout refuses a trial that ends sooner than this. */
const MIN_TRIAL_SECONDS = 48 * 3600;

/** One billing interval after `seconds`, the way Stripe counts months (Jan 31 + 1 month = Feb 28/29). */
export function addInterval(seconds: number, interval: string, count = 1): number {
  const date = new Date(seconds * 1000);
  if (interval === 'day') return seconds + count * DAY;
  if (interval === 'week') return seconds + count * 7 * DAY;
  const months = interval === 'year' ? 12 * count : count;
  const day = date.getUTCDate();
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return Math.floor(target.getTime() / 1000);
}

function list(data: StripeObject[], url: string, hasMore = false): StripeObject {
  return { object: 'list', data, has_more: hasMore, url };
}

/** `limit` (1–100, 10 by default) and `starting_after` over objects listed newest first. */
function page(items: StripeObject[], params: Params, url: string): StripeObject {
  const limit = params.int('limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalid('Invalid integer: limit must be between 1 and 100', 'limit');
  let start = 0;
  const after = params.string('starting_after');
  if (after) {
    const index = items.findIndex((item) => item.id === after);
    if (index === -1) throw notFound('object', after, 'starting_after');
    start = index + 1;
  }
  const data = items.slice(start, start + limit);
  return list(data, url, start + limit < items.length);
}

/** Top-level keys whose values differ, with their values before: `event.data.previous_attributes`. */
function previousAttributes(before: StripeObject, after: StripeObject): StripeObject | undefined {
  const previous: StripeObject = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = clone(before[key] ?? null);
  }
  return Object.keys(previous).length ? previous : undefined;
}

const CHECKOUT_LOCALES = [
  'auto', 'bg', 'cs', 'da', 'de', 'el', 'en', 'en-GB', 'es', 'es-419', 'et', 'fi', 'fil', 'fr', 'fr-CA', 'hi-IN', 'hr', 'hu', 'id', 'it', 'ja', 'ko',
  'lt', 'lv', 'ms', 'mt', 'nb', 'nl', 'pl', 'pt', 'pt-BR', 'ro', 'ru', 'sk', 'sl', 'sv', 'th', 'tr', 'vi', 'zh', 'zh-HK', 'zh-TW',
] as const;
const PORTAL_LOCALES = [...CHECKOUT_LOCALES.filter((l) => l !== 'hi-IN'), 'en-AU', 'en-CA', 'en-IE', 'en-IN', 'en-NZ', 'en-SG'] as const;

export interface FakeStripeStoreOptions {
  webhookSecret: string;
  /** The fake's own address, for the URLs it hands out (checkout page, portal, hosted invoice). */
  baseUrl: () => string;
  /** `immediate`: search sees an object at once; `manual`: only after {@link FakeStripeStore.indexSearch}, as Stripe's search lags. */
  searchIndexing: 'immediate' | 'manual';
}

/**
 * The state of one fake Stripe account and the operations on it, in Stripe's object shapes and with
 * the webhooks Stripe sends for each change. The HTTP layer ({@link FakeStripeServer}) decodes requests
 * into calls here; the vendor controls (a customer paying, the billing clock) drive it directly.
 */
export class FakeStripeStore {
  readonly products = new Map<string, StripeObject>();
  readonly prices = new Map<string, StripeObject>();
  readonly customers = new Map<string, StripeObject>();
  readonly paymentMethods = new Map<string, StripeObject>();
  readonly sessions = new Map<string, StripeObject>();
  readonly portalSessions = new Map<string, StripeObject>();
  readonly subscriptions = new Map<string, StripeObject>();
  readonly invoices = new Map<string, StripeObject>();
  readonly invoiceItems = new Map<string, StripeObject>();
  readonly paymentIntents = new Map<string, StripeObject>();
  readonly charges = new Map<string, StripeObject>();
  readonly invoicePayments = new Map<string, StripeObject>();
  readonly refunds = new Map<string, StripeObject>();
  readonly events = new Map<string, StripeObject>();
  /** What Checkout sessions asked of the subscription they will create (Stripe does not show it on the session). */
  private readonly sessionSubscriptionData = new Map<string, StripeObject>();
  private readonly searchable = new Set<string>();
  private readonly outbox: PaymentWebhookDelivery[] = [];
  private readonly vendorCharges: PaymentVendorCharge[] = [];
  private invoiceNumber = 0;
  /** Set by the HTTP layer while it handles a request, for `event.request`. */
  request: FakeRequestContext | null = null;
  /** When set, every card payment is declined (`insufficient_funds`). */
  declineCards = false;

  constructor(private readonly options: FakeStripeStoreOptions) {}

  // ---- events and webhooks -------------------------------------------------------------------

  private emit(type: string, object: StripeObject, previous?: StripeObject): void {
    const event: StripeObject = {
      id: stripeId('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: nowSeconds(),
      data: previous ? { object: clone(object), previous_attributes: previous } : { object: clone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: this.request?.requestId ?? null, idempotency_key: this.request?.idempotencyKey ?? null },
      type,
    };
    this.events.set(event.id, event);
    this.outbox.push(this.sign(event, this.options.webhookSecret));
  }

  /** A delivery as Stripe posts it: the event pretty-printed, signed over `<timestamp>.<body>`. */
  sign(event: StripeObject, secret: string): PaymentWebhookDelivery {
    const payload = JSON.stringify(event, null, 2);
    return {
      rawBody: Buffer.from(payload, 'utf8'),
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }),
      },
    };
  }

  takeWebhooks(): PaymentWebhookDelivery[] {
    return this.outbox.splice(0, this.outbox.length);
  }

  vendorChargeList(): PaymentVendorCharge[] {
    return this.vendorCharges.map((charge) => ({ ...charge, at: new Date(charge.at) }));
  }

  /** A signed event of a type the port does not model: a tax id added to a customer. */
  unknownEventDelivery(): PaymentWebhookDelivery {
    const customer = [...this.customers.keys()][0] ?? stripeId('cus', 14);
    const taxId = {
      id: stripeId('txi'),
      object: 'tax_id',
      country: 'US',
      created: nowSeconds(),
      customer,
      livemode: false,
      owner: { type: 'customer', customer },
      type: 'us_ein',
      value: '12-3456789',
      verification: null,
    };
    const event: StripeObject = {
      id: stripeId('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: nowSeconds(),
      data: { object: taxId },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'customer.tax_id.created',
    };
    this.events.set(event.id, event);
    return this.sign(event, this.options.webhookSecret);
  }

  /** Makes every object created so far visible to search (in `manual` indexing). */
  indexSearch(): void {
    for (const id of this.invoices.keys()) this.searchable.add(id);
  }

  private indexed(id: string): void {
    if (this.options.searchIndexing === 'immediate') this.searchable.add(id);
  }

  // ---- lookups and expansion ------------------------------------------------------------------

  find(id: string): StripeObject | undefined {
    for (const map of [
      this.products, this.prices, this.customers, this.paymentMethods, this.sessions, this.portalSessions, this.subscriptions,
      this.invoices, this.invoiceItems, this.paymentIntents, this.charges, this.invoicePayments, this.refunds, this.events,
    ]) {
      const found = map.get(id);
      if (found) return found;
    }
    return undefined;
  }

  /** A response: a snapshot of the object with the `expand[]` paths replaced by the objects they name. */
  respond(object: StripeObject, expand: string[] = []): StripeObject {
    const out = clone(object);
    for (const path of expand) this.expandPath(out, path.split('.'), path);
    return out;
  }

  private expandPath(target: unknown, segments: string[], path: string): void {
    if (typeof target !== 'object' || target === null) return;
    const [head, ...rest] = segments;
    const holder = target as StripeObject;
    if (head === undefined) return;
    const value = holder[head];
    if (rest.length === 0) {
      if (typeof value === 'string') {
        const found = this.find(value);
        if (!found) throw invalid(`This property cannot be expanded (${path}).`, 'expand');
        holder[head] = clone(found);
      }
      return;
    }
    if (Array.isArray(value)) for (const item of value) this.expandPath(item, rest, path);
    else this.expandPath(value, rest, path);
  }

  // ---- products and prices --------------------------------------------------------------------

  createProduct(params: Params): StripeObject {
    const id = params.string('id') ?? stripeId('prod', 14);
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw invalid('Invalid id: only letters, digits, - and _ are allowed', 'id');
    if (this.products.has(id)) throw invalid('Product already exists.', 'id', 'resource_already_exists');
    const created = nowSeconds();
    const product: StripeObject = {
      id,
      object: 'product',
      active: params.bool('active') ?? true,
      created,
      default_price: null,
      description: params.string('description') ?? null,
      images: [],
      livemode: false,
      marketing_features: [],
      metadata: params.metadata() ?? {},
      name: params.required('name'),
      package_dimensions: null,
      shippable: null,
      statement_descriptor: null,
      tax_code: params.string('tax_code') ?? null,
      type: 'service',
      unit_label: null,
      updated: created,
      url: null,
    };
    this.products.set(id, product);
    this.emit('product.created', product);
    return product;
  }

  product(id: string): StripeObject {
    const product = this.products.get(id);
    if (!product) throw notFound('product', id);
    return product;
  }

  updateProduct(id: string, params: Params): StripeObject {
    const product = this.product(id);
    const before = clone(product);
    if (params.has('active')) product.active = params.bool('active');
    if (params.has('name')) product.name = params.required('name');
    if (params.has('description')) product.description = params.string('description') || null;
    product.metadata = mergeMetadata(product.metadata, params.metadata());
    product.updated = nowSeconds();
    this.emit('product.updated', product, previousAttributes(before, product));
    return product;
  }

  createPrice(params: Params): StripeObject {
    const productId = params.required('product');
    const product = this.product(productId);
    const currency = params.required('currency');
    if (!/^[a-z]{3}$/.test(currency)) throw invalid(`Invalid currency: ${currency}. Stripe currencies are three-letter ISO codes in lower case.`, 'currency');
    const unitAmount = params.int('unit_amount');
    if (unitAmount === undefined) throw invalid('Missing required param: unit_amount.', 'unit_amount', 'parameter_missing');
    if (unitAmount < 0) throw invalid('Invalid integer: unit_amount must be at least 0', 'unit_amount');
    const recurring = params.object('recurring');
    const interval = recurring ? asEnum(recurring.interval, 'recurring[interval]', ['day', 'week', 'month', 'year'] as const) : undefined;
    if (recurring && !interval) throw invalid('Missing required param: recurring[interval].', 'recurring[interval]', 'parameter_missing');
    const intervalCount = recurring ? (asInt(recurring.interval_count, 'recurring[interval_count]') ?? 1) : undefined;
    const lookupKey = params.string('lookup_key') || null;
    if (lookupKey && lookupKey.length > 200) throw invalid('Invalid lookup_key: at most 200 characters', 'lookup_key');
    if (lookupKey) {
      const holder = [...this.prices.values()].find((price) => price.lookup_key === lookupKey);
      if (holder && !params.bool('transfer_lookup_key')) {
        throw invalid(`A price (\`${holder.id}\`) already uses that lookup key.`, 'lookup_key', 'lookup_key_already_used');
      }
      if (holder) {
        const before = clone(holder);
        holder.lookup_key = null;
        this.emit('price.updated', holder, previousAttributes(before, holder));
      }
    }
    const price: StripeObject = {
      id: stripeId('price'),
      object: 'price',
      active: params.bool('active') ?? true,
      billing_scheme: 'per_unit',
      created: nowSeconds(),
      currency,
      custom_unit_amount: null,
      livemode: false,
      lookup_key: lookupKey,
      metadata: params.metadata() ?? {},
      nickname: params.string('nickname') || null,
      product: product.id,
      recurring: recurring
        ? { interval, interval_count: intervalCount, meter: null, trial_period_days: null, usage_type: 'licensed' }
        : null,
      tax_behavior: params.oneOf('tax_behavior', ['inclusive', 'exclusive', 'unspecified'] as const) ?? 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      type: recurring ? 'recurring' : 'one_time',
      unit_amount: unitAmount,
      unit_amount_decimal: String(unitAmount),
    };
    this.prices.set(price.id, price);
    this.emit('price.created', price);
    return price;
  }

  price(id: string, param = 'id'): StripeObject {
    const price = this.prices.get(id);
    if (!price) throw notFound('price', id, param);
    return price;
  }

  listPrices(params: Params): StripeObject {
    const active = params.bool('active');
    const product = params.string('product');
    const lookupKeys = (params.list('lookup_keys') ?? []).map((key, i) => asString(key, `lookup_keys[${i}]`));
    const matching = [...this.prices.values()]
      .reverse()
      .filter((price) => active === undefined || price.active === active)
      .filter((price) => product === undefined || price.product === product)
      .filter((price) => lookupKeys.length === 0 || lookupKeys.includes(price.lookup_key));
    return page(matching, params, '/v1/prices');
  }

  // ---- checkout and portal --------------------------------------------------------------------

  createCheckoutSession(params: Params): StripeObject {
    const mode = params.oneOf('mode', ['payment', 'setup', 'subscription'] as const);
    if (!mode) throw invalid('Missing required param: mode.', 'mode', 'parameter_missing');
    if (mode !== 'subscription') throw invalid(`This fake answers mode=subscription only (got ${mode}).`, 'mode');
    const successUrl = params.required('success_url');
    const cancelUrl = params.string('cancel_url') ?? null;
    for (const [name, url] of [['success_url', successUrl], ['cancel_url', cancelUrl]] as const) {
      if (url !== null && !/^https?:\/\/\S+$/.test(url)) throw invalid(`Not a valid URL`, name, 'url_invalid');
    }
    const lineItems = params.list('line_items');
    if (!lineItems?.length) throw invalid('Missing required param: line_items.', 'line_items', 'parameter_missing');
    const prices = lineItems.map((raw, i) => {
      const item = asObject(raw, `line_items[${i}]`) ?? {};
      const price = this.price(asString(item.price, `line_items[${i}][price]`) ?? '', `line_items[${i}][price]`);
      if (!price.active) throw invalid(`The price \`${price.id}\` is not active.`, `line_items[${i}][price]`);
      if (!price.recurring) throw invalid('In subscription mode, you must provide at least one recurring price.', `line_items[${i}][price]`);
      const quantity = asInt(item.quantity, `line_items[${i}][quantity]`) ?? 1;
      if (quantity < 1) throw invalid('Invalid integer: quantity must be at least 1', `line_items[${i}][quantity]`);
      return { price, quantity };
    });
    const customer = params.string('customer');
    const customerEmail = params.string('customer_email');
    if (customer && customerEmail) throw invalid('You may only specify one of these parameters: customer, customer_email.', 'customer_email');
    if (customer && !this.customers.has(customer)) throw notFound('customer', customer, 'customer');
    const clientReference = params.string('client_reference_id') ?? null;
    if (clientReference && clientReference.length > 200) throw invalid('Invalid client_reference_id: at most 200 characters', 'client_reference_id');

    const now = nowSeconds();
    const subscriptionData = new Params(params.object('subscription_data') ?? {}, [
      'metadata', 'trial_end', 'trial_period_days', 'billing_cycle_anchor', 'proration_behavior', 'description', 'default_tax_rates',
    ]);
    const trialEnd = subscriptionData.int('trial_end');
    if (trialEnd !== undefined && trialEnd < now + MIN_TRIAL_SECONDS) {
      throw invalid('subscription_data[trial_end] must be at least 48 hours in the future.', 'subscription_data[trial_end]');
    }
    const anchor = subscriptionData.int('billing_cycle_anchor');
    if (anchor !== undefined) {
      const { price } = prices[0]!;
      if (anchor <= now) throw invalid('subscription_data[billing_cycle_anchor] must be in the future.', 'subscription_data[billing_cycle_anchor]');
      if (anchor >= addInterval(now, price.recurring.interval, price.recurring.interval_count)) {
        throw invalid('subscription_data[billing_cycle_anchor] must be before the next natural billing date.', 'subscription_data[billing_cycle_anchor]');
      }
      if (trialEnd !== undefined) throw invalid('You may only specify one of these parameters: billing_cycle_anchor, trial_end.', 'subscription_data[billing_cycle_anchor]');
    }
    const currency = prices[0]!.price.currency;
    if (prices.some(({ price }) => price.currency !== currency)) throw invalid('All prices must be in the same currency.', 'line_items');
    const amount = prices.reduce((sum, { price, quantity }) => sum + price.unit_amount * quantity, 0);
    const id = stripeId('cs_test', 58);
    const session: StripeObject = {
      id,
      object: 'checkout.session',
      after_expiration: null,
      allow_promotion_codes: null,
      amount_subtotal: amount,
      amount_total: amount,
      automatic_tax: { enabled: false, liability: null, provider: null, status: null },
      billing_address_collection: null,
      cancel_url: cancelUrl,
      client_reference_id: clientReference,
      client_secret: null,
      created: now,
      currency,
      customer: customer ?? null,
      customer_creation: null,
      customer_details: null,
      customer_email: customerEmail ?? null,
      expires_at: now + DAY,
      invoice: null,
      livemode: false,
      locale: params.oneOf('locale', CHECKOUT_LOCALES) ?? null,
      metadata: params.metadata() ?? {},
      mode,
      payment_intent: null,
      payment_method_collection: 'always',
      payment_method_types: ['card'],
      payment_status: 'unpaid',
      recovered_from: null,
      setup_intent: null,
      status: 'open',
      submit_type: null,
      subscription: null,
      success_url: successUrl,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: 'hosted_page',
      url: `${this.options.baseUrl()}/c/pay/${id}`,
    };
    this.sessions.set(id, session);
    this.sessionSubscriptionData.set(id, {
      metadata: subscriptionData.metadata() ?? {},
      trial_end: trialEnd ?? null,
      billing_cycle_anchor: anchor ?? null,
      proration_behavior: subscriptionData.oneOf('proration_behavior', ['create_prorations', 'none'] as const) ?? 'create_prorations',
      items: prices.map(({ price, quantity }) => ({ price: price.id, quantity })),
    });
    return session;
  }

  session(id: string): StripeObject {
    const session = this.sessions.get(id);
    if (!session) throw notFound('checkout.session', id);
    return session;
  }

  createPortalSession(params: Params): StripeObject {
    const customer = params.required('customer');
    if (!this.customers.has(customer)) throw notFound('customer', customer, 'customer');
    const returnUrl = params.string('return_url') ?? null;
    const id = stripeId('bps');
    const session: StripeObject = {
      id,
      object: 'billing_portal.session',
      configuration: 'bpc_fakedefault',
      created: nowSeconds(),
      customer,
      flow: null,
      livemode: false,
      locale: params.oneOf('locale', PORTAL_LOCALES) ?? null,
      on_behalf_of: null,
      return_url: returnUrl,
      url: `${this.options.baseUrl()}/p/session/${id}`,
    };
    this.portalSessions.set(id, session);
    return session;
  }

  customer(id: string): StripeObject {
    const customer = this.customers.get(id);
    if (!customer) throw notFound('customer', id);
    return customer;
  }

  /**
   * The customer pays (or, with a trial, just saves a card) on the Checkout page: Stripe creates the
   * customer, saves the card, creates the subscription and its first invoice, charges it, and completes
   * the session, sending a webhook for each step.
   */
  completeCheckout(sessionId: string): void {
    const session = this.session(sessionId);
    if (session.status !== 'open') throw invalid(`The checkout session ${sessionId} is ${session.status}, not open.`);
    const data = this.sessionSubscriptionData.get(sessionId)!;
    const now = nowSeconds();

    let customer = session.customer ? this.customers.get(session.customer)! : null;
    if (!customer) {
      customer = {
        id: stripeId('cus', 14),
        object: 'customer',
        address: null,
        balance: 0,
        created: now,
        currency: null,
        default_source: null,
        delinquent: false,
        description: null,
        email: session.customer_email,
        invoice_prefix: randomBytes(4).toString('hex').toUpperCase(),
        invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
        livemode: false,
        metadata: {},
        name: null,
        phone: null,
        preferred_locales: session.locale && session.locale !== 'auto' ? [session.locale] : [],
        shipping: null,
        tax_exempt: 'none',
        test_clock: null,
      };
      this.customers.set(customer.id, customer);
      this.emit('customer.created', customer);
    }
    const paymentMethod: StripeObject = {
      id: stripeId('pm'),
      object: 'payment_method',
      billing_details: { address: null, email: customer.email, name: customer.name, phone: null },
      card: { brand: 'visa', country: 'US', exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, funding: 'credit', last4: '4242' },
      created: now,
      customer: customer.id,
      livemode: false,
      metadata: {},
      type: 'card',
    };
    this.paymentMethods.set(paymentMethod.id, paymentMethod);
    this.emit('payment_method.attached', paymentMethod);

    const [first] = data.items as [{ price: string; quantity: number }];
    const price = this.price(first.price);
    const trialEnd: number | null = data.trial_end;
    const anchor: number | null = data.billing_cycle_anchor;
    const periodEnd = trialEnd ?? anchor ?? addInterval(now, price.recurring.interval, price.recurring.interval_count);
    const subscriptionId = stripeId('sub');
    const subscription: StripeObject = {
      id: subscriptionId,
      object: 'subscription',
      application: null,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null },
      billing_cycle_anchor: anchor ?? trialEnd ?? now,
      billing_cycle_anchor_config: null,
      billing_mode: { flexible: null, type: 'classic' },
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      cancellation_details: { comment: null, feedback: null, reason: null },
      collection_method: 'charge_automatically',
      created: now,
      currency: price.currency,
      customer: customer.id,
      days_until_due: null,
      default_payment_method: paymentMethod.id,
      default_source: null,
      description: null,
      discounts: [],
      ended_at: null,
      invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } },
      items: list(
        [
          {
            id: stripeId('si', 14),
            object: 'subscription_item',
            billing_thresholds: null,
            created: now,
            current_period_end: periodEnd,
            current_period_start: now,
            discounts: [],
            metadata: {},
            price: clone(price),
            quantity: first.quantity,
            subscription: subscriptionId,
            tax_rates: [],
          },
        ],
        `/v1/subscription_items?subscription=${subscriptionId}`,
      ),
      latest_invoice: null,
      livemode: false,
      metadata: clone(data.metadata),
      pause_collection: null,
      pending_setup_intent: null,
      pending_update: null,
      schedule: null,
      start_date: now,
      // A charged start is incomplete until its first invoice is paid; a trial or a free first period is not.
      status: trialEnd ? 'trialing' : anchor ? 'active' : 'incomplete',
      test_clock: null,
      trial_end: trialEnd,
      trial_start: trialEnd ? now : null,
    };
    subscription.items.total_count = 1;
    this.subscriptions.set(subscriptionId, subscription);
    this.emit('customer.subscription.created', subscription);

    const free = trialEnd !== null || (anchor !== null && data.proration_behavior === 'none');
    const invoice = this.subscriptionInvoice(subscription, 'subscription_create', { start: now, end: now }, free ? 0 : null, trialEnd !== null);
    const before = clone(subscription);
    const paid = this.attemptPayment(invoice, 'paid');
    if (paid && subscription.status === 'incomplete') {
      subscription.status = 'active';
      this.emit('customer.subscription.updated', subscription, previousAttributes(before, subscription));
    }

    Object.assign(session, {
      customer: customer.id,
      customer_details: { address: null, email: customer.email, name: customer.name, phone: null, tax_exempt: 'none', tax_ids: [] },
      invoice: invoice.id,
      payment_status: invoice.amount_paid > 0 ? 'paid' : 'no_payment_required',
      status: 'complete',
      subscription: subscriptionId,
      url: null,
    });
    this.emit('checkout.session.completed', session);
  }

  // ---- subscriptions --------------------------------------------------------------------------

  subscription(id: string): StripeObject {
    const subscription = this.subscriptions.get(id);
    if (!subscription) throw notFound('subscription', id);
    return subscription;
  }

  updateSubscription(id: string, params: Params): StripeObject {
    const subscription = this.subscription(id);
    const before = clone(subscription);
    if (subscription.status === 'canceled') {
      const allowed = new Set(['cancellation_details', 'metadata', 'expand']);
      const other = Object.keys(params.values).find((key) => !allowed.has(key));
      if (other) throw invalid('A canceled subscription can only update its cancellation_details and metadata.', other);
    }
    const proration = params.oneOf('proration_behavior', ['create_prorations', 'none', 'always_invoice'] as const) ?? 'create_prorations';
    const items = params.list('items');
    const prorations: StripeObject[] = [];
    for (const [i, raw] of (items ?? []).entries()) {
      const change = new Params(asObject(raw, `items[${i}]`) ?? {}, ['id', 'price', 'quantity', 'deleted', 'metadata']);
      const itemId = change.required('id');
      const item = subscription.items.data.find((candidate: StripeObject) => candidate.id === itemId);
      if (!item) throw invalid(`No such subscription item: '${itemId}'`, `items[${i}][id]`, 'resource_missing');
      if (change.has('price')) {
        const price = this.price(change.required('price'), `items[${i}][price]`);
        if (!price.active) throw invalid(`The price \`${price.id}\` is not active.`, `items[${i}][price]`);
        if (!price.recurring) throw invalid('The price must be recurring.', `items[${i}][price]`);
        if (price.currency !== subscription.currency) throw invalid(`The price's currency must be ${subscription.currency}.`, `items[${i}][price]`);
        if (price.id !== item.price.id && proration !== 'none' && subscription.status !== 'trialing') {
          prorations.push(...this.prorate(subscription, item, price));
        }
        item.price = clone(price);
      }
      const quantity = change.int('quantity');
      if (quantity !== undefined) item.quantity = quantity;
    }
    const cancelAtEnd = params.bool('cancel_at_period_end');
    if (cancelAtEnd !== undefined) {
      subscription.cancel_at_period_end = cancelAtEnd;
      subscription.cancel_at = cancelAtEnd ? subscription.items.data[0].current_period_end : null;
      subscription.canceled_at = cancelAtEnd ? nowSeconds() : null;
      subscription.cancellation_details.reason = cancelAtEnd ? 'cancellation_requested' : null;
    }
    const details = params.object('cancellation_details');
    if (details) {
      const read = new Params(details, ['comment', 'feedback']);
      if (read.has('comment')) subscription.cancellation_details.comment = read.string('comment') || null;
      if (read.has('feedback')) subscription.cancellation_details.feedback = read.string('feedback') || null;
    }
    if (params.has('default_payment_method')) subscription.default_payment_method = params.string('default_payment_method') || null;
    subscription.metadata = mergeMetadata(subscription.metadata, params.metadata());
    const previous = previousAttributes(before, subscription);
    if (previous) this.emit('customer.subscription.updated', subscription, previous);
    if (proration === 'always_invoice' && prorations.length) {
      const invoice = this.subscriptionInvoice(subscription, 'subscription_update', { start: nowSeconds(), end: nowSeconds() }, null, false, false);
      this.attemptPayment(invoice, this.declineCards ? 'failed' : 'paid');
    }
    return subscription;
  }

  /** The unused time on the old price credited and the rest of the period on the new one charged, as pending items. */
  private prorate(subscription: StripeObject, item: StripeObject, price: StripeObject): StripeObject[] {
    const now = nowSeconds();
    const start = item.current_period_start;
    const end = item.current_period_end;
    const share = Math.max(0, Math.min(1, (end - now) / Math.max(1, end - start)));
    const quantity = item.quantity ?? 1;
    const make = (amount: number, description: string): StripeObject => {
      const invoiceItem: StripeObject = {
        id: stripeId('ii'),
        object: 'invoiceitem',
        amount,
        currency: subscription.currency,
        customer: subscription.customer,
        date: now,
        description,
        discountable: false,
        invoice: null,
        livemode: false,
        metadata: {},
        parent: { type: 'subscription_details', subscription_details: { subscription: subscription.id, subscription_item: item.id } },
        period: { start: now, end },
        pricing: null,
        proration: true,
        quantity,
      };
      this.invoiceItems.set(invoiceItem.id, invoiceItem);
      this.emit('invoiceitem.created', invoiceItem);
      return invoiceItem;
    };
    return [
      make(-Math.round(item.price.unit_amount * quantity * share), `Unused time on ${this.products.get(item.price.product)?.name ?? item.price.id}`),
      make(Math.round(price.unit_amount * quantity * share), `Remaining time on ${this.products.get(price.product)?.name ?? price.id}`),
    ];
  }

  cancelSubscription(id: string, params: Params): StripeObject {
    const subscription = this.subscription(id);
    if (subscription.status === 'canceled') throw invalid(`This subscription has already been canceled: ${id}`);
    if (params.bool('invoice_now') || params.bool('prorate')) throw invalid('This fake cancels without a final invoice or proration only.', 'invoice_now');
    const details = params.object('cancellation_details');
    const comment = details ? (new Params(details, ['comment', 'feedback']).string('comment') ?? null) : null;
    this.end(subscription, comment ?? subscription.cancellation_details.comment, 'cancellation_requested');
    return subscription;
  }

  private end(subscription: StripeObject, comment: string | null, reason: string): void {
    const now = nowSeconds();
    subscription.status = 'canceled';
    subscription.canceled_at ??= now;
    subscription.ended_at = now;
    subscription.cancel_at = null;
    subscription.cancellation_details = { comment, feedback: subscription.cancellation_details.feedback ?? null, reason };
    this.emit('customer.subscription.deleted', subscription);
  }

  /**
   * The billing clock reaches the end of the period: a subscription set to cancel at the period's end
   * ends; any other starts its next period and is invoiced for it (pending prorations included) and
   * charged, the card paying or declining as asked.
   */
  renew(subscriptionId: string, outcome: 'paid' | 'failed'): void {
    const subscription = this.subscription(subscriptionId);
    if (subscription.status === 'canceled') throw invalid(`The subscription ${subscriptionId} is canceled.`);
    const item = subscription.items.data[0];
    if (subscription.cancel_at_period_end) {
      this.end(subscription, subscription.cancellation_details.comment, 'cancellation_requested');
      return;
    }
    const before = clone(subscription);
    const previous = { start: item.current_period_start, end: item.current_period_end };
    item.current_period_start = previous.end;
    item.current_period_end = addInterval(previous.end, item.price.recurring.interval, item.price.recurring.interval_count);
    if (subscription.status === 'trialing') subscription.status = 'active';
    this.emit('customer.subscription.updated', subscription, previousAttributes(before, subscription));

    const invoice = this.subscriptionInvoice(subscription, 'subscription_cycle', previous, null, false);
    const statusBefore = clone(subscription);
    const paid = this.attemptPayment(invoice, outcome);
    const status = paid ? 'active' : 'past_due';
    if (subscription.status !== status) {
      subscription.status = status;
      this.emit('customer.subscription.updated', subscription, previousAttributes(statusBefore, subscription));
    }
  }

  // ---- invoices -------------------------------------------------------------------------------

  invoice(id: string): StripeObject {
    const invoice = this.invoices.get(id);
    if (!invoice) throw notFound('invoice', id);
    return invoice;
  }

  private newInvoice(fields: { customer: string; currency: string; billingReason: string; parent: StripeObject | null; period: { start: number; end: number } }): StripeObject {
    const now = nowSeconds();
    const id = stripeId('in');
    const invoice: StripeObject = {
      id,
      object: 'invoice',
      account_country: 'US',
      account_name: 'Fake Stripe account',
      amount_due: 0,
      amount_overpaid: 0,
      amount_paid: 0,
      amount_remaining: 0,
      amount_shipping: 0,
      attempt_count: 0,
      attempted: false,
      auto_advance: true,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
      automatically_finalizes_at: null,
      billing_reason: fields.billingReason,
      collection_method: 'charge_automatically',
      created: now,
      currency: fields.currency,
      custom_fields: null,
      customer: fields.customer,
      customer_email: this.customers.get(fields.customer)?.email ?? null,
      customer_name: this.customers.get(fields.customer)?.name ?? null,
      default_payment_method: null,
      default_source: null,
      description: null,
      discounts: [],
      due_date: null,
      effective_at: null,
      ending_balance: null,
      footer: null,
      hosted_invoice_url: null,
      invoice_pdf: null,
      issuer: { type: 'self' },
      last_finalization_error: null,
      lines: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/invoices/${id}/lines` },
      livemode: false,
      metadata: {},
      next_payment_attempt: null,
      number: null,
      on_behalf_of: null,
      parent: fields.parent,
      payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
      period_end: fields.period.end,
      period_start: fields.period.start,
      post_payment_credit_notes_amount: 0,
      pre_payment_credit_notes_amount: 0,
      receipt_number: null,
      starting_balance: 0,
      statement_descriptor: null,
      status: 'draft',
      status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
      subtotal: 0,
      subtotal_excluding_tax: 0,
      test_clock: null,
      total: 0,
      total_discount_amounts: [],
      total_excluding_tax: 0,
      total_taxes: [],
      webhooks_delivered_at: null,
    };
    this.invoices.set(id, invoice);
    this.indexed(id);
    return invoice;
  }

  private addLine(invoice: StripeObject, line: StripeObject): void {
    invoice.lines.data.push({ ...line, id: stripeId('il'), object: 'line_item', invoice: invoice.id, livemode: false, discountable: true, discounts: [], taxes: [] });
    invoice.lines.total_count = invoice.lines.data.length;
    const subtotal = invoice.lines.data.reduce((sum: number, item: StripeObject) => sum + item.amount, 0);
    Object.assign(invoice, { subtotal, subtotal_excluding_tax: subtotal, total: subtotal, total_excluding_tax: subtotal });
    invoice.amount_due = Math.max(0, subtotal);
    invoice.amount_remaining = Math.max(0, invoice.amount_due - invoice.amount_paid);
  }

  /** A subscription's invoice for one period, with its pending items (prorations), finalized as Stripe does at once for a charge_automatically subscription. */
  private subscriptionInvoice(
    subscription: StripeObject,
    reason: string,
    invoicePeriod: { start: number; end: number },
    amountOverride: number | null,
    trial: boolean,
    withPeriodLine = true,
  ): StripeObject {
    const item = subscription.items.data[0];
    const invoice = this.newInvoice({
      customer: subscription.customer,
      currency: subscription.currency,
      billingReason: reason,
      parent: { type: 'subscription_details', quote_details: null, subscription_details: { metadata: clone(subscription.metadata), subscription: subscription.id } },
      period: invoicePeriod,
    });
    const productName = this.products.get(item.price.product)?.name ?? item.price.id;
    if (withPeriodLine) {
      const amount = amountOverride ?? item.price.unit_amount * (item.quantity ?? 1);
      this.addLine(invoice, {
        amount,
        currency: subscription.currency,
        description: trial ? `Trial period for ${productName}` : `${item.quantity ?? 1} × ${productName}`,
        metadata: clone(subscription.metadata),
        parent: {
          type: 'subscription_item_details',
          invoice_item_details: null,
          subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: subscription.id, subscription_item: item.id },
        },
        period: { start: item.current_period_start, end: item.current_period_end },
        pricing: { price_details: { price: item.price.id, product: item.price.product }, type: 'price_details', unit_amount_decimal: String(item.price.unit_amount) },
        quantity: item.quantity ?? 1,
      });
    }
    for (const pending of this.invoiceItems.values()) {
      if (pending.invoice === null && pending.parent?.subscription_details?.subscription === subscription.id) this.attachItem(invoice, pending);
    }
    this.emit('invoice.created', invoice);
    this.finalize(invoice);
    subscription.latest_invoice = invoice.id;
    return invoice;
  }

  private attachItem(invoice: StripeObject, item: StripeObject): void {
    item.invoice = invoice.id;
    this.addLine(invoice, {
      amount: item.amount,
      currency: item.currency,
      description: item.description,
      metadata: clone(item.metadata),
      parent: {
        type: 'invoice_item_details',
        invoice_item_details: { invoice_item: item.id, proration: item.proration, proration_details: { credited_items: null }, subscription: item.parent?.subscription_details?.subscription ?? null },
        subscription_item_details: null,
      },
      period: clone(item.period),
      pricing: null,
      quantity: item.quantity ?? 1,
    });
  }

  createInvoice(params: Params): StripeObject {
    const customerId = params.required('customer');
    const customer = this.customer(customerId);
    const subscriptionId = params.string('subscription');
    const subscription = subscriptionId ? this.subscription(subscriptionId) : null;
    const currency = params.string('currency') ?? subscription?.currency ?? customer.currency ?? 'usd';
    const collection = params.oneOf('collection_method', ['charge_automatically', 'send_invoice'] as const) ?? 'charge_automatically';
    if (collection !== 'charge_automatically') throw invalid('This fake collects invoices automatically only.', 'collection_method');
    const paymentMethod = params.string('default_payment_method');
    if (paymentMethod && this.paymentMethods.get(paymentMethod)?.customer !== customerId) {
      throw invalid(`No such PaymentMethod: '${paymentMethod}' attached to customer ${customerId}`, 'default_payment_method', 'resource_missing');
    }
    const now = nowSeconds();
    const invoice = this.newInvoice({
      customer: customerId,
      currency,
      billingReason: 'manual',
      parent: subscription ? { type: 'subscription_details', quote_details: null, subscription_details: { metadata: clone(subscription.metadata), subscription: subscription.id } } : null,
      period: { start: now, end: now },
    });
    Object.assign(invoice, {
      auto_advance: params.bool('auto_advance') ?? false,
      collection_method: collection,
      default_payment_method: paymentMethod ?? null,
      description: params.string('description') || null,
      metadata: params.metadata() ?? {},
    });
    const behavior = params.oneOf('pending_invoice_items_behavior', ['exclude', 'include'] as const) ?? 'exclude';
    if (behavior === 'include') {
      for (const pending of this.invoiceItems.values()) {
        const itemSubscription = pending.parent?.subscription_details?.subscription ?? null;
        if (pending.invoice === null && pending.customer === customerId && (subscription ? itemSubscription === subscription.id : true)) this.attachItem(invoice, pending);
      }
    }
    this.emit('invoice.created', invoice);
    return invoice;
  }

  createInvoiceItem(params: Params): StripeObject {
    const customerId = params.required('customer');
    this.customer(customerId);
    const invoiceId = params.string('invoice');
    const invoice = invoiceId ? this.invoice(invoiceId) : null;
    if (invoice && invoice.status !== 'draft') throw invalid(`You can only add invoice items to draft invoices (${invoice.id} is ${invoice.status}).`, 'invoice', 'invoice_not_editable');
    if (invoice && invoice.customer !== customerId) throw invalid('The invoice belongs to another customer.', 'invoice');
    const amount = params.int('amount');
    if (amount === undefined) throw invalid('Missing required param: amount.', 'amount', 'parameter_missing');
    const currency = params.required('currency');
    if (invoice && invoice.currency !== currency) throw invalid(`The currency must be the invoice's (${invoice.currency}).`, 'currency');
    const now = nowSeconds();
    const item: StripeObject = {
      id: stripeId('ii'),
      object: 'invoiceitem',
      amount,
      currency,
      customer: customerId,
      date: now,
      description: params.string('description') || null,
      discountable: true,
      invoice: null,
      livemode: false,
      metadata: params.metadata() ?? {},
      parent: null,
      period: { start: now, end: now },
      pricing: null,
      proration: false,
      quantity: 1,
    };
    this.invoiceItems.set(item.id, item);
    if (invoice) {
      const before = clone(invoice);
      this.attachItem(invoice, item);
      this.emit('invoiceitem.created', item);
      this.emit('invoice.updated', invoice, previousAttributes(before, invoice));
    } else {
      this.emit('invoiceitem.created', item);
    }
    return item;
  }

  /** Draft → open (a $0 invoice is paid at once), with its number and hosted page. */
  private finalize(invoice: StripeObject): void {
    const now = nowSeconds();
    this.invoiceNumber += 1;
    Object.assign(invoice, {
      status: 'open',
      number: `FAKE-${String(this.invoiceNumber).padStart(4, '0')}`,
      effective_at: now,
      hosted_invoice_url: `${this.options.baseUrl()}/i/${invoice.id}`,
      invoice_pdf: `${this.options.baseUrl()}/i/${invoice.id}/pdf`,
      starting_balance: 0,
      ending_balance: 0,
    });
    invoice.status_transitions.finalized_at = now;
    this.emit('invoice.finalized', invoice);
    if (invoice.amount_due === 0) this.markPaid(invoice);
  }

  finalizeInvoice(id: string, params: Params): StripeObject {
    const invoice = this.invoice(id);
    if (invoice.status !== 'draft') throw invalid(`This invoice is already finalized, you can't re-finalize a non-draft invoice.`, undefined, 'invoice_not_editable');
    const autoAdvance = params.bool('auto_advance');
    if (autoAdvance !== undefined) invoice.auto_advance = autoAdvance;
    this.finalize(invoice);
    return invoice;
  }

  payInvoice(id: string): StripeObject {
    const invoice = this.invoice(id);
    if (invoice.status === 'paid') throw invalid('Invoice is already paid', undefined, 'invoice_already_paid');
    if (invoice.status === 'void' || invoice.status === 'uncollectible') throw invalid(`This invoice is ${invoice.status} and cannot be paid.`);
    if (invoice.status === 'draft') this.finalize(invoice);
    if (invoice.status === 'paid') return invoice;
    if (!this.paymentMethodFor(invoice)) {
      throw invalid('This customer has no attached payment source or default payment method.', undefined, 'invoice_no_payment_method_types');
    }
    if (!this.attemptPayment(invoice, this.declineCards ? 'failed' : 'paid')) {
      const intent = this.paymentIntents.get(this.intentOf(invoice) ?? '')!;
      throw new FakeStripeError(402, 'card_error', 'Your card has insufficient funds.', 'card_declined', undefined, {
        decline_code: 'insufficient_funds',
        charge: intent.latest_charge,
        payment_intent: clone(intent),
      });
    }
    return invoice;
  }

  private markPaid(invoice: StripeObject): void {
    const now = nowSeconds();
    Object.assign(invoice, { status: 'paid', amount_remaining: 0, next_payment_attempt: null });
    invoice.status_transitions.paid_at = now;
    this.emit('invoice.paid', invoice);
    this.emit('invoice.payment_succeeded', invoice);
  }

  private paymentMethodFor(invoice: StripeObject): string | null {
    const subscriptionId = invoice.parent?.subscription_details?.subscription;
    return (
      invoice.default_payment_method ??
      (subscriptionId ? this.subscriptions.get(subscriptionId)?.default_payment_method : null) ??
      this.customers.get(invoice.customer)?.invoice_settings.default_payment_method ??
      null
    );
  }

  private intentOf(invoice: StripeObject): string | null {
    const payment = [...this.invoicePayments.values()].find((candidate) => candidate.invoice === invoice.id);
    return payment?.payment.payment_intent ?? null;
  }

  /**
   * Charges what is left on an open invoice with its payment method (one payment intent per invoice,
   * retried on later attempts), as `outcome` says. Returns whether it is paid.
   */
  private attemptPayment(invoice: StripeObject, outcome: 'paid' | 'failed'): boolean {
    if (invoice.status === 'paid') return true;
    const now = nowSeconds();
    const amount = invoice.amount_remaining;
    const paymentMethod = this.paymentMethodFor(invoice);
    let intent = this.paymentIntents.get(this.intentOf(invoice) ?? '');
    if (!intent) {
      intent = {
        id: stripeId('pi'),
        object: 'payment_intent',
        amount,
        amount_capturable: 0,
        amount_received: 0,
        capture_method: 'automatic',
        created: now,
        currency: invoice.currency,
        customer: invoice.customer,
        description: invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : invoice.billing_reason === 'subscription_cycle' ? 'Subscription update' : null,
        last_payment_error: null,
        latest_charge: null,
        livemode: false,
        metadata: {},
        payment_method: paymentMethod,
        payment_method_types: ['card'],
        status: 'requires_confirmation',
      };
      this.paymentIntents.set(intent.id, intent);
      const payment: StripeObject = {
        id: stripeId('inpay'),
        object: 'invoice_payment',
        amount_paid: null,
        amount_requested: amount,
        created: now,
        currency: invoice.currency,
        invoice: invoice.id,
        is_default: true,
        livemode: false,
        payment: { type: 'payment_intent', payment_intent: intent.id },
        status: 'open',
        status_transitions: { canceled_at: null, paid_at: null },
      };
      this.invoicePayments.set(payment.id, payment);
    }
    const succeeded = outcome === 'paid' && paymentMethod !== null;
    const charge: StripeObject = {
      id: stripeId('ch'),
      object: 'charge',
      amount,
      amount_captured: succeeded ? amount : 0,
      amount_refunded: 0,
      balance_transaction: succeeded ? stripeId('txn') : null,
      billing_details: { address: null, email: null, name: null, phone: null },
      captured: succeeded,
      created: now,
      currency: invoice.currency,
      customer: invoice.customer,
      description: intent.description,
      disputed: false,
      failure_code: succeeded ? null : 'card_declined',
      failure_message: succeeded ? null : 'Your card has insufficient funds.',
      livemode: false,
      metadata: {},
      outcome: succeeded
        ? { network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized' }
        : { network_status: 'declined_by_network', reason: 'insufficient_funds', risk_level: 'normal', seller_message: 'The bank returned the decline code `insufficient_funds`.', type: 'issuer_declined' },
      paid: succeeded,
      payment_intent: intent.id,
      payment_method: paymentMethod,
      receipt_url: succeeded ? `${this.options.baseUrl()}/receipts/${invoice.id}` : null,
      refunded: false,
      status: succeeded ? 'succeeded' : 'failed',
    };
    this.charges.set(charge.id, charge);
    const subscriptionId = invoice.parent?.subscription_details?.subscription ?? null;
    this.vendorCharges.push({
      providerPaymentId: invoice.id,
      providerSubscriptionId: subscriptionId,
      amountMinor: amount,
      currency: String(invoice.currency).toUpperCase(),
      status: succeeded ? 'succeeded' : 'failed',
      at: new Date(now * 1000),
    });
    intent.latest_charge = charge.id;
    intent.payment_method = paymentMethod;
    invoice.attempt_count += 1;
    invoice.attempted = true;
    const payment = [...this.invoicePayments.values()].find((candidate) => candidate.payment.payment_intent === intent!.id)!;
    if (succeeded) {
      Object.assign(intent, { status: 'succeeded', amount_received: amount, last_payment_error: null });
      Object.assign(payment, { status: 'paid', amount_paid: amount });
      payment.status_transitions.paid_at = now;
      invoice.amount_paid += amount;
      this.emit('charge.succeeded', charge);
      this.emit('payment_intent.succeeded', intent);
      this.markPaid(invoice);
      return true;
    }
    Object.assign(intent, {
      status: 'requires_payment_method',
      last_payment_error: {
        charge: charge.id,
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        doc_url: 'https://docs.stripe.com/error-codes/card-declined',
        message: 'Your card has insufficient funds.',
        payment_method: paymentMethod ? clone(this.paymentMethods.get(paymentMethod)) : null,
        type: 'card_error',
      },
    });
    invoice.next_payment_attempt = invoice.auto_advance ? now + 3 * DAY : null;
    this.emit('charge.failed', charge);
    this.emit('payment_intent.payment_failed', intent);
    this.emit('invoice.payment_failed', invoice);
    return false;
  }

  searchInvoices(params: Params): StripeObject {
    const query = params.required('query');
    let clauses;
    try {
      clauses = parseSearchQuery(query);
    } catch (error) {
      if (error instanceof SearchQueryError) throw invalid(`Invalid search query: ${error.message}`, 'query');
      throw error;
    }
    const limit = params.int('limit') ?? 10;
    if (limit < 1 || limit > 100) throw invalid('Invalid integer: limit must be between 1 and 100', 'limit');
    const found = [...this.invoices.values()]
      .reverse()
      .filter((invoice) => this.searchable.has(invoice.id) && matchesSearch(invoice, clauses));
    return { object: 'search_result', data: found.slice(0, limit), has_more: found.length > limit, next_page: null, url: '/v1/invoices/search' };
  }

  listInvoicePayments(params: Params): StripeObject {
    const invoice = params.string('invoice');
    const status = params.oneOf('status', ['canceled', 'open', 'paid'] as const);
    const payment = params.object('payment');
    const paymentFilter = payment ? new Params(payment, ['type', 'payment_intent', 'payment_record']) : null;
    const intent = paymentFilter?.string('payment_intent');
    if (paymentFilter && !paymentFilter.string('type')) throw invalid('Missing required param: payment[type].', 'payment[type]', 'parameter_missing');
    const matching = [...this.invoicePayments.values()]
      .reverse()
      .filter((candidate) => invoice === undefined || candidate.invoice === invoice)
      .filter((candidate) => status === undefined || candidate.status === status)
      .filter((candidate) => intent === undefined || candidate.payment.payment_intent === intent);
    return page(matching, params, '/v1/invoice_payments');
  }

  // ---- refunds --------------------------------------------------------------------------------

  createRefund(params: Params): StripeObject {
    const intentId = params.string('payment_intent');
    const chargeId = params.string('charge');
    if (!intentId && !chargeId) throw invalid('One of the following params should be provided for this request: payment_intent or charge.', 'payment_intent');
    if (intentId && chargeId) throw invalid('You may only specify one of these parameters: charge, payment_intent.', 'charge');
    let charge: StripeObject | undefined;
    if (intentId) {
      const intent = this.paymentIntents.get(intentId);
      if (!intent) throw notFound('payment_intent', intentId, 'payment_intent');
      if (intent.status !== 'succeeded') throw invalid(`This PaymentIntent (${intentId}) does not have a successful charge to refund.`, 'payment_intent', 'charge_not_refundable');
      charge = this.charges.get(intent.latest_charge);
    } else {
      charge = this.charges.get(chargeId!);
      if (!charge) throw notFound('charge', chargeId!, 'charge');
    }
    if (!charge || charge.status !== 'succeeded') throw invalid('This charge cannot be refunded: it did not succeed.', 'charge', 'charge_not_refundable');
    const refundable = charge.amount - charge.amount_refunded;
    if (refundable <= 0) throw invalid(`Charge ${charge.id} has already been refunded.`, undefined, 'charge_already_refunded');
    const amount = params.int('amount') ?? refundable;
    if (amount <= 0) throw invalid('Invalid integer: amount must be positive', 'amount');
    if (amount > refundable) throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${refundable})`, 'amount', 'amount_too_large');
    const reason = params.oneOf('reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const) ?? null;
    const refund: StripeObject = {
      id: stripeId('re'),
      object: 'refund',
      amount,
      balance_transaction: stripeId('txn'),
      charge: charge.id,
      created: nowSeconds(),
      currency: charge.currency,
      destination_details: { card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' },
      metadata: params.metadata() ?? {},
      payment_intent: charge.payment_intent,
      reason,
      receipt_number: null,
      source_transfer_reversal: null,
      status: 'succeeded',
      transfer_reversal: null,
    };
    this.refunds.set(refund.id, refund);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    this.emit('charge.refunded', charge);
    this.emit('refund.created', refund);
    return refund;
  }
}
