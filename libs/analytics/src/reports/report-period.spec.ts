import { localDate } from '@tero/core';
import { daysInRange, isLocalDate, isoWeekOf, lastCompletePeriod, parsePeriodKey, periodContaining, previousPeriod, rangeInstants } from './report-period';

const HOUR = 3_600_000;

describe('report periods', () => {
  it('a day is itself', () => {
    expect(periodContaining('daily', '2026-11-23')).toEqual({ kind: 'daily', key: '2026-11-23', range: { from: '2026-11-23', to: '2026-11-23' } });
  });

  it('a week runs Monday to Sunday and is named by its ISO week', () => {
    expect(periodContaining('weekly', '2026-11-25')).toEqual({ kind: 'weekly', key: '2026-W48', range: { from: '2026-11-23', to: '2026-11-29' } });
    expect(periodContaining('weekly', '2026-11-29').key).toBe('2026-W48');
    expect(periodContaining('weekly', '2026-11-30').key).toBe('2026-W49');
  });

  it('weeks across a new year belong to the ISO year of their Thursday', () => {
    expect(periodContaining('weekly', '2027-01-01')).toEqual({ kind: 'weekly', key: '2026-W53', range: { from: '2026-12-28', to: '2027-01-03' } });
    expect(periodContaining('weekly', '2025-12-29').key).toBe('2026-W01');
    expect(isoWeekOf('2021-01-03')).toEqual({ year: 2020, week: 53 });
  });

  it('a month runs from its first to its last day, leap years included', () => {
    expect(periodContaining('monthly', '2026-11-24').range).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    expect(periodContaining('monthly', '2028-02-10').range).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(periodContaining('monthly', '2026-02-10').range).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(periodContaining('monthly', '2026-12-31').key).toBe('2026-12');
  });

  it('the previous period is the one just before, across years', () => {
    expect(previousPeriod(periodContaining('daily', '2026-01-01')).key).toBe('2025-12-31');
    expect(previousPeriod(periodContaining('weekly', '2026-01-01')).key).toBe('2025-W52');
    expect(previousPeriod(periodContaining('monthly', '2026-01-15')).range).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(previousPeriod(periodContaining('monthly', '2026-03-31')).range).toEqual({ from: '2026-02-01', to: '2026-02-28' });
  });

  it("the last complete period is read on the client's clock", () => {
    const now = new Date('2026-11-24T03:00:00Z'); // 22:00 on the 23rd in New York, 04:00 on the 24th in Paris
    expect(lastCompletePeriod('daily', now, 'America/New_York').key).toBe('2026-11-22');
    expect(lastCompletePeriod('daily', now, 'Europe/Paris').key).toBe('2026-11-23');
    const monthEnd = new Date('2026-12-01T02:00:00Z');
    expect(lastCompletePeriod('monthly', monthEnd, 'America/New_York').key).toBe('2026-10');
    expect(lastCompletePeriod('monthly', monthEnd, 'Europe/Paris').key).toBe('2026-11');
    expect(lastCompletePeriod('weekly', new Date('2026-11-30T12:00:00Z'), 'Europe/Paris').key).toBe('2026-W48');
    expect(lastCompletePeriod('weekly', new Date('2026-11-30T03:00:00Z'), 'America/Los_Angeles').key).toBe('2026-W47');
  });

  it('keys read back into their period, and keys of another kind or shape are refused', () => {
    for (const period of [periodContaining('daily', '2026-02-28'), periodContaining('weekly', '2026-12-31'), periodContaining('monthly', '2026-02-01')]) {
      expect(parsePeriodKey(period.kind, period.key)).toEqual(period);
    }
    expect(parsePeriodKey('weekly', '2026-W54')).toBeNull();
    expect(parsePeriodKey('weekly', '2025-W53')).toBeNull(); // 2025 has 52 ISO weeks
    expect(parsePeriodKey('weekly', '2026-W00')).toBeNull();
    expect(parsePeriodKey('daily', '2026-02-30')).toBeNull();
    expect(parsePeriodKey('monthly', '2026-13')).toBeNull();
    expect(parsePeriodKey('monthly', '2026-11-01')).toBeNull();
    expect(parsePeriodKey('daily', "2026-11-01' or 1=1")).toBeNull();
  });

  it('checks calendar dates and counts days of a range', () => {
    expect(isLocalDate('2028-02-29')).toBe(true);
    expect(isLocalDate('2026-02-29')).toBe(false);
    expect(isLocalDate('2026-1-1')).toBe(false);
    expect(daysInRange({ from: '2026-11-23', to: '2026-11-23' })).toBe(1);
    expect(daysInRange({ from: '2016-01-01', to: '2025-12-31' })).toBe(3653);
  });
});

describe('rangeInstants', () => {
  it('covers a day of 23 hours when clocks spring forward and of 25 when they fall back', () => {
    const spring = rangeInstants({ from: '2026-03-29', to: '2026-03-29' }, 'Europe/Paris');
    expect(spring).toEqual({ start: new Date('2026-03-28T23:00:00Z'), end: new Date('2026-03-29T22:00:00Z') });
    const fall = rangeInstants({ from: '2026-10-25', to: '2026-10-25' }, 'Europe/Paris');
    expect(fall.end.getTime() - fall.start.getTime()).toBe(25 * HOUR);
    const newYork = rangeInstants({ from: '2026-03-08', to: '2026-03-08' }, 'America/New_York');
    expect(newYork.end.getTime() - newYork.start.getTime()).toBe(23 * HOUR);
  });

  it('a week across a change of time has 167 or 169 hours, and a month starts at local midnight', () => {
    const week = rangeInstants(periodContaining('weekly', '2026-11-01').range, 'America/New_York');
    expect(week.end.getTime() - week.start.getTime()).toBe(169 * HOUR);
    const march = rangeInstants(periodContaining('monthly', '2026-03-10').range, 'Europe/Paris');
    expect(march).toEqual({ start: new Date('2026-02-28T23:00:00Z'), end: new Date('2026-03-31T22:00:00Z') });
  });

  it('starts a day whose midnight does not exist at the first instant that does', () => {
    // Chile springs forward at midnight: 2026-09-06 00:00 never shows on Santiago's clocks.
    const { start } = rangeInstants({ from: '2026-09-06', to: '2026-09-06' }, 'America/Santiago');
    expect(localDate(start, 'America/Santiago')).toBe('2026-09-06');
    expect(localDate(new Date(start.getTime() - 1000), 'America/Santiago')).toBe('2026-09-05');
  });
});
