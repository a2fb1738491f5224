import { CALL_OUTCOMES, type CallOutcome } from '@tero/db';
import type { CallLogQuery, LocalDateRange } from '../analytics.types';
import type { CursorCodec } from './call-log-cursor';
import { CALL_LOG_ERRORS, CallLogQueryError } from './call-log.errors';

/** The filters the call log takes, by their name in a query string. Anything else is refused, not ignored. */
export const CALL_LOG_FILTERS = ['from', 'to', 'outcome', 'caller', 'minDuration', 'maxDuration', 'q', 'sort', 'cursor', 'limit'] as const;

/** The longest range one search may cover, in days (a year, with its leap day). */
export const CALL_LOG_MAX_RANGE_DAYS = 366;
/** The range searched when none is given: the last 30 days, today included. */
export const CALL_LOG_DEFAULT_RANGE_DAYS = 30;
export const CALL_LOG_DEFAULT_LIMIT = 25;
export const CALL_LOG_MAX_LIMIT = 100;
export const CALL_LOG_MAX_TEXT_LENGTH = 100;
/** A day: no call lasts longer. */
export const CALL_LOG_MAX_DURATION_SECONDS = 86_400;

const SORTS = ['newest', 'oldest', 'longest'] as const;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INTEGER = /^\d{1,6}$/;

/** One value of a query-string field: the first when repeated; empty text is no value. */
function single(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return undefined;
  if (typeof first !== 'string' && typeof first !== 'number') throw new CallLogQueryError(CALL_LOG_ERRORS.invalidValue, field, 'must be text');
  const text = String(first).trim();
  return text === '' ? undefined : text;
}

/** Days from one `YYYY-MM-DD` to another (calendar days, no zone involved). */
function daysBetween(from: string, to: string): number {
  const utc = (date: string) => {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((utc(to) - utc(from)) / 86_400_000);
}

function parseDate(field: 'from' | 'to', text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const match = DATE.exec(text);
  const valid = match && (() => {
    const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(y, m - 1, d));
    return y >= 2000 && y <= 2999 && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  })();
  if (!valid) throw new CallLogQueryError(CALL_LOG_ERRORS.invalidDate, field, 'must be a date written YYYY-MM-DD');
  return text;
}

function parseRange(input: Record<string, unknown>): LocalDateRange | undefined {
  const from = parseDate('from', single(input, 'from'));
  const to = parseDate('to', single(input, 'to'));
  if (from === undefined && to === undefined) return undefined;
  if (from === undefined || to === undefined) throw new CallLogQueryError(CALL_LOG_ERRORS.rangeIncomplete, from === undefined ? 'from' : 'to', 'give both ends of the range, or neither');
  const days = daysBetween(from, to) + 1;
  if (days < 1) throw new CallLogQueryError(CALL_LOG_ERRORS.rangeReversed, 'to', 'the range ends before it starts');
  if (days > CALL_LOG_MAX_RANGE_DAYS) throw new CallLogQueryError(CALL_LOG_ERRORS.rangeTooLong, 'from', `covers ${days} days; at most ${CALL_LOG_MAX_RANGE_DAYS}`, { maxDays: CALL_LOG_MAX_RANGE_DAYS });
  return { from, to };
}

function parseOutcomes(input: Record<string, unknown>): CallOutcome[] | undefined {
  const raw = input.outcome;
  const values = (Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw])
    .flatMap((v) => (typeof v === 'string' ? v.split(',') : [String(v)]))
    .map((v) => v.trim())
    .filter(Boolean);
  if (!values.length) return undefined;
  for (const value of values) {
    if (!(CALL_OUTCOMES as readonly string[]).includes(value)) {
      throw new CallLogQueryError(CALL_LOG_ERRORS.invalidOutcome, 'outcome', `"${value.slice(0, 40)}" is not an outcome`, { value: value.slice(0, 40) });
    }
  }
  return [...new Set(values)] as CallOutcome[];
}

/** Digits of a number as people write it (`+1 (555) 010-2030`): separators dropped, only digits kept. */
function parseCaller(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const digits = text.replace(/[\s().+-]/g, '');
  if (!/^\d{1,20}$/.test(digits)) throw new CallLogQueryError(CALL_LOG_ERRORS.invalidCaller, 'caller', 'must be digits of a phone number (1 to 20)');
  return digits;
}

function parseDuration(field: 'minDuration' | 'maxDuration', text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = INTEGER.test(text) ? Number(text) : NaN;
  if (!(value >= 0 && value <= CALL_LOG_MAX_DURATION_SECONDS)) {
    throw new CallLogQueryError(CALL_LOG_ERRORS.invalidDuration, field, `must be whole seconds from 0 to ${CALL_LOG_MAX_DURATION_SECONDS}`, { max: CALL_LOG_MAX_DURATION_SECONDS });
  }
  return value;
}

