import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type {
  JambonzAccountRecord,
  JambonzAlertRecord,
  JambonzApplicationRecord,
  JambonzCallRecord,
  JambonzFlag,
  JambonzPhoneNumberRecord,
  JambonzSipGatewayRecord,
  JambonzVoipCarrierRecord,
  JambonzWebhook,
} from '../jambonz-api/jambonz-api.types';

/**
 * What the fake does to a request instead of answering it: answer this HTTP status (with jambonz's
 * `{ msg }` body), `hang` (never answer: a timeout), or `reset` (destroy the socket).
 */
export type FakeJambonzFault = number | 'hang' | 'reset';

/** Which requests a fault applies to: a method, and a path (`/v1/…`, exact or a pattern). */
export interface FakeJambonzMatch {
  method?: string;
  path?: string | RegExp;
}

/** One request as the fake received it. */
export interface FakeJambonzRequest {
  method: string;
  /** Without the query: `/v1/PhoneNumbers`. */
  path: string;
  query: Record<string, string>;
  /** The parsed JSON body; `undefined` without one. */
  body: unknown;
  /** What the fake answered; 0 for a `hang` or `reset` fault. */
  status: number;
}

export interface FakeJambonzOptions {
  /** The clock for the `days` filter of RecentCalls and Alerts and for `created_at`. Default `Date.now`. */
  now?: () => number;
}

/** A call detail record to seed: what the feature server would write. */
export interface FakeCallInput {
  call_sid?: string;
  direction?: 'inbound' | 'outbound';
  from: string;
  to: string;
  answered?: boolean;
  sip_status?: number;
  duration?: number;
  attempted_at: Date | number;
  answered_at?: Date | number | null;
  terminated_at?: Date | number | null;
  termination_reason?: string | null;
  trunk?: string | null;
  host?: string | null;
  remote_host?: string | null;
  application_sid?: string | null;
  sip_callid?: string | null;
  trace_id?: string | null;
  recording_url?: string | null;
}

/** An alert to seed; `message` defaults to the text jambonz writes for its type. */
export interface FakeAlertInput {
  alert_type: string;
  time: Date | number;
  message?: string;
  detail?: string | null;
  vendor?: string | null;
  label?: string;
  url?: string;
  status?: number;
  count?: number;
  target_sid?: string | null;
}

type Scope = 'admin' | 'service_provider' | 'account';
interface User {
  scope: Scope;
  account_sid: string | null;
  service_provider_sid: string | null;
}

type Row = Record<string, unknown>;

interface AppRow extends Row {
  application_sid: string;
  name: string;
  account_sid: string | null;
  service_provider_sid: string | null;
  call_hook_sid: string | null;
  call_status_hook_sid: string | null;
  messaging_hook_sid: string | null;
  env_vars: string | null;
}

interface SpeechRow {
  speech_credential_sid: string;
  account_sid: string | null;
  service_provider_sid: string | null;
  vendor: string;
  credential: Record<string, unknown>;
  use_for_tts: JambonzFlag;
  use_for_stt: JambonzFlag;
  label: string | null;
  created_at: string;
}

interface CdrRow {
  account_sid: string;
  service_provider_sid: string;
  time: number;
  record: Omit<JambonzCallRecord, 'attempted_at' | 'account_sid' | 'service_provider_sid'>;
}

interface AlertRow {
  account_sid: string;
  service_provider_sid: string;
  time: number;
  record: Omit<JambonzAlertRecord, 'time' | 'account_sid' | 'service_provider_sid'>;
}

/** A message jambonz handed to a carrier, as the fake keeps it. */
export interface FakeJambonzMessage {
  message_sid: string;
  account_sid: string;
  from: string;
  to: string;
  text: string | null;
  media: string | null;
  /** The carrier's name it went through. */
  carrier: string;
  /** The carrier's message id. */
  carrier_message_id: string;
}

/** An answer: a status with a JSON body, a text body, or none. */
class Answer {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly text?: string,
  ) {}
}

/** What express's `sendStatus` writes. */
const STATUS_TEXT: Record<number, string> = { 200: 'OK', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };

/** jambonz's `sysError`: `{ msg }`, 400 for its bad-request errors, 422 for unprocessable and duplicates, 500 for the rest. */
const msg = (status: number, text: string): Answer => new Answer(status, { msg: text });
/** jambonz's permission middleware answer. */
const fail = (status: number, message: string): Answer => new Answer(status, { status: 'fail', message });
/** `res.status(n).end()`. */
const bare = (status: number): Answer => new Answer(status);
/** `res.sendStatus(n)`. */
const sendStatus = (status: number): Answer => new Answer(status, undefined, STATUS_TEXT[status] ?? String(status));
/** A JavaScript error inside a jambonz route: its message with 500. */
const typeError = (property: string): Answer => msg(500, `Cannot read properties of undefined (reading '${property}')`);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const isUuid = (value: string): boolean => UUID.test(value);

/** short-uuid's flickrBase58 alphabet: jambonz's `wh_secret_…` suffixes are 22 of these. */
const BASE58 = '123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';
function webhookSecret(): string {
  let out = 'wh_secret_';
  for (const byte of randomBytes(22)) out += BASE58[byte % BASE58.length];
  return out;
}

/** jambonz's `obscureKey`: the first 6 characters, then `X`s. */
function obscure(key: unknown): unknown {
  if (typeof key !== 'string' || key.length <= 6) return key;
  return `${key.slice(0, 6)}${'X'.repeat(key.length - 6)}`;
}

const flag = (value: unknown, fallback: JambonzFlag): JambonzFlag => (value === undefined ? fallback : value ? 1 : 0);

/** Application columns an INSERT or UPDATE may set, with the defaults and NOT NULL of jambonz's schema. */
const APP_COLUMNS: Record<string, { default?: unknown; notNull?: boolean; max?: number; bool?: boolean }> = {
  application_sid: {},
  name: { notNull: true, max: 64 },
  service_provider_sid: {},
  account_sid: {},
  call_hook_sid: {},
  call_status_hook_sid: {},
  messaging_hook_sid: {},
  app_json: {},
  speech_synthesis_vendor: { default: 'google', notNull: true, max: 64 },
  speech_synthesis_language: { default: 'en-US', notNull: true, max: 12 },
  speech_synthesis_voice: { default: 'en-US-Standard-C', max: 256 },
  speech_synthesis_label: { max: 64 },
  speech_recognizer_vendor: { default: 'google', notNull: true, max: 64 },
  speech_recognizer_language: { default: 'en-US', notNull: true, max: 64 },
  speech_recognizer_label: { max: 64 },
  use_for_fallback_speech: { default: 0, bool: true },
  fallback_speech_synthesis_vendor: { max: 64 },
  fallback_speech_synthesis_language: { max: 12 },
  fallback_speech_synthesis_voice: { max: 256 },
  fallback_speech_synthesis_label: { max: 64 },
  fallback_speech_recognizer_vendor: { max: 64 },
  fallback_speech_recognizer_language: { max: 64 },
  fallback_speech_recognizer_label: { max: 64 },
  env_vars: {},
  created_at: {},
  record_all_calls: { default: 0, notNull: true, bool: true },
};
const HOOK_PROPS = ['call_hook', 'call_status_hook', 'messaging_hook'] as const;
const NUMBER_COLUMNS = ['phone_number_sid', 'number', 'voip_carrier_sid', 'account_sid', 'application_sid', 'service_provider_sid'];

/** jambonz's `isInvalidUrl`: the reason a hook URL is refused, or null. */
function invalidUrl(value: unknown): string | null {
  let url: URL;
  try {
    url = new URL(value as string);
  } catch {
    return 'URL is invalid';
  }
  const text = String(value);
  if (text.length !== text.trim().length) return 'URL contains leading/trailing whitespace';
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(url.hostname)) return `URL has invalid hostname ${url.hostname}`;
  if (!['https:', 'http:', 'ws:', 'wss:'].includes(url.protocol)) return `URL has missing or invalid protocol ${url.protocol}`;
  return null;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** Influx answers times as RFC 3339 with nanoseconds; jambonz adds a few per call sid to keep points apart. */
