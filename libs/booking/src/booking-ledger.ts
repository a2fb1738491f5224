import { DeadlockException, type EntityManager, type FilterQuery, UniqueConstraintViolationException } from '@mikro-orm/core';
import { ValidationError, parseInput } from '@tero/accounts';
import { AgentProfile, Booking, type BookingChange, BookingSlot, type Database, type ProfileService } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import { randomUUID } from 'node:crypto';
import { holdKey } from './booking-keys';
import {
  availabilitySchema,
  bookSchema,
  cancelSchema,
  confirmSchema,
  findSchema,
  holdSchema,
  listSchema,
  rescheduleSchema,
} from './booking.schemas';
import type { BookResult, BookingRecord, BookingSummary, ChangeResult, DirectBookResult, HoldResult, SlotOffer } from './booking.types';
import { samePhone } from './caller-phone';
import { type Schedule, candidateStarts, endOf, freeResource, isOpenStart, startStepMinutes, unitKey, unitsOf } from './schedule';

/** Options of a {@link BookingLedger}. */
export interface BookingLedgerOptions {
  /** How long a hold keeps its slot while the caller confirms. Default 300. */
  holdSeconds?: number;
  /** The time source; tests pin it. */
  clock?: () => Date;
}

/** Thrown inside a transaction to roll it back when every resource is taken. */
class SlotTaken extends Error {}

/** Thrown inside a transaction when a compare-and-set found the booking changed: the transaction runs again. */
class LostRace extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Transactions that lost a race on a booking's key or a deadlock are run again, a few times at most. */
const ATTEMPTS = 3;

/**
 * A client's built-in calendar. A slot is claimed by inserting one `BookingSlot` row per 5-minute unit
 * for one resource; the database's unique key (client, resource, unit) refuses a second claim, so no
 * interleaving of calls, processes or replicas can double-book. A booking's state changes are
 * compare-and-set updates (`where status = …`), so a confirm racing an expiry, a cancel or a reschedule
 * lets exactly one win. Every method works inside the tenant scope of `ctx`.
 */
export class BookingLedger {
  private readonly holdMs: number;
  private readonly clock: () => Date;

