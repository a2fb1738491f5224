import { PAYMENT_ERRORS, TeroError, type PluginLogger, type TenantContext } from '@tero/sdk';
import { missingSetting, type PayPalSettings } from './paypal.config';
import type { WireError, WireToken } from './paypal.wire';

/** Enough of a vendor's error text to explain it in a log line. */
const ERROR_TEXT_LIMIT = 500;
/** A token is renewed this long before PayPal says it expires, so that a call never carries a dying one. */
const TOKEN_MARGIN_MS = 60_000;

export interface PayPalRequest {
  method: 'GET' | 'POST' | 'PATCH';
  /** Path from the API root, with its query: `/v1/billing/plans?product_id=…`. */
  path: string;
  /** Sent as JSON; a string is sent as it is (already JSON: a webhook body embedded byte for byte). */
  body?: unknown;
  /** `PayPal-Request-Id`: PayPal answers a repeated id with the first call's result instead of acting twice. */
  requestId?: string;
  /** A 404 is an answer the caller handles (a lookup), not worth a warning. */
  notFoundExpected?: boolean;
}

/** A refusal in port terms: 5xx, 408, 429 are retryable `payment.unavailable`; other 4xx `payment.rejected`. */
export function paypalRefusal(status: number, text: string, what: string): TeroError {
  let body: WireError = {};
  try {
    body = JSON.parse(text) as WireError;
  } catch {
    // not JSON: the raw text explains it
  }
  const detail = body.details?.[0];
  const explanation =
    [body.name ?? body.error, detail?.issue, detail?.description ?? body.message ?? body.error_description].filter(Boolean).join(': ') ||
    text.slice(0, ERROR_TEXT_LIMIT) ||
    '(empty body)';
  const params: Record<string, string | number> = { status };
  if (body.name ?? body.error) params.name = (body.name ?? body.error)!;
  if (detail?.issue) params.issue = detail.issue;
  if (detail?.field) params.field = detail.field;
  if (body.debug_id) params.debugId = body.debug_id;
  const message = `PayPal refused ${what} (${status}): ${explanation}${body.debug_id ? ` [debug_id ${body.debug_id}]` : ''}`;
  if (status === 408 || status === 429 || status >= 500) {
    return new TeroError(PAYMENT_ERRORS.unavailable, message, params, { retryable: true, status: 503 });
  }
  if (status === 401 || status === 403) {
    return new TeroError(PAYMENT_ERRORS.rejected, `${message} (check the brand's PayPal clientId and clientSecret)`, params, { status: 502 });
  }
  return new TeroError(PAYMENT_ERRORS.rejected, message, params, { status: status === 404 ? 404 : 422 });
}

/** A call that got no HTTP answer: unreachable, reset, or over the time limit. Retryable. */
function unreachable(error: unknown, what: string, timeoutMs: number, timedOut: boolean): TeroError {
  const reason = timedOut
    ? `no answer within ${timeoutMs} ms`
    : error instanceof Error
      ? error.cause instanceof Error
        ? error.cause.message
        : error.message
      : String(error);
  return new TeroError(PAYMENT_ERRORS.unavailable, `PayPal unreachable for ${what}: ${reason}`, { reason }, { cause: error, retryable: true, status: 503 });
}

/**
 * PayPal's REST API over `fetch`, at a configurable root (the vendor's SDK only knows its two hosts).
 * Gets an OAuth2 client-credentials token (`POST /v1/oauth2/token`) on first use, keeps it until shortly
 * before it expires, and fetches a new one once when PayPal answers 401 to a call that carried it.
 */
export class PayPalApiClient {
  private token?: { value: string; expiresAt: number };
  private pendingToken?: Promise<string>;

  constructor(
    private readonly settings: PayPalSettings,
    private readonly logger: PluginLogger,
  ) {}

  get apiBaseUrl(): string {
    return this.settings.apiBaseUrl;
  }

  /** Sends one call; resolves with the parsed body (`null` for 204) or throws the matching `TeroError`. */
  async call<T>(ctx: TenantContext, request: PayPalRequest): Promise<T | null> {
    const what = `${request.method} ${request.path.split('?')[0]}`;
    let token = await this.accessToken(ctx);
    let response = await this.send(request, token, what);
    if (response.status === 401) {
      // A token PayPal revoked or expired early: one fresh token, one more try.
      await response.arrayBuffer().catch(() => undefined);
      this.token = undefined;
      token = await this.accessToken(ctx);
      response = await this.send(request, token, what);
    }
    const text = await this.read(response, what);
    if (!response.ok) {
      const refusal = paypalRefusal(response.status, text, what);
      throw response.status === 404 && request.notFoundExpected ? refusal : this.logged(ctx, refusal);
    }
    if (response.status === 204 || text.trim() === '') return null;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw this.logged(ctx, new TeroError(PAYMENT_ERRORS.unavailable, `PayPal answered ${what} with a body that is not JSON`, { status: response.status }, { retryable: true, status: 502 }));
    }
  }

  private async send(request: PayPalRequest, token: string, what: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    }
    if (request.requestId) headers['paypal-request-id'] = request.requestId;
    return this.fetch(`${this.settings.apiBaseUrl}${request.path}`, { method: request.method, headers, body }, what);
  }

  private async fetch(url: string, init: RequestInit, what: string): Promise<Response> {
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    try {
      return await fetch(url, { ...init, signal: timeout });
    } catch (error) {
      throw unreachable(error, what, this.settings.timeoutMs, timeout.aborted);
    }
  }

  private async read(response: Response, what: string): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw unreachable(error, what, this.settings.timeoutMs, false);
    }
  }

  private async accessToken(ctx: TenantContext): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now()) return this.token.value;
    // Concurrent first calls share one token request.
    this.pendingToken ??= this.fetchToken(ctx).finally(() => {
      this.pendingToken = undefined;
    });
    return this.pendingToken;
  }

  private async fetchToken(ctx: TenantContext): Promise<string> {
    const { clientId, clientSecret } = this.settings;
    if (!clientId) throw missingSetting('clientId');
    if (!clientSecret) throw missingSetting('clientSecret');
    const what = 'POST /v1/oauth2/token';
    const response = await this.fetch(
      `${this.settings.apiBaseUrl}/v1/oauth2/token`,
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: 'grant_type=client_credentials',
      },
      what,
    );
    const text = await this.read(response, what);
    if (!response.ok) throw this.logged(ctx, paypalRefusal(response.status, text, 'the OAuth token request'));
    let token: WireToken;
    try {
      token = JSON.parse(text) as WireToken;
    } catch {
      token = {} as WireToken;
    }
    if (typeof token.access_token !== 'string' || !token.access_token) {
      throw this.logged(ctx, new TeroError(PAYMENT_ERRORS.unavailable, 'PayPal answered the OAuth token request without an access_token', {}, { retryable: true, status: 502 }));
    }
    const lifetimeMs = (Number.isFinite(token.expires_in) ? token.expires_in : 0) * 1000;
    this.token = { value: token.access_token, expiresAt: Date.now() + Math.max(0, lifetimeMs - TOKEN_MARGIN_MS) };
    return token.access_token;
  }

  logged(ctx: TenantContext, error: TeroError): TeroError {
    this.logger.warn({ requestId: ctx.requestId, brandId: ctx.brandId, clientId: ctx.clientId, code: error.code, params: error.params }, `payment-paypal: ${error.message}`);
    return error;
  }
}
