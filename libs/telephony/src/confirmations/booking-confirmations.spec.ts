import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { BookingLedger } from '@tero/booking';
import { InProcessJobQueue, Keyring, createI18n, generateEncryptionKey } from '@tero/core';
import { AgentProfile, Brand, Call, CallEvent, Client, JambonzConnection, PhoneNumber } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { i18n as I18n } from 'i18next';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { CallRecordWriter } from '../call-record.writer';
import { jambonzApiKeyAad } from '../provisioning/jambonz-connection.service';
import { FakeJambonzServer } from '../testing';
import {
  BOOKING_CONFIRMATION_JOB,
  type BookingConfirmationJob,
  BookingConfirmations,
  type ConfirmationRequest,
  confirmationEventKey,
  confirmationJobId,
  textableNumber,
} from './booking-confirmations';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const quiet = pino({ level: 'silent' });
const NOW = new Date('2026-03-09T13:00:00Z'); // Monday 09:00 in New York
const TOMORROW_10 = new Date('2026-03-10T14:00:00Z'); // Tuesday 10:00 in New York
const CLIENT_NUMBER = '+15550100100';
const ATTEMPTS = 3;

describe('textableNumber', () => {
  it('takes E.164 numbers a text can reach, written loosely, and nothing else', () => {
    expect(textableNumber('+1 (555) 777-0001')).toBe('+15557770001');
    expect(textableNumber('+33612345678')).toBe('+33612345678');
    for (const bad of ['5557770001', '+1555', 'anonymous', 'sip:alice@example.com', '+0555777000', '+1555777000123456', '', null, undefined]) {
      expect(textableNumber(bad)).toBeNull();
    }
  });
});

