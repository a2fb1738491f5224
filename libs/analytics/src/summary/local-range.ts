import { addDays } from '@tero/core';
import { TeroError } from '@tero/sdk';
import type { LocalDateRange } from '../analytics.types';

/** The longest range a summary covers: a year and a bit, enough for a year against the previous one's edge. */
export const MAX_RANGE_DAYS = 400;

/**
 * Codes of a refused range, each with a message in `errors:analytics.*` of every locale (the first two are
 * the call log's too: a date is a date wherever it is typed).
 */
export const RANGE_ERRORS = {
  invalid: 'analytics.invalid_date',
  reversed: 'analytics.range_reversed',
  tooLong: 'analytics.summary_range_too_long',
} as const;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real calendar date written `YYYY-MM-DD` (no 2026-02-30, no 2026-2-3). */
export function isLocalDate(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  const match = DATE.exec(text);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1970 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Days from `from` to `to`, both counted. */
export function daysIn(range: LocalDateRange): number {
  return Math.round((Date.parse(`${range.to}T00:00:00Z`) - Date.parse(`${range.from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** Every date of the range, oldest first. */
export function datesOf(range: LocalDateRange): string[] {
  const dates: string[] = [];
  for (let date = range.from; date <= range.to; date = addDays(date, 1)) dates.push(date);
  return dates;
}

/**
 * Checks a range a person or an API client asked for: both dates real `YYYY-MM-DD` dates, `from` not after
 * `to`, at most {@link MAX_RANGE_DAYS} days. Throws a 400 naming the field and the reason.
 */
export function parseRange(input: { from?: unknown; to?: unknown }): LocalDateRange {
  for (const field of ['from', 'to'] as const) {
    if (!isLocalDate(input[field])) {
      throw new TeroError(RANGE_ERRORS.invalid, `${field}: must be a date written YYYY-MM-DD`, { field, value: String(input[field] ?? '').slice(0, 40) }, { status: 400 });
    }
  }
  const range = { from: input.from as string, to: input.to as string };
  if (range.from > range.to) throw new TeroError(RANGE_ERRORS.reversed, `from: ${range.from} is after to: ${range.to}`, { from: range.from, to: range.to }, { status: 400 });
  const days = daysIn(range);
  if (days > MAX_RANGE_DAYS) {
    throw new TeroError(RANGE_ERRORS.tooLong, `the range covers ${days} days; at most ${MAX_RANGE_DAYS}`, { days, maxDays: MAX_RANGE_DAYS }, { status: 400 });
  }
  return range;
}