function rfc3339Nano(ms: number, salt: string): string {
  const nanos = createHash('sha1').update(salt).digest().readUInt16BE(0) % 1000;
  return new Date(ms).toISOString().replace('Z', `${String(nanos).padStart(6, '0')}Z`);
}

const toMs = (value: Date | number): number => (value instanceof Date ? value.getTime() : value);

/**
 * A local jambonz api-server (0.9.6) for tests: `/v1` with bearer API keys, in-memory state, and the real
 * server's validation, answers and error bodies for applications, phone numbers, carriers and gateways
 * (read), accounts and their webhook secret, speech credentials (ElevenLabs and Cartesia), recent calls,
 * alerts, queues and outbound messages (SMS) — including its quirks: errors its routes do not anticipate answer 500 `{ msg }`
 * (a missing `call_hook`, a foreign key, deleting a speech credential that does not exist with an
 * account key), permission middleware answers `{ status: 'fail', message }`, numbers lose their `+`.
 *
 * Messages go out through a carrier seeded with `smpp_system_id` (its outbound SMPP gateway); the fake
 * answers as the api-server does once the feature server sent the message (200 `{ sid, carrierResponse }`),
 * and 500 `Internal Server Error` when the feature server found no such carrier. It does not reproduce
 * api-server 0.9.6 posting messages to the feature server's `createCall` (which breaks them there).
 *
 * Not modelled: writes to carriers and gateways, pagination of the plain lists, the `OPTIONS` schema
 * jambonz fetches to validate `env_vars`, verb validation of `app_json`, vendors other than ElevenLabs
 * and Cartesia.
 *
 * For tests: seeders (accounts with their API key, carriers, gateways, call records, alerts, queues),
 * faults ({@link failNext}), out-of-band changes that simulate drift (`drift*`), state readers, and a
 * request log.
 */
export class FakeJambonzServer {
  /** Every request, in order. */
  readonly requests: FakeJambonzRequest[] = [];
  /** The service provider seeded accounts belong to unless told otherwise. */
  readonly serviceProviderSid = randomUUID();
  private readonly now: () => number;
  private readonly keys = new Map<string, User>();
  private readonly serviceProviders = new Set<string>([this.serviceProviderSid]);
  private readonly accounts = new Map<string, Row & { account_sid: string; service_provider_sid: string; webhook_secret: string }>();
  private readonly webhooks = new Map<string, JambonzWebhook>();
  private readonly apps = new Map<string, AppRow>();
  private readonly numbers = new Map<string, JambonzPhoneNumberRecord>();
  private readonly carriers = new Map<string, Row & { voip_carrier_sid: string; account_sid: string | null; service_provider_sid: string | null }>();
  private readonly gateways = new Map<string, JambonzSipGatewayRecord>();
  private readonly speech = new Map<string, SpeechRow>();
  private readonly cdrs: CdrRow[] = [];
  private readonly alertRows: AlertRow[] = [];
  private readonly queueLengths = new Map<string, Map<string, number>>();
  private readonly sentMessages: FakeJambonzMessage[] = [];
  private faults: Array<{ remaining: number; fault: FakeJambonzFault; match: FakeJambonzMatch }> = [];
  private readonly sockets = new Set<Socket>();
  private port = 0;

