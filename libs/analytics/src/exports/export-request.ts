import { ValidationError, type FieldProblem } from '@tero/accounts';
import { addDays } from '@tero/core';
import { CALL_OUTCOMES, type CallOutcome } from '@tero/db';
import type { LocalDateRange } from '../analytics.types';
import { daysInRange, isLocalDate } from '../reports/report-period';
import { RangeTooLongError } from './export-errors';

export const EXPORT_KINDS = ['calls', 'bookings', 'messages'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export const EXPORT_FORMATS = ['csv', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The longest range exported at once: a year (a leap year's 366 days). */
export const MAX_EXPORT_DAYS = 366;
/** The range when none is given: the last 30 days, today included. */
export const DEFAULT_EXPORT_DAYS = 30;

/**
 * What to export. The filters are the call log's where they apply: the date range to every kind (calls by
 * start, bookings by appointment, messages by when they were taken), the caller's digits to every kind
 * (the calling number, the booking's phone, the callback number), outcomes and durations to calls only.
 */
export interface ExportRequest {
  kind: ExportKind;
  format: ExportFormat;
  range: LocalDateRange;
  outcomes?: CallOutcome[];
  caller?: string;
  minDurationSeconds?: number;
  maxDurationSeconds?: number;
}

const FIELDS = new Set(['kind', 'format', 'from', 'to', 'outcome', 'caller', 'minDuration', 'maxDuration', '_csrf']);
const CALLS_ONLY = ['outcome', 'minDuration', 'maxDuration'];

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
const list = (value: unknown): string[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(text).filter(Boolean);

/**
 * Reads an export request from a form or a query string, with `today` the client's local date. Unknown
 * fields, a filter that does not apply to the kind, malformed dates, an end before the start, unknown
 * outcomes and a caller that is not digits are refused with each field and reason; a range over
 * {@link MAX_EXPORT_DAYS} is refused with `analytics.exports.range_too_long`.
 */
export function parseExportRequest(input: Record<string, unknown>, today: string): ExportRequest {
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(input)) if (!FIELDS.has(key)) problems.push({ field: key, reason: 'is not a filter of exports' });

  const kind = text(input.kind) as ExportKind;
  if (!EXPORT_KINDS.includes(kind)) problems.push({ field: 'kind', reason: `must be one of ${EXPORT_KINDS.join(', ')}` });
  const format = (text(input.format) || 'csv') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) problems.push({ field: 'format', reason: `must be one of ${EXPORT_FORMATS.join(', ')}` });

  const to = text(input.to) || today;
  const from = text(input.from) || addDays(to, -(DEFAULT_EXPORT_DAYS - 1));
  if (!isLocalDate(from)) problems.push({ field: 'from', reason: 'must be a date YYYY-MM-DD' });
  if (!isLocalDate(to)) problems.push({ field: 'to', reason: 'must be a date YYYY-MM-DD' });
  if (isLocalDate(from) && isLocalDate(to) && from > to) problems.push({ field: 'to', reason: 'must not be before from' });

  if (kind !== 'calls') for (const field of CALLS_ONLY) if (input[field] !== undefined && list(input[field]).length) problems.push({ field, reason: `applies to calls only, not ${kind}` });
  const outcomes = list(input.outcome);
  for (const outcome of outcomes) if (!(CALL_OUTCOMES as readonly string[]).includes(outcome)) problems.push({ field: 'outcome', reason: `"${outcome.slice(0, 40)}" is not one of ${CALL_OUTCOMES.join(', ')}` });
  const caller = text(input.caller).replace(/[\s().+-]/g, '');
  if (caller && !/^\d{1,15}$/.test(caller)) problems.push({ field: 'caller', reason: 'must be digits of a phone number' });
  const duration = (field: string): number | undefined => {
    const value = text(input[field]);
    if (!value) return undefined;
    if (!/^\d{1,6}$/.test(value)) {
      problems.push({ field, reason: 'must be a whole number of seconds' });
      return undefined;
    }
    return Number(value);
  };
  const minDurationSeconds = duration('minDuration');
  const maxDurationSeconds = duration('maxDuration');
  if (minDurationSeconds !== undefined && maxDurationSeconds !== undefined && minDurationSeconds > maxDurationSeconds) problems.push({ field: 'maxDuration', reason: 'must not be below minDuration' });

  if (problems.length) throw new ValidationError(problems);
  const days = daysInRange({ from, to });
  if (days > MAX_EXPORT_DAYS) throw new RangeTooLongError(days, MAX_EXPORT_DAYS);
  return {
    kind,
    format,
    range: { from, to },
    ...(outcomes.length ? { outcomes: [...new Set(outcomes)] as CallOutcome[] } : {}),
    ...(caller ? { caller } : {}),
    ...(minDurationSeconds !== undefined ? { minDurationSeconds } : {}),
    ...(maxDurationSeconds !== undefined ? { maxDurationSeconds } : {}),
  };
}
