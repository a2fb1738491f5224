import { type JobBackoff, type JobHandle, type JobQueue, type Keyring } from '@tero/core';
import { AgentProfile, Booking, CallEvent, Client, type Database, JambonzConnection, PhoneNumber } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { i18n as I18n } from 'i18next';
import type { Logger } from 'pino';
import type { EventRow } from '../call-record.writer';
import type { CallSession } from '../call-session.store';
import { JambonzApiClient } from '../jambonz-api/jambonz-api.client';
import { JambonzApiError } from '../jambonz-api/jambonz-api.errors';
import { jambonzApiKeyAad } from '../provisioning/jambonz-connection.service';
import { confirmationText } from './confirmation-text';

/** The job that texts one booking's confirmation through the brand's jambonz. */
export const BOOKING_CONFIRMATION_JOB = 'telephony.booking_confirmation';

/** The call's timeline steps a confirmation leaves: `confirmation_texted:<booking>` or `confirmation_failed:<booking>`. */
export const CONFIRMATION_EVENTS = { texted: 'confirmation_texted', failed: 'confirmation_failed' } as const;

/** Why a confirmation was not accepted for sending. */
export type ConfirmationRefusal =
  /** The client turned "Text callers a booking confirmation" off. */
  | 'off'
  /** A "talk to your agent" call: its caller id is made up, and a test sends nothing. */
  | 'test_call'
  /** No confirmed booking of this call's client has that id. */
  | 'no_booking'
  /** Neither the booking's phone nor the caller's number is an E.164 number a text can reach. */
  | 'not_textable'
  /** The brand has no jambonz connection to send through. */
  | 'no_connection'
  /** Reading the booking or queueing the job failed: the turn goes on, with no text claimed. */
  | 'unavailable';

export type ConfirmationAnswer = { sent: true; jobId: string } | { sent: false; reason: ConfirmationRefusal };

/** What the call tools know when the engine asks for a confirmation. */
export interface ConfirmationRequest {
  /** The call's tenant. */
  ctx: TenantContext;
  session: Pick<CallSession, 'callSid' | 'callId' | 'brandId' | 'clientId' | 'from' | 'to' | 'test'>;
  profile: Pick<AgentProfile, 'textConfirmations'>;
  bookingId: string;
}

/** What the call tools need: `BookingConfirmations` is one. */
export interface ConfirmationRequester {
  request(request: ConfirmationRequest): Promise<ConfirmationAnswer>;
}

/** One text to send, as the job carries it. */
export interface BookingConfirmationJob {
  ctx: TenantContext;
  callId: string;
  callSid: string;
  bookingId: string;
  /** The start the text announces (ISO): a booking moved since is texted by the job of its new start. */
  startsAt: string;
  /** The caller's number (E.164). */
  to: string;
  /** The number the caller dialled: the client's number the text comes from, when it still holds it. */
  calledNumber: string;
}

/** How a job ended: texted, failed for good (recorded on the call), or skipped (nothing to text any more). */
export type ConfirmationOutcome =
  | { texted: true; messageSid: string }
  | { texted: false; failed: string }
  | { texted: false; skipped: 'already_texted' | 'booking_changed' | 'off' };

