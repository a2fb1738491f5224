import { TeroError } from '@tero/sdk';

/**
 * Stable codes of the call log's errors. Each has a message in the `errors` namespace of every locale
 * (`errors:analytics.unknown_filter`), filled with its params; a spec checks that the three locales have them.
 */
export const CALL_LOG_ERRORS = {
  unknownFilter: 'analytics.unknown_filter',
  invalidValue: 'analytics.invalid_value',
  invalidDate: 'analytics.invalid_date',
  rangeIncomplete: 'analytics.range_incomplete',
  rangeReversed: 'analytics.range_reversed',
  rangeTooLong: 'analytics.range_too_long',
  invalidOutcome: 'analytics.invalid_outcome',
  invalidCaller: 'analytics.invalid_caller',
  invalidDuration: 'analytics.invalid_duration',
  durationReversed: 'analytics.duration_reversed',
  invalidText: 'analytics.invalid_text',
  invalidSort: 'analytics.invalid_sort',
  invalidLimit: 'analytics.invalid_limit',
  invalidCursor: 'analytics.invalid_cursor',
  callLogNotFound: 'analytics.call_not_found',
} as const;

/** A call log query the parser refused: 400, naming the field at fault (`params.field`). Nothing was searched. */
export class CallLogQueryError extends TeroError {
  constructor(code: string, readonly field: string, message: string, params: Record<string, string | number> = {}) {
    super(code, `${field}: ${message}`, { field, ...params }, { status: 400 });
  }
}

/**
 * No such call for this client. Another client's call id answers exactly this, as an id that never existed:
 * a 404 that says nothing about whether the call exists elsewhere.
 */
export function callLogNotFound(): TeroError {
  return new TeroError(CALL_LOG_ERRORS.callLogNotFound, 'no such call', {}, { status: 404 });
}
