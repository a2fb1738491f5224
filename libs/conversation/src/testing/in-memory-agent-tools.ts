import { randomUUID } from 'node:crypto';
import { addDays, fromLocalParts, localDate, minutesOfDay, toLocalParts, weekdayOf } from '@tero/core';
import { WEEKDAYS } from '@tero/sdk';
import type {
  AgentKnowledge,
  AgentTools,
  BookingSummary,
  BookResult,
  ChangeResult,
  HoldResult,
  SlotOffer,
} from '../engine.port';

/**
 * A small but real booking ledger in memory, for engine tests, the scenario runner and the call
 * simulator's tests: slots come from the business hours and exception days, a service's duration and
 * buffer, and a capacity; holds expire; booking is idempotent per call and slot; a booking made by one
 * call is visible to every other call of the same ledger. It is not the product's ledger
 * (`@tero/booking`): it keeps the same promises so that engines can be tested without a database.
 */

export interface InMemoryLedgerOptions {
  knowledge: Pick<AgentKnowledge, 'services' | 'hours' | 'exceptions' | 'timezone'>;
  /** Bookings that may run at the same time. Default 1. */
  capacity?: number;
  /** How long a hold lasts. Default 5 minutes. */
  holdMinutes?: number;
  /** Distance between offered starts inside opening hours. Default 15 minutes. */
  stepMinutes?: number;
  /** The ledger's clock; {@link InMemoryLedger.setNow} pins it. Default: the real time. */
  now?: Date;
}

/** A booking as the ledger keeps it. */
export interface LedgerBooking {
  id: string;
  serviceId: string;
  start: Date;
  end: Date;
  callerName: string | null;
  callerPhone: string | null;
  status: 'booked' | 'cancelled';
  /** The call that made it, or null for one seeded before the test. */
  callSid: string | null;
}

/** A message a call left for the business. */
export interface LedgerMessage {
  id: string;
  callSid: string;
  callerName: string | null;
  callbackNumber: string;
  text: string;
  urgent: boolean;
}

/** What one call changed in the ledger, in order. */
export interface CallEffects {
  booked: LedgerBooking[];
  rescheduled: { booking: LedgerBooking; from: Date }[];
  cancelled: LedgerBooking[];
  message: LedgerMessage | null;
}

interface Hold {
  id: string;
  callSid: string;
  serviceId: string;
  start: Date;
  end: Date;
  expiresAt: Date;
}

/** The shared calendar and message box behind every call's {@link InMemoryAgentTools}. */
export class InMemoryLedger {
  readonly bookings: LedgerBooking[] = [];
  readonly messages: LedgerMessage[] = [];
  private readonly holds: Hold[] = [];
  /** Which booking each used hold became, so that booking it again answers the same. */
  private readonly bookedHolds = new Map<string, LedgerBooking>();
  private readonly effects = new Map<string, CallEffects>();
  private readonly capacity: number;
  private readonly holdMs: number;
  private readonly stepMinutes: number;
  private pinned: Date | null;

  constructor(private readonly options: InMemoryLedgerOptions) {
    this.capacity = options.capacity ?? 1;
    this.holdMs = (options.holdMinutes ?? 5) * 60_000;
    this.stepMinutes = options.stepMinutes ?? 15;
    this.pinned = options.now ?? null;
  }

  /** The ledger's present: what "in the past" and hold expiry are measured against. */
  now(): Date {
    return this.pinned ?? new Date();
  }

  /** Pins the clock (scenarios replay a call at a fixed moment). */
  setNow(now: Date): void {
    this.pinned = now;
  }

  /** Tools for one call. `transfer` gives the client's numbers (null: it has none). */
  toolsFor(callSid: string, transfer: { human?: string | null; emergency?: string | null } = {}): InMemoryAgentTools {
    return new InMemoryAgentTools(this, callSid, transfer);
  }

