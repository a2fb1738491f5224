import { usFederalHolidays } from './us-federal-holidays';

describe('usFederalHolidays', () => {
  it('lists the fixed and floating holidays of 2026, with weekend ones observed on the nearest weekday', () => {
    expect([...usFederalHolidays(2026)].sort(([a], [b]) => a.localeCompare(b))).toEqual([
      ['2026-01-01', "New Year's Day"],
      ['2026-01-19', 'Martin Luther King Jr. Day'],
      ['2026-02-16', "Washington's Birthday"],
      ['2026-05-25', 'Memorial Day'],
      ['2026-06-19', 'Juneteenth'],
      ['2026-07-03', 'Independence Day (observed)'],
      ['2026-07-04', 'Independence Day'],
      ['2026-09-07', 'Labor Day'],
      ['2026-10-12', 'Columbus Day'],
      ['2026-11-11', 'Veterans Day'],
      ['2026-11-26', 'Thanksgiving Day'],
      ['2026-12-25', 'Christmas Day'],
    ]);
  });

  it('observes a Sunday holiday on the Monday after', () => {
    // 2027-12-25 is a Saturday, 2022-12-25 a Sunday.
    expect(usFederalHolidays(2027).get('2027-12-24')).toBe('Christmas Day (observed)');
    expect(usFederalHolidays(2022).get('2022-12-26')).toBe('Christmas Day (observed)');
    expect(usFederalHolidays(2022).get('2022-05-30')).toBe('Memorial Day');
  });
});