  constructor(
    private readonly db: Database,
    options: BookingLedgerOptions = {},
  ) {
    this.holdMs = (options.holdSeconds ?? 300) * 1000;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Free starts of a service in `[from, to)`, earliest first, at most `limit` (20 unless given): open hours,
   * exceptions, the past, capacity and buffers applied. A service that cannot be booked has none.
   */
  async availability(ctx: TenantContext, query: { serviceId: string; from: Date; to: Date; limit?: number }): Promise<SlotOffer[]> {
    const em = this.em(ctx);
    const q = parseInput(availabilitySchema, query);
    const schedule = await this.schedule(em, ctx);
    const service = schedule.services.find((s) => s.id === q.serviceId);
    if (!service) throw new ValidationError([{ field: 'serviceId', reason: `no service "${q.serviceId}"` }]);
    if (!service.bookable) return [];
    const now = this.clock();
    const starts = candidateStarts(schedule, service, q.from > now ? q.from : now, q.to);
    if (starts.length === 0) return [];
    const lastUnits = unitsOf(service, starts.at(-1)!);
    const busy = await this.busyUnits(em, starts[0]!, new Date(lastUnits.at(-1)!.getTime() + 1), now);
    const offers: SlotOffer[] = [];
    for (const start of starts) {
      if (offers.length === q.limit) break;
      if (freeResource(busy, schedule.capacity, unitsOf(service, start)) !== null) offers.push({ serviceId: service.id, start, end: endOf(service, start) });
    }
    return offers;
  }

  /**
   * Keeps a slot for `holder` (`call:<sid>`) for a few minutes while the caller confirms. The holder's
   * previous hold is released in the same transaction, and only if this one succeeds.
   */
  async hold(ctx: TenantContext, query: { serviceId: string; start: Date; holder: string }): Promise<HoldResult> {
    const em = this.em(ctx);
    const q = parseInput(holdSchema, query);
    const schedule = await this.schedule(em, ctx);
    const service = schedule.services.find((s) => s.id === q.serviceId && s.bookable);
    if (!service) return { ok: false, reason: 'unknown_service' };
    const refusal = this.refusal(schedule, service, q.start);
    if (refusal) return { ok: false, reason: refusal };
    const booking = await this.place(em, ctx, schedule, service, q.start, holdKey(q.holder, service.id, q.start), { status: 'held', by: q.holder });
    if (!booking) return { ok: false, reason: 'taken' };
    const expiresAt = booking.holdExpiresAt ?? this.clock();
    return { ok: true, holdId: booking.id, serviceId: booking.serviceId, start: booking.startsAt, end: booking.endsAt, expiresAt };
  }

  /**
   * Turns a live hold into a booking. Only the holder (`by`) may confirm it; confirming again returns the
   * same result. A hold that lapsed or was released answers `hold_expired`.
   */
  async confirm(ctx: TenantContext, query: { holdId: string; callerName: string; callerPhone: string; by: string }): Promise<BookResult> {
    const em = this.em(ctx);
    const q = parseInput(confirmSchema, query);
    const booking = await this.findBooking(em, q.holdId);
    if (!booking || holderOf(booking) !== q.by) return { ok: false, reason: 'not_found' };
    if (booking.status === 'confirmed') return booked(booking);
    if (booking.status === 'cancelled') return { ok: false, reason: wasConfirmed(booking) ? 'not_found' : 'hold_expired' };
    const now = this.clock();
    if (booking.holdExpiresAt! <= now) {
      await em.transactional((tx) => this.drop(tx, booking, { status: 'held', holdExpiresAt: { $lte: now } }, 'expired', 'system'));
      return { ok: false, reason: 'hold_expired' };
    }
    const set = { status: 'confirmed' as const, holdExpiresAt: null, callerName: q.callerName, callerPhone: q.callerPhone };
    const won = await this.transition(em, booking, { status: 'held', holdExpiresAt: { $gt: now } }, set, { action: 'confirmed', by: q.by });
    // Lost a race (an expiry, or the same confirmation twice): the booking's new state gives the answer.
    return won ? booked(booking) : this.confirm(ctx, query);
  }

  /**
   * Books a slot directly, confirmed (dashboard, seeded scenarios, tests). The same `idempotencyKey` gives
   * the same booking, never a second one.
   */
  async book(
    ctx: TenantContext,
    query: { serviceId: string; start: Date; callerName: string; callerPhone: string; by: string; idempotencyKey: string },
  ): Promise<DirectBookResult> {
    const em = this.em(ctx);
    const q = parseInput(bookSchema, query);
    const existing = await em.findOne(Booking, { idempotencyKey: q.idempotencyKey, status: 'confirmed' }, { disableIdentityMap: true });
    if (existing) return booked(existing);
    const schedule = await this.schedule(em, ctx);
    const service = schedule.services.find((s) => s.id === q.serviceId && s.bookable);
    if (!service) return { ok: false, reason: 'unknown_service' };
    const refusal = this.refusal(schedule, service, q.start);
    if (refusal) return { ok: false, reason: refusal };
    const target = { status: 'confirmed' as const, by: q.by, callerName: q.callerName, callerPhone: q.callerPhone };
    const booking = await this.place(em, ctx, schedule, service, q.start, q.idempotencyKey, target);
    return booking ? booked(booking) : { ok: false, reason: 'taken' };
  }

  /** The caller's upcoming confirmed bookings, earliest first: same phone line, and the name containing `callerName` when given. */
  async findByCaller(ctx: TenantContext, query: { callerPhone: string; callerName?: string }): Promise<BookingSummary[]> {
    const em = this.em(ctx);
    const q = parseInput(findSchema, query);
    const schedule = await this.schedule(em, ctx);
    const name = q.callerName?.toLocaleLowerCase();
    const upcoming = await em.find(Booking, { status: 'confirmed', startsAt: { $gte: this.clock() }, callerPhone: { $ne: null } }, { orderBy: { startsAt: 'asc' } });
    return upcoming
      .filter((b) => samePhone(b.callerPhone!, q.callerPhone) && (!name || (b.callerName ?? '').toLocaleLowerCase().includes(name)))
      .map((b) => summaryOf(b, schedule, ctx.locale));
  }

  /** Moves a confirmed booking: the new slot is claimed before the old one is freed, in one transaction. */
  async reschedule(ctx: TenantContext, query: { bookingId: string; start: Date; by: string }): Promise<ChangeResult> {
    const em = this.em(ctx);
    const q = parseInput(rescheduleSchema, query);
    const booking = await this.findBooking(em, q.bookingId);
    if (!booking || booking.status !== 'confirmed') return { ok: false, reason: 'not_found' };
    const schedule = await this.schedule(em, ctx);
    const service = serviceOfBooking(schedule, booking);
    if (booking.startsAt <= this.clock()) return { ok: false, reason: 'in_past' };
    const refusal = this.refusal(schedule, service, q.start);
    if (refusal) return { ok: false, reason: refusal };
    if (q.start.getTime() === booking.startsAt.getTime()) return { ok: true, booking: summaryOf(booking, schedule, ctx.locale) };
    const units = unitsOf(service, q.start);
    const moved = await this.attempt(() =>
      em.transactional(async (tx) => {
        const set = { startsAt: q.start, endsAt: endOf(service, q.start) };
        const change = { action: 'rescheduled' as const, by: q.by, from: booking.startsAt.toISOString(), to: q.start.toISOString() };
        // Claiming the row first (compare-and-set) makes a concurrent cancel or reschedule of it wait, then lose.
        if (!(await this.transition(tx, booking, { status: 'confirmed', startsAt: booking.startsAt }, set, change))) return false;
        await this.expireStale(tx, units);
        const own = await tx.find(BookingSlot, { booking: booking.id, resource: booking.resource }, { disableIdentityMap: true });
        const resource = await this.claim(tx, ctx, booking.id, units, schedule.capacity, {
          resource: booking.resource,
          units: new Set(own.map((s) => s.slotStart.getTime())),
        });
        if (resource === null) throw new SlotTaken();
        await tx.nativeUpdate(Booking, { id: booking.id }, { resource });
        await tx.nativeDelete(BookingSlot, { booking: booking.id, $or: [{ resource: { $ne: resource } }, { slotStart: { $nin: units } }] });
        return this.reload(tx, booking.id);
      }),
    );
    if (moved === null) return { ok: false, reason: 'taken' };
    // false: a concurrent change came first; the booking's new state gives the answer.
    return moved ? { ok: true, booking: summaryOf(moved, schedule, ctx.locale) } : this.reschedule(ctx, query);
  }

  /** Cancels a confirmed booking and frees its slot. Cancelling it again answers the same. */
  async cancel(ctx: TenantContext, query: { bookingId: string; by: string }): Promise<ChangeResult> {
    const em = this.em(ctx);
    const q = parseInput(cancelSchema, query);
    const booking = await this.findBooking(em, q.bookingId);
    if (!booking || !wasConfirmed(booking)) return { ok: false, reason: 'not_found' };
    const schedule = await this.schedule(em, ctx);
    if (booking.status === 'cancelled') return { ok: true, booking: summaryOf(booking, schedule, ctx.locale) };
    if (booking.startsAt <= this.clock()) return { ok: false, reason: 'in_past' };
    const won = await em.transactional((tx) => this.drop(tx, booking, { status: 'confirmed' }, 'cancelled', q.by));
    return won ? { ok: true, booking: summaryOf(booking, schedule, ctx.locale) } : this.cancel(ctx, query);
  }

  /** Every booking starting in `[from, to)`, cancelled ones and lapsed holds included, earliest first, with its history. */
  async list(ctx: TenantContext, query: { from: Date; to: Date }): Promise<BookingRecord[]> {
    const em = this.em(ctx);
    const q = parseInput(listSchema, query);
    const schedule = await this.schedule(em, ctx);
    const bookings = await em.find(Booking, { startsAt: { $gte: q.from, $lt: q.to } }, { orderBy: { startsAt: 'asc', createdAt: 'asc' } });
    return bookings.map((b) => ({
      ...summaryOf(b, schedule, ctx.locale),
      status: b.status,
      holdExpiresAt: b.holdExpiresAt ?? null,
      resource: b.resource,
      valueMinor: b.valueMinor,
      currency: b.currency,
      changes: b.changes,
    }));
  }

  /** Releases every hold `holder` keeps (the call ended, the caller changed their mind); returns how many. */
  async releaseHolds(ctx: TenantContext, holder: string): Promise<number> {
    const em = this.em(ctx);
    const q = parseInput(holdSchema.pick({ holder: true }), { holder });
    return em.transactional((tx) => this.releaseHolder(tx, q.holder, null));
  }

  // -------------------------------------------------------------------------------------------------

  private em(ctx: TenantContext): EntityManager {
    if (!ctx.clientId) throw new TeroError('booking.client_required', 'the booking ledger works for a client: the context names none', {}, { status: 400 });
    return this.db.forTenant(ctx);
  }

  private async schedule(em: EntityManager, ctx: TenantContext): Promise<Schedule> {
    const profile = await em.findOne(AgentProfile, { client: ctx.clientId }, { populate: ['client', 'brand'] });
    if (!profile) throw new TeroError('booking.no_profile', `client ${ctx.clientId} has no agent profile`, {}, { status: 404 });
    return {
      timezone: profile.client.timezone,
      locale: profile.client.locale,
      currency: profile.brand.currency,
      hours: profile.hours,
      exceptions: profile.exceptions,
      capacity: Math.max(1, profile.capacity),
      services: profile.services,
    };
  }

  /** Why a start cannot be booked whatever the occupancy, or null. A start off the service's grid is bad input. */
  private refusal(schedule: Schedule, service: ProfileService, start: Date): 'in_past' | 'closed' | null {
    const step = startStepMinutes(service);
    if (start.getTime() % (step * 60_000) !== 0) throw new ValidationError([{ field: 'start', reason: `must be on the ${step}-minute grid of the service` }]);
    if (start < this.clock()) return 'in_past';
    return isOpenStart(schedule, service, start) ? null : 'closed';
  }

  /** A booking by id in this tenant, detached from the unit of work (its changes are written by compare-and-set). */
  private async findBooking(em: EntityManager, id: string): Promise<Booking | null> {
    if (!UUID.test(id)) return null;
    return em.findOne(Booking, { id }, { disableIdentityMap: true });
  }

  /** `resource@unit` keys of units in `[from, to)` that confirmed bookings and live holds occupy. */
  private async busyUnits(em: EntityManager, from: Date, to: Date, now: Date): Promise<Set<string>> {
    const slots = await em.find(
      BookingSlot,
      { slotStart: { $gte: from, $lt: to }, booking: { status: { $ne: 'cancelled' } } },
      { populate: ['booking'], disableIdentityMap: true },
    );
    return new Set(slots.filter((s) => isLive(s.booking, now)).map((s) => unitKey(s.resource, s.slotStart)));
  }

  /**
   * Finds or creates the booking of `key` and claims its slot, in one transaction; null when every resource
   * is taken. A live hold of the key is kept longer (or confirmed, for a direct booking); a lapsed or
   * cancelled one is revived on the same row, so that one key never makes two bookings.
   */
  private place(
    em: EntityManager,
    ctx: TenantContext,
    schedule: Schedule,
    service: ProfileService,
    start: Date,
    key: string,
    target: { status: 'held' | 'confirmed'; by: string; callerName?: string; callerPhone?: string },
  ): Promise<Booking | null> {
    const units = unitsOf(service, start);
    return this.attempt(() =>
      em.transactional(async (tx) => {
        const now = this.clock();
        const fields = {
          status: target.status,
          holdExpiresAt: target.status === 'held' ? new Date(now.getTime() + this.holdMs) : null,
          serviceName: (service.name[schedule.locale] ?? service.name.en ?? Object.values(service.name)[0] ?? service.id).slice(0, 120),
          valueMinor: service.priceMinor,
          currency: schedule.currency,
          startsAt: start,
          endsAt: endOf(service, start),
          ...(target.callerName ? { callerName: target.callerName, callerPhone: target.callerPhone } : {}),
        };
        const change = { action: target.status, by: target.by };
        if (target.status === 'held') await this.releaseHolder(tx, target.by, key);
        await this.expireStale(tx, units);
        let booking = await tx.findOne(Booking, { idempotencyKey: key }, { disableIdentityMap: true });
        if (booking?.status === 'confirmed') return booking;
        if (booking?.status === 'held' && isLive(booking, now)) {
          // Asked again for the same hold: keep it longer. A direct booking of a held key: confirm it.
          const [set, note] = target.status === 'held' ? [{ holdExpiresAt: fields.holdExpiresAt }, null] : [fields, change];
          if (!(await this.transition(tx, booking, { status: 'held' }, set, note))) throw new LostRace();
          return this.reload(tx, booking.id);
        }
        if (booking?.status === 'held' && !(await this.drop(tx, booking, { status: 'held' }, 'expired', 'system'))) throw new LostRace();
        if (booking) {
          if (!(await this.transition(tx, booking, { status: 'cancelled' }, fields, change))) throw new LostRace();
        } else {
          const callSid = target.status === 'held' && target.by.startsWith('call:') ? target.by.slice(5, 69) : null;
          booking = tx.create(
            Booking,
            { brand: ctx.brandId, client: ctx.clientId!, serviceId: service.id, idempotencyKey: key, callSid, ...fields, changes: [{ at: now.toISOString(), ...change }] },
            { persist: false },
          );
          await tx.insert(booking);
        }
        const resource = await this.claim(tx, ctx, booking.id, units, schedule.capacity);
        if (resource === null) throw new SlotTaken();
        await tx.nativeUpdate(Booking, { id: booking.id }, { resource });
        return this.reload(tx, booking.id);
      }),
    );
  }

  /**
   * Claims `units` for the first resource that has them all free: each attempt inserts the slot rows in a
   * savepoint, and the unique key refuses any unit another booking holds. `own` units (a booking being
   * moved) are already this booking's and are not inserted again. Returns the resource, or null.
   */
  private async claim(
    tx: EntityManager,
    ctx: TenantContext,
    bookingId: string,
    units: Date[],
    capacity: number,
    own?: { resource: number; units: Set<number> },
  ): Promise<number | null> {
    const now = new Date();
    for (let resource = 0; resource < capacity; resource++) {
      const wanted = units.filter((unit) => !(own?.resource === resource && own.units.has(unit.getTime())));
      const rows = wanted.map((slotStart) => ({ id: randomUUID(), createdAt: now, updatedAt: now, brand: ctx.brandId, client: ctx.clientId!, booking: bookingId, resource, slotStart }));
      try {
        await tx.transactional((savepoint) => savepoint.insertMany(BookingSlot, rows));
        return resource;
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException)) throw error;
      }
    }
    return null;
  }

  /** Marks lapsed holds that occupy any of `units` as expired and deletes their slots, so that the units can be claimed. */
  private async expireStale(tx: EntityManager, units: Date[]): Promise<void> {
    const now = this.clock();
    const slots = await tx.find(
      BookingSlot,
      { slotStart: { $in: units }, booking: { status: 'held', holdExpiresAt: { $lte: now } } },
      { populate: ['booking'], disableIdentityMap: true },
    );
    const stale = new Map(slots.map((s) => [s.booking.id, s.booking]));
    for (const booking of [...stale.values()].sort(byId)) await this.drop(tx, booking, { status: 'held', holdExpiresAt: { $lte: now } }, 'expired', 'system');
  }

  /** Releases the holds `holder` keeps, but the one of `exceptKey`; returns how many. */
  private async releaseHolder(tx: EntityManager, holder: string, exceptKey: string | null): Promise<number> {
    // LIKE finds a superset (`_` in a holder matches any character); the exact holder is checked below.
    const held = await tx.find(Booking, { status: 'held', idempotencyKey: { $like: `${holder}:%` } }, { disableIdentityMap: true });
    let released = 0;
    for (const booking of held.filter((b) => holderOf(b) === holder && b.idempotencyKey !== exceptKey).sort(byId)) {
      if (await this.drop(tx, booking, { status: 'held' }, 'cancelled', holder)) released++;
    }
    return released;
  }

  /** Cancels a booking (compare-and-set on `expected`) and frees its slot; false when another change came first. */
  private async drop(tx: EntityManager, booking: Booking, expected: FilterQuery<Booking>, action: 'cancelled' | 'expired', by: string): Promise<boolean> {
    if (!(await this.transition(tx, booking, expected, { status: 'cancelled' }, { action, by }))) return false;
    await tx.nativeDelete(BookingSlot, { booking: booking.id });
    return true;
  }

  /**
   * Writes `set` (and a history entry) only if the booking still matches `expected`: a compare-and-set,
   * so that of two concurrent changes exactly one applies. PostgreSQL makes the second wait for the first
   * and then re-checks `expected`; SQLite runs one writer at a time.
   */
  private async transition(
    em: EntityManager,
    booking: Booking,
    expected: FilterQuery<Booking>,
    set: Partial<Pick<Booking, 'status' | 'holdExpiresAt' | 'startsAt' | 'endsAt' | 'callerName' | 'callerPhone' | 'serviceName' | 'valueMinor' | 'currency'>>,
    change: Omit<BookingChange, 'at'> | null,
  ): Promise<boolean> {
    const changes = change ? [...booking.changes, { at: this.clock().toISOString(), ...change }] : booking.changes;
    const updated = await em.nativeUpdate(Booking, { $and: [{ id: booking.id }, expected] }, { ...set, changes, updatedAt: new Date() });
    return updated === 1;
  }

  private reload(em: EntityManager, id: string): Promise<Booking> {
    return em.findOneOrFail(Booking, { id }, { disableIdentityMap: true });
  }

  /**
   * Runs a transaction, again when it lost a race it can win on a second look (the same key inserted twice,
   * a compare-and-set that found the row changed, a PostgreSQL deadlock). Null when the slot is taken.
   */
  private async attempt<T>(run: () => Promise<T>): Promise<T | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (error instanceof SlotTaken) return null;
        const retry = error instanceof LostRace || error instanceof DeadlockException || error instanceof UniqueConstraintViolationException;
        if (!retry || attempt === ATTEMPTS) throw error;
      }
    }
  }
}