  /** Puts a booking in the calendar as if it had been made before (no call made it). */
  seedBooking(input: { serviceId: string; start: Date; callerName: string; callerPhone: string }): LedgerBooking {
    const service = this.service(input.serviceId);
    if (!service) throw new Error(`seedBooking: unknown service "${input.serviceId}"`);
    const booking: LedgerBooking = {
      id: randomUUID(),
      serviceId: service.id,
      start: input.start,
      end: new Date(input.start.getTime() + service.durationMinutes * 60_000),
      callerName: input.callerName,
      callerPhone: input.callerPhone,
      status: 'booked',
      callSid: null,
    };
    this.bookings.push(booking);
    return booking;
  }

  /** What the call changed (bookings made, moved, cancelled, its message). */
  effectsOf(callSid: string): CallEffects {
    return this.effects.get(callSid) ?? { booked: [], rescheduled: [], cancelled: [], message: null };
  }

  // -- the operations the tools delegate to -------------------------------------------------------

  availability(callSid: string, query: { serviceId: string; from: Date; to: Date; limit?: number }): SlotOffer[] {
    const service = this.service(query.serviceId);
    if (!service || !service.bookable || query.to <= query.from) return [];
    const limit = query.limit ?? 10;
    const zone = this.options.knowledge.timezone;
    const earliest = Math.max(query.from.getTime(), this.now().getTime());
    const offers: SlotOffer[] = [];
    const lastDay = localDate(query.to, zone);
    for (let day = localDate(query.from, zone); day <= lastDay && offers.length < limit; day = addDays(day, 1)) {
      for (const [open, close] of this.intervalsOn(day)) {
        for (let minute = minutesOfDay(open); minute + service.durationMinutes <= minutesOfDay(close); minute += this.stepMinutes) {
          const start = this.at(day, minute);
          if (start.getTime() < earliest || start >= query.to) continue;
          if (!this.isFree(service, start, { callSid })) continue;
          offers.push({ serviceId: service.id, start, end: new Date(start.getTime() + service.durationMinutes * 60_000) });
          if (offers.length >= limit) break;
        }
        if (offers.length >= limit) break;
      }
    }
    return offers;
  }

  hold(callSid: string, query: { serviceId: string; start: Date }): HoldResult {
    const service = this.service(query.serviceId);
    if (!service || !service.bookable) return { ok: false, reason: 'unknown_service' };
    if (query.start < this.now()) return { ok: false, reason: 'in_past' };
    if (!this.withinHours(service, query.start)) return { ok: false, reason: 'closed' };
    if (!this.isFree(service, query.start, { callSid })) return { ok: false, reason: 'taken' };
    this.releaseHoldsOf(callSid);
    const hold: Hold = {
      id: randomUUID(),
      callSid,
      serviceId: service.id,
      start: query.start,
      end: new Date(query.start.getTime() + service.durationMinutes * 60_000),
      expiresAt: new Date(this.now().getTime() + this.holdMs),
    };
    this.holds.push(hold);
    return { ok: true, holdId: hold.id, serviceId: hold.serviceId, start: hold.start, end: hold.end, expiresAt: hold.expiresAt };
  }

  book(callSid: string, query: { holdId: string; callerName: string; callerPhone: string }): BookResult {
    const hold = this.holds.find((h) => h.id === query.holdId && h.callSid === callSid);
    if (!hold) {
      const done = this.bookedHolds.get(query.holdId);
      return done && done.callSid === callSid && done.status === 'booked'
        ? { ok: true, bookingId: done.id, serviceId: done.serviceId, start: done.start, end: done.end }
        : { ok: false, reason: 'not_found' };
    }
    if (hold.expiresAt < this.now()) {
      this.holds.splice(this.holds.indexOf(hold), 1);
      return { ok: false, reason: 'hold_expired' };
    }
    this.holds.splice(this.holds.indexOf(hold), 1);
    const same = this.effectsOf(callSid).booked.find(
      (b) => b.status === 'booked' && b.serviceId === hold.serviceId && b.start.getTime() === hold.start.getTime(),
    );
    if (same) {
      this.bookedHolds.set(hold.id, same);
      return { ok: true, bookingId: same.id, serviceId: same.serviceId, start: same.start, end: same.end };
    }
    const booking: LedgerBooking = {
      id: randomUUID(),
      serviceId: hold.serviceId,
      start: hold.start,
      end: hold.end,
      callerName: query.callerName,
      callerPhone: query.callerPhone,
      status: 'booked',
      callSid,
    };
    this.bookedHolds.set(hold.id, booking);
    this.bookings.push(booking);
    this.effectsFor(callSid).booked.push(booking);
    return { ok: true, bookingId: booking.id, serviceId: booking.serviceId, start: booking.start, end: booking.end };
  }

