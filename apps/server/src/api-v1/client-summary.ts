import { type ClientSummary, type ParsedQuery, dateRange } from '@tero/analytics';
import type { TenantContext } from '@tero/sdk';
import type { Kernel } from '../kernel';

/** Longest range the summary adds up, and the range it covers when none is asked for. */
const MAX_DAYS = 366;
const DEFAULT_DAYS = 30;

/** The summary as the API returns it: revenue as money, like every amount the API gives. */
export function summaryResource(summary: ClientSummary) {
  const money = (amountMinor: number) => ({ amountMinor, currency: summary.currency });
  const { revenueMinor, perDay, ...rest } = summary;
  return {
    ...rest,
    revenue: money(revenueMinor),
    perDay: perDay.map(({ revenueMinor: dayRevenue, ...day }) => ({ date: day.date, calls: day.calls, revenue: money(dayRevenue), successRate: day.successRate })),
  };
}

/** `/analytics/summary`: the range (the client's local dates, the last 30 days by default) and its figures. */
export async function clientSummary(kernel: Kernel, ctx: TenantContext, query: ParsedQuery) {
  const { today } = await kernel.clientApi.zoneOf(ctx, kernel.clientApi.now());
  const range = dateRange(query, today, DEFAULT_DAYS, MAX_DAYS);
  return summaryResource(await kernel.clientApi.summary(ctx, range));
}
