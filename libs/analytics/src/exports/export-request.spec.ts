import { ValidationError } from '@tero/accounts';
import { TeroError } from '@tero/sdk';
import { parseExportRequest } from './export-request';

const TODAY = '2026-11-24';

function problems(input: Record<string, unknown>): string[] {
  try {
    parseExportRequest(input, TODAY);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((p) => `${p.field}: ${p.reason}`);
    throw error;
  }
  return [];
}

describe('parseExportRequest', () => {
  it('reads a full request of calls, deduplicating outcomes and keeping only the caller digits', () => {
    expect(parseExportRequest({ _csrf: 'x', kind: 'calls', format: 'pdf', from: '2026-11-01', to: '2026-11-30', outcome: ['booked', 'answered', 'booked'], caller: '+1 (555) 000-0002', minDuration: '30', maxDuration: '600' }, TODAY)).toEqual({
      kind: 'calls',
      format: 'pdf',
      range: { from: '2026-11-01', to: '2026-11-30' },
      outcomes: ['booked', 'answered'],
      caller: '15550000002',
      minDurationSeconds: 30,
      maxDurationSeconds: 600,
    });
  });

  it('defaults to CSV over the last 30 days, today included', () => {
    expect(parseExportRequest({ kind: 'messages' }, TODAY)).toEqual({ kind: 'messages', format: 'csv', range: { from: '2026-10-26', to: '2026-11-24' } });
    expect(parseExportRequest({ kind: 'bookings', to: '2026-02-10' }, TODAY).range).toEqual({ from: '2026-01-12', to: '2026-02-10' });
  });

  it('refuses unknown filters by name, and filters of calls on other kinds', () => {
    expect(problems({ kind: 'calls', text: 'crown', sort: 'newest' })).toEqual(['text: is not a filter of exports', 'sort: is not a filter of exports']);
    expect(problems({ kind: 'bookings', outcome: 'booked', minDuration: '5' })).toEqual(['outcome: applies to calls only, not bookings', 'minDuration: applies to calls only, not bookings']);
  });

  it('refuses bad kinds, formats, dates, outcomes, callers and durations with the field', () => {
    expect(problems({ kind: 'users', format: 'xlsx' })).toEqual(['kind: must be one of calls, bookings, messages', 'format: must be one of csv, pdf']);
    expect(problems({ kind: 'calls', from: '2026-02-30', to: '26-11-01' })).toEqual(['from: must be a date YYYY-MM-DD', 'to: must be a date YYYY-MM-DD']);
    expect(problems({ kind: 'calls', from: '2026-11-10', to: '2026-11-01' })).toEqual(['to: must not be before from']);
    expect(problems({ kind: 'calls', outcome: "booked' OR 1=1 --" })[0]).toMatch(/^outcome: "booked' OR 1=1 --" is not one of booked/);
    expect(problems({ kind: 'calls', caller: '%_*' })).toEqual(['caller: must be digits of a phone number']);
    expect(problems({ kind: 'calls', minDuration: '-1', maxDuration: '1.5' })).toEqual(['minDuration: must be a whole number of seconds', 'maxDuration: must be a whole number of seconds']);
    expect(problems({ kind: 'calls', minDuration: '60', maxDuration: '30' })).toEqual(['maxDuration: must not be below minDuration']);
  });

  it('refuses a range longer than a year with its own code, and takes a leap year whole', () => {
    let error: unknown;
    try {
      parseExportRequest({ kind: 'calls', from: '2016-01-01', to: '2025-12-31' }, TODAY);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TeroError);
    expect([(error as TeroError).code, (error as TeroError).params, (error as TeroError).options.status]).toEqual(['analytics.exports.range_too_long', { days: 3653, maxDays: 366 }, 400]);
    expect(parseExportRequest({ kind: 'calls', from: '2028-01-01', to: '2028-12-31' }, TODAY).range).toEqual({ from: '2028-01-01', to: '2028-12-31' });
  });
});