export interface BookingConfirmationsDeps {
  db: Database;
  jobs: JobQueue;
  keyring: Keyring;
  i18n: I18n;
  /** Where the call's timeline steps go: the call record's write-behind (`CallRecordWriter`). */
  writer: { event(row: EventRow): void };
  logger: Logger;
  /** Per jambonz request. Default 10 s. */
  timeoutMs?: number;
  /** Tries of a text, the first included, while jambonz answers 5xx or nothing. Default 5. */
  attempts?: number;
  /** Wait between tries. Default exponential from 2 s (2, 4, 8, 16 s). */
  backoff?: JobBackoff;
  /** How long a brand's "has a jambonz connection" is kept between calls. Default 15 s. */
  connectionTtlMs?: number;
  clock?: () => Date;
  /** Tests: the fetch the jambonz clients use. */
  fetch?: typeof fetch;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `+1 (555) 777-0001` → `+15557770001`; null unless it is an E.164 number a text can reach: a country
 * code and 8 to 15 digits in all (short codes, extensions, `anonymous` and SIP addresses are not).
 */
export function textableNumber(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const compact = value.trim().replace(/[\s().-]/g, '');
  return /^\+[1-9]\d{7,14}$/.test(compact) ? compact : null;
}

/** The job of one booking at one start: the same booking asked twice (a retried tool call, a hook delivered twice) is one job. */
export function confirmationJobId(bookingId: string, startsAt: Date): string {
  return `booking-confirmation.${bookingId}.${startsAt.getTime()}`;
}

/** The timeline key of a confirmation's result: unique per call, booking and start, within the 60 characters a key has. */
export function confirmationEventKey(result: keyof typeof CONFIRMATION_EVENTS, bookingId: string, startsAt: Date): string {
  return `${CONFIRMATION_EVENTS[result]}:${bookingId.replace(/-/g, '').slice(-12)}.${startsAt.getTime().toString(36)}`;
}

/** Whether a failed send may succeed later: jambonz busy or silent, or its 480 ("no feature server at this time"). */
function worthRetrying(error: unknown): boolean {
  if (error instanceof JambonzApiError) return error.retryable || error.status === 480;
  return true;
}

/**
 * Booking confirmations by text. During a turn, {@link request} only decides and enqueues — the client
 * lets it, the booking is this client's and confirmed, the caller's number can take a text, the brand
 * has jambonz — and never waits for jambonz. The job then sends the SMS through the brand's jambonz
 * (`POST /Accounts/{sid}/Messages`, with the connection's account key) from the client's number to the
 * caller, retries while jambonz answers 5xx, 480 or nothing, gives up on any other refusal, and records
 * the result on the call's timeline (`confirmation_texted:…` / `confirmation_failed:…`). One booking at
 * one start is one job and one text, however often the engine asks.
 */
export class BookingConfirmations implements ConfirmationRequester {
  private readonly attempts: number;
  private readonly connections = new Map<string, { ok: boolean; until: number }>();
  private readonly clock: () => Date;

