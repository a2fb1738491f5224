import type { Subscription } from '@tero/db';

/** A stretch of time whose calls are metered together: `[start, end)`. */
export interface UsagePeriod {
  start: Date;
  end: Date;
}

/**
 * `date` moved by `months` calendar months in UTC, its day kept or, in a shorter month, clamped to the
 * month's last day (Jan 31 + 1 → Feb 28), as vendors move billing dates. Always computed from the
 * same anchor, so Jan 31 + 2 is Mar 31, not Mar 28.
 */
export function addMonthsUtc(date: Date, months: number): Date {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(year, month, Math.min(date.getUTCDate(), lastDay), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds()),
  );
}

/** The month-long slice `[anchor + k months, anchor + k + 1 months)` that holds `at`. */
export function monthSliceAt(anchor: Date, at: Date): UsagePeriod {
  let k = (at.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (at.getUTCMonth() - anchor.getUTCMonth());
  while (addMonthsUtc(anchor, k) > at) k--;
  while (addMonthsUtc(anchor, k + 1) <= at) k++;
  return { start: addMonthsUtc(anchor, k), end: addMonthsUtc(anchor, k + 1) };
}

export type PeriodSubscription = Pick<Subscription, 'interval' | 'currentPeriodStart' | 'currentPeriodEnd' | 'startsAt' | 'createdAt'>;

/**
 * The usage period of a subscription that holds `at`. A plan's minutes are included per month, so a
 * usage period is a month: the vendor's paid period itself for a monthly subscription (its dates are the
 * vendor's), and month-long slices of the paid year for an annual one. Before or after the known paid
 * period (a renewal not reported yet, an old period), months are counted from the nearest known boundary.
 */
export function usagePeriodAt(sub: PeriodSubscription, at: Date): UsagePeriod {
  const start = sub.currentPeriodStart ?? null;
  const end = sub.currentPeriodEnd ?? null;
  if (start && end && sub.interval === 'month') {
    if (at >= start && at < end) return { start, end };
    return monthSliceAt(at >= end ? end : start, at);
  }
  return monthSliceAt(start ?? sub.startsAt ?? sub.createdAt, at);
}

/** The usage period just before `period`. */
export function previousUsagePeriod(sub: PeriodSubscription, period: UsagePeriod): UsagePeriod {
  return usagePeriodAt(sub, new Date(period.start.getTime() - 1));
}

/** Whole minutes of metered seconds: a started minute counts. */
export function minutesOf(seconds: number): number {
  return Math.ceil(Math.max(0, seconds) / 60);
}
