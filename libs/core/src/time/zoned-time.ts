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
  if (!zone) {
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  let offset = zone.get(hour);
  if (offset === undefined) {
    const first = hour * HOUR_MS;
    const atFirst = offsetMs(first, timeZone);
    offset = atFirst === offsetMs(first + HOUR_MS - 1000, timeZone) ? atFirst : Number.NaN;
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

/** The wall clock in `timeZone` at `instant`. */
export function toLocalParts(instant: Date, timeZone: string): LocalParts {
  const ms = instant.getTime();
  if (!(ms >= CACHED_FROM && ms < CACHED_TO)) return readLocalParts(instant, timeZone);
  const offset = hourOffset(Math.floor(ms / HOUR_MS), timeZone);
  if (Number.isNaN(offset)) return readLocalParts(instant, timeZone);
  const wall = new Date(ms + offset);
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    weekday: (wall.getUTCDay() + 6) % 7,
  };
}

/** Offset of `timeZone` from UTC at `instant`, in minutes (Paris in winter: 60; New York in winter: -300). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const p = toLocalParts(instant, timeZone);
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