describe.each(kinds)('BookingConfirmations on %s against the fake jambonz', (kind) => {
  let t: TestDatabase;
  let fake: FakeJambonzServer;
  let jobs: InProcessJobQueue;
  let writer: CallRecordWriter;
  let i18n: I18n;
  let confirmations: BookingConfirmations;
  let ledger: BookingLedger;
  const keyring = Keyring.fromConfig(generateEncryptionKey('k1'));
  let jambonz: { accountSid: string; apiKey: string };
  let ctx: TenantContext;
  let otherCtx: TenantContext;
  let noJambonzCtx: TenantContext;
  let profile: AgentProfile;
  let seq = 0;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    fake = await FakeJambonzServer.start();
    jambonz = fake.seedAccount({ name: 'Acme Voice' });
    fake.seedCarrier({ name: 'acme sms', account_sid: jambonz.accountSid, smpp_system_id: 'acme', smpp_password: 'secret' });
    i18n = await createI18n(join(__dirname, '../../../../locales'));
    const em = t.db.forInstance('spec seed');
    const make = (brandSlug: string) => em.create(Brand, { name: brandSlug, slug: brandSlug, supportEmail: `s@${brandSlug}.test`, senderEmail: `n@${brandSlug}.test` });
    const brand = make('acme');
    const bare = make('bare');
    const business = (owner: Brand, slug: string, name: string, number: string) => {
      const client = em.create(Client, { brand: owner, name, slug, professionPack: 'dentist', timezone: 'America/New_York', locale: 'en' });
      const agent = em.create(AgentProfile, {
        brand: owner,
        client,
        businessPhone: number,
        hours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [], thu: [], fri: [], sat: [], sun: [] },
        services: [{ id: 'cleaning', name: { en: 'Teeth cleaning', es: 'Limpieza dental' }, durationMinutes: 60, bufferMinutes: 0, priceMinor: 12000, bookable: true }],
        faq: [],
        policies: { afterHours: 'ai', holiday: 'ai', suspended: 'message', quotaExceeded: 'message', emergency: 'transfer' },
      });
      em.create(PhoneNumber, { brand: owner, client, number });
      return { client, agent };
    };
    const one = business(brand, 'bright', 'Bright Smile Dental', CLIENT_NUMBER);
    const two = business(brand, 'other', 'Other Dental', '+15550100200');
    const three = business(bare, 'lonely', 'Lonely Dental', '+15550100300');
    em.create(JambonzConnection, {
      brand,
      baseUrl: fake.url,
      accountSid: jambonz.accountSid,
      encryptedApiKey: keyring.encrypt(jambonz.apiKey, jambonzApiKeyAad(brand.id)),
    });
    await em.flush();
    ctx = { brandId: brand.id, clientId: one.client.id, locale: 'en' };
    otherCtx = { brandId: brand.id, clientId: two.client.id, locale: 'en' };
    noJambonzCtx = { brandId: bare.id, clientId: three.client.id, locale: 'en' };
    profile = one.agent;
    ledger = new BookingLedger(t.db, { clock: () => NOW });
    jobs = new InProcessJobQueue(quiet);
    writer = new CallRecordWriter(t.db, quiet);
    confirmations = new BookingConfirmations({ db: t.db, jobs, keyring, i18n, writer, logger: quiet, timeoutMs: 300, attempts: ATTEMPTS, backoff: { type: 'fixed', delayMs: 5 }, clock: () => NOW });
    confirmations.register();
    await jobs.start({ process: true });
  });
  afterAll(async () => {
    await jobs.close();
    await writer.close();
    await fake.close();
    await t.drop();
  });
  afterEach(() => fake.clearFaults());

  /** A call of the tenant with its row, as the call path would have written it. */
  async function call(of: TenantContext, from = '+15557770001') {
    const em = t.db.forInstance('spec seed');
    const callSid = `call-${randomUUID()}`;
    const row = em.create(Call, { brand: of.brandId, client: of.clientId!, callSid, fromNumber: from, toNumber: CLIENT_NUMBER, route: 'open', startedAt: NOW });
    await em.flush();
    return { callSid, callId: row.id, brandId: of.brandId, clientId: of.clientId!, from, to: CLIENT_NUMBER, test: false };
  }

  /** A confirmed booking of the tenant, a new hour each time (the calendar fills up). */
  async function booking(of: TenantContext, callerPhone = '+15557770001', start?: Date) {
    const at = start ?? new Date(TOMORROW_10.getTime() + (seq % 7) * 3600_000 + Math.floor(seq / 7) * 7 * 86_400_000);
    seq++;
    const result = await ledger.book(of, { serviceId: 'cleaning', start: at, callerName: 'Maria Lopez', callerPhone, by: 'system', idempotencyKey: `spec:${randomUUID()}` });
    if (!result.ok) throw new Error(`booking refused: ${result.reason}`);
    return { id: result.bookingId, start: at };
  }

  const request = (over: Partial<ConfirmationRequest> & Pick<ConfirmationRequest, 'session' | 'bookingId'>) => confirmations.request({ ctx, profile, ...over });
  const messagesTo = (to: string) => fake.messages(jambonz.accountSid).filter((m) => m.to === to.slice(1));
  const postsTo = () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Messages')).length;
  const eventsOf = async (callId: string) => {
    await jobs.drain();
    await writer.flush();
    return t.db.forInstance('spec').find(CallEvent, { call: callId }, { orderBy: { key: 'asc' } });
  };

  it('queues one job per booking and start, texts the caller from the number they called, and records it on the call', async () => {
    const session = await call(ctx, '+15557770101');
    const booked = await booking(ctx, '+15557770101', TOMORROW_10);
    const first = await request({ session, bookingId: booked.id });
    expect(first).toEqual({ sent: true, jobId: confirmationJobId(booked.id, TOMORROW_10) });
    // A retried tool call, a hook delivered twice: the same job.
    expect(await request({ session, bookingId: booked.id })).toEqual(first);
    const events = await eventsOf(session.callId);

    expect(messagesTo('+15557770101')).toEqual([
      expect.objectContaining({ from: '15550100100', to: '15557770101', text: 'Bright Smile Dental: your appointment for Teeth cleaning is confirmed for Tuesday, March 10, 2026 at 10:00 AM. To change it, call +15550100100.' }),
    ]);
    const [message] = messagesTo('+15557770101');
    expect(events).toEqual([
      expect.objectContaining({ key: confirmationEventKey('texted', booked.id, TOMORROW_10), data: { bookingId: booked.id, to: '+15557770101', from: CLIENT_NUMBER, messageSid: message!.message_sid } }),
    ]);
    // Even once the queue has forgotten the job, the timeline says it was texted.
    const again = await confirmations.send({ attempt: 1, data: (await jobs.get<BookingConfirmationJob>(BOOKING_CONFIRMATION_JOB, first.sent ? first.jobId : ''))!.data });
    expect(again).toEqual({ texted: false, skipped: 'already_texted' });
    expect(messagesTo('+15557770101')).toHaveLength(1);
  });

  it('texts the number the caller gave for the booking when it differs from the line they called from', async () => {
    const session = await call(ctx, '+15557770102');
    const booked = await booking(ctx, '+15557770199');
    expect((await request({ session, bookingId: booked.id })).sent).toBe(true);
    await eventsOf(session.callId);
    expect(messagesTo('+15557770199')).toHaveLength(1);
    expect(messagesTo('+15557770102')).toHaveLength(0);
  });

  it('queues nothing when the client turned it off, on a test call, for a booking not of this client or not confirmed, an untextable caller, or a brand without jambonz', async () => {
    const before = postsTo();
    const session = await call(ctx, '+15557770103');
    const mine = await booking(ctx, '+15557770103');
    expect(await request({ session, bookingId: mine.id, profile: Object.assign(new AgentProfile(), { textConfirmations: false }) })).toEqual({ sent: false, reason: 'off' });
    expect(await request({ session: { ...session, test: true }, bookingId: mine.id })).toEqual({ sent: false, reason: 'test_call' });

    const theirs = await booking(otherCtx, '+15557770103');
    expect(await request({ session, bookingId: theirs.id })).toEqual({ sent: false, reason: 'no_booking' });
    expect(await request({ session, bookingId: randomUUID() })).toEqual({ sent: false, reason: 'no_booking' });
    expect(await request({ session, bookingId: 'not-an-id' })).toEqual({ sent: false, reason: 'no_booking' });
    const cancelled = await booking(ctx, '+15557770103');
    await ledger.cancel(ctx, { bookingId: cancelled.id, by: 'system' });
    expect(await request({ session, bookingId: cancelled.id })).toEqual({ sent: false, reason: 'no_booking' });

    const anonymous = await call(ctx, 'anonymous');
    const unreachable = await booking(ctx, '555-0103');
    expect(await request({ session: anonymous, bookingId: unreachable.id })).toEqual({ sent: false, reason: 'not_textable' });

    const lonely = await call(noJambonzCtx, '+15557770104');
    const lonelyBooking = await booking(noJambonzCtx, '+15557770104');
    expect(await request({ ctx: noJambonzCtx, session: lonely, bookingId: lonelyBooking.id })).toEqual({ sent: false, reason: 'no_connection' });

    expect(await eventsOf(session.callId)).toEqual([]);
    expect(postsTo()).toBe(before);
    expect((await jobs.counts())[BOOKING_CONFIRMATION_JOB]).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  });

  it('retries while jambonz answers 5xx or nothing, then texts once', async () => {
    const session = await call(ctx, '+15557770105');
    const booked = await booking(ctx, '+15557770105');
    fake.failNext(1, 503, { method: 'POST', path: /\/Messages$/ });
    fake.failNext(1, 'hang', { method: 'POST', path: /\/Messages$/ });
    const before = postsTo();
    expect((await request({ session, bookingId: booked.id })).sent).toBe(true);
    const events = await eventsOf(session.callId);
    expect(postsTo() - before).toBe(3);
    expect(messagesTo('+15557770105')).toHaveLength(1);
    expect(events.map((e) => e.key)).toEqual([confirmationEventKey('texted', booked.id, booked.start)]);
  });

  it('gives up at once on a 4xx, and after its tries on 5xx, recording the failure in jambonz\'s words', async () => {
    const refusedCall = await call(ctx, '+15557770106');
    const refused = await booking(ctx, '+15557770106');
    fake.failNext(1, 422, { method: 'POST', path: /\/Messages$/ });
    let before = postsTo();
    await request({ session: refusedCall, bookingId: refused.id });
    expect(await eventsOf(refusedCall.callId)).toEqual([
      expect.objectContaining({
        key: confirmationEventKey('failed', refused.id, refused.start),
        data: { bookingId: refused.id, to: '+15557770106', from: CLIENT_NUMBER, reason: 'jambonz', status: 422, detail: 'fake jambonz: injected 422' },
      }),
    ]);
    expect(postsTo() - before).toBe(1);

    const downCall = await call(ctx, '+15557770107');
    const down = await booking(ctx, '+15557770107');
    fake.failAlways(500, { method: 'POST', path: /\/Messages$/ });
    before = postsTo();
    await request({ session: downCall, bookingId: down.id });
    const events = await eventsOf(downCall.callId);
    expect(postsTo() - before).toBe(ATTEMPTS);
    expect(events).toEqual([expect.objectContaining({ key: confirmationEventKey('failed', down.id, down.start), data: expect.objectContaining({ reason: 'jambonz', status: 500 }) })]);
    expect(messagesTo('+15557770106').concat(messagesTo('+15557770107'))).toEqual([]);
  });

  it('texts nothing for a booking cancelled or moved before the job ran', async () => {
    const session = await call(ctx, '+15557770108');
    const booked = await booking(ctx, '+15557770108');
    const data: BookingConfirmationJob = { ctx, callId: session.callId, callSid: session.callSid, bookingId: booked.id, startsAt: booked.start.toISOString(), to: '+15557770108', calledNumber: CLIENT_NUMBER };
    await ledger.reschedule(ctx, { bookingId: booked.id, start: new Date(booked.start.getTime() + 7 * 86_400_000), by: 'system' });
    expect(await confirmations.send({ attempt: 1, data })).toEqual({ texted: false, skipped: 'booking_changed' });
    await ledger.cancel(ctx, { bookingId: booked.id, by: 'system' });
    expect(await confirmations.send({ attempt: 1, data: { ...data, startsAt: new Date(booked.start.getTime() + 7 * 86_400_000).toISOString() } })).toEqual({ texted: false, skipped: 'booking_changed' });
    expect(messagesTo('+15557770108')).toEqual([]);
  });

  it('records a failure without asking jambonz when the client holds no number to text from', async () => {
    const session = await call(ctx, '+15557770109');
    const booked = await booking(ctx, '+15557770109');
    const em = t.db.forTenant(ctx);
    const number = await em.findOneOrFail(PhoneNumber, { number: CLIENT_NUMBER });
    number.state = 'released';
    await em.flush();
    try {
      const before = postsTo();
      await request({ session, bookingId: booked.id });
      expect(await eventsOf(session.callId)).toEqual([expect.objectContaining({ key: confirmationEventKey('failed', booked.id, booked.start), data: { bookingId: booked.id, to: '+15557770109', reason: 'no_number' } })]);
      expect(postsTo()).toBe(before);
    } finally {
      number.state = 'assigned';
      await em.flush();
    }
  });
});
