import { TeroError } from '@tero/sdk';
import { dateRange, parseQuery, type ParamSpec } from './api-query';

const SPEC: ParamSpec = { from: 'date', to: 'date', outcome: { kind: 'list', values: ['booked', 'answered'] }, limit: 'limit', cursor: 'cursor' };

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof TeroError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('not refused');
}

describe('parseQuery', () => {
  it('reads dates, lists (repeated or comma-separated), limits and cursors', () => {
    expect(parseQuery({ from: '2026-11-01', to: '2026-11-30', outcome: ['booked', 'answered,booked'], limit: '10', cursor: 'abc' }, SPEC)).toEqual({
      from: '2026-11-01',
      to: '2026-11-30',
      outcome: ['booked', 'answered'],
      limit: 10,
      cursor: 'abc',
    });
    expect(parseQuery(undefined, SPEC)).toEqual({});
  });

  it('refuses an unknown parameter by name, listing the ones it takes', () => {
    const refused = refusal(() => parseQuery({ outcom: 'booked' }, SPEC));
    expect(refused.code).toBe('analytics.api_unknown_parameter');
    expect(refused.message).toContain('"outcom"');
    expect(refused.message).toContain('from, to, outcome, limit, cursor');
    expect(refusal(() => parseQuery({ constructor: 'x' }, SPEC)).code).toBe('analytics.api_unknown_parameter');
    expect(refusal(() => parseQuery({ __proto__: 'x', toString: 'y' }, SPEC)).code).toBe('analytics.api_unknown_parameter');
  });

  it.each([
    [{ from: '2026-02-30' }, 'from'],
    [{ from: '2026-2-3' }, 'from'],
    [{ from: "2026-01-01' OR 1=1" }, 'from'],
    [{ from: '2026-11-02', to: '2026-11-01' }, 'from'],
    [{ outcome: 'won' }, 'outcome'],
    [{ outcome: "booked' OR '1'='1" }, 'outcome'],
    [{ limit: '0' }, 'limit'],
    [{ limit: '101' }, 'limit'],
    [{ limit: '1e2' }, 'limit'],
    [{ limit: ['5', '6'] }, 'limit'],
  ])('refuses %j naming %s', (query, name) => {
    const refused = refusal(() => parseQuery(query, SPEC));
    expect(refused.code).toBe('analytics.api_bad_parameter');
    expect(refused.message.startsWith(`${name}:`)).toBe(true);
  });
});

describe('dateRange', () => {
  it('defaults to the days ending today and keeps an asked range', () => {
    expect(dateRange({}, '2026-11-24', 30, 400)).toEqual({ from: '2026-10-26', to: '2026-11-24' });
    expect(dateRange({ from: '2026-11-01' }, '2026-11-24', 30, 400)).toEqual({ from: '2026-11-01', to: '2026-11-24' });
    expect(dateRange({ to: '2026-03-31' }, '2026-11-24', 30, 400)).toEqual({ from: '2026-03-02', to: '2026-03-31' });
    expect(dateRange({ from: '2026-12-01' }, '2026-11-24', 30, 400)).toEqual({ from: '2026-12-01', to: '2026-12-01' });
  });

  it('refuses a range longer than the most it covers', () => {
    expect(refusal(() => dateRange({ from: '2024-01-01', to: '2026-01-01' }, '2026-11-24', 30, 400)).message).toMatch(/^to: a range of at most 400 days/);
    expect(dateRange({ from: '2025-01-01', to: '2026-02-04' }, '2026-11-24', 30, 400)).toEqual({ from: '2025-01-01', to: '2026-02-04' });
  });
});
