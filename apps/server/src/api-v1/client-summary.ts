import { type ClientSummary, MAX_RANGE_DAYS, type ParsedQuery, dateRange } from '@tero/analytics';
import type { TenantContext } from '@tero/sdk';
import type { Kernel } from '../kernel';

/** The range the summary covers when none is asked for. */
const DEFAULT_DAYS = 30;

/** The summary as the API returns it: the document's `Summary`, field by field, revenue as money like every amount the API gives. */
export function summaryResource(summary: ClientSummary) {
  const money = (amountMinor: number) => ({ amountMinor, currency: summary.currency });
  return {
    range: { from: summary.range.from, to: summary.range.to },
    timezone: summary.timezone,
    currency: summary.currency,
    calls: summary.calls,
    successRate: summary.successRate,
    averageDurationSeconds: summary.averageDurationSeconds,
    revenue: money(summary.revenueMinor),
    missedCallsRecovered: summary.missedCallsRecovered,
    outcomes: summary.outcomes,
    perHour: summary.perHour,
    perDay: summary.perDay.map((day) => ({ date: day.date, calls: day.calls, revenue: money(day.revenueMinor), successRate: day.successRate })),
    sentiment: summary.sentiment,
  };
}

/** `/analytics/summary`: the range (the client's local dates, the last 30 days by default) and its figures. */
export async function clientSummary(kernel: Kernel, ctx: TenantContext, query: ParsedQuery) {
  const { today } = await kernel.clientApi.zoneOf(ctx, kernel.clientApi.now());
  const range = dateRange(query, today, DEFAULT_DAYS, MAX_RANGE_DAYS);
  return summaryResource(await kernel.clientApi.summary(ctx, range));
}