  constructor(private readonly deps: BookingConfirmationsDeps) {
    this.attempts = Math.max(1, deps.attempts ?? 5);
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Registers the job; call in every process that runs calls or jobs, before the queue starts. */
  register(): void {
    this.deps.jobs.register<BookingConfirmationJob>(BOOKING_CONFIRMATION_JOB, (job) => this.send(job), {
      attempts: this.attempts,
      backoff: this.deps.backoff ?? { type: 'exponential', delayMs: 2000 },
      concurrency: 4,
    });
  }

  async request({ ctx, session, profile, bookingId }: ConfirmationRequest): Promise<ConfirmationAnswer> {
    if (profile.textConfirmations === false) return { sent: false, reason: 'off' };
    if (session.test) return { sent: false, reason: 'test_call' };
    if (typeof bookingId !== 'string' || !UUID.test(bookingId)) return { sent: false, reason: 'no_booking' };
    try {
      const booking = await this.deps.db
        .forTenant(ctx)
        .findOne(Booking, { id: bookingId, client: session.clientId }, { fields: ['id', 'status', 'startsAt', 'callerPhone'] });
      if (!booking || booking.status !== 'confirmed') return { sent: false, reason: 'no_booking' };
      const to = textableNumber(booking.callerPhone) ?? textableNumber(session.from);
      if (!to) return { sent: false, reason: 'not_textable' };
      if (!(await this.brandCanSend(session.brandId))) return { sent: false, reason: 'no_connection' };
      const job: BookingConfirmationJob = {
        ctx: { brandId: session.brandId, clientId: session.clientId, locale: ctx.locale },
        callId: session.callId,
        callSid: session.callSid,
        bookingId: booking.id,
        startsAt: booking.startsAt.toISOString(),
        to,
        calledNumber: session.to,
      };
      const jobId = await this.deps.jobs.enqueue(BOOKING_CONFIRMATION_JOB, job, { jobId: confirmationJobId(booking.id, booking.startsAt) });
      return { sent: true, jobId };
    } catch (error) {
      // A confirmation is never worth a failed turn: the caller simply is not told of a text.
      this.deps.logger.warn({ err: error, callSid: session.callSid, bookingId }, 'a booking confirmation could not be queued');
      return { sent: false, reason: 'unavailable' };
    }
  }

  /** The job: one text, or its failure on the call's timeline. */
  async send(job: Pick<JobHandle<BookingConfirmationJob>, 'data' | 'attempt'>): Promise<ConfirmationOutcome> {
    const data = job.data;
    const start = new Date(data.startsAt);
    const em = this.deps.db.forTenant(data.ctx);
    const clientId = data.ctx.clientId!;
    const texted = confirmationEventKey('texted', data.bookingId, start);
    // The job's id is forgotten after a while; the timeline is not.
    if (await em.count(CallEvent, { call: data.callId, key: texted })) return { texted: false, skipped: 'already_texted' };
    const [booking, client, profile] = await Promise.all([
      em.findOne(Booking, { id: data.bookingId, client: clientId }),
      em.findOne(Client, { id: clientId }),
      em.findOne(AgentProfile, { client: clientId }),
    ]);
    if (!booking || !client || booking.status !== 'confirmed' || booking.startsAt.getTime() !== start.getTime()) {
      this.deps.logger.info({ callSid: data.callSid, bookingId: data.bookingId }, 'booking cancelled or moved before its confirmation went out: not texted');
      return { texted: false, skipped: 'booking_changed' };
    }
    if (profile?.textConfirmations === false) return { texted: false, skipped: 'off' };

    let from: string | null = null;
    try {
      const connection = await this.deps.db
        .forTenant({ ...data.ctx, clientId: null })
        .findOne(JambonzConnection, { brand: data.ctx.brandId });
      if (!connection) return this.failed(data, start, { reason: 'no_connection' });
      from = await this.fromNumber(data);
      if (!from) return this.failed(data, start, { reason: 'no_number' });
      const service = profile?.services.find((s) => s.id === booking.serviceId);
      const text = confirmationText(this.deps.i18n, {
        locale: client.locale,
        timezone: client.timezone,
        business: client.name,
        service: service?.name[client.locale] ?? booking.serviceName,
        startsAt: booking.startsAt,
        phone: profile?.businessPhone || from,
      });
      const api = new JambonzApiClient({
        baseUrl: connection.baseUrl,
        apiKey: this.deps.keyring.decrypt(connection.encryptedApiKey, jambonzApiKeyAad(data.ctx.brandId)),
        timeoutMs: this.deps.timeoutMs,
        fetch: this.deps.fetch,
      });
      // jambonz keeps and passes numbers as digits: the SMPP side takes them as international without `+`.
      const sent = await api.createMessage(connection.accountSid, { from: from.slice(1), to: data.to.slice(1), text });
      this.record(data, texted, { bookingId: data.bookingId, to: data.to, from, messageSid: sent.sid });
      return { texted: true, messageSid: sent.sid };
    } catch (error) {
      if (worthRetrying(error) && job.attempt < this.attempts) throw error;
      const detail = error instanceof JambonzApiError ? { reason: 'jambonz', status: error.status, detail: error.params.detail || error.message } : { reason: 'error', detail: error instanceof Error ? error.message : String(error) };
      this.deps.logger.warn({ err: error, callSid: data.callSid, bookingId: data.bookingId, attempt: job.attempt }, 'a booking confirmation could not be texted');
      return this.failed(data, start, { ...detail, ...(from ? { from } : {}) });
    }
  }

  /** The client's number the text comes from: the one the caller dialled while the client holds it, else its first. */
  private async fromNumber(data: BookingConfirmationJob): Promise<string | null> {
    const numbers = await this.deps.db
      .forTenant(data.ctx)
      .find(PhoneNumber, { client: data.ctx.clientId!, state: 'assigned' }, { fields: ['number'], orderBy: { createdAt: 'asc' } });
    const held = numbers.map((n) => n.number);
    if (held.includes(data.calledNumber)) return data.calledNumber;
    return held.map(textableNumber).find((n): n is string => n !== null) ?? null;
  }

  private failed(data: BookingConfirmationJob, start: Date, facts: Record<string, unknown>): ConfirmationOutcome {
    this.record(data, confirmationEventKey('failed', data.bookingId, start), { bookingId: data.bookingId, to: data.to, ...facts });
    return { texted: false, failed: String(facts.reason) };
  }

  private record(data: BookingConfirmationJob, key: string, facts: Record<string, unknown>): void {
    this.deps.writer.event({ callId: data.callId, brandId: data.ctx.brandId, clientId: data.ctx.clientId!, key, at: this.clock(), data: facts });
  }

  /** Whether the brand has a jambonz connection, kept a few seconds: the turn asks it, and it rarely changes. */
  private async brandCanSend(brandId: string): Promise<boolean> {
    const now = Date.now();
    const known = this.connections.get(brandId);
    if (known && known.until > now) return known.ok;
    const ok = (await this.deps.db.forTenant({ brandId, clientId: null, locale: 'en' }).count(JambonzConnection, { brand: brandId })) > 0;
    if (this.connections.size > 10_000) this.connections.clear();
    this.connections.set(brandId, { ok, until: now + (this.deps.connectionTtlMs ?? 15_000) });
    return ok;
  }
}