/**
 * Words to find in transcripts, kept as plain text: `%`, `_`, quotes, `;`, `--`, `.*(` and the like are
 * searched for as themselves (the search escapes LIKE's wildcards and passes the text as a bound parameter).
 * Runs of white space count as one space; control characters are refused.
 */
function parseText(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const normalized = text.replace(/\s+/g, ' ');
  if (/[\u0000-\u001f\u007f]/.test(normalized)) throw new CallLogQueryError(CALL_LOG_ERRORS.invalidText, 'q', 'holds control characters', { max: CALL_LOG_MAX_TEXT_LENGTH });
  if (normalized.length > CALL_LOG_MAX_TEXT_LENGTH) throw new CallLogQueryError(CALL_LOG_ERRORS.invalidText, 'q', `is longer than ${CALL_LOG_MAX_TEXT_LENGTH} characters`, { max: CALL_LOG_MAX_TEXT_LENGTH });
  return normalized;
}

function parseSort(text: string | undefined): CallLogQuery['sort'] {
  if (text === undefined) return undefined;
  if (!(SORTS as readonly string[]).includes(text)) throw new CallLogQueryError(CALL_LOG_ERRORS.invalidSort, 'sort', `must be one of ${SORTS.join(', ')}`, { value: text.slice(0, 40) });
  return text as CallLogQuery['sort'];
}

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = INTEGER.test(text) ? Number(text) : NaN;
  if (!(value >= 1 && value <= CALL_LOG_MAX_LIMIT)) throw new CallLogQueryError(CALL_LOG_ERRORS.invalidLimit, 'limit', `must be a whole number from 1 to ${CALL_LOG_MAX_LIMIT}`, { max: CALL_LOG_MAX_LIMIT });
  return value;
}

/**
 * Reads a call log query from a query string (or a JSON body): checks every filter, refuses unknown ones by
 * name, and verifies the cursor's MAC (its sort must match the query's). Throws {@link CallLogQueryError}
 * naming the field; returns only what was given (the search applies the defaults).
 */
export function parseCallLogQuery(input: Record<string, unknown>, cursors: CursorCodec): CallLogQuery {
  const unknown = Object.keys(input).filter((key) => !(CALL_LOG_FILTERS as readonly string[]).includes(key));
  if (unknown.length) {
    const filter = unknown[0]!.slice(0, 40);
    throw new CallLogQueryError(CALL_LOG_ERRORS.unknownFilter, filter, `is not a filter of the call log (filters: ${CALL_LOG_FILTERS.join(', ')})`, { filter, known: CALL_LOG_FILTERS.join(', ') });
  }
  const query: CallLogQuery = {};
  const range = parseRange(input);
  if (range) query.range = range;
  const outcomes = parseOutcomes(input);
  if (outcomes) query.outcomes = outcomes;
  const caller = parseCaller(single(input, 'caller'));
  if (caller !== undefined) query.caller = caller;
  const min = parseDuration('minDuration', single(input, 'minDuration'));
  const max = parseDuration('maxDuration', single(input, 'maxDuration'));
  if (min !== undefined && max !== undefined && min > max) throw new CallLogQueryError(CALL_LOG_ERRORS.durationReversed, 'maxDuration', 'is shorter than minDuration');
  if (min !== undefined) query.minDurationSeconds = min;
  if (max !== undefined) query.maxDurationSeconds = max;
  const text = parseText(single(input, 'q'));
  if (text !== undefined) query.text = text;
  const sort = parseSort(single(input, 'sort'));
  if (sort) query.sort = sort;
  const limit = parseLimit(single(input, 'limit'));
  if (limit !== undefined) query.limit = limit;
  const cursor = single(input, 'cursor');
  if (cursor !== undefined) {
    const position = cursors.decode(cursor);
    if (position.sort !== (sort ?? 'newest')) throw new CallLogQueryError(CALL_LOG_ERRORS.invalidCursor, 'cursor', 'belongs to another sort order; start again from the first page');
    query.cursor = cursor;
  }
  return query;
}

/** The default range: the {@link CALL_LOG_DEFAULT_RANGE_DAYS} days that end with `today` (a local date). */
export function defaultCallLogRange(today: string): LocalDateRange {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const start = new Date(Date.UTC(y, m - 1, d - (CALL_LOG_DEFAULT_RANGE_DAYS - 1)));
  return { from: start.toISOString().slice(0, 10), to: today };
}
