import { JAMBONZ_API_ERRORS, JambonzApiError, jambonzErrorCodeFor } from './jambonz-api.errors';
import type {
  JambonzAccountRecord,
  JambonzAlertRecord,
  JambonzAlertsQuery,
  JambonzApplicationInput,
  JambonzApplicationRecord,
  JambonzApplicationUpdate,
  JambonzCallRecord,
  JambonzCreated,
  JambonzMessageInput,
  JambonzMessageSent,
  JambonzPage,
  JambonzPhoneNumberInput,
  JambonzPhoneNumberRecord,
  JambonzPhoneNumberUpdate,
  JambonzQueueRecord,
  JambonzRecentCallsQuery,
  JambonzSipGatewayRecord,
  JambonzSpeechCredentialInput,
  JambonzSpeechCredentialRecord,
  JambonzSpeechCredentialUpdate,
  JambonzTimeRangeQuery,
  JambonzVoipCarrierRecord,
} from './jambonz-api.types';

/** A jambonz API call that gets no answer within this is abandoned (and retryable). */
export const DEFAULT_JAMBONZ_TIMEOUT_MS = 10_000;

export interface JambonzApiClientOptions {
  /**
   * The api-server's address: `https://api.jambonz.example.com` or the same with `/v1` (both work; `/v1`
   * is added when absent).
   */
  baseUrl: string;
  /** An API key of the account (or of its service provider), sent as a bearer token. */
  apiKey: string;
  /** Per request, body included. Default {@link DEFAULT_JAMBONZ_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | boolean | Date | undefined>;

interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
}

/** The API's base URL with `/v1` exactly once and no trailing slash. */
export function jambonzApiBase(baseUrl: string): string {
  const trimmed = baseUrl.trim().replace(/\/+$/, '');
  return /\/v1$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

const segment = (sid: string): string => encodeURIComponent(sid);

/**
 * A typed client of the jambonz REST API (api-server 0.9.6): applications, phone numbers, carriers and
 * their gateways, accounts and their webhook secret, speech credentials, recent calls, alerts, queues,
 * and outbound messages (SMS).
 * Every call has a time limit; every answer that is not a success throws a {@link JambonzApiError}
 * whose `status` and `retryable` say what happened. The API key never appears in an error or a log.
 */
export class JambonzApiClient {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: JambonzApiClientOptions) {
    if (!options.baseUrl?.trim()) throw new TypeError('JambonzApiClient: baseUrl is required');
    if (!options.apiKey?.trim()) throw new TypeError('JambonzApiClient: apiKey is required');
    this.baseUrl = jambonzApiBase(options.baseUrl);
    this.apiKey = options.apiKey.trim();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_JAMBONZ_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  // Applications

  /** The applications the key sees; with `accountSid`, that account's (`/Accounts/{sid}/Applications`). */
  listApplications(accountSid?: string): Promise<JambonzApplicationRecord[]> {
    const path = accountSid ? `/Accounts/${segment(accountSid)}/Applications` : '/Applications';
    return this.json<JambonzApplicationRecord[]>({ method: 'GET', path });
  }

  getApplication(sid: string): Promise<JambonzApplicationRecord> {
    return this.json({ method: 'GET', path: `/Applications/${segment(sid)}` });
  }

  createApplication(input: JambonzApplicationInput): Promise<JambonzCreated> {
    return this.created({ method: 'POST', path: '/Applications', body: input });
  }

  async updateApplication(sid: string, input: JambonzApplicationUpdate): Promise<void> {
    await this.send({ method: 'PUT', path: `/Applications/${segment(sid)}`, body: input });
  }

  /** jambonz refuses (422) while numbers still point at the application. */
  async deleteApplication(sid: string): Promise<void> {
    await this.send({ method: 'DELETE', path: `/Applications/${segment(sid)}` });
  }

  // Phone numbers

  /** The numbers the key sees (an account key: its account's); `accountSid` narrows a wider key's list. */
  listPhoneNumbers(accountSid?: string): Promise<JambonzPhoneNumberRecord[]> {
    return this.json({ method: 'GET', path: '/PhoneNumbers', query: { account_sid: accountSid } });
  }

  getPhoneNumber(sid: string): Promise<JambonzPhoneNumberRecord> {
    return this.json({ method: 'GET', path: `/PhoneNumbers/${segment(sid)}` });
  }

  createPhoneNumber(input: JambonzPhoneNumberInput): Promise<JambonzCreated> {
    return this.created({ method: 'POST', path: '/PhoneNumbers', body: input });
  }

  /** Points the number at another application (or none): the only change jambonz allows on a number. */
  async updatePhoneNumber(sid: string, input: JambonzPhoneNumberUpdate): Promise<void> {
    await this.send({ method: 'PUT', path: `/PhoneNumbers/${segment(sid)}`, body: { application_sid: input.application_sid } });
  }

  async deletePhoneNumber(sid: string): Promise<void> {
    await this.send({ method: 'DELETE', path: `/PhoneNumbers/${segment(sid)}` });
  }

  // Carriers

  listVoipCarriers(): Promise<JambonzVoipCarrierRecord[]> {
    return this.json({ method: 'GET', path: '/VoipCarriers' });
  }

  getVoipCarrier(sid: string): Promise<JambonzVoipCarrierRecord> {
    return this.json({ method: 'GET', path: `/VoipCarriers/${segment(sid)}` });
  }

  listSipGateways(voipCarrierSid: string): Promise<JambonzSipGatewayRecord[]> {
    return this.json({ method: 'GET', path: '/SipGateways', query: { voip_carrier_sid: voipCarrierSid } });
  }

  // Accounts

  /** The accounts the key sees: an account key sees only its own. */
  listAccounts(): Promise<JambonzAccountRecord[]> {
    return this.json({ method: 'GET', path: '/Accounts' });
  }

  getAccount(sid: string): Promise<JambonzAccountRecord> {
    return this.json({ method: 'GET', path: `/Accounts/${segment(sid)}` });
  }

  /**
   * The secret jambonz signs the account's hooks with. `regenerate`: jambonz makes a new one and signs
   * with it from then on (the previous one stops working there at once).
   */
  async getWebhookSecret(accountSid: string, options: { regenerate?: boolean } = {}): Promise<string> {
    const body = await this.json<{ webhook_secret?: unknown }>({
      method: 'GET',
      path: `/Accounts/${segment(accountSid)}/WebhookSecret`,
      query: { regenerate: options.regenerate ? 'true' : undefined },
    });
    if (typeof body?.webhook_secret !== 'string' || !body.webhook_secret) {
      throw this.malformed('GET', `/Accounts/${segment(accountSid)}/WebhookSecret`, 'no webhook_secret in the answer');
    }
    return body.webhook_secret;
  }

  // Speech credentials

  /** The account's credentials and its service provider's, API keys obscured. */
  listSpeechCredentials(accountSid: string): Promise<JambonzSpeechCredentialRecord[]> {
    return this.json({ method: 'GET', path: `/Accounts/${segment(accountSid)}/SpeechCredentials` });
  }

  getSpeechCredential(accountSid: string, sid: string): Promise<JambonzSpeechCredentialRecord> {
    return this.json({ method: 'GET', path: `/Accounts/${segment(accountSid)}/SpeechCredentials/${segment(sid)}` });
  }

  /**
   * `account_sid` goes in the body too: jambonz takes the account from the key, or else from the body
   * (a service-provider key posting without it would make a credential of the whole service provider).
   */
  createSpeechCredential(accountSid: string, input: JambonzSpeechCredentialInput): Promise<JambonzCreated> {
    return this.created({ method: 'POST', path: `/Accounts/${segment(accountSid)}/SpeechCredentials`, body: { ...input, account_sid: accountSid } });
  }

  /** Changes what jambonz allows (use flags, models, options); never the API key — see {@link JambonzSpeechCredentialUpdate}. */
  async updateSpeechCredential(accountSid: string, sid: string, input: JambonzSpeechCredentialUpdate): Promise<void> {
    await this.send({ method: 'PUT', path: `/Accounts/${segment(accountSid)}/SpeechCredentials/${segment(sid)}`, body: input });
  }

  /** With an account key, jambonz answers 500 (not 404) for a sid that does not exist: list first. */
  async deleteSpeechCredential(accountSid: string, sid: string): Promise<void> {
    await this.send({ method: 'DELETE', path: `/Accounts/${segment(accountSid)}/SpeechCredentials/${segment(sid)}` });
  }

  // Monitoring

  async recentCalls(accountSid: string, query: JambonzRecentCallsQuery): Promise<JambonzPage<JambonzCallRecord>> {
    return this.page<JambonzCallRecord>(`/Accounts/${segment(accountSid)}/RecentCalls`, query, {
      direction: query.direction,
      answered: query.answered,
      trunk: query.trunk,
      filter: query.filter,
    });
  }

  async alerts(accountSid: string, query: JambonzAlertsQuery): Promise<JambonzPage<JambonzAlertRecord>> {
    return this.page<JambonzAlertRecord>(`/Accounts/${segment(accountSid)}/Alerts`, query, { alert_type: query.alert_type });
  }

  /** The account's queues with callers waiting; `search` is a queue name pattern (`*` wildcards). */
  queues(accountSid: string, options: { search?: string } = {}): Promise<JambonzQueueRecord[]> {
    return this.json({ method: 'GET', path: `/Accounts/${segment(accountSid)}/Queues`, query: { search: options.search } });
  }

  // Messages

  /**
   * Sends an SMS from one of the account's numbers; resolves once jambonz handed it to the carrier (its
   * sid). Needs an account-level key of `accountSid` and a carrier with an outbound SMPP gateway: without
   * one the feature server refuses and the api-server answers 500; with no feature server up it answers
   * 480 (a temporary failure, not retryable by its status class: callers that retry should say so).
   */
  async createMessage(accountSid: string, input: JambonzMessageInput): Promise<JambonzMessageSent> {
    const path = `/Accounts/${segment(accountSid)}/Messages`;
    const body = await this.json<{ sid?: unknown; carrierResponse?: unknown; providerResponse?: unknown }>({ method: 'POST', path, body: input });
    if (typeof body?.sid !== 'string' || !body.sid) throw this.malformed('POST', path, 'no sid in the answer');
    const sent: JambonzMessageSent = { sid: body.sid };
    if (body.carrierResponse && typeof body.carrierResponse === 'object') sent.carrierResponse = body.carrierResponse as JambonzMessageSent['carrierResponse'];
    if (body.providerResponse !== undefined) sent.providerResponse = body.providerResponse;
    return sent;
  }

  // Transport

  private async page<T>(path: string, range: JambonzTimeRangeQuery, extra: Query): Promise<JambonzPage<T>> {
    const body = await this.json<{ total?: unknown; page?: unknown; page_size?: unknown; data?: unknown }>({
      method: 'GET',
      path,
      query: { page: range.page, count: range.count, days: range.days, start: range.start, end: range.end, ...extra },
    });
    if (!body || !Array.isArray(body.data)) throw this.malformed('GET', path, 'no data array in the answer');
    // jambonz echoes page and page_size as the query strings it was given.
    return {
      total: Number(body.total ?? 0),
      page: Number(body.page ?? range.page),
      page_size: Number(body.page_size ?? range.count),
      data: body.data as T[],
    };
  }

  private async created(call: Call): Promise<JambonzCreated> {
    const body = await this.json<{ sid?: unknown }>(call);
    if (typeof body?.sid !== 'string' || !body.sid) throw this.malformed(call.method, call.path, 'no sid in the answer');
    return { sid: body.sid };
  }

  private async json<T>(call: Call): Promise<T> {
    const { text, status } = await this.send(call);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw this.malformed(call.method, call.path, `answered ${status} with a body that is not JSON`);
    }
  }

  /** One request; resolves with a 2xx answer's text, or throws the matching {@link JambonzApiError}. */
  private async send(call: Call): Promise<{ status: number; text: string }> {
    const endpoint = `${call.method} /v1${call.path}`;
    const url = new URL(`${this.baseUrl}${call.path}`);
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value === undefined) continue;
      url.searchParams.set(key, value instanceof Date ? value.toISOString() : String(value));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}`, accept: 'application/json' };
    let body: string | undefined;
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.body);
    }
    const signal = AbortSignal.timeout(this.timeoutMs);
    let status = 0;
    let text: string;
    try {
      const response = await this.fetchImpl(url, { method: call.method, headers, body, signal });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw this.noAnswer(error, endpoint, status, signal.aborted);
    }
    if (status >= 200 && status < 300) return { status, text };
    throw new JambonzApiError(jambonzErrorCodeFor(status), { status, endpoint, jambonzMessage: jambonzWords(text) });
  }

  private noAnswer(error: unknown, endpoint: string, status: number, timedOut: boolean): JambonzApiError {
    if (timedOut) {
      return new JambonzApiError(JAMBONZ_API_ERRORS.timeout, { status: 0, endpoint, reason: `no answer within ${this.timeoutMs} ms`, cause: error });
    }
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    // A connection dropped after the status line still counts as no answer: the body never came.
    return new JambonzApiError(JAMBONZ_API_ERRORS.unavailable, { status: 0, endpoint, reason: status ? `answer ${status} cut off: ${reason}` : reason, cause: error });
  }

  private malformed(method: string, path: string, reason: string): JambonzApiError {
    return new JambonzApiError(JAMBONZ_API_ERRORS.unavailable, { status: 0, endpoint: `${method} /v1${path}`, reason: `unexpected answer: ${reason}` });
  }
}

/**
 * jambonz's explanation in an error answer: `{ msg }` from its routes, `{ status: 'fail', message }` from
 * its permission checks, or plain text (`Unauthorized`, `Not Found`, express's `Cannot GET …`).
 */
function jambonzWords(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  try {
    const body = JSON.parse(trimmed) as { msg?: unknown; message?: unknown };
    const words = typeof body.msg === 'string' ? body.msg : typeof body.message === 'string' ? body.message : undefined;
    if (words) return words;
    if (body.msg !== undefined) return JSON.stringify(body.msg);
  } catch {
    // not JSON: the text itself
  }
  return trimmed.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() || undefined;
}
