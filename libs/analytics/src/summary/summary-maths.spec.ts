import { type DayFigures, emptyDay } from '../rollups/day-figures';
import { summarize } from './summary-maths';

const day = (date: string, fields: Partial<DayFigures>): DayFigures => ({ ...emptyDay(date), ...fields });
const frame = { timezone: 'Europe/Paris', currency: 'EUR' };

describe('summarize', () => {
  it('weighs rates and averages by calls, not by days', () => {
    const perHourA = emptyDay('x').perHour.map((_, h) => (h === 9 ? 9 : h === 14 ? 1 : 0));
    const perHourB = emptyDay('x').perHour.map((_, h) => (h === 9 ? 1 : 0));
    const days = new Map([
      ['2026-03-01', day('2026-03-01', { calls: 10, endedCalls: 10, wantedCalls: 9, durationSeconds: 1000, durationCount: 10, revenueMinor: 5000, missedRecovered: 1, outcomes: { booked: 5, answered: 4, abandoned: 1 }, perHour: perHourA })],
      ['2026-03-03', day('2026-03-03', { calls: 1, endedCalls: 1, wantedCalls: 0, durationSeconds: 12, durationCount: 1, outcomes: { spam: 1 }, perHour: perHourB })],
    ]);
    const summary = summarize({ from: '2026-03-01', to: '2026-03-03' }, days, frame);
    // 9 wanted of 11 ended, where the mean of the daily rates would say 45 %.
    expect(summary.successRate).toBeCloseTo(9 / 11);
    expect(summary.averageDurationSeconds).toBe(92);
    expect(summary).toMatchObject({ calls: 11, revenueMinor: 5000, missedCallsRecovered: 1, timezone: 'Europe/Paris', currency: 'EUR', sentiment: null });
    expect(summary.outcomes).toEqual({ booked: 5, answered: 4, abandoned: 1, spam: 1 });
    expect(summary.perHour[9]).toBe(10);
    expect(summary.perHour[14]).toBe(1);
    expect(summary.perHour).toHaveLength(24);
    expect(summary.perDay).toEqual([
      { date: '2026-03-01', calls: 10, revenueMinor: 5000, successRate: 0.9 },
      { date: '2026-03-02', calls: 0, revenueMinor: 0, successRate: null },
      { date: '2026-03-03', calls: 1, revenueMinor: 0, successRate: 0 },
    ]);
  });

  it('says null, not zero, for rates without an ended call', () => {
    const summary = summarize({ from: '2026-03-01', to: '2026-03-01' }, new Map([['2026-03-01', day('2026-03-01', { calls: 2 })]]), frame);
    expect([summary.calls, summary.successRate, summary.averageDurationSeconds]).toEqual([2, null, null]);
  });

  it('lists every date across a month end and a DST change, oldest first', () => {
    const summary = summarize({ from: '2026-03-28', to: '2026-04-02' }, new Map(), frame);
    expect(summary.perDay.map((d) => d.date)).toEqual(['2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31', '2026-04-01', '2026-04-02']);
  });
});
