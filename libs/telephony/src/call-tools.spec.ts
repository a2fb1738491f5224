import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { BookingLedger } from '@tero/booking';
import { AgentProfile, Booking, Brand, CallerMessage, Client } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../db/src/testing';
import { postgresAvailable } from '../../db/src/testing/postgres-gate';
import type { CallSession } from './call-session.store';
import { callHolder, createCallTools } from './call-tools';
import type { ConfirmationAnswer, ConfirmationRequest } from './confirmations/booking-confirmations';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const NOW = new Date('2026-03-09T13:00:00Z'); // Monday 09:00 in New York
const TOMORROW_10 = new Date('2026-03-10T14:00:00Z'); // Tuesday 10:00 in New York

describe.each(kinds)('call tools on %s', (kind) => {
  let t: TestDatabase;
  let ledger: BookingLedger;
  let ctx: TenantContext;
  let otherCtx: TenantContext;
  let profile: AgentProfile;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    ledger = new BookingLedger(t.db, { clock: () => NOW });
    const em = t.db.forInstance('spec seed');
    const brand = em.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    const make = (slug: string) => {
      const client = em.create(Client, { brand, name: slug, slug, professionPack: 'dentist', timezone: 'America/New_York' });
      const agent = em.create(AgentProfile, {
        brand,
        client,
        hours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [], thu: [], fri: [], sat: [], sun: [] },
        services: [{ id: 'cleaning', name: { en: 'Cleaning' }, durationMinutes: 60, bufferMinutes: 0, priceMinor: 12000, bookable: true }],
        faq: [],
        transferNumber: '+15550109999',
        onCallNumber: null,
        policies: { afterHours: 'ai', holiday: 'ai', suspended: 'message', quotaExceeded: 'message', emergency: 'transfer' },
      });
      return { client, agent };
    };
    const one = make('one');
    const two = make('two');
    await em.flush();
    ctx = { brandId: brand.id, clientId: one.client.id, locale: 'en' };
    otherCtx = { brandId: brand.id, clientId: two.client.id, locale: 'en' };
    profile = one.agent;
  });
  afterAll(() => t.drop());

  const session = (ofCtx: TenantContext): CallSession => ({
    callSid: `call-${randomUUID()}`,
    callId: randomUUID(),
    brandId: ofCtx.brandId,
    clientId: ofCtx.clientId!,
    accountSid: null,
    route: 'open',
    mode: 'ai',
    locale: 'en',
    from: '+15550001111',
    to: '+15550100100',
    callerName: 'Maria Lopez',
    startedAt: NOW.toISOString(),
    engineId: 'builtin',
    engineState: {},
    seq: 0,
    silences: 0,
    callerTurns: 0,
    outcome: null,
    bookingId: null,
    messageId: null,
    held: false,
    transferTo: null,
    lastAction: 'listen',
    ended: false,
    opening: [],
  });

  it('books through a hold of the call, once per call and slot, and records the booking as the outcome', async () => {
    const call = session(ctx);
    const tools = createCallTools(call, { db: t.db, ledger, ctx, profile });
    expect((await tools.checkAvailability({ serviceId: 'cleaning', from: TOMORROW_10, to: new Date(TOMORROW_10.getTime() + 3600_000), limit: 1 }))[0]).toMatchObject({
      serviceId: 'cleaning',
      start: TOMORROW_10,
    });
    const hold = await tools.holdSlot({ serviceId: 'cleaning', start: TOMORROW_10 });
    if (!hold.ok) throw new Error(`hold refused: ${hold.reason}`);
    expect(call.held).toBe(true);
    expect(call.outcome).toBeNull();
    const booked = await tools.book({ holdId: hold.holdId, callerName: 'Maria Lopez', callerPhone: '+15550001111' });
    const again = await tools.book({ holdId: hold.holdId, callerName: 'Maria Lopez', callerPhone: '+15550001111' });
    expect(booked).toMatchObject({ ok: true, start: TOMORROW_10 });
    expect(again).toEqual(booked);
    expect(call).toMatchObject({ outcome: 'booked', bookingId: (booked as { bookingId: string }).bookingId });
    const rows = await t.db.forTenant(ctx).find(Booking, {});
    expect(rows.filter((b) => b.status === 'confirmed')).toHaveLength(1);
    expect(rows[0]!.changes.map((c) => c.by)).toContain(callHolder(call.callSid));

    // Another call cannot take the slot; a failed hold changes nothing on its session.
    const other = session(ctx);
    const refused = await createCallTools(other, { db: t.db, ledger, ctx, profile }).holdSlot({ serviceId: 'cleaning', start: TOMORROW_10 });
    expect(refused).toEqual({ ok: false, reason: 'taken' });
    expect(other).toMatchObject({ held: false, outcome: null });
  });

  it('finds, moves and cancels the caller\'s booking, each change becoming the outcome', async () => {
    const call = session(ctx);
    const tools = createCallTools(call, { db: t.db, ledger, ctx, profile });
    const [found] = await tools.findBookings({ callerPhone: '+1 555 000 1111' });
    expect(found).toMatchObject({ serviceId: 'cleaning', callerName: 'Maria Lopez' });
    const moved = await tools.reschedule({ bookingId: found!.bookingId, start: new Date(TOMORROW_10.getTime() + 2 * 3600_000) });
    expect(moved.ok).toBe(true);
    expect(call.outcome).toBe('rescheduled');
    const cancelled = await tools.cancel({ bookingId: found!.bookingId });
    expect(cancelled.ok).toBe(true);
    expect(call).toMatchObject({ outcome: 'rescheduled', bookingId: found!.bookingId });
    const fresh = session(ctx);
    await createCallTools(fresh, { db: t.db, ledger, ctx, profile }).cancel({ bookingId: found!.bookingId });
    expect(fresh.outcome).toBe('cancelled');
  });

  it('keeps one message per call, updated when the caller adds to it', async () => {
    const call = session(ctx);
    const tools = createCallTools(call, { db: t.db, ledger, ctx, profile });
    const first = await tools.takeMessage({ callbackNumber: '+15550002222', text: 'Call me back' });
    const second = await tools.takeMessage({ callbackNumber: '+15550002222', text: 'Call me back about the bill', urgent: true });
    expect(second).toEqual(first);
    const messages = await t.db.forTenant(ctx).find(CallerMessage, { callSid: call.callSid });
    expect(messages).toEqual([expect.objectContaining({ text: 'Call me back about the bill', urgent: true, callerName: 'Maria Lopez', callbackNumber: '+15550002222' })]);
    expect(call).toMatchObject({ outcome: 'message_taken', messageId: first.messageId });
  });

  it('stays inside the call\'s client: another client\'s booking is not found, moved or cancelled', async () => {
    const mine = session(ctx);
    const hold = await createCallTools(mine, { db: t.db, ledger, ctx, profile }).holdSlot({ serviceId: 'cleaning', start: TOMORROW_10 });
    if (!hold.ok) throw new Error(`hold refused: ${hold.reason}`);
    const booking = await createCallTools(mine, { db: t.db, ledger, ctx, profile }).book({ holdId: hold.holdId, callerName: 'Maria', callerPhone: '+15550003333' });
    if (!booking.ok) throw new Error('not booked');
    const theirs = session(otherCtx);
    const tools = createCallTools(theirs, { db: t.db, ledger, ctx: otherCtx, profile });
    expect(await tools.findBookings({ callerPhone: '+15550003333' })).toEqual([]);
    expect(await tools.cancel({ bookingId: booking.bookingId })).toEqual({ ok: false, reason: 'not_found' });
    expect(await tools.reschedule({ bookingId: booking.bookingId, start: TOMORROW_10 })).toEqual({ ok: false, reason: 'not_found' });
    expect(theirs.outcome).toBeNull();
  });

  it('names where transfers go', async () => {
    const tools = createCallTools(session(ctx), { db: t.db, ledger, ctx, profile });
    expect(tools.transferTarget('human')).toBe('+15550109999');
    expect(tools.transferTarget('emergency')).toBeNull();
  });

  it('asks for a confirmation text with the call, its client and the booking, and says sent only when it was accepted', async () => {
    const bookingId = randomUUID();
    expect(await createCallTools(session(ctx), { db: t.db, ledger, ctx, profile }).sendConfirmation({ bookingId })).toEqual({ sent: false });

    const asked: ConfirmationRequest[] = [];
    let answer: ConfirmationAnswer = { sent: true, jobId: 'job-1' };
    const confirmations = { request: async (request: ConfirmationRequest) => (asked.push(request), answer) };
    const call = session(ctx);
    const tools = createCallTools(call, { db: t.db, ledger, ctx, profile, confirmations });
    expect(await tools.sendConfirmation({ bookingId })).toEqual({ sent: true });
    expect(asked).toEqual([{ ctx, session: call, profile, bookingId }]);
    answer = { sent: false, reason: 'off' };
    expect(await tools.sendConfirmation({ bookingId })).toEqual({ sent: false });
  });
});
