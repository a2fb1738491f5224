import { generateKeyPairSync, randomBytes, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import type { PaymentCheckout, PaymentWebhookDelivery } from '@tero/sdk';
import type { PaymentVendorCharge, PaymentVendorControl } from '@tero/sdk/testing';
import type {
  WireBillingCycle,
  WireLink,
  WireMoney,
  WirePlan,
  WireProduct,
  WireSale,
  WireSaleRefund,
  WireSubscription,
  WireSubscriptionTransaction,
  WireWebhookEvent,
} from '../paypal.wire';
import { selfSignedCertificatePem } from './self-signed-cert';

export interface FakePayPalServerOptions {
  /** The REST app's credentials: `POST /v1/oauth2/token` refuses others. */
  clientId?: string;
  clientSecret?: string;
  /** The id of the merchant's webhook: deliveries are signed for it. */
  webhookId?: string;
  /** `expires_in` of the tokens it hands out; PayPal's is 32400 (9 hours). */
  tokenLifetimeSeconds?: number;
  /**
   * Revising the plan of a subscription needs the subscriber's consent (PayPal-balance funded
   * subscriptions): revise answers an `approve` link and keeps the old plan until {@link FakePayPalServer.approveRevision}.
   * Off by default (card-funded subscriptions switch at once).
   */
  reviseNeedsConsent?: boolean;
}

/** One HTTP exchange as the fake saw it. */
export interface FakePayPalExchange {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, the raw text when it is not JSON, `undefined` when empty. */
  body: unknown;
  status: number;
}

interface Keys {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

let signingKeys: Keys | undefined;
let forgingKeys: Keys | undefined;
/** RSA keys take a while to make: one pair for PayPal, one for the forger, shared by every fake in the process. */
function keys(): { paypal: Keys; forger: Keys } {
  signingKeys ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  forgingKeys ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { paypal: signingKeys, forger: forgingKeys };
}

const ALPHANUMERIC = 'ABCDEFGHJKLMNPRSTUVWXY0123456789';
function code(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return out;
}

/** Currencies PayPal takes without decimals, and digits of the others. */
const WHOLE_UNITS = new Set(['HUF', 'JPY', 'TWD']);
const THREE_DIGITS = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);
function digitsOf(currency: string): number {
  return WHOLE_UNITS.has(currency) ? 0 : THREE_DIGITS.has(currency) ? 3 : 2;
}

/** PayPal's decimal → thousandths (exact, for every currency), or an error issue. */
function thousandths(value: unknown, currency: string): bigint | string {
  if (typeof value !== 'string') return 'MISSING_REQUIRED_PARAMETER';
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) return 'INVALID_PARAMETER_SYNTAX';
  if ((match[2]?.length ?? 0) > digitsOf(currency)) return 'DECIMAL_PRECISION';
  return BigInt(match[1]!) * 1000n + BigInt((match[2] ?? '').padEnd(3, '0'));
}

function decimal(thousandthsValue: bigint, currency: string): string {
  const digits = digitsOf(currency);
  const whole = thousandthsValue / 1000n;
  if (digits === 0) return String(whole);
  const fraction = String(thousandthsValue % 1000n).padStart(3, '0').slice(0, digits);
  return `${whole}.${fraction}`;
}

/** PayPal's money in our minor units (ISO: two digits unless zero- or three-decimal). */
function minorOf(value: string, currency: string): number {
  const isoDigits = currency === 'JPY' ? 0 : THREE_DIGITS.has(currency) ? 3 : 2;
  const exact = thousandths(value, currency);
  if (typeof exact === 'string') throw new Error(`fake PayPal: unreadable amount ${value}`);
  return Number((exact * 10n ** BigInt(isoDigits)) / 1000n);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? body.name));
  }
}

/** PayPal's error body: `{ name, message, debug_id, details: [{ issue, description, field, location }], links }`. */
function failure(status: number, name: string, message: string, issue?: string, description?: string, field?: string): HttpError {
  const details = issue ? [{ ...(field ? { field, location: 'body' } : {}), issue, description: description ?? message }] : undefined;
  return new HttpError(status, {
    name,
    message,
    debug_id: randomBytes(7).toString('hex').slice(0, 13),
    ...(details ? { details } : {}),
    links: [{ href: `https://developer.paypal.com/api/rest/reference/orders/v2/errors/#${(issue ?? name).toLowerCase()}`, rel: 'information_link', method: 'GET' }],
  });
}