const byId = (a: Booking, b: Booking) => a.id.localeCompare(b.id);

/** Who held the booking (`call:<sid>`), or null for a direct booking. */
function holderOf(booking: Booking): string | null {
  return booking.changes.find((c) => c.action === 'held')?.by ?? null;
}

function wasConfirmed(booking: Booking): boolean {
  return booking.changes.some((c) => c.action === 'confirmed');
}

/** Whether a booking occupies its slot: confirmed, or held and not lapsed. */
function isLive(booking: Booking, now: Date): boolean {
  return booking.status === 'confirmed' || (booking.status === 'held' && booking.holdExpiresAt! > now);
}

function booked(booking: Booking): BookResult {
  return { ok: true, bookingId: booking.id, serviceId: booking.serviceId, start: booking.startsAt, end: booking.endsAt };
}

function summaryOf(booking: Booking, schedule: Schedule, locale: string): BookingSummary {
  const service = schedule.services.find((s) => s.id === booking.serviceId);
  return {
    bookingId: booking.id,
    serviceId: booking.serviceId,
    serviceName: service?.name[locale] ?? booking.serviceName,
    start: booking.startsAt,
    end: booking.endsAt,
    callerName: booking.callerName ?? null,
    callerPhone: booking.callerPhone ?? null,
  };
}

/** The booking's service, or (when the profile no longer lists it) one as long as the booking, without buffer. */
function serviceOfBooking(schedule: Schedule, booking: Booking): ProfileService {
  return (
    schedule.services.find((s) => s.id === booking.serviceId) ?? {
      id: booking.serviceId,
      name: { [schedule.locale]: booking.serviceName },
      durationMinutes: Math.round((booking.endsAt.getTime() - booking.startsAt.getTime()) / 60_000),
      bufferMinutes: 0,
      priceMinor: booking.valueMinor,
      bookable: true,
    }
  );
}
