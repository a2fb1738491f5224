import type { CallOutcome } from '@tero/db';
import type { ClientSummary, LocalDateRange } from '../analytics.types';
import { type DayFigures, emptyDay } from '../rollups/day-figures';
import { datesOf } from './local-range';

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);
const tenths = (value: number | null): number | null => (value === null ? null : Math.round(value * 10) / 10);

/**
 * Adds daily figures up into a client's summary over a range. Rates and averages are recomputed from the
 * sums (wanted calls over ended calls, total duration over calls with one), never averaged from daily rates,
 * so a busy day weighs what its calls weigh. A date missing from `days` had no call.
 */
export function summarize(range: LocalDateRange, days: ReadonlyMap<string, DayFigures>, frame: { timezone: string; currency: string }): ClientSummary {
  const total = emptyDay(range.from);
  const outcomes: Partial<Record<CallOutcome, number>> = {};
  const perDay: ClientSummary['perDay'] = [];
  for (const date of datesOf(range)) {
    const day = days.get(date) ?? emptyDay(date);
    total.calls += day.calls;
    total.endedCalls += day.endedCalls;
    total.wantedCalls += day.wantedCalls;
    total.durationSeconds += day.durationSeconds;
    total.durationCount += day.durationCount;
    total.revenueMinor += day.revenueMinor;
    total.missedRecovered += day.missedRecovered;
    for (const [outcome, count] of Object.entries(day.outcomes) as [CallOutcome, number][]) outcomes[outcome] = (outcomes[outcome] ?? 0) + count;
    day.perHour.forEach((count, hour) => (total.perHour[hour]! += count));
    perDay.push({ date, calls: day.calls, revenueMinor: day.revenueMinor, successRate: ratio(day.wantedCalls, day.endedCalls) });
  }
  return {
    range: { from: range.from, to: range.to },
    timezone: frame.timezone,
    currency: frame.currency,
    calls: total.calls,
    successRate: ratio(total.wantedCalls, total.endedCalls),
    averageDurationSeconds: tenths(ratio(total.durationSeconds, total.durationCount)),
    revenueMinor: total.revenueMinor,
    missedCallsRecovered: total.missedRecovered,
    outcomes,
    perHour: total.perHour,
    perDay,
    // No post-call work rates sentiment yet; the dashboard shows the block only when this is set.
    sentiment: null,
  };
}
