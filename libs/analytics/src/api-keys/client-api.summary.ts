import { addDays, localDate, parseLocal, toLocalParts } from '@tero/core';
import { Booking, Brand, Call, type CallOutcome, type CallRoute, Client, type Database } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { type ClientSummary, type LocalDateRange, WANTED_OUTCOMES } from '../analytics.types';

const WANTED = new Set<CallOutcome>(WANTED_OUTCOMES);
/** Routes on which nobody would have answered without the agent, and what "recovered" means for them. */
const MISSED_ROUTES = new Set<CallRoute>(['after_hours', 'holiday']);
const RECOVERED = new Set<CallOutcome>(['booked', 'message_taken']);

interface Tally {
  calls: number;
  ended: number;
  wanted: number;
  revenueMinor: number;
}

const rate = (t: Tally): number | null => (t.ended ? t.wanted / t.ended : null);

/**
 * A client's {@link ClientSummary} over local dates, added up from its calls (and the values of the
 * bookings made in them) with the dashboard's definitions: success is a wanted outcome over ended calls,
 * revenue is the booked calls' bookings, recovered calls are after-hours and holiday calls booked or with a
 * message. The client API reads it for `/analytics/summary`.
 */
export async function summarizeCalls(db: Database, ctx: TenantContext, range: LocalDateRange): Promise<ClientSummary> {
  const em = db.forTenant(ctx);
  const client = await em.findOneOrFail(Client, { id: ctx.clientId! });
  const brand = await em.findOneOrFail(Brand, { id: ctx.brandId });
  const timezone = client.timezone;
  const start = parseLocal(range.from, timezone);
  const end = parseLocal(addDays(range.to, 1), timezone);
  const calls = await em.find(Call, { startedAt: { $gte: start, $lt: end } }, { fields: ['startedAt', 'outcome', 'route', 'durationSeconds', 'bookingId'] });
  const bookingIds = calls.filter((c) => c.outcome === 'booked' && c.bookingId).map((c) => c.bookingId!);
  const values = new Map<string, number>();
  for (let i = 0; i < bookingIds.length; i += 500) {
    const rows = await em.find(Booking, { id: { $in: bookingIds.slice(i, i + 500) } }, { fields: ['valueMinor'] });
    for (const b of rows) values.set(b.id, b.valueMinor);
  }

  const days = new Map<string, Tally>();
  for (let d = range.from; d <= range.to; d = addDays(d, 1)) days.set(d, { calls: 0, ended: 0, wanted: 0, revenueMinor: 0 });
  const total: Tally = { calls: 0, ended: 0, wanted: 0, revenueMinor: 0 };
  const outcomes: Partial<Record<CallOutcome, number>> = {};
  const perHour = new Array<number>(24).fill(0);
  let durationSum = 0;
  let durationCount = 0;
  let missedCallsRecovered = 0;
  for (const call of calls) {
    const day = days.get(localDate(call.startedAt, timezone));
    const revenue = call.outcome === 'booked' && call.bookingId ? (values.get(call.bookingId) ?? 0) : 0;
    perHour[toLocalParts(call.startedAt, timezone).hour]!++;
    for (const t of day ? [total, day] : [total]) {
      t.calls++;
      t.revenueMinor += revenue;
      if (call.outcome) {
        t.ended++;
        if (WANTED.has(call.outcome)) t.wanted++;
      }
    }
    if (!call.outcome) continue;
    outcomes[call.outcome] = (outcomes[call.outcome] ?? 0) + 1;
    if (call.durationSeconds !== null && call.durationSeconds !== undefined) {
      durationSum += call.durationSeconds;
      durationCount++;
    }
    if (MISSED_ROUTES.has(call.route) && RECOVERED.has(call.outcome)) missedCallsRecovered++;
  }
  return {
    range,
    timezone,
    currency: brand.currency,
    calls: total.calls,
    successRate: rate(total),
    averageDurationSeconds: durationCount ? durationSum / durationCount : null,
    revenueMinor: total.revenueMinor,
    missedCallsRecovered,
    outcomes,
    perHour,
    perDay: [...days].map(([date, t]) => ({ date, calls: t.calls, revenueMinor: t.revenueMinor, successRate: rate(t) })),
    sentiment: null,
  };
}
