import { addDays, fromLocalParts, localDate, minutesOfDay, weekdayOf } from '@tero/core';
import type { ProfileDayException, ProfileHours, ProfileService } from '@tero/db';

/**
 * The calendar rules of one client, without the database: opening intervals of a day, the start grid of
 * a service, and the 5-minute units a booking covers. Kept pure so that the rules are tested alone.
 */

/** The ledger's grid: a booking claims one `BookingSlot` row per unit it covers, its buffer included. */
export const SLOT_MINUTES = 5;

const MINUTE_MS = 60_000;
const WEEKDAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** What the ledger needs to know about a client, read from its agent profile, client and brand. */
export interface Schedule {
  /** IANA zone the hours are kept in. */
  timezone: string;
  /** The client's language, for the service name stored with a booking. */
  locale: string;
  currency: string;
  hours: ProfileHours;
  exceptions: ProfileDayException[];
  /** How many bookings can run at once: resources `0 … capacity-1`. */
  capacity: number;
  services: ProfileService[];
}

/** An opening interval as instants: `[open, close)`. */
export interface OpenInterval {
  open: Date;
  close: Date;
}

/** The instant of a local `HH:MM` on a local date; `24:00` is the next midnight. */
function instantOf(date: string, hhmm: string, timeZone: string): Date {
  const minutes = minutesOfDay(hhmm);
  const [year, month, day] = addDays(date, Math.floor(minutes / 1440)).split('-').map(Number) as [number, number, number];
  const rest = minutes % 1440;
  return fromLocalParts({ year, month, day, hour: Math.floor(rest / 60), minute: rest % 60 }, timeZone);
}

/**
 * Opening intervals of a local date (`YYYY-MM-DD`): an exception day's hours replace the weekday's, and a
 * holiday (`hours: []`) has none. Intervals are instants, so a daylight-saving day is as long as it really is.
 * An interval that does not end after it opens is ignored (hours do not run past midnight).
 */
export function openingIntervals(schedule: Schedule, date: string): OpenInterval[] {
  const exception = schedule.exceptions.find((e) => e.date === date);
  const hours = exception ? exception.hours : (schedule.hours[WEEKDAY_KEYS[weekdayOf(date)]!] ?? []);
  return hours
    .map(([open, close]) => ({ open: instantOf(date, open, schedule.timezone), close: instantOf(date, close, schedule.timezone) }))
    .filter((interval) => interval.close > interval.open);
}

/** Minutes between possible starts: a quarter hour for services of 30 minutes or more, else the slot unit. */
export function startStepMinutes(service: ProfileService): number {
  return service.durationMinutes >= 30 ? 15 : SLOT_MINUTES;
}

/** When a booking of `service` at `start` ends (its buffer not included). */
export function endOf(service: ProfileService, start: Date): Date {
  return new Date(start.getTime() + service.durationMinutes * MINUTE_MS);
}

/** The slot units a booking of `service` at `start` covers: its duration and then its buffer. */
export function unitsOf(service: ProfileService, start: Date): Date[] {
  const count = Math.ceil((service.durationMinutes + service.bufferMinutes) / SLOT_MINUTES);
  return Array.from({ length: count }, (_, i) => new Date(start.getTime() + i * SLOT_MINUTES * MINUTE_MS));
}

/**
 * Starts of `service` in `[from, to)` that the opening hours allow: on the service's start grid, and ending
 * by closing time (the buffer may run past it). Occupancy is not considered here. The grid is counted from
 * the epoch, which is the local grid too, since every zone's offset is a whole number of quarter hours.
 */
export function candidateStarts(schedule: Schedule, service: ProfileService, from: Date, to: Date): Date[] {
  const stepMs = startStepMinutes(service) * MINUTE_MS;
  const durationMs = service.durationMinutes * MINUTE_MS;
  const starts = new Set<number>();
  const lastDate = localDate(to, schedule.timezone);
  for (let date = localDate(from, schedule.timezone); date <= lastDate; date = addDays(date, 1)) {
    for (const { open, close } of openingIntervals(schedule, date)) {
      const first = Math.ceil(Math.max(open.getTime(), from.getTime()) / stepMs) * stepMs;
      for (let t = first; t + durationMs <= close.getTime() && t < to.getTime(); t += stepMs) starts.add(t);
    }
  }
  return [...starts].sort((a, b) => a - b).map((t) => new Date(t));
}

/** Whether the opening hours allow a booking of `service` to start exactly at `start`. */
export function isOpenStart(schedule: Schedule, service: ProfileService, start: Date): boolean {
  return candidateStarts(schedule, service, start, new Date(start.getTime() + 1)).some((s) => s.getTime() === start.getTime());
}

/**
 * The first resource whose units are all free, or null. `busy` holds `resource@epochMs` keys of units that
 * live bookings occupy.
 */
export function freeResource(busy: ReadonlySet<string>, capacity: number, units: Date[]): number | null {
  for (let resource = 0; resource < capacity; resource++) {
    if (units.every((unit) => !busy.has(unitKey(resource, unit)))) return resource;
  }
  return null;
}

/** The key of one unit of one resource in a `busy` set. */
export function unitKey(resource: number, unit: Date): string {
  return `${resource}@${unit.getTime()}`;
}
