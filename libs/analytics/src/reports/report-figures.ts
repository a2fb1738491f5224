import type { TenantContext } from '@tero/sdk';
import type { ClientSummary, LocalDateRange } from '../analytics.types';

/**
 * Where a report's figures come from: the dashboard's own summary (`Analytics.summary`: the daily rollups,
 * plus today from the calls), so that a report and the dashboard never disagree on a number.
 */
export type SummarySource = (ctx: TenantContext, range: LocalDateRange) => Promise<ClientSummary>;

/** Calls the agent turned into a booking, and into a message, over a summary's range. */
export function bookingsAndMessages(summary: ClientSummary): { bookings: number; messages: number } {
  return { bookings: summary.outcomes.booked ?? 0, messages: summary.outcomes.message_taken ?? 0 };
}
