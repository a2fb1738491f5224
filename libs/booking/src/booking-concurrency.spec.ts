import 'reflect-metadata';
import { Booking, BookingSlot } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type TestDatabase, createTestDatabase } from '../../db/src/testing';
import { postgresAvailable } from '../../db/src/testing/postgres-gate';
import { BookingLedger } from './booking-ledger';
import type { BookResult, HoldResult } from './booking.types';
import { TestClock, seedBusiness } from './testing/booking-fixtures';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const START = new Date('2026-03-03T15:00:00Z'); // 10:00 in New York
const CALLERS = 20;

/**
 * The promise the agent makes ("you're booked") must hold when many calls want the same slot at once.
 * On PostgreSQL the attempts run in parallel on separate connections (a pool of 10); on SQLite they
 * interleave in one process and the engine serialises the transactions.
 */
describe.each(kinds)('parallel bookings of one slot on %s', (kind) => {
  let t: TestDatabase;
  let ledger: BookingLedger;
  const clock = new TestClock(new Date('2026-03-02T12:00:00Z'));

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    ledger = new BookingLedger(t.db, { clock: clock.now });
  });
  afterAll(() => t.drop());

  /** Every caller holds the same slot, then confirms if the hold succeeded. */
  const race = (ctx: TenantContext, serviceId: string, start: Date) =>
    Promise.all(
      Array.from({ length: CALLERS }, async (_, i): Promise<HoldResult | BookResult> => {
        const holder = `call:CA${i}`;
        const hold = await ledger.hold(ctx, { serviceId, start, holder });
        return hold.ok ? ledger.confirm(ctx, { holdId: hold.holdId, callerName: `Caller ${i}`, callerPhone: `+1555010${String(i).padStart(4, '0')}`, by: holder }) : hold;
      }),
    );

  const stored = async (ctx: TenantContext) => {
    const em = t.db.forTenant(ctx);
    const bookings = await em.find(Booking, { status: 'confirmed' });
    const slots = await em.find(BookingSlot, {});
    return { bookings, slots };
  };

  it.each([1, 2])('with a capacity of %i, exactly that many callers get the slot', async (capacity) => {
    const { ctx } = await seedBusiness(t.db, { capacity });
    const results = await race(ctx, 'cleaning', START);
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(capacity);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual(Array(CALLERS - capacity).fill('taken'));
    const { bookings, slots } = await stored(ctx);
    expect(bookings).toHaveLength(capacity);
    expect(bookings.map((b) => b.resource).sort()).toEqual(Array.from({ length: capacity }, (_, i) => i));
    // Each winner holds its 15 units (60 minutes + 15 of buffer) and nobody else holds any.
    expect(slots).toHaveLength(capacity * 15);
    expect(new Set(slots.map((s) => s.booking.id))).toEqual(new Set(bookings.map((b) => b.id)));
    expect(await ledger.availability(ctx, { serviceId: 'cleaning', from: START, to: new Date(START.getTime() + 60_000) })).toEqual([]);
  });

  it('overlapping times of different lengths never share a unit of a resource', async () => {
    const { ctx } = await seedBusiness(t.db, { capacity: 1 });
    // Half want a 60-minute cleaning at 10:00 (its units run to 11:15 with the buffer), the others a 10-minute check at 10:50, 11:00 or 11:10.
    const attempts = Array.from({ length: CALLERS }, (_, i) => {
      const quick = i % 2 === 1;
      const start = new Date(START.getTime() + (quick ? 45 + 5 * (i % 6) : 0) * 60_000);
      return ledger.book(ctx, { serviceId: quick ? 'quick' : 'cleaning', start, callerName: `C${i}`, callerPhone: '+15550100000', by: 'user:desk', idempotencyKey: `desk:${i}` });
    });
    const results = await Promise.all(attempts);
    const { bookings, slots } = await stored(ctx);
    expect(bookings).toHaveLength(results.filter((r) => r.ok).length);
    expect(bookings.length).toBeGreaterThan(0);
    const units = slots.map((s) => `${s.resource}@${s.slotStart.toISOString()}`);
    expect(new Set(units).size).toBe(units.length);
    for (const [i, a] of bookings.entries()) {
      for (const b of bookings.slice(i + 1)) expect(a.endsAt <= b.startsAt || b.endsAt <= a.startsAt).toBe(true);
    }
  });
});
