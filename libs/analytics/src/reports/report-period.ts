import { addDays, fromLocalParts, localDate, weekdayOf } from '@tero/core';
import type { LocalDateRange } from '../analytics.types';

/** How often a report comes: a day, an ISO week (Monday to Sunday), a calendar month. */
export const REPORT_KINDS = ['daily', 'weekly', 'monthly'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** One report's period, in the client's local dates. */
export interface ReportPeriod {
  kind: ReportKind;
  /** `2026-11-23`, `2026-W48` (ISO week), `2026-11`: the key a report is sent once for. */
  key: string;
  range: LocalDateRange;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real calendar date `YYYY-MM-DD` (not 2026-02-30). */
export function isLocalDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1970 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Days from `from` to `to`, both included (1 for a single day). */
export function daysInRange(range: LocalDateRange): number {
  return Math.round((Date.parse(`${range.to}T00:00:00Z`) - Date.parse(`${range.from}T00:00:00Z`)) / 86_400_000) + 1;
}

function lastDayOfMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The ISO week-numbering year and week of a local date (weeks start on Monday; week 1 holds 4 January). */
export function isoWeekOf(date: string): { year: number; week: number } {
  const thursday = addDays(date, 3 - weekdayOf(date));
  const year = Number(thursday.slice(0, 4));
  const dayOfYear = daysInRange({ from: `${year}-01-01`, to: thursday });
  return { year, week: Math.floor((dayOfYear - 1) / 7) + 1 };
}

/** The period of `kind` that contains the local date `date`. */
export function periodContaining(kind: ReportKind, date: string): ReportPeriod {
  if (kind === 'daily') return { kind, key: date, range: { from: date, to: date } };
  if (kind === 'weekly') {
    const monday = addDays(date, -weekdayOf(date));
    const { year, week } = isoWeekOf(date);
    return { kind, key: `${year}-W${pad(week)}`, range: { from: monday, to: addDays(monday, 6) } };
  }
  const [year, month] = [Number(date.slice(0, 4)), Number(date.slice(5, 7))];
  return { kind, key: date.slice(0, 7), range: { from: `${date.slice(0, 7)}-01`, to: `${date.slice(0, 7)}-${pad(lastDayOfMonth(year, month))}` } };
}

/** The period just before `period` (the one a trend compares with). */
export function previousPeriod(period: ReportPeriod): ReportPeriod {
  return periodContaining(period.kind, addDays(period.range.from, -1));
}

/** The last period of `kind` that has ended at `now` in `timeZone`: yesterday, last week, last month. */
export function lastCompletePeriod(kind: ReportKind, now: Date, timeZone: string): ReportPeriod {
  return previousPeriod(periodContaining(kind, localDate(now, timeZone)));
}

/** A period from its key (`2026-11-23`, `2026-W48`, `2026-11`), or null when the key is not one of `kind`. */
export function parsePeriodKey(kind: ReportKind, key: string): ReportPeriod | null {
  if (kind === 'daily') return isLocalDate(key) ? periodContaining(kind, key) : null;
  if (kind === 'monthly') {
    const match = /^(\d{4})-(\d{2})$/.exec(key);
    return match && isLocalDate(`${key}-01`) ? periodContaining(kind, `${key}-01`) : null;
  }
  const match = /^(\d{4})-W(\d{2})$/.exec(key);
  if (!match) return null;
  const [year, week] = [Number(match[1]), Number(match[2])];
  if (year < 1970 || week < 1) return null;
  const jan4 = `${year}-01-04`;
  const monday = addDays(addDays(jan4, -weekdayOf(jan4)), (week - 1) * 7);
  const period = periodContaining(kind, monday);
  return period.key === key ? period : null;
}

/**
 * The instants a local date range covers in `timeZone`: from the start of its first day to the start of
 * the day after its last (exclusive). Days are not 24 hours long across a change of daylight saving time
 * (23 or 25), and where midnight does not exist on such a day the day starts at the first instant that does.
 */
export function rangeInstants(range: LocalDateRange, timeZone: string): { start: Date; end: Date } {
  const startOf = (date: string) => fromLocalParts({ year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)), hour: 0, minute: 0 }, timeZone);
  return { start: startOf(range.from), end: startOf(addDays(range.to, 1)) };
}
