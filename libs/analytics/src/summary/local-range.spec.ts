import { TeroError } from '@tero/sdk';
import { MAX_RANGE_DAYS, daysIn, isLocalDate, parseRange } from './local-range';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof TeroError) return `${error.code} ${error.options.status}`;
    throw error;
  }
  return 'accepted';
};

describe('parseRange', () => {
  it('accepts real dates in order, up to 400 days counted both ends', () => {
    expect(parseRange({ from: '2026-01-01', to: '2026-01-01' })).toEqual({ from: '2026-01-01', to: '2026-01-01' });
    expect(daysIn(parseRange({ from: '2025-01-01', to: '2026-02-04' }))).toBe(MAX_RANGE_DAYS);
    expect(parseRange({ from: '2024-02-29', to: '2024-03-01' })).toEqual({ from: '2024-02-29', to: '2024-03-01' });
  });

  it('refuses ten years, and 401 days, with a 400 saying the limit', () => {
    expect(codeOf(() => parseRange({ from: '2016-01-01', to: '2026-01-01' }))).toBe('analytics.summary_range_too_long 400');
    let error: TeroError | null = null;
    try {
      parseRange({ from: '2025-01-01', to: '2026-02-05' });
    } catch (e) {
      error = e as TeroError;
    }
    expect(error?.params).toEqual({ days: 401, maxDays: 400 });
  });

  it('refuses dates that are not dates, naming the field', () => {
    for (const [input, field] of [
      [{ from: '2026-02-30', to: '2026-03-01' }, 'from'],
      [{ from: '2026-1-5', to: '2026-03-01' }, 'from'],
      [{ from: '2026-01-05', to: "2026-03-01' or 1=1 --" }, 'to'],
      [{ from: '2026-01-05' }, 'to'],
      [{ from: 20260105, to: '2026-03-01' }, 'from'],
    ] as const) {
      let error: TeroError | null = null;
      try {
        parseRange(input as never);
      } catch (e) {
        error = e as TeroError;
      }
      expect([error?.code, error?.params.field]).toEqual(['analytics.invalid_date', field]);
    }
  });

  it('refuses a range that ends before it starts', () => {
    expect(codeOf(() => parseRange({ from: '2026-03-02', to: '2026-03-01' }))).toBe('analytics.range_reversed 400');
  });

  it('knows leap days', () => {
    expect([isLocalDate('2024-02-29'), isLocalDate('2026-02-29'), isLocalDate('2026-13-01')]).toEqual([true, false, false]);
  });
});
