import { addMonthsUtc, minutesOf, monthSliceAt, previousUsagePeriod, usagePeriodAt } from './usage-period';

const d = (iso: string) => new Date(iso);
const iso = (p: { start: Date; end: Date }) => [p.start.toISOString(), p.end.toISOString()];

describe('usage periods', () => {
  it('moves by calendar months, clamping the day from the same anchor as vendors do', () => {
    const jan31 = d('2026-01-31T10:00:00Z');
    expect(addMonthsUtc(jan31, 1).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(addMonthsUtc(jan31, 2).toISOString()).toBe('2026-03-31T10:00:00.000Z');
    expect(addMonthsUtc(jan31, -2).toISOString()).toBe('2025-11-30T10:00:00.000Z');
    expect(addMonthsUtc(d('2028-01-29T00:00:00Z'), 1).toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('finds the month slice that holds an instant, boundaries belonging to the later slice', () => {
    const anchor = d('2026-01-31T10:00:00Z');
    expect(iso(monthSliceAt(anchor, d('2026-03-01T00:00:00Z')))).toEqual(['2026-02-28T10:00:00.000Z', '2026-03-31T10:00:00.000Z']);
    expect(iso(monthSliceAt(anchor, d('2026-02-28T10:00:00Z')))).toEqual(['2026-02-28T10:00:00.000Z', '2026-03-31T10:00:00.000Z']);
    expect(iso(monthSliceAt(anchor, d('2026-02-28T09:59:59.999Z')))).toEqual(['2026-01-31T10:00:00.000Z', '2026-02-28T10:00:00.000Z']);
    expect(iso(monthSliceAt(anchor, d('2025-12-15T00:00:00Z')))).toEqual(['2025-11-30T10:00:00.000Z', '2025-12-31T10:00:00.000Z']);
  });

  const monthly = { interval: 'month' as const, currentPeriodStart: d('2026-03-01T10:00:00Z'), currentPeriodEnd: d('2026-04-01T10:00:00Z'), startsAt: null, createdAt: d('2026-02-20T00:00:00Z') };

  it('a monthly subscription’s period is the vendor’s; before and after it, months from its edges', () => {
    expect(iso(usagePeriodAt(monthly, d('2026-03-15T00:00:00Z')))).toEqual(['2026-03-01T10:00:00.000Z', '2026-04-01T10:00:00.000Z']);
    expect(iso(usagePeriodAt(monthly, d('2026-04-03T00:00:00Z')))).toEqual(['2026-04-01T10:00:00.000Z', '2026-05-01T10:00:00.000Z']);
    expect(iso(usagePeriodAt(monthly, d('2026-02-25T00:00:00Z')))).toEqual(['2026-02-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z']);
    expect(iso(previousUsagePeriod(monthly, usagePeriodAt(monthly, d('2026-03-15T00:00:00Z'))))).toEqual(['2026-02-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z']);
    // A vendor period that is not a calendar month (anchored on the 31st) is kept as the vendor says.
    const odd = { ...monthly, currentPeriodStart: d('2026-02-28T10:00:00Z'), currentPeriodEnd: d('2026-03-31T10:00:00Z') };
    expect(iso(usagePeriodAt(odd, d('2026-03-30T00:00:00Z')))).toEqual(['2026-02-28T10:00:00.000Z', '2026-03-31T10:00:00.000Z']);
  });

  it('an annual subscription is metered month by month from its start (its minutes are per month)', () => {
    const annual = { ...monthly, interval: 'year' as const, currentPeriodEnd: d('2027-03-01T10:00:00Z') };
    expect(iso(usagePeriodAt(annual, d('2026-07-04T00:00:00Z')))).toEqual(['2026-07-01T10:00:00.000Z', '2026-08-01T10:00:00.000Z']);
  });

  it('without a period yet, months run from when it starts or was created', () => {
    expect(iso(usagePeriodAt({ ...monthly, currentPeriodStart: null, currentPeriodEnd: null }, d('2026-03-25T00:00:00Z')))).toEqual(['2026-03-20T00:00:00.000Z', '2026-04-20T00:00:00.000Z']);
  });

  it('counts a started minute', () => {
    expect([0, 1, 60, 61, 3600].map(minutesOf)).toEqual([0, 1, 1, 2, 60]);
  });
});
