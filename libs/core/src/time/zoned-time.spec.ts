import { addDays, formatLocal, fromLocalParts, isValidTimeZone, offsetMinutes, parseLocal, toLocalParts, weekdayOf } from './zoned-time';

describe('zoned time', () => {
  it('reads the wall clock of a zone at an instant', () => {
    const instant = new Date('2026-03-10T14:30:00Z');
    expect(toLocalParts(instant, 'America/New_York')).toMatchObject({ year: 2026, month: 3, day: 10, hour: 10, minute: 30, weekday: 1 });
    expect(toLocalParts(instant, 'Europe/Paris')).toMatchObject({ hour: 15, minute: 30 });
    expect(offsetMinutes(new Date('2026-01-15T12:00:00Z'), 'America/New_York')).toBe(-300);
    expect(offsetMinutes(new Date('2026-07-15T12:00:00Z'), 'Europe/Paris')).toBe(120);
  });

  it('turns local times into instants, across daylight-saving changes', () => {
    expect(parseLocal('2026-03-10T09:00', 'America/New_York').toISOString()).toBe('2026-03-10T13:00:00.000Z');
    expect(parseLocal('2026-03-06T09:00', 'America/New_York').toISOString()).toBe('2026-03-06T14:00:00.000Z');
    expect(parseLocal('2026-07-01', 'Europe/Paris').toISOString()).toBe('2026-06-30T22:00:00.000Z');
    // 02:30 does not exist on 2026-03-08 in New York: the instant an hour later.
    expect(formatLocal(fromLocalParts({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York'), 'America/New_York')).toBe('2026-03-08T03:30');
    // 01:30 happens twice on 2026-11-01: the first.
    expect(fromLocalParts({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('round-trips and does calendar arithmetic', () => {
    expect(formatLocal(parseLocal('2026-12-31T23:45', 'Asia/Tokyo'), 'Asia/Tokyo')).toBe('2026-12-31T23:45');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(weekdayOf('2026-11-23')).toBe(0);
    expect(weekdayOf('2026-11-29')).toBe(6);
  });

  it('refuses malformed input and unknown zones', () => {
    expect(() => parseLocal('next tuesday', 'UTC')).toThrow(/not a local date-time/);
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('Mars/Base')).toBe(false);
  });
});
