/**
 * Local wall-clock time in an IANA time zone, with nothing but `Intl`: businesses keep hours in their own
 * zone, the database keeps instants in UTC, and callers speak in local dates and times.
 */

/** A wall-clock moment in some zone. `weekday` is 0 = Monday … 6 = Sunday. */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

const WEEKDAY_INDEX: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** Whether `timeZone` is a zone this runtime knows (`Europe/Paris` yes, `Mars/Base` no). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at `instant`, as `Intl` reads it. */
function readLocalParts(instant: Date, timeZone: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAY_INDEX[parts.weekday!]!,
  };
}

const HOUR_MS = 3_600_000;
/** Instants between these are read through the offset cache; `Intl` alone reads the others (old calendars, far futures). */
const CACHED_FROM = Date.UTC(1900, 0, 1);
const CACHED_TO = Date.UTC(2200, 0, 1);
/** Hours remembered per zone before that zone's cache starts over. */
const CACHED_HOURS = 100_000;
/**
 * Per zone, the offset from UTC (ms) of each UTC hour already read, or NaN for an hour in which the
 * offset changes. `Intl.DateTimeFormat#formatToParts` is slow and every turn of a call reads clocks,
 * while a zone's offset changes a few times a year at most: an hour whose first and last seconds show
 * the same offset has that offset throughout, and then the wall clock is plain arithmetic.
 */
const offsets = new Map<string, Map<number, number>>();

function hourOffset(hour: number, timeZone: string): number {
  let zone = offsets.get(timeZone);
  let offset = zone?.get(hour);
  if (offset === undefined) {
    const first = hour * HOUR_MS;
    // Read before anything is kept: an unknown zone throws here and leaves no entry behind.
    const atFirst = offsetMs(first, timeZone);
    offset = atFirst === offsetMs(first + HOUR_MS - 1000, timeZone) ? atFirst : Number.NaN;
    if (!zone) {
      zone = new Map();
      offsets.set(timeZone, zone);
    }
    if (zone.size >= CACHED_HOURS) zone.clear();
    zone.set(hour, offset);
  }
  return offset;
}

/** Offset (ms, whole seconds) of `timeZone` at the whole second `ms`, from `Intl`. */
function offsetMs(ms: number, timeZone: string): number {
  const p = readLocalParts(new Date(ms), timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - ms;
}

/** The offset (ms) of `timeZone` at `ms` when the cache knows it, else NaN (out of its years, or an hour with a change). */
function cachedOffset(ms: number, timeZone: string): number {
  if (!(ms >= CACHED_FROM && ms < CACHED_TO)) return Number.NaN;
  return hourOffset(Math.floor(ms / HOUR_MS), timeZone);
}

/** The wall clock in `timeZone` at `instant`. */
export function toLocalParts(instant: Date, timeZone: string): LocalParts {
  const ms = instant.getTime();
  const offset = cachedOffset(ms, timeZone);
  return Number.isNaN(offset) ? readLocalParts(instant, timeZone) : wallClock(ms + offset);
}

/**
 * The wall clock in `timeZone` at `instant` as one number: milliseconds since 1970-01-01 00:00 on that
 * clock, as if it were UTC (`Math.floor(wall / 86_400_000)` counts local days, the rest is the time of
 * day). Cheaper than {@link toLocalParts} when hundreds of instants are only compared by day and minute.
 */
export function wallTime(instant: Date, timeZone: string): number {
  const ms = instant.getTime();
  const offset = cachedOffset(ms, timeZone);
  if (!Number.isNaN(offset)) return ms + offset;
  const p = readLocalParts(instant, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) + (ms - Math.floor(ms / 1000) * 1000);
}

const DAY_MS = 86_400_000;

/**
 * The calendar fields of `wall` (ms since 1970 on the wall clock, read as UTC): the proleptic
 * Gregorian calendar in integer arithmetic (days → year, month, day in 400-year eras), cheaper than
 * a Date and its getters when hundreds of slots are read in a turn.
 */
function wallClock(wall: number): LocalParts {
  const days = Math.floor(wall / DAY_MS);
  const msOfDay = wall - days * DAY_MS;
  // Days counted from 0000-03-01, so that a leap day ends its year.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return {
    year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day: dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1,
    hour: Math.floor(msOfDay / HOUR_MS),
    minute: Math.floor(msOfDay / 60_000) % 60,
    second: Math.floor(msOfDay / 1000) % 60,
    // 1970-01-01 was a Thursday (3 with Monday 0).
    weekday: (((days + 3) % 7) + 7) % 7,
  };
}

/** Offset of `timeZone` from UTC at `instant`, in minutes (Paris in winter: 60; New York in winter: -300). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const offset = cachedOffset(instant.getTime(), timeZone);
  if (!Number.isNaN(offset)) return Math.round(offset / 60000);
  const p = readLocalParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

/**
 * The instant at which the wall clock in `timeZone` shows the given local time. In a spring-forward gap
 * the time does not exist and the instant an hour later is returned; in a fall-back overlap, the first one.
 */
export function fromLocalParts(local: Omit<LocalParts, 'weekday' | 'second'> & { second?: number }, timeZone: string): Date {
  const guess = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second ?? 0);
  const first = guess - offsetMinutes(new Date(guess), timeZone) * 60000;
  const second = guess - offsetMinutes(new Date(first), timeZone) * 60000;
  // Prefer the earlier instant when both readings show the same wall clock (fall-back overlap).
  const candidates = [Math.min(first, second), Math.max(first, second)];
  for (const candidate of candidates) {
    const p = toLocalParts(new Date(candidate), timeZone);
    if (p.hour === local.hour && p.minute === local.minute && p.day === local.day) return new Date(candidate);
  }
  return new Date(Math.max(first, second));
}

const LOCAL_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/;

/** `2026-03-10T09:00` (or `2026-03-10`, midnight) in `timeZone` → instant. Throws on a malformed text. */
export function parseLocal(text: string, timeZone: string): Date {
  const match = LOCAL_PATTERN.exec(text);
  if (!match) throw new Error(`"${text}" is not a local date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)`);
  const [, y, mo, d, h = '0', mi = '0'] = match;
  return fromLocalParts({ year: Number(y), month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi) }, timeZone);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Instant → local `YYYY-MM-DDTHH:MM` in `timeZone`. */
export function formatLocal(instant: Date, timeZone: string): string {
  const p = toLocalParts(instant, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** Instant → local date `YYYY-MM-DD` in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  return formatLocal(instant, timeZone).slice(0, 10);
}

/** Adds whole days to a local date `YYYY-MM-DD` (calendar arithmetic, no zone involved). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const shifted = new Date(Date.UTC(y, m - 1, d + days));
  return `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`;
}

/** Weekday of a local date, 0 = Monday … 6 = Sunday. */
export function weekdayOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

/** `HH:MM` → minutes since midnight (`24:00` → 1440). */
export function minutesOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}