  private constructor(
    private readonly server: Server,
    options: FakeJambonzOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  static async start(options: FakeJambonzOptions = {}): Promise<FakeJambonzServer> {
    let fake!: FakeJambonzServer;
    const server = createServer((req, res) => void fake.handle(req, res));
    fake = new FakeJambonzServer(server, options);
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  /** `http://127.0.0.1:<port>`: the api-server's root. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `http://127.0.0.1:<port>/v1`. */
  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // Seeders

  /** An account with an account-level API key; its webhook secret is jambonz-made unless given. */
  seedAccount(input: { name?: string; account_sid?: string; service_provider_sid?: string; webhook_secret?: string; sip_realm?: string } = {}): {
    accountSid: string;
    apiKey: string;
    webhookSecret: string;
    serviceProviderSid: string;
  } {
    const accountSid = input.account_sid ?? randomUUID();
    const sp = input.service_provider_sid ?? this.serviceProviderSid;
    this.serviceProviders.add(sp);
    const secret = input.webhook_secret ?? webhookSecret();
    this.accounts.set(accountSid, {
      account_sid: accountSid,
      name: input.name ?? 'Tero test account',
      sip_realm: input.sip_realm ?? null,
      service_provider_sid: sp,
      registration_hook_sid: null,
      queue_event_hook_sid: null,
      device_calling_application_sid: null,
      is_active: 1,
      created_at: new Date(this.now()).toISOString(),
      plan_type: 'paid',
      stripe_customer_id: null,
      webhook_secret: secret,
      disable_cdrs: 0,
      trial_end_date: null,
      deactivated_reason: null,
      device_to_call_ratio: 5,
      subspace_client_id: null,
      subspace_client_secret: null,
      subspace_sip_teleport_id: null,
      subspace_sip_teleport_destinations: null,
      siprec_hook_sid: null,
      record_all_calls: 0,
      record_format: 'mp3',
      bucket_credential: null,
      enable_debug_log: 0,
    });
    const apiKey = randomUUID();
    this.keys.set(apiKey, { scope: 'account', account_sid: accountSid, service_provider_sid: null });
    return { accountSid, apiKey, webhookSecret: secret, serviceProviderSid: sp };
  }

  /** A service-provider or admin API key. */
  seedApiKey(scope: 'service_provider' | 'admin', serviceProviderSid = this.serviceProviderSid): string {
    const token = randomUUID();
    this.keys.set(token, { scope, account_sid: null, service_provider_sid: scope === 'admin' ? null : serviceProviderSid });
    return token;
  }

  /** A carrier; `account_sid: null` (the default) makes it the service provider's, usable by its accounts. */
  seedCarrier(input: Partial<JambonzVoipCarrierRecord> & { name: string }): JambonzVoipCarrierRecord {
    const sid = input.voip_carrier_sid ?? randomUUID();
    const row = {
      voip_carrier_sid: sid,
      description: null,
      account_sid: null,
      service_provider_sid: input.account_sid ? null : this.serviceProviderSid,
      application_sid: null,
      e164_leading_plus: 0,
      requires_register: 0,
      register_username: null,
      register_sip_realm: null,
      register_password: null,
      tech_prefix: null,
      inbound_auth_username: null,
      inbound_auth_password: null,
      diversion: null,
      is_active: 1,
      created_at: new Date(this.now()).toISOString(),
      smpp_system_id: null,
      smpp_password: null,
      smpp_enquire_link_interval: 0,
      smpp_inbound_system_id: null,
      smpp_inbound_password: null,
      register_from_user: null,
      register_from_domain: null,
      register_public_ip_in_contact: 0,
      register_status: null,
      dtmf_type: 'rfc2833',
      outbound_sip_proxy: null,
      trunk_type: 'static_ip',
      ...input,
    } as Row & { voip_carrier_sid: string; account_sid: string | null; service_provider_sid: string | null };
    if (row.register_status && typeof row.register_status !== 'string') row.register_status = JSON.stringify(row.register_status);
    this.carriers.set(sid, row);
    return this.formatCarrier(row);
  }

  seedSipGateway(input: Partial<JambonzSipGatewayRecord> & { voip_carrier_sid: string; ipv4: string }): JambonzSipGatewayRecord {
    const record: JambonzSipGatewayRecord = {
      sip_gateway_sid: randomUUID(),
      netmask: 32,
      port: 5060,
      inbound: 1,
      outbound: 1,
      is_active: 1,
      send_options_ping: 0,
      use_sips_scheme: 0,
      pad_crypto: 0,
      protocol: 'udp',
      remove_ice: 0,
      dtls_off: 0,
      ...input,
    };
    this.gateways.set(record.sip_gateway_sid, record);
    return record;
  }

  /** Call records the feature server would have written for the account. */
  seedRecentCalls(accountSid: string, calls: FakeCallInput[]): void {
    const sp = this.accounts.get(accountSid)?.service_provider_sid ?? this.serviceProviderSid;
    for (const call of calls) {
      const time = toMs(call.attempted_at);
      const callSid = call.call_sid ?? randomUUID();
      const answered = call.answered ?? (call.sip_status ?? 200) === 200;
      this.cdrs.push({
        account_sid: accountSid,
        service_provider_sid: sp,
        time,
        record: {
          call_sid: callSid,
          application_sid: call.application_sid ?? null,
          direction: call.direction ?? 'inbound',
          from: call.from,
          to: call.to,
          answered,
          sip_callid: call.sip_callid ?? `${callSid.slice(0, 8)}@fake.jambonz`,
          sip_parent_callid: null,
          sip_status: call.sip_status ?? (answered ? 200 : 487),
          duration: call.duration ?? 0,
          ...(call.answered_at != null ? { answered_at: new Date(toMs(call.answered_at)).toISOString() } : {}),
          terminated_at: call.terminated_at != null ? new Date(toMs(call.terminated_at)).toISOString() : new Date(time + (call.duration ?? 0) * 1000).toISOString(),
          termination_reason: call.termination_reason ?? (answered ? 'caller hungup' : 'timeout'),
          trunk: call.trunk ?? 'fake-carrier',
          host: call.host ?? '10.0.0.10',
          remote_host: call.remote_host ?? '203.0.113.5',
          trace_id: call.trace_id ?? null,
          recording_url: call.recording_url ?? null,
          cost: null,
          rate: null,
          billed_seconds: null,
        },
      });
    }
  }

  /** Alerts the feature server would have written for the account. */
  seedAlerts(accountSid: string, alerts: FakeAlertInput[]): void {
    const sp = this.accounts.get(accountSid)?.service_provider_sid ?? this.serviceProviderSid;
    for (const alert of alerts) {
      this.alertRows.push({
        account_sid: accountSid,
        service_provider_sid: sp,
        time: toMs(alert.time),
        record: {
          alert_type: alert.alert_type,
          message: alert.message ?? alertMessage(alert),
          detail: alert.detail ?? null,
          target_sid: alert.target_sid ?? null,
          vendor: alert.vendor ?? null,
        },
      });
    }
  }

  /** Callers waiting in a queue of the account (0 removes the queue, as jambonz forgets an empty one). */
  setQueue(accountSid: string, name: string, length: number): void {
    const queues = this.queueLengths.get(accountSid) ?? new Map<string, number>();
    if (length > 0) queues.set(name, length);
    else queues.delete(name);
    this.queueLengths.set(accountSid, queues);
  }

  // Faults

  /** The next `count` matching requests get `fault` instead of an answer. */
  failNext(count: number, fault: FakeJambonzFault, match: FakeJambonzMatch = {}): void {
    this.faults.push({ remaining: count, fault, match });
  }

  /** Every matching request gets `fault` until {@link clearFaults}. */
  failAlways(fault: FakeJambonzFault, match: FakeJambonzMatch = {}): void {
    this.faults.push({ remaining: Number.POSITIVE_INFINITY, fault, match });
  }

  clearFaults(): void {
    this.faults = [];
  }

  // Drift: changes made behind our back, in jambonz's portal or by another tool

  /** The application disappears; numbers that pointed at it point nowhere (jambonz refuses to delete it otherwise). */
  driftDeleteApplication(sid: string): void {
    for (const number of this.numbers.values()) if (number.application_sid === sid) number.application_sid = null;
    this.apps.delete(sid);
  }

  /** Someone points the number (`+1555…`, digits, or its sid) at another application, or at none. */
  driftPointNumber(numberOrSid: string, applicationSid: string | null): void {
    this.findNumber(numberOrSid).application_sid = applicationSid;
  }

  driftDeletePhoneNumber(numberOrSid: string): void {
    this.numbers.delete(this.findNumber(numberOrSid).phone_number_sid);
  }

  /** Someone edits the application's hooks in the portal. */
  driftSetHooks(sid: string, hooks: { call_hook?: string; call_status_hook?: string }): void {
    const app = this.apps.get(sid);
    if (!app) throw new Error(`fake jambonz: no application ${sid}`);
    for (const [prop, url] of Object.entries(hooks)) {
      const webhook_sid = randomUUID();
      this.webhooks.set(webhook_sid, { webhook_sid, url, method: 'POST', username: null, password: null });
      app[`${prop}_sid`] = webhook_sid;
    }
  }

  /** An application someone else made in the account (the target of a number pointed elsewhere). */
  seedApplication(accountSid: string, name: string, callHookUrl = 'https://elsewhere.example.com/call'): string {
    const application_sid = randomUUID();
    const hook = (url: string) => {
      const webhook_sid = randomUUID();
      this.webhooks.set(webhook_sid, { webhook_sid, url, method: 'POST', username: null, password: null });
      return webhook_sid;
    };
    this.apps.set(application_sid, this.appDefaults({
      application_sid,
      name,
      account_sid: accountSid,
      call_hook_sid: hook(callHookUrl),
      call_status_hook_sid: hook(callHookUrl.replace(/\/call$/, '/status')),
    }));
    return application_sid;
  }

  // State, as jambonz would answer it

  applications(accountSid?: string): JambonzApplicationRecord[] {
    return [...this.apps.values()].filter((a) => !accountSid || a.account_sid === accountSid).map((a) => this.formatApp(a));
  }

  application(sid: string): JambonzApplicationRecord | undefined {
    const app = this.apps.get(sid);
    return app ? this.formatApp(app) : undefined;
  }

  phoneNumbers(): JambonzPhoneNumberRecord[] {
    return [...this.numbers.values()].map((n) => ({ ...n })).sort((a, b) => a.number.localeCompare(b.number));
  }

  /** By `+1555…`, digits or sid; undefined when jambonz has no such number. */
  phoneNumber(numberOrSid: string): JambonzPhoneNumberRecord | undefined {
    try {
      return { ...this.findNumber(numberOrSid) };
    } catch {
      return undefined;
    }
  }

  /** The account's speech credentials with their API keys in clear (what jambonz keeps encrypted). */
  speechCredentials(accountSid: string): Array<{ speech_credential_sid: string; vendor: string; label: string | null; use_for_tts: JambonzFlag; use_for_stt: JambonzFlag } & Record<string, unknown>> {
    return [...this.speech.values()]
      .filter((s) => s.account_sid === accountSid)
      .map((s) => ({ speech_credential_sid: s.speech_credential_sid, vendor: s.vendor, label: s.label, use_for_tts: s.use_for_tts, use_for_stt: s.use_for_stt, ...s.credential }));
  }

  /** Messages handed to a carrier, oldest first; with `accountSid`, that account's. */
  messages(accountSid?: string): FakeJambonzMessage[] {
    return this.sentMessages.filter((m) => !accountSid || m.account_sid === accountSid).map((m) => ({ ...m }));
  }

  webhookSecretOf(accountSid: string): string {
    const account = this.accounts.get(accountSid);
    if (!account) throw new Error(`fake jambonz: no account ${accountSid}`);
    return account.webhook_secret;
  }

  // HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', () => resolve(''));
    });
    const entry: FakeJambonzRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), body: undefined, status: 0 };
    this.requests.push(entry);

    let body: Row = {};
    const isJson = /application\/json/i.test(req.headers['content-type'] ?? '');
    if (isJson && raw.length) {
      try {
        body = JSON.parse(raw) as Row;
        entry.body = body;
      } catch (error) {
        // express.json's error, through the app's last error handler.
        return this.write(res, entry, msg(400, (error as Error).message));
      }
    }

    const fault = this.takeFault(method, url.pathname);
    if (fault === 'hang') return;
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (typeof fault === 'number') return this.write(res, entry, msg(fault, `fake jambonz: injected ${fault}`));

    const user = this.authenticate(req.headers.authorization);
    if (!user && url.pathname.startsWith('/v1/')) {
      res.setHeader('www-authenticate', req.headers.authorization ? 'Bearer realm="Users", error="invalid_token"' : 'Bearer realm="Users"');
      return this.write(res, entry, sendStatus(401));
    }
    let answer: Answer;
    try {
      answer = user ? this.route(method, url, body, user) : new Answer(404, undefined, `Cannot ${method} ${url.pathname}`);
    } catch (error) {
      answer = msg(500, (error as Error).message);
    }
    this.write(res, entry, answer);
  }

  private write(res: ServerResponse, entry: FakeJambonzRequest, answer: Answer): void {
    entry.status = answer.status;
    res.statusCode = answer.status;
    if (answer.body !== undefined) {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(answer.body));
    } else if (answer.text !== undefined) {
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(answer.text);
    } else {
      res.end();
    }
  }

  private takeFault(method: string, path: string): FakeJambonzFault | undefined {
    for (const rule of this.faults) {
      if (rule.remaining <= 0) continue;
      if (rule.match.method && rule.match.method.toUpperCase() !== method) continue;
      if (rule.match.path !== undefined) {
        const ok = typeof rule.match.path === 'string' ? rule.match.path === path : rule.match.path.test(path);
        if (!ok) continue;
      }
      rule.remaining -= 1;
      return rule.fault;
    }
    return undefined;
  }

  private authenticate(header: string | undefined): User | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    return match ? this.keys.get(match[1]!) : undefined;
  }

  private route(method: string, url: URL, body: Row, user: User): Answer {
    const parts = url.pathname.replace(/\/+$/, '').split('/').slice(1).map(decodeURIComponent);
    if (parts[0] !== 'v1') return new Answer(404, undefined, `Cannot ${method} ${url.pathname}`);
    const [resource, sid, sub, subSid, extra] = parts.slice(1);
    const q = Object.fromEntries(url.searchParams);
    const notFound = () => new Answer(404, undefined, `Cannot ${method} ${url.pathname}`);

    if (resource === 'Applications' && !sub) {
      if (!sid) return method === 'GET' ? this.listApps(user) : method === 'POST' ? this.createApp(body, user) : notFound();
      if (method === 'GET') return this.getApp(sid, user);
      if (method === 'PUT') return this.updateApp(sid, body, user);
      if (method === 'DELETE') return this.deleteApp(sid, user);
    }
    if (resource === 'PhoneNumbers' && !sub) {
      if (!sid) return method === 'GET' ? this.listNumbers(q, user) : method === 'POST' ? this.createNumber(body, user) : notFound();
      if (method === 'GET') return this.getNumber(sid, user);
      if (method === 'PUT') return this.updateNumber(sid, body, user);
      if (method === 'DELETE') return this.deleteNumber(sid, user);
    }
    if (resource === 'VoipCarriers' && !sub && method === 'GET') return sid ? this.getCarrier(sid, user) : this.listCarriers(q, user);
    if (resource === 'SipGateways' && !sid && method === 'GET') return this.listGateways(q, user);
    if (resource === 'Accounts') {
      if (!sid) return method === 'GET' ? this.listAccounts(user) : notFound();
      if (!sub && method === 'GET') return this.getAccount(sid, user);
      if (sub === 'WebhookSecret' && !subSid && method === 'GET') return this.webhookSecret(sid, q, user);
      if (sub === 'Applications' && !subSid && method === 'GET') return this.listAccountApps(sid, user);
      if (sub === 'Queues' && !subSid && method === 'GET') return this.queues(sid, q, user);
      if (sub === 'Messages' && !subSid && method === 'POST') return this.createMessage(sid, body, user);
      if (sub === 'SpeechCredentials' || sub === 'RecentCalls' || sub === 'Alerts') {
        const refused = this.accountPermission(sid, user);
        if (refused) return refused;
        if (sub === 'RecentCalls' && !subSid && method === 'GET') return this.recentCalls(sid, q);
        if (sub === 'Alerts' && !subSid && method === 'GET') return this.alerts(sid, q);
        if (sub === 'SpeechCredentials' && !extra) {
          if (!subSid) return method === 'GET' ? this.listSpeech(sid, user) : method === 'POST' ? this.createSpeech(body, user) : notFound();
          if (method === 'GET') return this.getSpeech(subSid, user);
          if (method === 'PUT') return this.updateSpeech(subSid, body, user);
          if (method === 'DELETE') return this.deleteSpeech(subSid, user);
        }
      }
    }
    return notFound();
  }

  // Permissions, as jambonz checks them

  /** `hasAccountPermissions`, in front of SpeechCredentials, RecentCalls and Alerts. */
  private accountPermission(accountSid: string, user: User): Answer | null {
    if (user.scope === 'admin') return null;
    if (!isUuid(accountSid)) return fail(400, 'invalid AccountsSid format');
    const account = this.accounts.get(accountSid);
    if (user.scope === 'service_provider' && account?.service_provider_sid === user.service_provider_sid) return null;
    if (user.scope === 'account' && account?.account_sid === user.account_sid) return null;
    return fail(403, 'insufficient privileges');
  }

  /** `validateRequest` of the accounts routes: a refusal jambonz's error handler does not know (500). */
  private accountRequest(accountSid: string, user: User): Answer | null {
    if (!isUuid(accountSid)) return msg(400, 'Bad request');
    if (user.scope === 'account' && accountSid !== user.account_sid) return msg(500, 'insufficient permissions');
    if (user.scope === 'service_provider' && this.accounts.get(accountSid)?.service_provider_sid !== user.service_provider_sid) {
      return msg(500, 'insufficient permissions');
    }
    return null;
  }

  private visibleAccount(accountSid: string | null, user: User): boolean {
    if (user.scope === 'admin') return true;
    if (user.scope === 'account') return accountSid === user.account_sid;
    return !!accountSid && this.accounts.get(accountSid)?.service_provider_sid === user.service_provider_sid;
  }

  // Accounts

  private listAccounts(user: User): Answer {
    const rows = [...this.accounts.values()].filter((a) => this.visibleAccount(a.account_sid, user));
    return new Answer(200, rows.map((a) => this.formatAccount(a)));
  }

  private getAccount(sid: string, user: User): Answer {
    const refused = this.accountRequest(sid, user);
    if (refused) return refused;
    const account = this.accounts.get(sid);
    return account ? new Answer(200, this.formatAccount(account)) : bare(404);
  }

  private webhookSecret(sid: string, q: Record<string, string>, user: User): Answer {
    const refused = this.accountRequest(sid, user);
    if (refused) return refused;
    const account = this.accounts.get(sid);
    if (!account) return bare(404);
    if (q.regenerate) account.webhook_secret = webhookSecret();
    return new Answer(200, { webhook_secret: account.webhook_secret });
  }

  private listAccountApps(sid: string, user: User): Answer {
    const refused = this.accountRequest(sid, user);
    if (refused) return refused;
    const rows = [...this.apps.values()].filter((a) => a.account_sid === sid).sort((a, b) => a.application_sid.localeCompare(b.application_sid));
    return new Answer(200, rows.map((a) => this.formatApp(a)));
  }

  private queues(sid: string, q: Record<string, string>, user: User): Answer {
    const refused = this.accountRequest(sid, user);
    if (refused) return refused;
    const pattern = globToRegExp(q.search || '*');
    const queues = [...(this.queueLengths.get(sid) ?? new Map<string, number>()).entries()]
      .filter(([name]) => pattern.test(name))
      .map(([name, length]) => ({ name, length }));
    return new Answer(200, queues);
  }

  // Messages

  /**
   * `POST /Accounts/{sid}/Messages` in the api-server's order: the account's sid and the key's right to it,
   * then `validateCreateMessage` (the key must be that account's own, `from`, `to`, `text` or `media`),
   * then the feature server's `message` verb: the first carrier of the account (or its service provider)
   * with an SMPP gateway — named by `carrier` when given — else the feature server refuses and the
   * api-server answers a bare 500.
   */
  private createMessage(sid: string, body: Row, user: User): Answer {
    const refused = this.accountRequest(sid, user);
    if (refused) return refused;
    if (user.account_sid !== sid) return msg(400, `unauthorized createMessage request for account ${sid}`);
    if (!body.from) return msg(400, 'missing from property');
    if (!body.to) return msg(400, 'missing to property');
    if (!body.text && !body.media) return msg(400, 'either text or media required in outbound message');
    const sp = this.accounts.get(sid)?.service_provider_sid;
    const carrier = [...this.carriers.values()].find(
      (c) =>
        (c.account_sid === sid || (c.account_sid === null && c.service_provider_sid === sp)) &&
        c.is_active === 1 &&
        typeof c.smpp_system_id === 'string' &&
        c.smpp_system_id !== '' &&
        (!body.carrier || c.name === body.carrier),
    );
    if (!carrier) return sendStatus(500);
    const sent: FakeJambonzMessage = {
      message_sid: randomUUID(),
      account_sid: sid,
      from: String(body.from),
      to: String(body.to),
      text: typeof body.text === 'string' ? body.text : null,
      media: typeof body.media === 'string' ? body.media : null,
      carrier: String(carrier.name),
      carrier_message_id: randomBytes(8).toString('hex'),
    };
    this.sentMessages.push(sent);
    return new Answer(200, { sid: sent.message_sid, carrierResponse: { message_id: sent.carrier_message_id, carrier: sent.carrier } });
  }

  private formatAccount(row: Row): JambonzAccountRecord {
    const { registration_hook_sid: _r, queue_event_hook_sid: _q, ...rest } = row;
    return { ...rest, registration_hook: null, queue_event_hook: null } as unknown as JambonzAccountRecord;
  }

  // Applications

  private appDefaults(row: Row): AppRow {
    const out: Row = { call_hook_sid: null, call_status_hook_sid: null, messaging_hook_sid: null, service_provider_sid: null, account_sid: null };
    for (const [column, spec] of Object.entries(APP_COLUMNS)) out[column] = spec.default ?? null;
    out.created_at = new Date(this.now()).toISOString();
    return { ...out, ...row } as AppRow;
  }

  private formatApp(row: AppRow): JambonzApplicationRecord {
    const hook = (sid: unknown) => {
      const webhook = typeof sid === 'string' ? this.webhooks.get(sid) : undefined;
      return webhook && webhook.url !== null ? { ...webhook } : null;
    };
    const { call_hook_sid, call_status_hook_sid, messaging_hook_sid, env_vars, ...rest } = row;
    return {
      ...rest,
      env_vars: env_vars ? (JSON.parse(env_vars) as Record<string, unknown>) : null,
      call_hook: hook(call_hook_sid),
      call_status_hook: hook(call_status_hook_sid),
      messaging_hook: hook(messaging_hook_sid),
    } as JambonzApplicationRecord;
  }

  private listApps(user: User): Answer {
    const rows = [...this.apps.values()]
      .filter((a) => user.scope === 'admin' || this.visibleAccount(a.account_sid, user))
      .sort((a, b) => a.application_sid.localeCompare(b.application_sid));
    return new Answer(200, rows.map((a) => this.formatApp(a)));
  }

  private getApp(sid: string, user: User): Answer {
    if (!isUuid(sid)) return msg(400, 'Bad request');
    const app = this.apps.get(sid);
    if (!app || (user.scope !== 'admin' && !this.visibleAccount(app.account_sid, user))) return bare(404);
    return new Answer(200, this.formatApp(app));
  }

  /** `Webhook.make`: a new webhooks row, or the error MySQL would give. */
  private makeWebhook(hook: Row): string | Answer {
    if (!('url' in hook)) return msg(400, 'missing field url');
    const method = hook.method ?? 'POST';
    if (method !== 'GET' && method !== 'POST') return msg(500, "Data truncated for column 'method' at row 1");
    if (typeof hook.url === 'string' && hook.url.length > 1024) return msg(500, "Data too long for column 'url' at row 1");
    const webhook_sid = randomUUID();
    this.webhooks.set(webhook_sid, {
      webhook_sid,
      url: String(hook.url),
      method,
      username: (hook.username as string | null | undefined) ?? null,
      password: (hook.password as string | null | undefined) ?? null,
    });
    return webhook_sid;
  }

  /** The column checks MySQL would make on an applications INSERT/UPDATE; null when they pass. */
  private appColumnsProblem(obj: Row, accountSid: string | null, exceptSid?: string): Answer | null {
    for (const [column, value] of Object.entries(obj)) {
      const spec = APP_COLUMNS[column];
      if (!spec) return msg(500, `Unknown column '${column}' in 'field list'`);
      if (spec.notNull && value === null) return msg(500, `Column '${column}' cannot be null`);
      if (spec.max && typeof value === 'string' && value.length > spec.max) return msg(500, `Data too long for column '${column}' at row 1`);
    }
    if (typeof obj.name === 'string') {
      const taken = [...this.apps.values()].some((a) => a.application_sid !== exceptSid && a.account_sid === accountSid && a.name === obj.name);
      if (taken) return msg(422, `Duplicate entry '${accountSid}-${obj.name}' for key 'applications.applications_idx_name'`);
    }
    if (typeof obj.account_sid === 'string' && !this.accounts.has(obj.account_sid)) {
      return msg(500, 'Cannot add or update a child row: a foreign key constraint fails (`jambones`.`applications`, CONSTRAINT `account_sid_idxfk_10` FOREIGN KEY (`account_sid`) REFERENCES `accounts` (`account_sid`))');
    }
    return null;
  }

  private normaliseAppValues(obj: Row): void {
    for (const [column, value] of Object.entries(obj)) {
      if (APP_COLUMNS[column]?.bool && typeof value === 'boolean') obj[column] = value ? 1 : 0;
    }
    if (obj.env_vars !== undefined && obj.env_vars !== null) obj.env_vars = JSON.stringify(obj.env_vars);
  }

  private createApp(body: Row, user: User): Answer {
    if (user.account_sid) body.account_sid = user.account_sid;
    else if (user.scope === 'service_provider') {
      if (!body.account_sid) return msg(400, "missing required field: 'account_sid'");
      if (this.accounts.get(String(body.account_sid))?.service_provider_sid !== user.service_provider_sid) return msg(500, 'insufficient privileges');
    }
    if (body.call_hook !== undefined && typeof body.call_hook !== 'object') return msg(400, "'call_hook' must be an object when adding an application");
    if (body.call_status_hook !== undefined && typeof body.call_hook !== 'object') {
      return msg(400, "'call_status_hook' must be an object when adding an application");
    }
    for (const prop of ['call_hook', 'call_status_hook'] as const) {
      const hook = body[prop] as Row | null | undefined;
      if (hook == null) return typeError('url');
      const problem = invalidUrl(hook.url);
      if (problem) return msg(400, `${prop} ${problem}`);
    }
    const obj: Row = { ...body };
    for (const prop of HOOK_PROPS) {
      if (obj[prop]) {
        const made = this.makeWebhook(obj[prop] as Row);
        if (made instanceof Answer) return made;
        obj[`${prop}_sid`] = made;
      }
      delete obj[prop];
    }
    if (typeof obj.app_json === 'string') {
      try {
        JSON.parse(obj.app_json);
      } catch (error) {
        return msg(500, (error as Error).message);
      }
    }
    if (!('name' in obj)) return msg(400, 'missing field name');
    if (!('account_sid' in obj)) return msg(400, 'missing field account_sid');
    delete obj.application_sid;
    this.normaliseAppValues(obj);
    const problem = this.appColumnsProblem(obj, (obj.account_sid as string | null) ?? null);
    if (problem) return problem;
    const application_sid = randomUUID();
    this.apps.set(application_sid, this.appDefaults({ ...obj, application_sid }));
    return new Answer(201, { sid: application_sid });
  }

  private updateApp(sid: string, body: Row, user: User): Answer {
    if (!isUuid(sid)) return msg(400, 'Bad request');
    const app = this.apps.get(sid);
    if (user.scope === 'account' && (!app || app.account_sid !== user.account_sid)) return msg(500, 'insufficient privileges');
    if (user.scope === 'service_provider') {
      if (!app) return typeError('account_sid');
      if (!this.visibleAccount(app.account_sid, user)) return msg(500, 'insufficient permissions');
    } else {
      // jambonz checks hooks only for account and admin keys.
      if (body.call_hook !== undefined && typeof body.call_hook !== 'object') return msg(400, "'call_hook' must be an object when updating an application");
      if (body.call_status_hook !== undefined && typeof body.call_hook !== 'object') {
        return msg(400, "'call_status_hook' must be an object when updating an application");
      }
      for (const prop of ['call_hook', 'call_status_hook'] as const) {
        const hook = body[prop] as Row | undefined;
        if (!hook) continue;
        const problem = invalidUrl(hook.url);
        if (problem) return msg(400, `${prop} ${problem}`);
      }
    }
    const obj: Row = { ...body };
    for (const prop of HOOK_PROPS) {
      const hook = obj[prop] as Row | undefined;
      if (prop in obj && hook && typeof hook === 'object' && Object.keys(hook).length) {
        if ('webhook_sid' in hook) {
          const { webhook_sid, ...changes } = hook;
          const existing = this.webhooks.get(String(webhook_sid));
          if (existing) Object.assign(existing, changes);
        } else {
          const made = this.makeWebhook(hook);
          if (made instanceof Answer) return made;
          obj[`${prop}_sid`] = made;
        }
      }
      delete obj[prop];
    }
    if (typeof obj.app_json === 'string') {
      try {
        JSON.parse(obj.app_json);
      } catch (error) {
        return msg(500, (error as Error).message);
      }
    }
    if (Object.keys(obj).length === 0) {
      return msg(500, "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near 'WHERE application_sid = ?' at line 1");
    }
    if ('application_sid' in obj) return msg(400, 'primary key application_sid is immutable');
    this.normaliseAppValues(obj);
    if (!app) return bare(404);
    const problem = this.appColumnsProblem(obj, (obj.account_sid as string | null | undefined) ?? app.account_sid, sid);
    if (problem) return problem;
    Object.assign(app, obj);
    return bare(204);
  }

  private deleteApp(sid: string, user: User): Answer {
    if (!isUuid(sid)) return msg(400, 'Bad request');
    const app = this.apps.get(sid);
    if (user.scope === 'account') {
      if (!app) return msg(400, 'application does not exist');
      if (app.account_sid !== user.account_sid) return msg(422, 'insufficient permissions');
    }
    if (user.scope === 'service_provider') {
      if (!app) return typeError('account_sid');
      if (!this.visibleAccount(app.account_sid, user)) return msg(500, 'insufficient permissions');
    }
    const inUse = [...this.numbers.values()].some((n) => n.application_sid === sid);
    if (inUse) {
      return user.scope === 'service_provider'
        ? msg(500, 'Cannot delete or update a parent row: a foreign key constraint fails (`jambones`.`phone_numbers`, CONSTRAINT `application_sid_idxfk_3` FOREIGN KEY (`application_sid`) REFERENCES `applications` (`application_sid`))')
        : msg(422, 'cannot delete application with phone numbers');
    }
    if (!app) return msg(500, "Cannot destructure property 'call_hook_sid' of 'application[0]' as it is undefined.");
    this.apps.delete(sid);
    return bare(204);
  }

  // Phone numbers

  private findNumber(numberOrSid: string): JambonzPhoneNumberRecord {
    const digits = numberOrSid.replace(/^\+/, '');
    const found = this.numbers.get(numberOrSid) ?? [...this.numbers.values()].find((n) => n.number === digits);
    if (!found) throw new Error(`fake jambonz: no phone number ${numberOrSid}`);
    return found;
  }

  private listNumbers(q: Record<string, string>, user: User): Answer {
    let accountSid: string | undefined = q.account_sid;
    let sp: string | undefined;
    if (user.scope === 'account') accountSid = user.account_sid ?? undefined;
    else if (user.scope === 'service_provider') sp = user.service_provider_sid ?? undefined;
    else sp = q.service_provider_sid;
    let rows = [...this.numbers.values()].filter(
      (n) =>
        (!accountSid || n.account_sid === accountSid) &&
        (!sp || (!!n.account_sid && this.accounts.get(n.account_sid)?.service_provider_sid === sp)) &&
        (!q.filter || n.number.includes(q.filter)),
    );
    rows = rows.map((n) => ({ ...n })).sort((a, b) => a.number.localeCompare(b.number));
    if (q.page !== undefined) {
      const size = Number(q.page_size ?? 50);
      const page = Number(q.page);
      const offset = (page > 0 ? page - 1 : page) * size;
      return new Answer(200, { total: rows.length, page, page_size: Number(q.page_size), data: rows.slice(offset, offset + size) });
    }
    return new Answer(200, rows);
  }

  private getNumber(sid: string, user: User): Answer {
    if (!isUuid(sid)) return msg(400, 'Bad request');
    const number = this.numbers.get(sid);
    if (!number || (user.scope === 'account' && number.account_sid !== user.account_sid)) return bare(404);
    if (user.scope === 'service_provider' && !this.visibleAccount(number.account_sid, user)) return msg(400, 'insufficient privileges');
    return new Answer(200, { ...number });
  }

  private createNumber(body: Row, user: User): Answer {
    if (user.scope === 'account') body.account_sid = user.account_sid;
    if (user.scope === 'service_provider') body.service_provider_sid = user.service_provider_sid;
    if (!body.number) return msg(400, 'number is required');
    if (typeof body.number !== 'string') return msg(400, 'number.startsWith is not a function');
    if (/\s/.test(body.number)) return msg(400, 'number cannot contain whitespace');
    body.number = body.number.startsWith('+') ? body.number.slice(1) : body.number;
    if (body.voip_carrier_sid) {
      const carrier = this.carriers.get(String(body.voip_carrier_sid));
      if (!carrier) return msg(400, `voip_carrier not found for sid ${String(body.voip_carrier_sid)}`);
      if (carrier.account_sid && body.account_sid && body.account_sid !== carrier.account_sid) return msg(400, 'voip_carrier_sid does not belong to the account');
    }
    for (const column of Object.keys(body)) if (!NUMBER_COLUMNS.includes(column)) return msg(500, `Unknown column '${column}' in 'field list'`);
    if (String(body.number).length > 132) return msg(500, "Data too long for column 'number' at row 1");
    const duplicate = [...this.numbers.values()].find((n) => n.number === body.number && n.voip_carrier_sid === (body.voip_carrier_sid ?? null) && body.voip_carrier_sid);
    if (duplicate) {
      return msg(422, `Duplicate entry '${String(body.number)}-${String(body.voip_carrier_sid)}' for key 'phone_numbers.phone_numbers_unique_idx_voip_carrier_number'`);
    }
    const fk = this.numberForeignKeyProblem(body);
    if (fk) return fk;
    const phone_number_sid = randomUUID();
    this.numbers.set(phone_number_sid, {
      phone_number_sid,
      number: String(body.number),
      voip_carrier_sid: (body.voip_carrier_sid as string | undefined) ?? null,
      account_sid: (body.account_sid as string | undefined) ?? null,
      application_sid: (body.application_sid as string | undefined) ?? null,
      service_provider_sid: (body.service_provider_sid as string | undefined) ?? null,
    });
    return new Answer(201, { sid: phone_number_sid });
  }

  private numberForeignKeyProblem(body: Row): Answer | null {
    const constraint = (name: string, column: string, table: string) =>
      msg(500, `Cannot add or update a child row: a foreign key constraint fails (\`jambones\`.\`phone_numbers\`, CONSTRAINT \`${name}\` FOREIGN KEY (\`${column}\`) REFERENCES \`${table}\` (\`${column}\`))`);
    if (body.application_sid && !this.apps.has(String(body.application_sid))) return constraint('application_sid_idxfk_3', 'application_sid', 'applications');
    if (body.account_sid && !this.accounts.has(String(body.account_sid))) return constraint('account_sid_idxfk_11', 'account_sid', 'accounts');
    if (body.service_provider_sid && !this.serviceProviders.has(String(body.service_provider_sid))) {
      return constraint('service_provider_sid_idxfk_8', 'service_provider_sid', 'service_providers');
    }
    return null;
  }

  private updateNumber(sid: string, body: Row, user: User): Answer {
    if (body.voip_carrier_sid) return msg(400, 'voip_carrier_sid may not be modified');
    if (body.number) return msg(400, 'number may not be modified');
    const number = this.numbers.get(sid);
    if (user.scope === 'account' && number && number.account_sid !== user.account_sid) return msg(500, 'insufficient privileges');
    if (user.scope === 'service_provider') {
      if (!number) return typeError('service_provider_sid');
      const sp = number.service_provider_sid ?? (number.account_sid ? this.accounts.get(number.account_sid)?.service_provider_sid : undefined);
      if (sp !== user.service_provider_sid) return msg(500, 'insufficient privileges');
    }
    const columns = Object.keys(body);
    if (!columns.length) return msg(500, "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near 'WHERE phone_number_sid = ?' at line 1");
    if (columns.includes('phone_number_sid')) return msg(400, 'primary key phone_number_sid is immutable');
    for (const column of columns) if (!NUMBER_COLUMNS.includes(column)) return msg(500, `Unknown column '${column}' in 'field list'`);
    if (!number) return bare(404);
    const fk = this.numberForeignKeyProblem(body);
    if (fk) return fk;
    Object.assign(number, body);
    return bare(204);
  }

  private deleteNumber(sid: string, user: User): Answer {
    const number = this.numbers.get(sid);
    if (user.scope === 'account' && number && number.account_sid !== user.account_sid) return msg(500, 'insufficient privileges');
    if (!number) return sendStatus(404);
    this.numbers.delete(sid);
    return sendStatus(204);
  }

  // Carriers and gateways

  private formatCarrier(row: Row): JambonzVoipCarrierRecord {
    return { ...row, register_status: JSON.parse((row.register_status as string | null) || '{}') as object } as JambonzVoipCarrierRecord;
  }

  private carrierVisible(row: { account_sid: string | null; service_provider_sid: string | null }, user: User): boolean {
    if (user.scope === 'admin') return true;
    if (user.scope === 'service_provider') return row.service_provider_sid === user.service_provider_sid;
    const sp = user.account_sid ? this.accounts.get(user.account_sid)?.service_provider_sid : undefined;
    return row.account_sid === user.account_sid || (row.account_sid === null && row.service_provider_sid === sp);
  }

  private listCarriers(q: Record<string, string>, user: User): Answer {
    const rows = [...this.carriers.values()].filter((c) => this.carrierVisible(c, user) && (user.scope !== 'admin' || !q.account_sid || c.account_sid === q.account_sid));
    return new Answer(200, rows.map((c) => this.formatCarrier(c)));
  }

  private getCarrier(sid: string, user: User): Answer {
    if (!isUuid(sid)) return msg(400, 'Bad request');
    const carrier = this.carriers.get(sid);
    if (!carrier || !this.carrierVisible(carrier, user)) return bare(404);
    return new Answer(200, this.formatCarrier(carrier));
  }

  private listGateways(q: Record<string, string>, user: User): Answer {
    const carrierSid = q.voip_carrier_sid;
    if (!carrierSid) return msg(400, 'missing voip_carrier_sid');
    if (user.scope !== 'admin') {
      const carrier = this.carriers.get(carrierSid);
      if (!carrier) return msg(400, 'invalid voip_carrier_sid');
      if (!this.carrierVisible(carrier, user)) return msg(500, 'insufficient privileges');
    }
    return new Answer(200, [...this.gateways.values()].filter((g) => g.voip_carrier_sid === carrierSid).map((g) => ({ ...g })));
  }

  // Speech credentials

  private formatSpeech(row: SpeechRow, user: User): Row {
    const { credential, ...rest } = row;
    const out: Row = { ...rest, last_used: null, last_tested: null, tts_tested_ok: null, stt_tested_ok: null, api_key: obscure(credential.api_key) };
    if (row.vendor === 'elevenlabs') Object.assign(out, { model_id: credential.model_id, api_uri: credential.api_uri, options: credential.options });
    if (row.vendor === 'cartesia') Object.assign(out, { model_id: credential.model_id, stt_model_id: credential.stt_model_id, options: credential.options });
    if (user.scope === 'account' && row.account_sid === null) delete out.api_key;
    return out;
  }

  /** jambonz's `encryptCredential` for the two vendors: an `assert` that fails answers 500. */
  private speechCredential(body: Row): Record<string, unknown> | Answer {
    const { vendor, api_key, model_id, stt_model_id, api_uri, options, use_for_tts, use_for_stt } = body;
    if (vendor === 'elevenlabs') {
      if (!api_key) return msg(500, 'invalid elevenLabs speech credential: api_key is required');
      if (!model_id) return msg(500, 'invalid elevenLabs speech credential: model_id is required');
      return { api_key, model_id, ...(api_uri ? { api_uri } : {}), options };
    }
    if (vendor === 'cartesia') {
      if (!api_key) return msg(500, 'invalid cartesia speech credential: api_key is required');
      if (use_for_tts && !model_id) return msg(500, 'invalid cartesia speech credential: model_id is required');
      if (use_for_stt && !stt_model_id) return msg(500, 'invalid cartesia speech credential: stt_model_id is required');
      return { api_key, ...(model_id ? { model_id } : {}), ...(stt_model_id ? { stt_model_id } : {}), options };
    }
    if (typeof vendor !== 'string') return typeError('startsWith');
    return msg(500, `invalid or missing vendor: ${vendor}`);
  }

  private listSpeech(accountSid: string, user: User): Answer {
    const account = this.accounts.get(accountSid);
    if (!account) return typeError('service_provider_sid');
    let rows = [...this.speech.values()].filter(
      (s) => s.account_sid === accountSid || (s.account_sid === null && s.service_provider_sid === account.service_provider_sid),
    );
    if (user.scope === 'account') rows = rows.filter((s) => s.account_sid === user.account_sid || !s.account_sid);
    return new Answer(200, rows.map((s) => this.formatSpeech(s, user)));
  }

  private getSpeech(sid: string, user: User): Answer {
    if (!isUuid(sid)) return msg(400, 'Bad request');
    const row = this.speech.get(sid);
    if (!row) return sendStatus(404);
    const refused = this.speechPermission(row, user);
    if (refused) return refused;
    return new Answer(200, this.formatSpeech(row, user));
  }

  private speechPermission(row: SpeechRow | undefined, user: User): Answer | null {
    if (user.scope === 'service_provider') {
      if (!row) return typeError('service_provider_sid');
      if (row.service_provider_sid !== user.service_provider_sid) return msg(500, 'Insufficient privileges');
    }
    if (user.scope === 'account') {
      if (!row) return typeError('account_sid');
      if (row.account_sid !== user.account_sid) return msg(500, 'Insufficient privileges');
    }
    return null;
  }

  private createSpeech(body: Row, user: User): Answer {
    const accountSid = (user.account_sid ?? body.account_sid ?? null) as string | null;
    const sp = (user.service_provider_sid ?? body.service_provider_sid ?? null) as string | null;
    if (!accountSid && user.scope === 'account') return sendStatus(403);
    const label = (body.label as string | null | undefined) ?? null;
    if (label) {
      const taken = [...this.speech.values()].some(
        (s) => s.vendor === body.vendor && s.label === label && ((accountSid && s.account_sid === accountSid) || (!!sp && s.service_provider_sid === sp)),
      );
      if (taken) return msg(422, `Label ${label} is already in use for another speech credential`);
    }
    const credential = this.speechCredential(body);
    if (credential instanceof Answer) return credential;
    if (label && label.length > 64) return msg(500, "Data too long for column 'label' at row 1");
    if (accountSid && !this.accounts.has(accountSid)) return msg(500, 'Cannot add or update a child row: a foreign key constraint fails (`jambones`.`speech_credentials`)');
    const speech_credential_sid = randomUUID();
    this.speech.set(speech_credential_sid, {
      speech_credential_sid,
      account_sid: accountSid,
      service_provider_sid: sp,
      vendor: String(body.vendor),
      credential,
      use_for_tts: flag(body.use_for_tts, 1),
      use_for_stt: flag(body.use_for_stt, 1),
      label,
      created_at: new Date(this.now()).toISOString(),
    });
    return new Answer(201, { sid: speech_credential_sid });
  }

  private updateSpeech(sid: string, body: Row, user: User): Answer {
    if (!isUuid(sid)) return msg(400, 'Bad request');
    if (body.use_for_tts === undefined && body.use_for_stt === undefined) return msg(422, 'use_for_tts and use_for_stt are the only updateable fields');
    const row = this.speech.get(sid);
    if (!row) return sendStatus(404);
    // jambonz swallows a refusal or a bad credential here and still updates the use flags.
    if (!this.speechPermission(row, user)) {
      const next = this.speechCredential({
        ...row.credential,
        vendor: row.vendor,
        model_id: body.model_id !== undefined ? body.model_id : row.credential.model_id,
        stt_model_id: body.stt_model_id,
        api_uri: body.api_uri,
        options: body.options,
      });
      if (!(next instanceof Answer)) row.credential = next;
    }
    if (body.use_for_tts !== undefined) row.use_for_tts = flag(body.use_for_tts, row.use_for_tts);
    if (body.use_for_stt !== undefined) row.use_for_stt = flag(body.use_for_stt, row.use_for_stt);
    return bare(204);
  }

  private deleteSpeech(sid: string, user: User): Answer {
    if (!isUuid(sid)) return msg(400, 'Bad request');
    const row = this.speech.get(sid);
    const refused = this.speechPermission(row, user);
    if (refused) return refused;
    if (!row) return sendStatus(404);
    this.speech.delete(sid);
    return sendStatus(204);
  }

  // Recent calls and alerts

  /** The checks and time window RecentCalls and Alerts share; an Answer when refused. */
  private window(q: Record<string, string>): Answer | ((time: number) => boolean) {
    const page = q.page;
    const count = q.count;
    if (!page || Number(page) < 1) return msg(400, 'missing or invalid "page" query arg');
    if (!count || Number(count) > 500) return msg(400, 'missing or invalid "count" query arg');
    if (!Number.isFinite(Number(count)) || !Number.isFinite(Number(page))) return msg(500, 'error parsing query: found NaN, expected integer');
    if (q.days) {
      const since = this.now() - Number(q.days) * 86_400_000;
      return (time) => time > since;
    }
    const start = q.start ? Date.parse(q.start) : Number.NEGATIVE_INFINITY;
    const end = q.end ? Date.parse(q.end) : Number.POSITIVE_INFINITY;
    return (time) => time >= start && time <= end;
  }

  private paged<T extends { time: number }>(rows: T[], q: Record<string, string>, format: (row: T) => unknown): Answer {
    const sorted = [...rows].sort((a, b) => b.time - a.time);
    const size = Number.parseInt(q.count!, 10);
    const offset = (Number(q.page) - 1) * size;
    // jambonz echoes page and count as it got them: strings.
    return new Answer(200, { total: sorted.length, page_size: q.count, page: q.page, data: sorted.slice(offset, offset + size).map(format) });
  }

  private recentCalls(accountSid: string, q: Record<string, string>): Answer {
    const inWindow = this.window(q);
    if (inWindow instanceof Answer) return inWindow;
    const rows = this.cdrs.filter(
      (c) =>
        c.account_sid === accountSid &&
        inWindow(c.time) &&
        (!q.trunk || c.record.trunk === q.trunk) &&
        (!q.direction || c.record.direction === q.direction) &&
        (!['true', 'false'].includes(q.answered ?? '') || String(c.record.answered) === q.answered) &&
        (!q.filter || c.record.from.includes(q.filter) || c.record.to.includes(q.filter) || c.record.call_sid === q.filter),
    );
    return this.paged(rows, q, (c) => ({ attempted_at: rfc3339Nano(c.time, c.record.call_sid), account_sid: c.account_sid, service_provider_sid: c.service_provider_sid, ...c.record }));
  }

  private alerts(accountSid: string, q: Record<string, string>): Answer {
    const inWindow = this.window(q);
    if (inWindow instanceof Answer) return inWindow;
    const rows = this.alertRows.filter((a) => a.account_sid === accountSid && inWindow(a.time) && (!q.alert_type || a.record.alert_type === q.alert_type));
    return this.paged(rows, q, (a) => ({ time: new Date(a.time).toISOString(), account_sid: a.account_sid, service_provider_sid: a.service_provider_sid, ...a.record }));
  }
}

