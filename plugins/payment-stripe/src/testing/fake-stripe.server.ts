import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import type { PaymentCheckout, PaymentWebhookDelivery } from '@tero/sdk';
import type { PaymentVendorCharge, PaymentVendorControl } from '@tero/sdk/testing';
import { FakeStripeError, invalid, Params } from './fake-stripe.params';
import { FakeStripeStore, stripeId, type StripeObject } from './fake-stripe.store';
import { decodeStripeForm, StripeFormError, type FormObject } from './stripe-form.decoder';

export interface FakeStripeServerOptions {
  /** The key every request must carry as `Authorization: Bearer …`. */
  secretKey?: string;
  /** The signing secret of the account's webhook endpoint. */
  webhookSecret?: string;
  /** `manual`: search finds an invoice only after {@link FakeStripeServer.indexSearch}, as Stripe's search lags behind writes. */
  searchIndexing?: 'immediate' | 'manual';
}

/** One HTTP exchange as the fake saw it, for assertions on what only the wire shows. */
export interface FakeStripeExchange {
  method: string;
  path: string;
  params: FormObject;
  headers: IncomingHttpHeaders;
  idempotencyKey: string | null;
  /** Answered from the idempotency store rather than executed. */
  replayed: boolean;
  status: number;
}

interface KeptAnswer {
  method: string;
  path: string;
  params: string;
  status: number;
  body: unknown;
}

type Handler = (params: FormObject, ids: string[]) => StripeObject;

interface Route {
  method: string;
  pattern: RegExp;
  handle: Handler;
}

const BODY_LIMIT = 1024 * 1024;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A local server speaking the part of Stripe's v1 API this plugin uses, as strictly as Stripe: form
 * bodies with bracketed keys, bearer-key authentication, unknown parameters refused, `Idempotency-Key`
 * replay (and refusal of a key reused with other parameters), lists and search results in Stripe's
 * envelopes, errors as `{ error: { type, code, message, param } }` with Stripe's statuses.
 *
 * It is also the vendor's side of the contract ({@link PaymentVendorControl}): a customer completing
 * Checkout, the billing clock renewing a subscription, and every webhook Stripe would send for those
 * and for API calls, signed with the endpoint's secret. A hosted checkout page (`/c/pay/<session>`)
 * lets a browser finish a checkout too.
 */
export class FakeStripeServer implements PaymentVendorControl {
  readonly exchanges: FakeStripeExchange[] = [];
  readonly secretKey: string;
  readonly webhookSecret: string;
  readonly store: FakeStripeStore;
  private readonly kept = new Map<string, KeptAnswer>();
  private readonly routes: Route[];
  private readonly injected: { status: number; type: string; message: string }[] = [];
  private server?: Server;
  port = 0;

  private constructor(options: FakeStripeServerOptions) {
    this.secretKey = options.secretKey ?? `sk_test_${randomBytes(12).toString('hex')}`;
    this.webhookSecret = options.webhookSecret ?? `whsec_${randomBytes(16).toString('base64url')}`;
    this.store = new FakeStripeStore({ webhookSecret: this.webhookSecret, baseUrl: () => this.baseUrl, searchIndexing: options.searchIndexing ?? 'immediate' });
    this.routes = this.buildRoutes();
  }

