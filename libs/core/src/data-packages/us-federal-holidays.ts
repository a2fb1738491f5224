import { addDays, weekdayOf } from '../time';

/**
 * United States federal holidays of a year, as local dates `YYYY-MM-DD` mapped to their names. Both
 * the day itself and, when it falls on a weekend, the weekday it is observed on are listed: a business
 * may close on either. Packs ship with US defaults (USD, +1 numbers), so their scenarios avoid these
 * days; a client's own holiday calendar may well contain them (PACK047).
 */
export function usFederalHolidays(year: number): Map<string, string> {
  const days = new Map<string, string>();
  const fixed = (month: number, day: number, name: string) => {
    const date = isoDate(year, month, day);
    days.set(date, name);
    const weekday = weekdayOf(date);
    if (weekday === 5) days.set(addDays(date, -1), `${name} (observed)`);
    if (weekday === 6) days.set(addDays(date, 1), `${name} (observed)`);
  };
  fixed(1, 1, "New Year's Day");
  days.set(nthWeekday(year, 1, MONDAY, 3), 'Martin Luther King Jr. Day');
  days.set(nthWeekday(year, 2, MONDAY, 3), "Washington's Birthday");
  days.set(lastWeekday(year, 5, MONDAY), 'Memorial Day');
  fixed(6, 19, 'Juneteenth');
  fixed(7, 4, 'Independence Day');
  days.set(nthWeekday(year, 9, MONDAY, 1), 'Labor Day');
  days.set(nthWeekday(year, 10, MONDAY, 2), 'Columbus Day');
  fixed(11, 11, 'Veterans Day');
  days.set(nthWeekday(year, 11, THURSDAY, 4), 'Thanksgiving Day');
  fixed(12, 25, 'Christmas Day');
  return days;
}

const MONDAY = 0;
const THURSDAY = 3;

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The `n`th (1-based) `weekday` (0 = Monday) of a month. */
function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  const first = isoDate(year, month, 1);
  return addDays(first, ((weekday - weekdayOf(first) + 7) % 7) + 7 * (n - 1));
}

function lastWeekday(year: number, month: number, weekday: number): string {
  const last = addDays(month === 12 ? isoDate(year + 1, 1, 1) : isoDate(year, month + 1, 1), -1);
  return addDays(last, -((weekdayOf(last) - weekday + 7) % 7));
}