/** The message jambonz's time-series writer gives an alert of this type. */
function alertMessage(alert: FakeAlertInput): string {
  const vendor = alert.label ? `${alert.vendor} (label: ${alert.label})` : alert.vendor;
  const detail = alert.detail ? `: ${alert.detail}` : '';
  switch (alert.alert_type) {
    case 'webhook-failure':
      return `${alert.url} returned ${alert.status}`;
    case 'webhook-connection-failure':
      return `failed to connect to ${alert.url}`;
    case 'webhook-auth-failure':
      return `authentication failure: ${alert.url}`;
    case 'webhook-url-notfound':
      return `webhook url not found: ${alert.url}`;
    case 'invalid-app-payload':
      return `${alert.url} return invalid app payload`;
    case 'no-tts':
      return `text to speech credentials for ${vendor} have not been provisioned`;
    case 'no-stt':
      return `speech to text credentials for ${vendor} have not been provisioned`;
    case 'tts-failure':
      return `text to speech request to ${vendor} failed${detail}`;
    case 'stt-failure':
      return `speech to text request to ${vendor} failed${detail}`;
    case 'no-carrier':
      return 'outbound call failure: no carriers have been provisioned';
    case 'account-call-limit':
      return `you have exceeded your account call limit of ${alert.count}; please consider upgrading your plan`;
    default:
      return alert.alert_type;
  }
}