  find(query: { callerPhone: string; callerName?: string }): BookingSummary[] {
    const phone = phoneKey(query.callerPhone);
    const upcoming = this.bookings
      .filter((b) => b.status === 'booked' && b.end > this.now() && b.callerPhone !== null && phoneKey(b.callerPhone) === phone)
      .sort((a, b) => a.start.getTime() - b.start.getTime());
    const name = query.callerName ? nameKey(query.callerName) : '';
    // A name narrows the list when it matches; a misheard name does not hide the caller's own bookings.
    const named = name ? upcoming.filter((b) => b.callerName !== null && nameKey(b.callerName).includes(name)) : [];
    return (named.length > 0 ? named : upcoming).map((b) => this.summary(b));
  }

  reschedule(callSid: string, query: { bookingId: string; start: Date }): ChangeResult {
    const booking = this.bookings.find((b) => b.id === query.bookingId && b.status === 'booked');
    const service = booking && this.service(booking.serviceId);
    if (!booking || !service) return { ok: false, reason: 'not_found' };
    if (query.start < this.now()) return { ok: false, reason: 'in_past' };
    if (!this.withinHours(service, query.start)) return { ok: false, reason: 'closed' };
    if (!this.isFree(service, query.start, { callSid, bookingId: booking.id })) return { ok: false, reason: 'taken' };
    const from = booking.start;
    booking.start = query.start;
    booking.end = new Date(query.start.getTime() + service.durationMinutes * 60_000);
    this.effectsFor(callSid).rescheduled.push({ booking, from });
    return { ok: true, booking: this.summary(booking) };
  }

  cancel(callSid: string, query: { bookingId: string }): ChangeResult {
    const booking = this.bookings.find((b) => b.id === query.bookingId && b.status === 'booked');
    if (!booking) return { ok: false, reason: 'not_found' };
    if (booking.start < this.now()) return { ok: false, reason: 'in_past' };
    booking.status = 'cancelled';
    this.effectsFor(callSid).cancelled.push(booking);
    return { ok: true, booking: this.summary(booking) };
  }

  message(callSid: string, query: { callerName?: string | null; callbackNumber: string; text: string; urgent?: boolean }): { messageId: string } {
    const effects = this.effectsFor(callSid);
    const message: LedgerMessage = {
      id: effects.message?.id ?? randomUUID(),
      callSid,
      callerName: query.callerName ?? null,
      callbackNumber: query.callbackNumber,
      text: query.text,
      urgent: query.urgent ?? false,
    };
    if (effects.message) this.messages.splice(this.messages.indexOf(effects.message), 1, message);
    else this.messages.push(message);
    effects.message = message;
    return { messageId: message.id };
  }

  // -- calendar arithmetic ------------------------------------------------------------------------

  private service(id: string) {
    return this.options.knowledge.services.find((s) => s.id === id);
  }

  private intervalsOn(day: string): [string, string][] {
    const exception = this.options.knowledge.exceptions.find((e) => e.date === day);
    if (exception) return exception.hours;
    return this.options.knowledge.hours[WEEKDAYS[weekdayOf(day)]!] ?? [];
  }

  private at(day: string, minute: number): Date {
    const [year, month, date] = day.split('-').map(Number) as [number, number, number];
    return fromLocalParts({ year, month, day: date, hour: Math.floor(minute / 60), minute: minute % 60 }, this.options.knowledge.timezone);
  }

  private withinHours(service: { durationMinutes: number }, start: Date): boolean {
    const zone = this.options.knowledge.timezone;
    const local = toLocalParts(start, zone);
    const minute = local.hour * 60 + local.minute;
    return this.intervalsOn(localDate(start, zone)).some(
      ([open, close]) => minute >= minutesOfDay(open) && minute + service.durationMinutes <= minutesOfDay(close),
    );
  }

