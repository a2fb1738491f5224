import { formatLocal } from '@tero/core';
import { samePhone } from './caller-phone';
import { type Schedule, candidateStarts, freeResource, isOpenStart, openingIntervals, unitKey, unitsOf } from './schedule';
import { SERVICES, WEEK_HOURS } from './testing/booking-fixtures';

const NY = 'America/New_York';
const [cleaning, quick] = SERVICES as [(typeof SERVICES)[0], (typeof SERVICES)[0]];
const schedule = (overrides: Partial<Schedule> = {}): Schedule => ({
  timezone: NY,
  locale: 'en',
  currency: 'USD',
  hours: WEEK_HOURS,
  exceptions: [],
  capacity: 1,
  services: SERVICES,
  ...overrides,
});
const local = (starts: Date[]) => starts.map((s) => formatLocal(s, NY).slice(11));
const day = (date: string) => [new Date(`${date}T00:00:00-05:00`), new Date(`${date}T23:59:00-05:00`)] as const;

describe('schedule rules', () => {
  it('offers starts on the quarter hour for long services and every 5 minutes for short ones, ending by closing', () => {
    const long = candidateStarts(schedule(), cleaning, ...day('2026-03-03'));
    expect(local(long).slice(0, 3)).toEqual(['09:00', '09:15', '09:30']);
    expect(local(long).at(-1)).toBe('16:00');
    expect(long).toHaveLength(29);
    const short = candidateStarts(schedule(), quick, ...day('2026-03-03'));
    expect(local(short).slice(0, 2)).toEqual(['09:00', '09:05']);
    expect(local(short).at(-1)).toBe('16:50');
    expect(short).toHaveLength(95);
  });

  it('starts from the first grid point after `from`, and stops before `to`', () => {
    const starts = candidateStarts(schedule(), cleaning, new Date('2026-03-03T09:07:00-05:00'), new Date('2026-03-03T10:15:00-05:00'));
    expect(local(starts)).toEqual(['09:15', '09:30', '09:45', '10:00']);
  });

  it('is closed on Sundays and holidays, and an exception day’s hours replace the weekday’s', () => {
    expect(candidateStarts(schedule(), cleaning, ...day('2026-03-01'))).toEqual([]);
    const exceptions = [
      { date: '2026-03-03', name: 'Staff training', hours: [] },
      { date: '2026-03-04', hours: [['13:00', '15:00']] as [string, string][] },
    ];
    expect(candidateStarts(schedule({ exceptions }), cleaning, ...day('2026-03-03'))).toEqual([]);
    expect(local(candidateStarts(schedule({ exceptions }), cleaning, ...day('2026-03-04')))).toEqual(['13:00', '13:15', '13:30', '13:45', '14:00']);
  });

  it('keeps real durations across the spring-forward night in New York', () => {
    // 02:00–03:00 does not exist on 2026-03-08: a night shift from midnight to 4 is three hours long.
    const night = schedule({ exceptions: [{ date: '2026-03-08', hours: [['00:00', '04:00']] }] });
    const [open] = openingIntervals(night, '2026-03-08');
    expect(open!.close.getTime() - open!.open.getTime()).toBe(3 * 3600_000);
    const starts = candidateStarts(night, cleaning, new Date('2026-03-08T00:00:00-05:00'), new Date('2026-03-08T12:00:00-04:00'));
    expect(local(starts)).toEqual(['00:00', '00:15', '00:30', '00:45', '01:00', '01:15', '01:30', '01:45', '03:00']);
    // The next morning opens at 9 in the new offset (UTC−4).
    expect(candidateStarts(schedule(), cleaning, new Date('2026-03-09T00:00:00-04:00'), new Date('2026-03-10T00:00:00-04:00'))[0]).toEqual(
      new Date('2026-03-09T13:00:00Z'),
    );
  });

  it('counts the buffer in the units a booking covers, and finds the first free resource', () => {
    const start = new Date('2026-03-03T14:00:00Z');
    const units = unitsOf(cleaning, start);
    expect(units).toHaveLength(15);
    expect(units.at(-1)).toEqual(new Date('2026-03-03T15:10:00Z'));
    const busy = new Set([unitKey(0, new Date('2026-03-03T15:10:00Z'))]);
    expect(freeResource(busy, 1, units)).toBeNull();
    expect(freeResource(busy, 2, units)).toBe(1);
    expect(freeResource(busy, 1, unitsOf(quick, start))).toBe(0);
  });

  it('accepts only starts the opening hours allow', () => {
    expect(isOpenStart(schedule(), cleaning, new Date('2026-03-03T16:00:00-05:00'))).toBe(true);
    expect(isOpenStart(schedule(), cleaning, new Date('2026-03-03T16:15:00-05:00'))).toBe(false);
    expect(isOpenStart(schedule(), cleaning, new Date('2026-03-03T08:45:00-05:00'))).toBe(false);
  });
});

describe('samePhone', () => {
  it('compares digits, with or without country code and trunk prefix', () => {
    expect(samePhone('+1 (555) 010-2030', '555.010.2030')).toBe(true);
    expect(samePhone('+33 6 12 34 56 78', '06 12 34 56 78')).toBe(true);
    expect(samePhone('+1 555 010 2030', '+1 555 010 2031')).toBe(false);
    expect(samePhone('2030', '+1 555 010 2030')).toBe(false);
    expect(samePhone('', '')).toBe(false);
  });
});