  static async start(options: FakeStripeServerOptions = {}): Promise<FakeStripeServer> {
    const fake = new FakeStripeServer(options);
    fake.server = createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      fake.server!.once('error', reject);
      fake.server!.listen(0, '127.0.0.1', () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  get host(): string {
    return '127.0.0.1';
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // The SDK keeps sockets alive between requests.
    server.closeAllConnections();
    await closed;
  }

  // ---- vendor controls ------------------------------------------------------------------------

  async completeCheckout(checkout: PaymentCheckout): Promise<void> {
    this.store.request = null;
    this.store.completeCheckout(checkout.providerCheckoutId);
  }

  async renew(providerSubscriptionId: string, outcome: 'paid' | 'failed'): Promise<void> {
    this.store.request = null;
    this.store.renew(providerSubscriptionId, outcome);
  }

  async takeWebhooks(): Promise<PaymentWebhookDelivery[]> {
    return this.store.takeWebhooks();
  }

  forge(delivery: PaymentWebhookDelivery): PaymentWebhookDelivery {
    const event = JSON.parse(delivery.rawBody.toString('utf8')) as StripeObject;
    return this.store.sign(event, `whsec_${randomBytes(16).toString('base64url')}`);
  }

  async unknownEvent(): Promise<PaymentWebhookDelivery> {
    return this.store.unknownEventDelivery();
  }

  async charges(): Promise<PaymentVendorCharge[]> {
    return this.store.vendorChargeList();
  }

  /** Every card payment from now on is declined (`insufficient_funds`), or approved again. */
  declineCards(on = true): void {
    this.store.declineCards = on;
  }

  /** Search catches up with every write so far (with `searchIndexing: 'manual'`). */
  indexSearch(): void {
    this.store.indexSearch();
  }

  /** The next `count` API requests fail before running: 500 `api_error`, 429 `rate_limit`, 503. */
  failNext(status: 429 | 500 | 503, count = 1): void {
    const type = status === 429 ? 'invalid_request_error' : 'api_error';
    const message = status === 429 ? 'Too many requests hit the API too quickly.' : 'An unknown error occurred';
    for (let i = 0; i < count; i++) this.injected.push({ status, type, message });
  }

  /** The API requests (not pages) the fake answered, optionally only those to a path. */
  requests(method?: string, path?: string | RegExp): FakeStripeExchange[] {
    return this.exchanges.filter(
      (exchange) =>
        (method === undefined || exchange.method === method) &&
        (path === undefined || (typeof path === 'string' ? exchange.path === path : path.test(exchange.path))),
    );
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  private buildRoutes(): Route[] {
    const s = this.store;
    const route = (method: string, path: string, allowed: string[], run: (params: Params, ids: string[]) => StripeObject): Route => ({
      method,
      pattern: new RegExp(`^${path.replace(/:id/g, '([A-Za-z0-9_-]+)')}$`),
      handle: (values, ids) => {
        const params = new Params(values, allowed);
        return s.respond(run(params, ids), params.expand());
      },
    });
    return [
      route('POST', '/v1/products', ['id', 'name', 'active', 'description', 'metadata', 'tax_code'], (p) => s.createProduct(p)),
      route('GET', '/v1/products/:id', [], (_p, [id]) => s.product(id!)),
      route('POST', '/v1/products/:id', ['active', 'name', 'description', 'metadata'], (p, [id]) => s.updateProduct(id!, p)),
      route('GET', '/v1/prices', ['active', 'lookup_keys', 'product', 'limit', 'starting_after'], (p) => s.listPrices(p)),
      route(
        'POST',
        '/v1/prices',
        ['product', 'currency', 'unit_amount', 'recurring', 'lookup_key', 'transfer_lookup_key', 'nickname', 'tax_behavior', 'metadata', 'active'],
        (p) => s.createPrice(p),
      ),
      route('GET', '/v1/prices/:id', [], (_p, [id]) => s.price(id!)),
      route(
        'POST',
        '/v1/checkout/sessions',
        ['mode', 'line_items', 'success_url', 'cancel_url', 'client_reference_id', 'customer', 'customer_email', 'locale', 'metadata', 'subscription_data'],
        (p) => s.createCheckoutSession(p),
      ),
      route('GET', '/v1/checkout/sessions/:id', [], (_p, [id]) => s.session(id!)),
      route('POST', '/v1/billing_portal/sessions', ['customer', 'return_url', 'locale', 'configuration'], (p) => s.createPortalSession(p)),
      route('GET', '/v1/customers/:id', [], (_p, [id]) => s.customer(id!)),
      route('GET', '/v1/subscriptions/:id', [], (_p, [id]) => s.subscription(id!)),
      route(
        'POST',
        '/v1/subscriptions/:id',
        ['items', 'proration_behavior', 'cancel_at_period_end', 'cancellation_details', 'metadata', 'default_payment_method'],
        (p, [id]) => s.updateSubscription(id!, p),
      ),
      route('DELETE', '/v1/subscriptions/:id', ['invoice_now', 'prorate', 'cancellation_details'], (p, [id]) => s.cancelSubscription(id!, p)),
      route('GET', '/v1/invoices/search', ['query', 'limit', 'page'], (p) => s.searchInvoices(p)),
      route(
        'POST',
        '/v1/invoices',
        ['customer', 'subscription', 'currency', 'description', 'collection_method', 'auto_advance', 'pending_invoice_items_behavior', 'default_payment_method', 'metadata'],
        (p) => s.createInvoice(p),
      ),
      route('GET', '/v1/invoices/:id', [], (_p, [id]) => s.invoice(id!)),
      route('POST', '/v1/invoices/:id/finalize', ['auto_advance'], (p, [id]) => s.finalizeInvoice(id!, p)),
      route('POST', '/v1/invoices/:id/pay', ['payment_method', 'off_session'], (_p, [id]) => s.payInvoice(id!)),
      route('POST', '/v1/invoiceitems', ['customer', 'invoice', 'amount', 'currency', 'description', 'metadata'], (p) => s.createInvoiceItem(p)),
      route('GET', '/v1/invoice_payments', ['invoice', 'payment', 'status', 'limit', 'starting_after'], (p) => s.listInvoicePayments(p)),
      route('POST', '/v1/refunds', ['payment_intent', 'charge', 'amount', 'metadata', 'reason'], (p) => s.createRefund(p)),
      route('GET', '/v1/refunds/:id', [], (_p, [id]) => s.refunds.get(id!) ?? this.missing('refund', id!)),
      route('GET', '/v1/payment_intents/:id', [], (_p, [id]) => s.paymentIntents.get(id!) ?? this.missing('payment_intent', id!)),
      route('GET', '/v1/events/:id', [], (_p, [id]) => s.events.get(id!) ?? this.missing('event', id!)),
    ];
  }

  private missing(kind: string, id: string): never {
    throw new FakeStripeError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, 'resource_missing', 'id');
  }

  private async readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > BODY_LIMIT) throw invalid('Request body too large');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private send(res: ServerResponse, status: number, body: unknown, requestId: string, version: string, replayed = false): void {
    const text = JSON.stringify(body, null, 2);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'request-id': requestId,
      'stripe-version': version,
      ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const method = req.method ?? 'GET';
    const requestId = stripeId('req', 14);
    if (!url.pathname.startsWith('/v1/')) return this.page(req, res, url, method);

    const exchange: FakeStripeExchange = {
      method,
      path: url.pathname,
      params: {},
      headers: req.headers,
      idempotencyKey: null,
      replayed: false,
      status: 0,
    };
    this.exchanges.push(exchange);
    const answer = (status: number, body: unknown, replayed = false) => {
      exchange.status = status;
      exchange.replayed = replayed;
      const version = req.headers['stripe-version'];
      this.send(res, status, body, requestId, typeof version === 'string' ? version : Stripe.API_VERSION, replayed);
    };
    try {
      const body = await this.readBody(req);
      const authorization = req.headers.authorization ?? '';
      const key = /^Bearer (.+)$/.exec(authorization)?.[1];
      if (!key) return answer(401, { error: { type: 'invalid_request_error', message: 'You did not provide an API key. Provide it as a Bearer token in the Authorization header.' } });
      if (key !== this.secretKey) return answer(401, { error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(8)}${key.slice(-4)}` } });

      const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
      exchange.idempotencyKey = idempotencyKey;
      const injected = this.injected.shift();
      if (injected) {
        const error = new FakeStripeError(injected.status, injected.type, injected.message, injected.status === 429 ? 'rate_limit' : undefined);
        return answer(injected.status, error.body());
      }

      if (method === 'POST' && body !== '' && !String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        throw invalid('Stripe accepts form-encoded request bodies (application/x-www-form-urlencoded).');
      }
      const params = decodeStripeForm(method === 'POST' ? body : url.search.slice(1));
      exchange.params = params;

      const canonical = JSON.stringify(params);
      if (idempotencyKey && method !== 'GET') {
        if (idempotencyKey.length > 255) throw invalid('Idempotency keys can be at most 255 characters long.', undefined, 'idempotency_key_in_use');
        const previous = this.kept.get(idempotencyKey);
        if (previous) {
          if (previous.method !== method || previous.path !== url.pathname || previous.params !== canonical) {
            const error = new FakeStripeError(
              400,
              'idempotency_error',
              `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            );
            return answer(400, error.body());
          }
          return answer(previous.status, previous.body, true);
        }
      }