const notFound = (): HttpError => failure(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.', 'INVALID_RESOURCE_ID', 'Requested resource ID was not found.');
const invalid = (issue: string, description: string, field?: string): HttpError =>
  failure(400, 'INVALID_REQUEST', 'Request is not well-formed, syntactically incorrect, or violates schema.', issue, description, field);
const unprocessable = (issue: string, description: string): HttpError =>
  failure(422, 'UNPROCESSABLE_ENTITY', 'The requested action could not be performed, semantically incorrect, or failed business validation.', issue, description);

interface SubscriptionRecord {
  wire: WireSubscription;
  pendingPlanId?: string;
}

interface SaleRecord {
  wire: WireSale;
  refundedThousandths: bigint;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function addInterval(from: Date, unit: string): Date {
  const next = new Date(from);
  if (unit === 'YEAR') next.setUTCFullYear(next.getUTCFullYear() + 1);
  else if (unit === 'WEEK') next.setUTCDate(next.getUTCDate() + 7);
  else if (unit === 'DAY') next.setUTCDate(next.getUTCDate() + 1);
  else next.setUTCMonth(next.getUTCMonth() + 1);
  return next;
}

/**
 * A local server speaking the parts of PayPal's REST API a subscription integration uses, with PayPal's
 * shapes, statuses and error bodies: OAuth2 client-credentials tokens, catalog products, billing plans
 * (create, list by product, get), subscriptions (create awaiting approval, get, patch of the
 * outstanding balance and `custom_id`, revise, cancel, capture of the outstanding balance), v1 sale
 * refunds, and webhook signature verification. `PayPal-Request-Id` makes a repeated POST answer the
 * first result.
 *
 * It is also the contract's {@link PaymentVendorControl}: the buyer approves (`completeCheckout`), the
 * billing clock runs (`renew`), and every change is delivered as the webhook PayPal would send, signed
 * like PayPal's (SHA256withRSA over `transmission id|time|webhook id|crc32(body)`, with a certificate the
 * fake serves at `paypal-cert-url`).
 */
export class FakePayPalServer implements PaymentVendorControl {
  readonly exchanges: FakePayPalExchange[] = [];
  readonly clientId: string;
  readonly clientSecret: string;
  readonly webhookId: string;
  /** The signing certificate, as `paypal-cert-url` serves it. */
  readonly certificatePem: string;
  private readonly certName = `CERT-360caa42-fca2a594-${randomBytes(4).toString('hex')}`;
  private readonly tokens = new Map<string, number>();
  private readonly products = new Map<string, WireProduct>();
  private readonly plans = new Map<string, WirePlan>();
  private readonly subscriptions = new Map<string, SubscriptionRecord>();
  private readonly sales = new Map<string, SaleRecord>();
  private readonly chargeLog: PaymentVendorCharge[] = [];
  private readonly idempotent = new Map<string, { status: number; body: unknown }>();
  private deliveries: PaymentWebhookDelivery[] = [];
  private declineNext = false;
  private port = 0;

  private constructor(
    private readonly server: Server,
    private readonly options: FakePayPalServerOptions,
  ) {
    this.clientId = options.clientId ?? 'AeA1QIZXiflr1_-fake-client-id';
    this.clientSecret = options.clientSecret ?? 'ECYYrrSHdKfk_-fake-client-secret';
    this.webhookId = options.webhookId ?? `WH-${code(8)}-${code(8)}`;
    const { paypal } = keys();
    this.certificatePem = selfSignedCertificatePem({ commonName: 'messageverificationcerts.paypal.com', ...paypal });
  }

  static async start(options: FakePayPalServerOptions = {}): Promise<FakePayPalServer> {
    let fake!: FakePayPalServer;
    const server = createServer((req, res) => void fake.handle(req, res));
    fake = new FakePayPalServer(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get certUrl(): string {
    return `${this.baseUrl}/v1/notifications/certs/${this.certName}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- the vendor control of the contract ----

  async completeCheckout(checkout: PaymentCheckout): Promise<void> {
    const record = this.subscriptions.get(checkout.providerSubscriptionId ?? checkout.providerCheckoutId);
    if (!record) throw new Error(`fake PayPal: no subscription ${checkout.providerSubscriptionId ?? checkout.providerCheckoutId}`);
    const sub = record.wire;
    if (sub.status !== 'APPROVAL_PENDING') throw new Error(`fake PayPal: subscription ${sub.id} is ${sub.status}, not awaiting approval`);
    const plan = this.plans.get(sub.plan_id)!;
    const now = new Date();
    sub.status = 'ACTIVE';
    sub.status_update_time = now.toISOString();
    sub.update_time = now.toISOString();
    sub.subscriber = { ...sub.subscriber, payer_id: code(13), name: sub.subscriber?.name ?? { given_name: 'John', surname: 'Doe' } };
    sub.links = this.subscriptionLinks(sub.id, 'ACTIVE');
    const startsLater = sub.start_time !== undefined && new Date(sub.start_time).getTime() > now.getTime();
    if (!startsLater) sub.start_time = now.toISOString();
    sub.billing_info = {
      outstanding_balance: { currency_code: this.currencyOf(plan), value: decimal(0n, this.currencyOf(plan)) },
      cycle_executions: [{ tenure_type: 'REGULAR', sequence: 1, cycles_completed: 0, cycles_remaining: 0, total_cycles: 0 }],
      next_billing_time: sub.start_time,
      failed_payments_count: 0,
    };
    if (startsLater) {
      this.emit('BILLING.SUBSCRIPTION.ACTIVATED', 'subscription', sub, 'Subscription activated');
      return;
    }
    const sale = this.chargeCycle(record, 'paid')!;
    this.emit('BILLING.SUBSCRIPTION.ACTIVATED', 'subscription', sub, 'Subscription activated');
    this.emitSale(sale);
  }

  async renew(providerSubscriptionId: string, outcome: 'paid' | 'failed'): Promise<void> {
    const record = this.subscriptions.get(providerSubscriptionId);
    if (!record) throw new Error(`fake PayPal: no subscription ${providerSubscriptionId}`);
    if (record.wire.status !== 'ACTIVE') throw new Error(`fake PayPal: subscription ${providerSubscriptionId} is ${record.wire.status}; PayPal bills only active ones`);
    const sale = this.chargeCycle(record, outcome);
    if (sale) {
      this.emitSale(sale);
      return;
    }
    const sub = record.wire;
    this.emit('BILLING.SUBSCRIPTION.PAYMENT.FAILED', 'subscription', sub, 'Subscription payment failed');
    const threshold = this.plans.get(sub.plan_id)!.payment_preferences?.payment_failure_threshold ?? 0;
    if (threshold > 0 && sub.billing_info!.failed_payments_count >= threshold) {
      this.setStatus(sub, 'SUSPENDED', 'Payment failure threshold reached');
      this.emit('BILLING.SUBSCRIPTION.SUSPENDED', 'subscription', sub, 'Subscription suspended');
    }
  }

  async takeWebhooks(): Promise<PaymentWebhookDelivery[]> {
    const taken = this.deliveries;
    this.deliveries = [];
    return taken;
  }

  forge(delivery: PaymentWebhookDelivery): PaymentWebhookDelivery {
    const id = delivery.headers['paypal-transmission-id']!;
    const time = delivery.headers['paypal-transmission-time']!;
    const signature = sign('sha256', Buffer.from(`${id}|${time}|${this.webhookId}|${crc32(delivery.rawBody)}`), keys().forger.privateKey).toString('base64');
    return { rawBody: delivery.rawBody, headers: { ...delivery.headers, 'paypal-transmission-sig': signature } };
  }

  async unknownEvent(): Promise<PaymentWebhookDelivery> {
    const dispute = {
      dispute_id: `PP-D-${code(5)}`,
      create_time: new Date().toISOString(),
      update_time: new Date().toISOString(),
      disputed_transactions: [{ seller_transaction_id: code(17), seller: { merchant_id: code(13) } }],
      reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED',
      status: 'OPEN',
      dispute_amount: { currency_code: 'USD', value: '299.00' },
      dispute_life_cycle_stage: 'INQUIRY',
      dispute_channel: 'INTERNAL',
    };
    return this.delivery(this.event('CUSTOMER.DISPUTE.CREATED', 'dispute', dispute, 'A new dispute opened'), keys().paypal);
  }

  async charges(): Promise<PaymentVendorCharge[]> {
    return this.chargeLog.map((charge) => ({ ...charge }));
  }

  // ---- more control, beyond the contract ----

  /** The subscriber consents to a pending plan revision: PayPal switches the plan. */
  approveRevision(providerSubscriptionId: string): void {
    const record = this.subscriptions.get(providerSubscriptionId);
    if (!record?.pendingPlanId) throw new Error(`fake PayPal: no revision awaiting consent on ${providerSubscriptionId}`);
    record.wire.plan_id = record.pendingPlanId;
    record.pendingPlanId = undefined;
    record.wire.update_time = new Date().toISOString();
    this.emit('BILLING.SUBSCRIPTION.UPDATED', 'subscription', record.wire, 'Subscription updated');
  }

  /** The next capture is declined by the subscriber's funding source. */
  declineNextCapture(): void {
    this.declineNext = true;
  }

  /** Every token handed out stops working, as when PayPal revokes them. */
  expireTokens(): void {
    this.tokens.clear();
  }

  /** The subscription as `GET /v1/billing/subscriptions/{id}` shows it. */
  subscription(id: string): WireSubscription | undefined {
    const record = this.subscriptions.get(id);
    return record ? structuredClone(record.wire) : undefined;
  }

  /** Delivers an event of any type about any resource, signed like the others (for normalizer edge cases). */
  deliver(eventType: string, resourceType: string, resource: unknown): PaymentWebhookDelivery {
    return this.delivery(this.event(eventType, resourceType, resource, eventType), keys().paypal);
  }

  // ---- billing ----

  private currencyOf(plan: WirePlan): string {
    return plan.billing_cycles![0]!.pricing_scheme!.fixed_price!.currency_code;
  }

  /** The billing clock charges one cycle: a sale, or a failed payment added to the outstanding balance. */
  private chargeCycle(record: SubscriptionRecord, outcome: 'paid' | 'failed'): SaleRecord | null {
    const sub = record.wire;
    const plan = this.plans.get(sub.plan_id)!;
    const cycle = plan.billing_cycles![0]!;
    const price = cycle.pricing_scheme!.fixed_price!;
    const currency = price.currency_code;
    const billing = sub.billing_info!;
    const due = new Date(billing.next_billing_time ?? new Date().toISOString());
    const now = new Date();
    billing.next_billing_time = addInterval(due, cycle.frequency.interval_unit).toISOString();
    const priceThousandths = thousandths(price.value, currency) as bigint;
    const outstanding = thousandths(billing.outstanding_balance.value, currency) as bigint;
    if (outcome === 'failed') {
      billing.failed_payments_count += 1;
      billing.outstanding_balance = { currency_code: currency, value: decimal(outstanding + priceThousandths, currency) };
      billing.last_failed_payment = {
        amount: { currency_code: currency, value: price.value },
        time: now.toISOString(),
        reason_code: 'PAYMENT_DENIED',
        next_payment_retry_time: addInterval(now, 'DAY').toISOString(),
      };
      this.chargeLog.push({ providerPaymentId: code(17), providerSubscriptionId: sub.id, amountMinor: minorOf(price.value, currency), currency, status: 'failed', at: now });
      return null;
    }
    // auto_bill_outstanding: the failed amounts ride on this cycle's charge.
    const collected = plan.payment_preferences?.auto_bill_outstanding ? outstanding : 0n;
    const total = decimal(priceThousandths + collected, currency);
    if (collected > 0n) billing.outstanding_balance = { currency_code: currency, value: decimal(0n, currency) };
    billing.failed_payments_count = 0;
    billing.last_payment = { amount: { currency_code: currency, value: total }, time: now.toISOString() };
    billing.cycle_executions![0]!.cycles_completed += 1;
    sub.update_time = now.toISOString();
    return this.recordSale(sub, total, currency, now);
  }

  private recordSale(sub: WireSubscription, total: string, currency: string, at: Date): SaleRecord {
    const id = code(17);
    const sale: WireSale = {
      id,
      state: 'completed',
      amount: { total, currency, details: { subtotal: total } },
      payment_mode: 'INSTANT_TRANSFER',
      billing_agreement_id: sub.id,
      custom: sub.custom_id,
      invoice_number: '',
      transaction_fee: { value: decimal(((thousandths(total, currency) as bigint) * 349n) / 10000n, currency), currency },
      create_time: at.toISOString(),
      update_time: at.toISOString(),
      links: [
        { href: `${this.baseUrl}/v1/payments/sale/${id}`, rel: 'self', method: 'GET' },
        { href: `${this.baseUrl}/v1/payments/sale/${id}/refund`, rel: 'refund', method: 'POST' },
      ],
    };
    const record = { wire: sale, refundedThousandths: 0n };
    this.sales.set(id, record);
    this.chargeLog.push({ providerPaymentId: id, providerSubscriptionId: sub.id, amountMinor: minorOf(total, currency), currency, status: 'succeeded', at });
    return record;
  }

  private emitSale(sale: SaleRecord): void {
    this.emit('PAYMENT.SALE.COMPLETED', 'sale', sale.wire, `Payment completed for ${sale.wire.amount.total} ${sale.wire.amount.currency}`);
  }

  private setStatus(sub: WireSubscription, status: WireSubscription['status'], note?: string): void {
    const now = new Date().toISOString();
    sub.status = status;
    sub.status_update_time = now;
    sub.update_time = now;
    if (note !== undefined) sub.status_change_note = note;
    sub.links = this.subscriptionLinks(sub.id, status);
  }

  // ---- webhooks ----

  private event(eventType: string, resourceType: string, resource: unknown, summary: string): WireWebhookEvent {
    // PayPal's event ids: WH-<17>-<17>, digits and capitals.
    const id = `WH-${code(17)}-${code(17)}`;
    return {
      id,
      event_version: '1.0',
      create_time: new Date().toISOString(),
      resource_type: resourceType,
      resource_version: resourceType === 'subscription' ? '2.0' : '1.0',
      event_type: eventType,
      summary,
      resource: structuredClone(resource),
      links: [
        { href: `${this.baseUrl}/v1/notifications/webhooks-events/${id}`, rel: 'self', method: 'GET' },
        { href: `${this.baseUrl}/v1/notifications/webhooks-events/${id}/resend`, rel: 'resend', method: 'POST' },
      ],
    };
  }

  private emit(eventType: string, resourceType: string, resource: unknown, summary: string): void {
    this.deliveries.push(this.delivery(this.event(eventType, resourceType, resource, summary), keys().paypal));
  }

  private delivery(event: WireWebhookEvent, key: Keys): PaymentWebhookDelivery {
    const rawBody = Buffer.from(JSON.stringify(event));
    const id = randomUUID();
    const time = new Date().toISOString();
    const signature = sign('sha256', Buffer.from(`${id}|${time}|${this.webhookId}|${crc32(rawBody)}`), key.privateKey).toString('base64');
    return {
      rawBody,
      headers: {
        'content-type': 'application/json',
        'paypal-transmission-id': id,
        'paypal-transmission-time': time,
        'paypal-transmission-sig': signature,
        'paypal-cert-url': this.certUrl,
        'paypal-auth-algo': 'SHA256withRSA',
        'correlation-id': randomBytes(6).toString('hex'),
        'user-agent': 'PayPal/AUHD-214.0-58891412',
      },
    };
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.baseUrl);
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const exchange: FakePayPalExchange = { method: req.method ?? 'GET', path: `${url.pathname}${url.search}`, headers: req.headers, body, status: 0 };
    this.exchanges.push(exchange);
    let status = 200;
    let answer: unknown;
    let contentType = 'application/json';
    try {
      const result = this.route(req, url, text, body);
      status = result.status;
      answer = result.body;
      if (result.contentType) contentType = result.contentType;
    } catch (error) {
      if (error instanceof HttpError) {
        status = error.status;
        answer = error.body;
      } else {
        status = 500;
        answer = { name: 'INTERNAL_SERVER_ERROR', message: 'An internal server error has occurred.', debug_id: randomBytes(7).toString('hex').slice(0, 13), error: String(error) };
      }
    }
    exchange.status = status;
    res.statusCode = status;
    res.setHeader('paypal-debug-id', randomBytes(7).toString('hex').slice(0, 13));
    if (answer === undefined) {
      res.end();
      return;
    }
    res.setHeader('content-type', contentType);
    res.end(typeof answer === 'string' ? answer : JSON.stringify(answer));
  }

  private route(req: IncomingMessage, url: URL, text: string, body: unknown): { status: number; body?: unknown; contentType?: string } {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'POST' && path === '/v1/oauth2/token') return this.issueToken(req, text);
    if (method === 'GET' && path === `/v1/notifications/certs/${this.certName}`) return { status: 200, body: this.certificatePem, contentType: 'text/plain' };
    if (method === 'GET' && path === '/webapps/billing/subscriptions') return { status: 200, body: '<html><body>Fake PayPal: approve the subscription</body></html>', contentType: 'text/html' };
    this.authenticate(req);

    const requestId = req.headers['paypal-request-id'];
    const idempotencyKey = method === 'POST' && typeof requestId === 'string' ? `${path}\n${requestId}` : undefined;
    if (idempotencyKey) {
      const earlier = this.idempotent.get(idempotencyKey);
      if (earlier) return { status: earlier.status, body: structuredClone(earlier.body) };
    }
    const result = this.dispatch(method, path, url, body);
    if (idempotencyKey && result.status < 300) this.idempotent.set(idempotencyKey, { status: result.status, body: structuredClone(result.body) });
    return result;
  }

  private dispatch(method: string, path: string, url: URL, body: unknown): { status: number; body?: unknown } {
    let match: RegExpExecArray | null;
    if (path === '/v1/catalogs/products' && method === 'POST') return this.createProduct(body);
    if ((match = /^\/v1\/catalogs\/products\/([^/]+)$/.exec(path)) && method === 'GET') {
      const product = this.products.get(decodeURIComponent(match[1]!));
      if (!product) throw notFound();
      return { status: 200, body: product };
    }
    if (path === '/v1/billing/plans' && method === 'POST') return this.createPlan(body);
    if (path === '/v1/billing/plans' && method === 'GET') return this.listPlans(url);
    if ((match = /^\/v1\/billing\/plans\/([^/]+)$/.exec(path)) && method === 'GET') {
      const plan = this.plans.get(decodeURIComponent(match[1]!));
      if (!plan) throw notFound();
      return { status: 200, body: plan };
    }
    if (path === '/v1/billing/subscriptions' && method === 'POST') return this.createSubscription(body);
    if ((match = /^\/v1\/billing\/subscriptions\/([^/]+)(?:\/(revise|suspend|cancel|capture))?$/.exec(path))) {
      const record = this.subscriptions.get(decodeURIComponent(match[1]!));
      if (!record) throw notFound();
      const action = match[2];
      if (!action && method === 'GET') return { status: 200, body: record.wire };
      if (!action && method === 'PATCH') return this.patchSubscription(record, body);
      if (action === 'revise' && method === 'POST') return this.revise(record, body);
      if (action === 'suspend' && method === 'POST') return this.suspend(record, body);
      if (action === 'cancel' && method === 'POST') return this.cancel(record, body);
      if (action === 'capture' && method === 'POST') return this.capture(record, body);
    }
    if ((match = /^\/v1\/payments\/sale\/([^/]+)\/refund$/.exec(path)) && method === 'POST') return this.refund(decodeURIComponent(match[1]!), body);
    if (path === '/v1/notifications/verify-webhook-signature' && method === 'POST') return this.verifySignature(body);
    throw failure(404, 'NOT_FOUND', `No ${method} ${path} here.`);
  }

  private issueToken(req: IncomingMessage, text: string): { status: number; body: unknown } {
    const expected = `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`;
    if (req.headers.authorization !== expected) throw new HttpError(401, { error: 'invalid_client', error_description: 'Client Authentication failed' });
    if (new URLSearchParams(text).get('grant_type') !== 'client_credentials') throw new HttpError(400, { error: 'unsupported_grant_type', error_description: 'Grant Type is NULL' });
    const token = `A21AA${randomBytes(24).toString('base64url')}`;
    const lifetime = this.options.tokenLifetimeSeconds ?? 32_400;
    this.tokens.set(token, Date.now() + lifetime * 1000);
    return {
      status: 200,
      body: { scope: 'https://uri.paypal.com/services/subscriptions https://uri.paypal.com/services/payments/refund', access_token: token, token_type: 'Bearer', app_id: 'APP-80W284485P519543T', expires_in: lifetime, nonce: `${new Date().toISOString()}${code(10)}` },
    };
  }

  private authenticate(req: IncomingMessage): void {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const expiresAt = match ? this.tokens.get(match[1]!) : undefined;
    if (expiresAt === undefined || expiresAt <= Date.now()) {
      throw failure(401, 'AUTHENTICATION_FAILURE', 'Authentication failed due to invalid authentication credentials or a missing Authorization header.');
    }
  }

  private createProduct(body: unknown): { status: number; body: unknown } {
    if (!isObject(body)) throw invalid('MALFORMED_REQUEST_JSON', 'The request JSON is not well formed.');
    const name = body.name;
    if (typeof name !== 'string' || name.length < 1 || name.length > 127) throw invalid('MISSING_REQUIRED_PARAMETER', 'A required field / parameter is missing.', '/name');
    const id = body.id === undefined ? `PROD-${code(17)}` : body.id;
    if (typeof id !== 'string' || id.length < 6 || id.length > 50) throw invalid('INVALID_STRING_LENGTH', 'The value of a field is either too short or too long.', '/id');
    if (this.products.has(id)) throw unprocessable('DUPLICATE_RESOURCE_IDENTIFIER', 'A resource with the specified identifier already exists.');
    const now = new Date().toISOString();
    const product: WireProduct = {
      id,
      name,
      description: typeof body.description === 'string' ? body.description : undefined,
      type: (body.type as WireProduct['type']) ?? 'PHYSICAL',
      create_time: now,
      update_time: now,
      links: [{ href: `${this.baseUrl}/v1/catalogs/products/${id}`, rel: 'self', method: 'GET' }],
    };
    this.products.set(id, product);
    return { status: 201, body: product };
  }

  private createPlan(body: unknown): { status: number; body: unknown } {
    if (!isObject(body)) throw invalid('MALFORMED_REQUEST_JSON', 'The request JSON is not well formed.');
    if (typeof body.product_id !== 'string' || !this.products.has(body.product_id)) throw unprocessable('INVALID_PRODUCT_ID', 'Invalid product id.');
    if (typeof body.name !== 'string' || !body.name || body.name.length > 127) throw invalid('MISSING_REQUIRED_PARAMETER', 'A required field / parameter is missing.', '/name');
    if (typeof body.description === 'string' && body.description.length > 127) throw invalid('INVALID_STRING_LENGTH', 'The value of a field is either too short or too long.', '/description');
    const cycles = body.billing_cycles;
    if (!Array.isArray(cycles) || cycles.length === 0) throw invalid('MISSING_REQUIRED_PARAMETER', 'A required field / parameter is missing.', '/billing_cycles');
    const regular = cycles.find((cycle) => isObject(cycle) && cycle.tenure_type === 'REGULAR');
    const price = isObject(regular) && isObject(regular.pricing_scheme) ? regular.pricing_scheme.fixed_price : undefined;
    if (!isObject(regular) || !isObject(regular.frequency) || !['DAY', 'WEEK', 'MONTH', 'YEAR'].includes(String(regular.frequency.interval_unit)) || !isObject(price)) {
      throw invalid('INVALID_PARAMETER_VALUE', 'A REGULAR billing cycle with a frequency and a fixed price is required.', '/billing_cycles');
    }
    const currency = String(price.currency_code);
    if (!/^[A-Z]{3}$/.test(currency)) throw invalid('INVALID_PARAMETER_SYNTAX', 'The currency code is not valid.', '/billing_cycles/0/pricing_scheme/fixed_price/currency_code');
    const amount = thousandths(price.value, currency);
    if (typeof amount === 'string') throw unprocessable(amount, `The value ${String(price.value)} is not valid for ${currency}.`);
    if (!isObject(body.payment_preferences)) throw invalid('MISSING_REQUIRED_PARAMETER', 'A required field / parameter is missing.', '/payment_preferences');
    const now = new Date().toISOString();
    const id = `P-${code(24)}`;
    const plan: WirePlan = {
      id,
      product_id: body.product_id,
      name: body.name,
      status: body.status === 'CREATED' ? 'CREATED' : 'ACTIVE',
      description: typeof body.description === 'string' ? body.description : undefined,
      usage_type: 'LICENSED',
      billing_cycles: (structuredClone(cycles) as WireBillingCycle[]).map((cycle) => ({
        ...cycle,
        pricing_scheme: { ...cycle.pricing_scheme, version: 1, create_time: now, update_time: now },
      })),
      payment_preferences: {
        service_type: 'PREPAID',
        auto_bill_outstanding: true,
        setup_fee: { value: '0', currency_code: currency },
        setup_fee_failure_action: 'CANCEL',
        payment_failure_threshold: 0,
        ...body.payment_preferences,
      } as WirePlan['payment_preferences'],
      quantity_supported: false,
      create_time: now,
      update_time: now,
      links: [
        { href: `${this.baseUrl}/v1/billing/plans/${id}`, rel: 'self', method: 'GET' },
        { href: `${this.baseUrl}/v1/billing/plans/${id}`, rel: 'edit', method: 'PATCH' },
        { href: `${this.baseUrl}/v1/billing/plans/${id}/deactivate`, rel: 'self', method: 'POST' },
      ],
    };
    this.plans.set(id, plan);
    return { status: 201, body: plan };
  }

  private listPlans(url: URL): { status: number; body: unknown } {
    const pageSize = Number(url.searchParams.get('page_size') ?? 10);
    const page = Number(url.searchParams.get('page') ?? 1);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 20) throw invalid('INVALID_PARAMETER_VALUE', 'page_size must be 1 to 20.', 'page_size');
    if (!Number.isInteger(page) || page < 1 || page > 100_000) throw invalid('INVALID_PARAMETER_VALUE', 'page must be 1 or more.', 'page');
    const productId = url.searchParams.get('product_id');
    const all = [...this.plans.values()].filter((plan) => !productId || plan.product_id === productId);
    const slice = all.slice((page - 1) * pageSize, page * pageSize).map(({ id, product_id, name, status, description, usage_type, create_time, links }) => ({
      id,
      product_id,
      name,
      status,
      description,
      usage_type,
      create_time,
      links: links?.filter((link) => link.rel === 'self').slice(0, 1),
    }));
    const body: Record<string, unknown> = { plans: slice, links: [{ href: `${this.baseUrl}/v1/billing/plans?${url.searchParams}`, rel: 'self', method: 'GET' }] };
    if (url.searchParams.get('total_required') === 'true') {
      body.total_items = all.length;
      body.total_pages = Math.ceil(all.length / pageSize);
    }
    return { status: 200, body };
  }

  private subscriptionLinks(id: string, status: WireSubscription['status'], approveToken?: string): WireLink[] {
    const self = `${this.baseUrl}/v1/billing/subscriptions/${id}`;
    const links: WireLink[] = [];
    if (status === 'APPROVAL_PENDING' && approveToken) links.push({ href: `${this.baseUrl}/webapps/billing/subscriptions?ba_token=${approveToken}`, rel: 'approve', method: 'GET' });
    links.push({ href: self, rel: 'edit', method: 'PATCH' }, { href: self, rel: 'self', method: 'GET' });
    if (status === 'ACTIVE' || status === 'SUSPENDED') {
      links.push({ href: `${self}/cancel`, rel: 'cancel', method: 'POST' }, { href: `${self}/capture`, rel: 'capture', method: 'POST' });
      links.push(status === 'ACTIVE' ? { href: `${self}/suspend`, rel: 'suspend', method: 'POST' } : { href: `${self}/activate`, rel: 'activate', method: 'POST' });
    }
    return links;
  }

  private createSubscription(body: unknown): { status: number; body: unknown } {
    if (!isObject(body)) throw invalid('MALFORMED_REQUEST_JSON', 'The request JSON is not well formed.');
    const plan = typeof body.plan_id === 'string' ? this.plans.get(body.plan_id) : undefined;
    if (!plan) throw unprocessable('INVALID_RESOURCE_ID', 'Requested resource ID was not found.');
    if (plan.status !== 'ACTIVE') throw unprocessable('PLAN_STATUS_INVALID', 'Invalid plan status. Plan should be in ACTIVE status.');
    const context = body.application_context;
    if (!isObject(context) || typeof context.return_url !== 'string' || typeof context.cancel_url !== 'string') {
      throw invalid('MISSING_REQUIRED_PARAMETER', 'A required field / parameter is missing.', '/application_context/return_url');
    }
    if (context.locale !== undefined && !/^[a-z]{2}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?$/.test(String(context.locale))) {
      throw invalid('INVALID_PARAMETER_SYNTAX', 'The value of a field does not conform to the expected format.', '/application_context/locale');
    }
    if (body.custom_id !== undefined && (typeof body.custom_id !== 'string' || body.custom_id.length > 127)) {
      throw invalid('INVALID_STRING_LENGTH', 'The value of a field is either too short or too long.', '/custom_id');
    }
    const now = new Date();
    if (body.start_time !== undefined) {
      const start = new Date(String(body.start_time));
      if (Number.isNaN(start.getTime()) || start.getTime() < now.getTime() - 60_000) throw unprocessable('INVALID_START_TIME', 'Start time must be a valid future date and time.');
    }
    const id = `I-${code(12)}`;
    const subscriber = isObject(body.subscriber) ? (structuredClone(body.subscriber) as WireSubscription['subscriber']) : undefined;
    const wire: WireSubscription = {
      id,
      plan_id: plan.id,
      status: 'APPROVAL_PENDING',
      status_update_time: now.toISOString(),
      start_time: typeof body.start_time === 'string' ? body.start_time : undefined,
      quantity: '1',
      custom_id: typeof body.custom_id === 'string' ? body.custom_id : undefined,
      subscriber,
      create_time: now.toISOString(),
      plan_overridden: false,
      links: this.subscriptionLinks(id, 'APPROVAL_PENDING', `BA-${code(17)}`),
    };
    this.subscriptions.set(id, { wire });
    this.emit('BILLING.SUBSCRIPTION.CREATED', 'subscription', wire, 'Subscription created');
    return { status: 201, body: wire };
  }

  private requireLive(record: SubscriptionRecord): void {
    if (record.wire.status !== 'ACTIVE' && record.wire.status !== 'SUSPENDED') {
      throw unprocessable('SUBSCRIPTION_STATUS_INVALID', `Invalid subscription status for this action: ${record.wire.status}.`);
    }
  }

  private patchSubscription(record: SubscriptionRecord, body: unknown): { status: number } {
    if (!Array.isArray(body) || body.length === 0) throw invalid('MALFORMED_REQUEST_JSON', 'The request JSON is not well formed.');
    this.requireLive(record);
    const sub = record.wire;
    const currency = this.currencyOf(this.plans.get(sub.plan_id)!);
    // JSON Patch is all or nothing: check every operation first.
    const apply: (() => void)[] = [];
    for (const operation of body) {
      if (!isObject(operation)) throw invalid('MALFORMED_REQUEST_JSON', 'The request JSON is not well formed.');
      if (operation.path === '/billing_info/outstanding_balance' && operation.op === 'replace') {
        const money = operation.value;
        if (!isObject(money) || money.currency_code !== currency) throw unprocessable('CURRENCY_MISMATCH', `Currency of the outstanding balance must be ${currency}.`);
        const amount = thousandths(money.value, currency);
        if (typeof amount === 'string') throw unprocessable(amount, 'Invalid outstanding balance.');
        apply.push(() => (sub.billing_info!.outstanding_balance = { currency_code: currency, value: decimal(amount, currency) }));
      } else if (operation.path === '/custom_id' && (operation.op === 'replace' || operation.op === 'add')) {
        if (typeof operation.value !== 'string' || operation.value.length < 1 || operation.value.length > 127) {
          throw invalid('INVALID_STRING_LENGTH', 'The value of a field is either too short or too long.', '/custom_id');
        }
        const value = operation.value;
        apply.push(() => (sub.custom_id = value));
      } else {
        throw unprocessable('UNSUPPORTED_PATCH_OPERATION', `The ${String(operation.op)} operation is not supported for ${String(operation.path)}.`);
      }
    }
    for (const change of apply) change();
    sub.update_time = new Date().toISOString();
    this.emit('BILLING.SUBSCRIPTION.UPDATED', 'subscription', sub, 'Subscription updated');
    return { status: 204 };
  }

  private revise(record: SubscriptionRecord, body: unknown): { status: number; body: unknown } {
    this.requireLive(record);
    const plan = isObject(body) && typeof body.plan_id === 'string' ? this.plans.get(body.plan_id) : undefined;
    if (!plan) throw unprocessable('INVALID_RESOURCE_ID', 'Requested resource ID was not found.');
    if (plan.status !== 'ACTIVE') throw unprocessable('PLAN_STATUS_INVALID', 'Invalid plan status. Plan should be in ACTIVE status.');
    const current = this.plans.get(record.wire.plan_id)!;
    // PayPal switches between plans of one product only.
    if (plan.product_id !== current.product_id) throw unprocessable('INVALID_PLAN', 'The plan to revise to must belong to the subscription’s product.');
    if (this.currencyOf(plan) !== this.currencyOf(current)) throw unprocessable('CURRENCY_MISMATCH', 'The plan to revise to must bill in the subscription’s currency.');
    const links: WireLink[] = [];
    if (this.options.reviseNeedsConsent) {
      record.pendingPlanId = plan.id;
      links.push({ href: `${this.baseUrl}/webapps/billing/subscriptions/update?ba_token=BA-${code(17)}`, rel: 'approve', method: 'GET' });
    } else {
      record.wire.plan_id = plan.id;
      record.wire.update_time = new Date().toISOString();
      this.emit('BILLING.SUBSCRIPTION.UPDATED', 'subscription', record.wire, 'Subscription updated');
    }
    links.push({ href: `${this.baseUrl}/v1/billing/subscriptions/${record.wire.id}`, rel: 'edit', method: 'PATCH' });
    return { status: 200, body: { plan_id: plan.id, quantity: '1', plan_overridden: false, links } };
  }

  /** The merchant suspends: PayPal bills nothing until it is activated again. */
  private suspend(record: SubscriptionRecord, body: unknown): { status: number } {
    const reason = isObject(body) ? body.reason : undefined;
    if (typeof reason !== 'string' || reason.length < 1 || reason.length > 128) throw invalid('INVALID_STRING_LENGTH', 'The value of a field is either too short or too long.', '/reason');
    const sub = record.wire;
    if (sub.status !== 'ACTIVE') throw unprocessable('SUBSCRIPTION_STATUS_INVALID', 'Invalid subscription status for suspend action; subscription status should be active.');
    this.setStatus(sub, 'SUSPENDED', reason);
    this.emit('BILLING.SUBSCRIPTION.SUSPENDED', 'subscription', sub, 'Subscription suspended');
    return { status: 204 };
  }

  private cancel(record: SubscriptionRecord, body: unknown): { status: number } {
    const reason = isObject(body) ? body.reason : undefined;
    if (typeof reason !== 'string' || reason.length < 1 || reason.length > 128) throw invalid('INVALID_STRING_LENGTH', 'The value of a field is either too short or too long.', '/reason');
    const sub = record.wire;
    if (sub.status === 'CANCELLED' || sub.status === 'EXPIRED') throw unprocessable('SUBSCRIPTION_STATUS_INVALID', `Invalid subscription status for cancel action; subscription status should be active or suspended.`);
    this.setStatus(sub, 'CANCELLED', reason);
    if (sub.billing_info) delete sub.billing_info.next_billing_time;
    this.emit('BILLING.SUBSCRIPTION.CANCELLED', 'subscription', sub, 'Subscription cancelled');
    return { status: 204 };
  }

  private capture(record: SubscriptionRecord, body: unknown): { status: number; body: unknown } {
    if (!isObject(body) || body.capture_type !== 'OUTSTANDING_BALANCE' || typeof body.note !== 'string' || !isObject(body.amount)) {
      throw invalid('MISSING_REQUIRED_PARAMETER', 'note, capture_type OUTSTANDING_BALANCE and amount are required.');
    }
    this.requireLive(record);
    const sub = record.wire;
    const currency = this.currencyOf(this.plans.get(sub.plan_id)!);
    if (body.amount.currency_code !== currency) throw unprocessable('CURRENCY_MISMATCH', `The currency must be ${currency}.`);
    const amount = thousandths(body.amount.value, currency);
    if (typeof amount === 'string') throw unprocessable(amount, 'Invalid amount.');
    const outstanding = thousandths(sub.billing_info!.outstanding_balance.value, currency) as bigint;
    if (amount <= 0n || amount > outstanding) throw unprocessable('AMOUNT_GREATER_THAN_OUTSTANDING_BALANCE', 'The capture amount must not exceed the outstanding balance.');
    const now = new Date();
    const value = decimal(amount, currency);
    const payer = { given_name: sub.subscriber?.name?.given_name ?? 'John', surname: sub.subscriber?.name?.surname ?? 'Doe' };
    if (this.declineNext) {
      this.declineNext = false;
      const transaction: WireSubscriptionTransaction = { status: 'DECLINED', id: code(17), amount_with_breakdown: { gross_amount: { currency_code: currency, value } }, payer_name: payer, payer_email: sub.subscriber?.email_address, time: now.toISOString() };
      this.chargeLog.push({ providerPaymentId: transaction.id, providerSubscriptionId: sub.id, amountMinor: minorOf(value, currency), currency, status: 'failed', at: now });
      return { status: 202, body: transaction };
    }
    sub.billing_info!.outstanding_balance = { currency_code: currency, value: decimal(outstanding - amount, currency) };
    const sale = this.recordSale(sub, value, currency, now);
    const fee = sale.wire.transaction_fee!.value;
    const transaction: WireSubscriptionTransaction = {
      status: 'COMPLETED',
      id: sale.wire.id,
      amount_with_breakdown: {
        gross_amount: { currency_code: currency, value },
        fee_amount: { currency_code: currency, value: fee },
        net_amount: { currency_code: currency, value: decimal(amount - (thousandths(fee, currency) as bigint), currency) },
      },
      payer_name: payer,
      payer_email: sub.subscriber?.email_address,
      time: now.toISOString(),
    };
    this.emitSale(sale);
    return { status: 202, body: transaction };
  }

  /** v1 Payments: errors there are `{ name, message, information_link, debug_id }`. */
  private refund(saleId: string, body: unknown): { status: number; body: unknown } {
    const sale = this.sales.get(saleId);
    const v1Error = (status: number, name: string, message: string): HttpError =>
      new HttpError(status, { name, message, information_link: `https://developer.paypal.com/docs/api/payments/#errors`, debug_id: randomBytes(7).toString('hex').slice(0, 13) });
    if (!sale) throw v1Error(404, 'INVALID_RESOURCE_ID', 'Requested resource ID was not found.');
    const currency = sale.wire.amount.currency;
    const total = thousandths(sale.wire.amount.total, currency) as bigint;
    const remaining = total - sale.refundedThousandths;
    let amount = remaining;
    if (isObject(body) && body.amount !== undefined) {
      const requested = body.amount;
      if (!isObject(requested) || requested.currency !== currency) throw v1Error(400, 'VALIDATION_ERROR', `Invalid request - see details. (currency must be ${currency})`);
      const value = thousandths(requested.total, currency);
      if (typeof value === 'string' || value <= 0n) throw v1Error(400, 'VALIDATION_ERROR', 'Invalid request - see details. (amount.total)');
      amount = value;
    }
    if (remaining <= 0n) throw v1Error(400, 'TRANSACTION_ALREADY_REFUNDED', 'Requested transaction has already been fully refunded.');
    if (amount > remaining) throw v1Error(400, 'REFUND_EXCEEDED_TRANSACTION_AMOUNT', 'Refund amount exceeded transaction amount.');
    sale.refundedThousandths += amount;
    sale.wire.state = sale.refundedThousandths === total ? 'refunded' : 'partially_refunded';
    const now = new Date().toISOString();
    const id = code(17);
    const refund: WireSaleRefund & { total_refunded_amount: WireMoney } = {
      id,
      create_time: now,
      update_time: now,
      state: 'completed',
      amount: { total: decimal(amount, currency), currency },
      total_refunded_amount: { value: decimal(sale.refundedThousandths, currency), currency_code: currency },
      sale_id: saleId,
      description: isObject(body) && typeof body.description === 'string' ? body.description : undefined,
      links: [
        { href: `${this.baseUrl}/v1/payments/refund/${id}`, rel: 'self', method: 'GET' },
        { href: `${this.baseUrl}/v1/payments/sale/${saleId}`, rel: 'sale', method: 'GET' },
      ],
    };
    this.emit('PAYMENT.SALE.REFUNDED', 'refund', refund, `A ${refund.amount.total} ${currency} sale payment was refunded`);
    return { status: 201, body: refund };
  }

  /**
   * Checks a delivery as PayPal does: the signature over `transmission id|time|webhook id|crc32(event)`
   * with the key of the certificate PayPal signs with. Answers FAILURE for another key, another webhook
   * id, a changed event; 400 for a request that lacks a field.
   */
  private verifySignature(body: unknown): { status: number; body: unknown } {
    if (!isObject(body)) throw invalid('MALFORMED_REQUEST_JSON', 'The request JSON is not well formed.');
    for (const field of ['auth_algo', 'cert_url', 'transmission_id', 'transmission_sig', 'transmission_time', 'webhook_id']) {
      if (typeof body[field] !== 'string' || !body[field]) throw new HttpError(400, { name: 'VALIDATION_ERROR', message: 'Invalid request - see details', debug_id: randomBytes(7).toString('hex').slice(0, 13), details: [{ field, issue: 'Required field cannot be blank' }] });
    }
    if (!isObject(body.webhook_event)) throw new HttpError(400, { name: 'VALIDATION_ERROR', message: 'Invalid request - see details', details: [{ field: 'webhook_event', issue: 'Required field cannot be blank' }] });
    const event = Buffer.from(JSON.stringify(body.webhook_event));
    const signed = `${String(body.transmission_id)}|${String(body.transmission_time)}|${String(body.webhook_id)}|${crc32(event)}`;
    let valid = false;
    try {
      valid =
        body.auth_algo === 'SHA256withRSA' &&
        body.cert_url === this.certUrl &&
        body.webhook_id === this.webhookId &&
        verify('sha256', Buffer.from(signed), keys().paypal.publicKey, Buffer.from(String(body.transmission_sig), 'base64'));
    } catch {
      valid = false;
    }
    return { status: 200, body: { verification_status: valid ? 'SUCCESS' : 'FAILURE' } };
  }
}
