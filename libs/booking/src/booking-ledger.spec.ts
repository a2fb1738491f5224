import 'reflect-metadata';
import { ValidationError } from '@tero/accounts';
import { formatLocal } from '@tero/core';
import { Booking, BookingSlot } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../db/src/testing';
import { postgresAvailable } from '../../db/src/testing/postgres-gate';
import { agentBookingKey } from './booking-keys';
import { BookingLedger } from './booking-ledger';
import { TestClock, seedBusiness } from './testing/booking-fixtures';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const NY = 'America/New_York';
/** Local New York wall clock in March 2026 before the change to summer time (UTC−5). */
const at = (localTime: string) => new Date(`${localTime}:00-05:00`);
const localTimes = (offers: { start: Date }[]) => offers.map((o) => formatLocal(o.start, NY).slice(11));
const caller = { callerName: 'Dana Scully', callerPhone: '+1 555 010 2030' };

describe.each(kinds)('BookingLedger on %s', (kind) => {
  let t: TestDatabase;
  const clock = new TestClock(at('2026-03-02T07:00'));
  let ledger: BookingLedger;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    ledger = new BookingLedger(t.db, { clock: clock.now, holdSeconds: 300 });
  });
  afterAll(() => t.drop());
  beforeEach(() => clock.set(at('2026-03-02T07:00')));

  const bookDirect = (ctx: TenantContext, start: Date, serviceId = 'cleaning', key = `test:${serviceId}:${start.toISOString()}`) =>
    ledger.book(ctx, { serviceId, start, ...caller, by: 'user:owner', idempotencyKey: key });
  const slotsOf = (ctx: TenantContext, bookingId: string) => t.db.forTenant(ctx).find(BookingSlot, { booking: bookingId }, { orderBy: { slotStart: 'asc' } });

  describe('availability', () => {
    it('offers open starts, earliest first, up to the limit', async () => {
      const { ctx } = await seedBusiness(t.db);
      const offers = await ledger.availability(ctx, { serviceId: 'cleaning', from: at('2026-03-03T00:00'), to: at('2026-03-04T00:00'), limit: 100 });
      expect(offers).toHaveLength(29);
      expect(offers[0]).toEqual({ serviceId: 'cleaning', start: at('2026-03-03T09:00'), end: at('2026-03-03T10:00') });
      expect(localTimes(await ledger.availability(ctx, { serviceId: 'cleaning', from: at('2026-03-03T00:00'), to: at('2026-03-10T00:00'), limit: 2 }))).toEqual([
        '09:00',
        '09:15',
      ]);
      expect(await ledger.availability(ctx, { serviceId: 'surgery', from: at('2026-03-03T00:00'), to: at('2026-03-04T00:00') })).toEqual([]);
    });

    it('leaves out holidays and uses an exception day’s own hours', async () => {
      const { ctx } = await seedBusiness(t.db, {
        exceptions: [
          { date: '2026-03-03', name: 'Closed for training', hours: [] },
          { date: '2026-03-04', hours: [['12:00', '13:30']] },
        ],
      });
      expect(await ledger.availability(ctx, { serviceId: 'cleaning', from: at('2026-03-03T00:00'), to: at('2026-03-04T00:00') })).toEqual([]);
      expect(localTimes(await ledger.availability(ctx, { serviceId: 'cleaning', from: at('2026-03-04T00:00'), to: at('2026-03-05T00:00') }))).toEqual([
        '12:00',
        '12:15',
        '12:30',
      ]);
    });

    it('never offers the past', async () => {
      const { ctx } = await seedBusiness(t.db);
      clock.set(at('2026-03-03T10:07'));
      const offers = await ledger.availability(ctx, { serviceId: 'cleaning', from: at('2026-03-03T00:00'), to: at('2026-03-04T00:00') });
      expect(localTimes(offers)[0]).toBe('10:15');
      expect(await ledger.availability(ctx, { serviceId: 'cleaning', from: at('2026-03-02T00:00'), to: at('2026-03-03T00:00') })).toEqual([]);
    });

    it('keeps the buffer after a booking free, and lets it run past closing', async () => {
      const { ctx } = await seedBusiness(t.db);
      expect(await bookDirect(ctx, at('2026-03-03T10:00'))).toMatchObject({ ok: true });
      const window = { from: at('2026-03-03T00:00'), to: at('2026-03-04T00:00'), limit: 200 };
      const long = localTimes(await ledger.availability(ctx, { serviceId: 'cleaning', ...window }));
      // 10:00 + 60 minutes + 15 of buffer: the next cleaning starts at 11:15; one at 9:00 would run into 10:00.
      expect(long.slice(0, 2)).toEqual(['11:15', '11:30']);
      expect(long.at(-1)).toBe('16:00');
      const short = localTimes(await ledger.availability(ctx, { serviceId: 'quick', ...window }));
      expect(short).toContain('09:50');
      expect(short).not.toContain('09:55');
      expect(short).not.toContain('11:10');
      expect(short).toContain('11:15');
    });

    it('with a capacity of 2, a time stays open until two bookings take it', async () => {
      const { ctx } = await seedBusiness(t.db, { capacity: 2 });
      const window = { serviceId: 'cleaning', from: at('2026-03-03T10:00'), to: at('2026-03-03T10:01') };
      expect(await bookDirect(ctx, at('2026-03-03T10:00'), 'cleaning', 'first')).toMatchObject({ ok: true });
      expect(await ledger.availability(ctx, window)).toHaveLength(1);
      expect(await bookDirect(ctx, at('2026-03-03T10:00'), 'cleaning', 'second')).toMatchObject({ ok: true });
      expect(await ledger.availability(ctx, window)).toEqual([]);
      expect(await bookDirect(ctx, at('2026-03-03T10:00'), 'cleaning', 'third')).toEqual({ ok: false, reason: 'taken' });
      const resources = (await ledger.list(ctx, { from: at('2026-03-03T00:00'), to: at('2026-03-04T00:00') })).map((b) => b.resource).sort();
      expect(resources).toEqual([0, 1]);
    });

    it('follows the clock change on the spring-forward day in New York', async () => {
      const { ctx } = await seedBusiness(t.db, { exceptions: [{ date: '2026-03-08', name: 'Night shift', hours: [['00:00', '04:00']] }] });
      const sunday = await ledger.availability(ctx, { serviceId: 'cleaning', from: at('2026-03-08T00:00'), to: new Date('2026-03-09T00:00:00-04:00'), limit: 50 });
      expect(localTimes(sunday)).toEqual(['00:00', '00:15', '00:30', '00:45', '01:00', '01:15', '01:30', '01:45', '03:00']);
      expect(sunday.at(-1)!.start).toEqual(new Date('2026-03-08T07:00:00Z'));
      const monday = await ledger.availability(ctx, { serviceId: 'cleaning', from: new Date('2026-03-09T00:00:00-04:00'), to: new Date('2026-03-10T00:00:00-04:00'), limit: 1 });
      expect(monday[0]!.start).toEqual(new Date('2026-03-09T13:00:00Z'));
    });
  });

  describe('hold, confirm, expiry', () => {
    it('holds a slot, confirms it once, and confirming again gives the same booking', async () => {
      const { ctx, brand } = await seedBusiness(t.db, { currency: 'EUR' });
      const start = at('2026-03-03T10:00');
      const hold = await ledger.hold(ctx, { serviceId: 'cleaning', start, holder: 'call:CA1' });
      expect(hold).toEqual({ ok: true, holdId: expect.any(String), serviceId: 'cleaning', start, end: at('2026-03-03T11:00'), expiresAt: at('2026-03-02T07:05') });
      if (!hold.ok) throw new Error('unreachable');
      expect(await ledger.availability(ctx, { serviceId: 'cleaning', from: start, to: at('2026-03-03T10:01') })).toEqual([]);
      expect(await ledger.hold(ctx, { serviceId: 'cleaning', start, holder: 'call:CA2' })).toEqual({ ok: false, reason: 'taken' });
      const confirm = { holdId: hold.holdId, ...caller, by: 'call:CA1' };
      const booked = { ok: true, bookingId: hold.holdId, serviceId: 'cleaning', start, end: at('2026-03-03T11:00') };
      expect(await ledger.confirm(ctx, confirm)).toEqual(booked);
      expect(await ledger.confirm(ctx, confirm)).toEqual(booked);
      const [record] = await ledger.list(ctx, { from: start, to: at('2026-03-04T00:00') });
      expect(record).toMatchObject({ status: 'confirmed', callerName: 'Dana Scully', valueMinor: 12000, currency: 'EUR', serviceName: 'Cleaning' });
      expect(record!.changes.map((c) => [c.action, c.by])).toEqual([
        ['held', 'call:CA1'],
        ['confirmed', 'call:CA1'],
      ]);
      const stored = await t.db.forTenant(ctx).findOneOrFail(Booking, hold.holdId);
      expect([stored.idempotencyKey, stored.callSid, stored.brand.id]).toEqual([agentBookingKey('CA1', 'cleaning', start), 'CA1', brand.id]);
      expect(await slotsOf(ctx, hold.holdId)).toHaveLength(15);
    });

    it('a lapsed hold frees its slot: availability offers it, confirm says hold_expired, another caller takes it', async () => {
      const { ctx } = await seedBusiness(t.db);
      const start = at('2026-03-03T10:00');
      const hold = await ledger.hold(ctx, { serviceId: 'cleaning', start, holder: 'call:slow' });
      if (!hold.ok) throw new Error('hold failed');
      clock.advanceSeconds(301);
      expect(await ledger.availability(ctx, { serviceId: 'cleaning', from: start, to: at('2026-03-03T10:01') })).toHaveLength(1);
      const other = await ledger.hold(ctx, { serviceId: 'cleaning', start, holder: 'call:fast' });
      expect(other).toMatchObject({ ok: true });
      expect(await ledger.confirm(ctx, { holdId: hold.holdId, ...caller, by: 'call:slow' })).toEqual({ ok: false, reason: 'hold_expired' });
      const lapsed = await t.db.forTenant(ctx).findOneOrFail(Booking, hold.holdId);
      expect(lapsed.status).toBe('cancelled');
      expect(lapsed.changes.map((c) => c.action)).toEqual(['held', 'expired']);
      expect(await slotsOf(ctx, hold.holdId)).toEqual([]);
    });

    it('confirm after expiry with nobody else around still says hold_expired and frees the slot', async () => {
      const { ctx } = await seedBusiness(t.db);
      const hold = await ledger.hold(ctx, { serviceId: 'quick', start: at('2026-03-03T09:00'), holder: 'call:late' });
      if (!hold.ok) throw new Error('hold failed');
      clock.advanceSeconds(300);
      expect(await ledger.confirm(ctx, { holdId: hold.holdId, ...caller, by: 'call:late' })).toEqual({ ok: false, reason: 'hold_expired' });
      expect(await slotsOf(ctx, hold.holdId)).toEqual([]);
    });

    it('a new hold by the same caller releases the previous one; holding the same slot again keeps the same hold', async () => {
      const { ctx } = await seedBusiness(t.db);
      const first = await ledger.hold(ctx, { serviceId: 'cleaning', start: at('2026-03-03T10:00'), holder: 'call:CA9' });
      const again = await ledger.hold(ctx, { serviceId: 'cleaning', start: at('2026-03-03T10:00'), holder: 'call:CA9' });
      expect(again).toMatchObject({ ok: true, holdId: first.ok && first.holdId });
      // An overlapping time for the same caller: the old hold's units are released in the same transaction.
      const second = await ledger.hold(ctx, { serviceId: 'cleaning', start: at('2026-03-03T10:30'), holder: 'call:CA9' });
      expect(second).toMatchObject({ ok: true });
      const records = await ledger.list(ctx, { from: at('2026-03-03T00:00'), to: at('2026-03-04T00:00') });
      expect(records.map((r) => [formatLocal(r.start, NY).slice(11), r.status])).toEqual([
        ['10:00', 'cancelled'],
        ['10:30', 'held'],
      ]);
      expect(await ledger.releaseHolds(ctx, 'call:CA9')).toBe(1);
      expect(await ledger.releaseHolds(ctx, 'call:CA9')).toBe(0);
      expect(await ledger.availability(ctx, { serviceId: 'cleaning', from: at('2026-03-03T10:30'), to: at('2026-03-03T10:31') })).toHaveLength(1);
      // Holding a released slot again revives the same booking instead of making a second one.
      const revived = await ledger.hold(ctx, { serviceId: 'cleaning', start: at('2026-03-03T10:00'), holder: 'call:CA9' });
      expect(revived).toMatchObject({ ok: true, holdId: first.ok && first.holdId });
    });

    it('refuses what cannot be booked, with the reason', async () => {
      const { ctx } = await seedBusiness(t.db);
      const hold = (serviceId: string, start: Date) => ledger.hold(ctx, { serviceId, start, holder: 'call:R' });
      expect(await hold('nope', at('2026-03-03T10:00'))).toEqual({ ok: false, reason: 'unknown_service' });
      expect(await hold('surgery', at('2026-03-03T10:00'))).toEqual({ ok: false, reason: 'unknown_service' });
      expect(await hold('cleaning', at('2026-03-01T10:00'))).toEqual({ ok: false, reason: 'in_past' });
      expect(await hold('cleaning', at('2026-03-08T10:00'))).toEqual({ ok: false, reason: 'closed' });
      expect(await hold('cleaning', at('2026-03-03T16:15'))).toEqual({ ok: false, reason: 'closed' });
      await expect(hold('cleaning', at('2026-03-03T10:05'))).rejects.toThrow(/start: must be on the 15-minute grid/);
      const held = await hold('cleaning', at('2026-03-03T10:00'));
      if (!held.ok) throw new Error('hold failed');
      expect(await ledger.confirm(ctx, { holdId: held.holdId, ...caller, by: 'call:someone-else' })).toEqual({ ok: false, reason: 'not_found' });
      expect(await ledger.confirm(ctx, { holdId: 'not-an-id', ...caller, by: 'call:R' })).toEqual({ ok: false, reason: 'not_found' });
      expect(await ledger.list(ctx, { from: at('2026-03-01T00:00'), to: at('2026-03-09T00:00') })).toHaveLength(1);
    });
  });

  describe('idempotency', () => {
    it('the same key gives the same booking, never a second one', async () => {
      const { ctx } = await seedBusiness(t.db);
      const start = at('2026-03-03T11:00');
      const first = await bookDirect(ctx, start, 'cleaning', 'dashboard:42');
      const second = await bookDirect(ctx, start, 'cleaning', 'dashboard:42');
      expect(first).toMatchObject({ ok: true });
      expect(second).toEqual(first);
      expect(await ledger.list(ctx, { from: start, to: at('2026-03-04T00:00') })).toHaveLength(1);
    });

    it('a direct booking with the key a call holds confirms that hold', async () => {
      const { ctx } = await seedBusiness(t.db);
      const start = at('2026-03-03T11:00');
      const hold = await ledger.hold(ctx, { serviceId: 'cleaning', start, holder: 'call:CA7' });
      const direct = await bookDirect(ctx, start, 'cleaning', agentBookingKey('CA7', 'cleaning', start));
      expect(direct).toMatchObject({ ok: true, bookingId: hold.ok && hold.holdId });
      expect((await ledger.list(ctx, { from: start, to: at('2026-03-04T00:00') })).map((b) => b.status)).toEqual(['confirmed']);
    });
  });

  describe('reschedule and cancel', () => {
    it('moves a booking, claiming the new time before freeing the old, with history', async () => {
      const { ctx } = await seedBusiness(t.db);
      const booked = await bookDirect(ctx, at('2026-03-03T10:00'));
      if (!booked.ok) throw new Error('book failed');
      // Fifteen minutes later overlaps the booking's own units: they are kept, not claimed twice.
      const moved = await ledger.reschedule(ctx, { bookingId: booked.bookingId, start: at('2026-03-03T10:15'), by: 'call:CA3' });
      expect(moved).toEqual({ ok: true, booking: expect.objectContaining({ bookingId: booked.bookingId, start: at('2026-03-03T10:15'), end: at('2026-03-03T11:15') }) });
      const slots = await slotsOf(ctx, booked.bookingId);
      expect(slots.map((s) => s.slotStart)).toEqual(Array.from({ length: 15 }, (_, i) => new Date(at('2026-03-03T10:15').getTime() + i * 300_000)));
      await bookDirect(ctx, at('2026-03-03T14:00'));
      expect(await ledger.reschedule(ctx, { bookingId: booked.bookingId, start: at('2026-03-03T13:30'), by: 'call:CA3' })).toEqual({ ok: false, reason: 'taken' });
      expect(await ledger.reschedule(ctx, { bookingId: booked.bookingId, start: at('2026-03-08T10:00'), by: 'call:CA3' })).toEqual({ ok: false, reason: 'closed' });
      expect(await ledger.reschedule(ctx, { bookingId: booked.bookingId, start: at('2026-03-01T10:00'), by: 'call:CA3' })).toEqual({ ok: false, reason: 'in_past' });
      const [record] = await ledger.list(ctx, { from: at('2026-03-03T10:15'), to: at('2026-03-03T10:16') });
      expect(record!.changes.at(-1)).toEqual({
        at: expect.any(String),
        action: 'rescheduled',
        by: 'call:CA3',
        from: at('2026-03-03T10:00').toISOString(),
        to: at('2026-03-03T10:15').toISOString(),
      });
      // The old 10:00–10:15 is free again: a 10-minute check fits at 10:00 and 10:05, not at 10:10.
      expect(localTimes(await ledger.availability(ctx, { serviceId: 'quick', from: at('2026-03-03T10:00'), to: at('2026-03-03T10:15') }))).toEqual(['10:00', '10:05']);
    });

    it('cancels a booking, frees its slot, and answers the same when asked again', async () => {
      const { ctx } = await seedBusiness(t.db);
      const booked = await bookDirect(ctx, at('2026-03-03T10:00'));
      if (!booked.ok) throw new Error('book failed');
      const cancelled = await ledger.cancel(ctx, { bookingId: booked.bookingId, by: 'call:CA4' });
      expect(cancelled).toMatchObject({ ok: true, booking: { bookingId: booked.bookingId, start: at('2026-03-03T10:00') } });
      expect(await ledger.cancel(ctx, { bookingId: booked.bookingId, by: 'call:CA4' })).toEqual(cancelled);
      expect(await slotsOf(ctx, booked.bookingId)).toEqual([]);
      expect(await ledger.reschedule(ctx, { bookingId: booked.bookingId, start: at('2026-03-03T11:00'), by: 'call:CA4' })).toEqual({ ok: false, reason: 'not_found' });
      const [record] = await ledger.list(ctx, { from: at('2026-03-03T00:00'), to: at('2026-03-04T00:00') });
      expect(record!.changes.map((c) => [c.action, c.by])).toEqual([
        ['confirmed', 'user:owner'],
        ['cancelled', 'call:CA4'],
      ]);
      expect(await bookDirect(ctx, at('2026-03-03T10:00'), 'cleaning', 'after-cancel')).toMatchObject({ ok: true });
      clock.set(at('2026-03-03T10:30'));
      const started = await ledger.list(ctx, { from: at('2026-03-03T00:00'), to: at('2026-03-04T00:00') });
      expect(await ledger.cancel(ctx, { bookingId: started.find((b) => b.status === 'confirmed')!.bookingId, by: 'call:CA4' })).toEqual({ ok: false, reason: 'in_past' });
    });

    it('finds a caller’s upcoming bookings by phone line and, optionally, name', async () => {
      const { ctx } = await seedBusiness(t.db);
      await bookDirect(ctx, at('2026-03-04T10:00'));
      await bookDirect(ctx, at('2026-03-03T10:00'));
      await ledger.book(ctx, { serviceId: 'quick', start: at('2026-03-03T15:00'), callerName: 'Fox Mulder', callerPhone: '+1 555 999 0000', by: 'user:owner', idempotencyKey: 'other' });
      const found = await ledger.findByCaller(ctx, { callerPhone: '(555) 010-2030' });
      expect(found.map((b) => b.start)).toEqual([at('2026-03-03T10:00'), at('2026-03-04T10:00')]);
      expect(await ledger.findByCaller(ctx, { callerPhone: '5550102030', callerName: 'scully' })).toHaveLength(2);
      expect(await ledger.findByCaller(ctx, { callerPhone: '5550102030', callerName: 'Mulder' })).toEqual([]);
      clock.set(at('2026-03-03T12:00'));
      expect(await ledger.findByCaller(ctx, { callerPhone: '+15550102030' })).toHaveLength(1);
      expect(await ledger.findByCaller({ ...ctx, locale: 'es' }, { callerPhone: '+15550102030' })).toMatchObject([{ serviceName: 'Limpieza' }]);
    });
  });

  describe('tenancy and bad input', () => {
    it('another client’s booking is not found, and its calendar does not show', async () => {
      const a = await seedBusiness(t.db);
      const b = await seedBusiness(t.db, { brand: a.brand });
      const other = await seedBusiness(t.db);
      const booked = await bookDirect(a.ctx, at('2026-03-03T10:00'));
      const hold = await ledger.hold(a.ctx, { serviceId: 'cleaning', start: at('2026-03-03T12:00'), holder: 'call:X' });
      if (!booked.ok || !hold.ok) throw new Error('setup failed');
      for (const ctx of [b.ctx, other.ctx, { ...a.ctx, brandId: other.brand.id }]) {
        expect(await ledger.cancel(ctx, { bookingId: booked.bookingId, by: 'call:X' })).toEqual({ ok: false, reason: 'not_found' });
        expect(await ledger.confirm(ctx, { holdId: hold.holdId, ...caller, by: 'call:X' })).toEqual({ ok: false, reason: 'not_found' });
      }
      expect(await ledger.reschedule(b.ctx, { bookingId: booked.bookingId, start: at('2026-03-03T11:00'), by: 'call:X' })).toEqual({ ok: false, reason: 'not_found' });
      expect(await ledger.list(b.ctx, { from: at('2026-03-03T00:00'), to: at('2026-03-04T00:00') })).toEqual([]);
      expect(await ledger.findByCaller(b.ctx, { callerPhone: caller.callerPhone })).toEqual([]);
      expect(await ledger.releaseHolds(b.ctx, 'call:X')).toBe(0);
      // Client b's calendar is its own: the same time is free there.
      expect(await bookDirect(b.ctx, at('2026-03-03T10:00'))).toMatchObject({ ok: true });
      expect((await ledger.list(a.ctx, { from: at('2026-03-03T00:00'), to: at('2026-03-04T00:00') })).map((r) => r.status)).toEqual(['confirmed', 'held']);
      await expect(ledger.list({ ...a.ctx, clientId: null }, { from: at('2026-03-03T00:00'), to: at('2026-03-04T00:00') })).rejects.toMatchObject({
        code: 'booking.client_required',
      });
    });

    it('bad input names the field and changes nothing', async () => {
      const { ctx } = await seedBusiness(t.db);
      const problems = async (run: Promise<unknown>) => {
        const error = await run.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).problems.map((p) => p.field);
      };
      expect(await problems(ledger.availability(ctx, { serviceId: 'cleaning', from: at('2026-03-04T00:00'), to: at('2026-03-03T00:00') }))).toEqual(['to']);
      expect(await problems(ledger.availability(ctx, { serviceId: 'cleaning', from: new Date('nonsense'), to: at('2026-03-03T00:00') }))).toContain('from');
      expect(await problems(ledger.availability(ctx, { serviceId: 'nope', from: at('2026-03-03T00:00'), to: at('2026-03-04T00:00') }))).toEqual(['serviceId']);
      expect(await problems(ledger.hold(ctx, { serviceId: 'cleaning', start: at('2026-03-03T10:00'), holder: 'call: spaces %' }))).toEqual(['holder']);
      expect(await problems(bookDirect(ctx, at('2026-03-03T10:00'), 'cleaning', ''))).toEqual(['idempotencyKey']);
      expect(
        await problems(ledger.book(ctx, { serviceId: 'cleaning', start: at('2026-03-03T10:00'), callerName: ' ', callerPhone: 'call me', by: 'u', idempotencyKey: 'k' })),
      ).toEqual(['callerName', 'callerPhone']);
      expect(await ledger.list(ctx, { from: at('2026-03-01T00:00'), to: at('2026-03-09T00:00') })).toEqual([]);
    });
  });
});