      const match = this.route(method, url.pathname);
      if (!match) {
        return answer(404, {
          error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${url.pathname}). This fake answers only what the payment-stripe plugin uses.` },
        });
      }
      this.store.request = { requestId, idempotencyKey };
      let status = 200;
      let result: unknown;
      try {
        result = match.route.handle(params, match.ids);
      } catch (error) {
        if (!(error instanceof FakeStripeError)) throw error;
        status = error.status;
        result = error.body();
        if (!error.kept) return answer(status, result);
      } finally {
        this.store.request = null;
      }
      if (idempotencyKey && method !== 'GET') this.kept.set(idempotencyKey, { method, path: url.pathname, params: canonical, status, body: result });
      answer(status, result);
    } catch (error) {
      if (error instanceof FakeStripeError) return answer(error.status, error.body());
      if (error instanceof StripeFormError) return answer(400, invalid(error.message, error.param).body());
      answer(500, { error: { type: 'api_error', message: `fake Stripe failed: ${error instanceof Error ? error.message : String(error)}` } });
    }
  }

  private route(method: string, path: string): { route: Route; ids: string[] } | null {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(path);
      if (match) return { route, ids: match.slice(1) };
    }
    return null;
  }

  /**
   * The customer-facing pages: a hosted checkout whose button completes the session (then redirects to
   * its success URL), and a portal page linking back. Enough for a browser test to click through.
   */
  private async page(req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
    const html = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Fake Stripe</title></head><body>${body}</body></html>`);
    };
    req.resume();
    const checkout = /^\/c\/pay\/([A-Za-z0-9_]+)$/.exec(url.pathname);
    if (checkout) {
      const session = this.store.sessions.get(checkout[1]!);
      if (!session) return html(404, '<p>This checkout session does not exist.</p>');
      if (method === 'POST') {
        if (session.status === 'open') this.store.completeCheckout(session.id);
        res.writeHead(303, { location: session.success_url });
        return void res.end();
      }
      const amount = `${(session.amount_total / 100).toFixed(2)} ${String(session.currency).toUpperCase()}`;
      return html(
        200,
        `<h1>Fake Stripe Checkout</h1><p>${escapeHtml(amount)}</p><form method="post"><button type="submit">Subscribe</button></form>` +
          (session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}">Cancel</a></p>` : ''),
      );
    }
    const portal = /^\/p\/session\/([A-Za-z0-9_]+)$/.exec(url.pathname);
    if (portal) {
      const session = this.store.portalSessions.get(portal[1]!);
      if (!session) return html(404, '<p>This portal session does not exist.</p>');
      return html(200, `<h1>Fake customer portal</h1><p><a href="${escapeHtml(session.return_url ?? '/')}">Return</a></p>`);
    }
    html(404, '<p>Not found.</p>');
  }
}