  /** Whether one more booking of `service` at `start` keeps every moment at or under capacity. */
  private isFree(service: { id: string; durationMinutes: number; bufferMinutes: number }, start: Date, except: { callSid: string; bookingId?: string }): boolean {
    const from = start.getTime();
    const to = from + (service.durationMinutes + service.bufferMinutes) * 60_000;
    const now = this.now().getTime();
    const busy: [number, number][] = [];
    for (const b of this.bookings) {
      if (b.status !== 'booked' || b.id === except.bookingId) continue;
      busy.push([b.start.getTime(), b.end.getTime() + (this.service(b.serviceId)?.bufferMinutes ?? 0) * 60_000]);
    }
    for (const h of this.holds) {
      if (h.callSid === except.callSid || h.expiresAt.getTime() < now) continue;
      busy.push([h.start.getTime(), h.end.getTime() + (this.service(h.serviceId)?.bufferMinutes ?? 0) * 60_000]);
    }
    const overlapping = busy.filter(([a, b]) => a < to && b > from);
    // The most that overlap at once happens at the start of one of them (or of the candidate).
    const points = [from, ...overlapping.map(([a]) => a).filter((a) => a > from && a < to)];
    return points.every((p) => overlapping.filter(([a, b]) => a <= p && b > p).length < this.capacity);
  }

  private releaseHoldsOf(callSid: string): void {
    for (let i = this.holds.length - 1; i >= 0; i--) if (this.holds[i]!.callSid === callSid) this.holds.splice(i, 1);
  }

  private effectsFor(callSid: string): CallEffects {
    let effects = this.effects.get(callSid);
    if (!effects) {
      effects = { booked: [], rescheduled: [], cancelled: [], message: null };
      this.effects.set(callSid, effects);
    }
    return effects;
  }

  private summary(b: LedgerBooking): BookingSummary {
    return {
      bookingId: b.id,
      serviceId: b.serviceId,
      serviceName: this.service(b.serviceId)?.name ?? b.serviceId,
      start: b.start,
      end: b.end,
      callerName: b.callerName,
      callerPhone: b.callerPhone,
    };
  }
}

/** {@link AgentTools} of one call over an {@link InMemoryLedger}. */
export class InMemoryAgentTools implements AgentTools {
  constructor(
    readonly ledger: InMemoryLedger,
    readonly callSid: string,
    private readonly transfer: { human?: string | null; emergency?: string | null },
  ) {}

  async checkAvailability(query: { serviceId: string; from: Date; to: Date; limit?: number }): Promise<SlotOffer[]> {
    return this.ledger.availability(this.callSid, query);
  }

  async holdSlot(query: { serviceId: string; start: Date }): Promise<HoldResult> {
    return this.ledger.hold(this.callSid, query);
  }

  async book(query: { holdId: string; callerName: string; callerPhone: string }): Promise<BookResult> {
    return this.ledger.book(this.callSid, query);
  }

  async findBookings(query: { callerPhone: string; callerName?: string }): Promise<BookingSummary[]> {
    return this.ledger.find(query);
  }

  async reschedule(query: { bookingId: string; start: Date }): Promise<ChangeResult> {
    return this.ledger.reschedule(this.callSid, query);
  }

  async cancel(query: { bookingId: string }): Promise<ChangeResult> {
    return this.ledger.cancel(this.callSid, query);
  }

  async takeMessage(query: { callerName?: string | null; callbackNumber: string; text: string; urgent?: boolean }): Promise<{ messageId: string }> {
    return this.ledger.message(this.callSid, query);
  }

  transferTarget(reason: 'human' | 'emergency'): string | null {
    return this.transfer[reason] ?? null;
  }

  async sendConfirmation(): Promise<{ sent: boolean }> {
    return { sent: false };
  }

  /** What this call changed. */
  effects(): CallEffects {
    return this.ledger.effectsOf(this.callSid);
  }
}

/** Last ten digits: `+1 (555) 014-2233` and `5550142233` are one caller. */
function phoneKey(phone: string): string {
  return phone.replace(/\D/g, '').slice(-10);
}

function nameKey(name: string): string {
  return name.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().trim();
}
