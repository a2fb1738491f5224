import { type CallFact, dayBounds, figuresOf } from './day-figures';

const call = (startedAt: string, fields: Partial<CallFact> = {}): CallFact => ({
  startedAt: new Date(startedAt),
  outcome: 'answered',
  route: 'open',
  durationSeconds: 60,
  revenueMinor: 0,
  ...fields,
});
const hours = (perHour: number[]) => Object.fromEntries(perHour.map((n, h) => [h, n]).filter(([, n]) => n > 0));

describe('dayBounds', () => {
  it('spans a local day of 24 hours in the client’s zone', () => {
    const { start, end } = dayBounds('2026-03-10', 'America/New_York');
    expect(start.toISOString()).toBe('2026-03-10T04:00:00.000Z');
    expect(end.toISOString()).toBe('2026-03-11T04:00:00.000Z');
  });

  it('makes the spring-forward day 23 hours long and the fall-back day 25 (Paris, 2026)', () => {
    const spring = dayBounds('2026-03-29', 'Europe/Paris');
    expect([spring.start.toISOString(), spring.end.toISOString()]).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    const autumn = dayBounds('2026-10-25', 'Europe/Paris');
    expect((autumn.end.getTime() - autumn.start.getTime()) / 3_600_000).toBe(25);
  });

  it('follows half-hour and quarter-hour zones', () => {
    expect(dayBounds('2026-03-11', 'Asia/Kathmandu').start.toISOString()).toBe('2026-03-10T18:15:00.000Z');
    expect(dayBounds('2026-03-11', 'Asia/Kolkata').start.toISOString()).toBe('2026-03-10T18:30:00.000Z');
  });
});

describe('figuresOf', () => {
  it('counts calls, ended calls, wanted outcomes, durations, revenue and missed calls recovered', () => {
    const day = figuresOf(
      '2026-03-10',
      [
        call('2026-03-10T14:00:00Z', { outcome: 'booked', revenueMinor: 12000, durationSeconds: 120 }),
        call('2026-03-10T14:30:00Z', { outcome: 'abandoned', durationSeconds: 10 }),
        call('2026-03-10T23:00:00Z', { outcome: 'message_taken', route: 'after_hours', durationSeconds: 50 }),
        call('2026-03-10T23:10:00Z', { outcome: 'booked', route: 'holiday', revenueMinor: 3000, durationSeconds: null }),
        call('2026-03-10T23:20:00Z', { outcome: 'answered', route: 'after_hours' }),
        call('2026-03-10T23:40:00Z', { outcome: null, durationSeconds: null }),
      ],
      'America/New_York',
    );
    expect(day).toMatchObject({ calls: 6, endedCalls: 5, wantedCalls: 4, durationSeconds: 240, durationCount: 4, revenueMinor: 15000, missedRecovered: 2 });
    expect(day.outcomes).toEqual({ booked: 2, abandoned: 1, message_taken: 1, answered: 1 });
    // 14:00Z is 10:00 in New York (EDT since 8 March), 23:xxZ is 19:xx.
    expect(hours(day.perHour)).toEqual({ 10: 2, 19: 4 });
  });

  it('counts revenue only for booked calls (a reschedule moves a booking, it does not make one)', () => {
    const day = figuresOf('2026-03-10', [call('2026-03-10T14:00:00Z', { outcome: 'rescheduled', revenueMinor: 5000 })], 'UTC');
    expect(day.revenueMinor).toBe(0);
  });

  it('puts both 02:00 hours of the fall-back night in bucket 2 (Paris, 25 October 2026)', () => {
    // 00:30Z is 02:30 summer time; 01:30Z is 02:30 winter time.
    const day = figuresOf('2026-10-25', [call('2026-10-25T00:30:00Z'), call('2026-10-25T01:30:00Z'), call('2026-10-25T02:30:00Z')], 'Europe/Paris');
    expect(hours(day.perHour)).toEqual({ 2: 2, 3: 1 });
  });

  it('reads hours on the client’s wall clock, whatever its offset', () => {
    const day = figuresOf('2026-03-11', [call('2026-03-10T18:20:00Z'), call('2026-03-11T06:14:00Z')], 'Asia/Kathmandu');
    expect(hours(day.perHour)).toEqual({ 0: 1, 11: 1 });
  });
});
