import { type CallOutcome, type CallRoute } from '@tero/db';
import { addDays, fromLocalParts, toLocalParts } from '@tero/core';
import { WANTED_OUTCOMES } from '../analytics.types';

/** One call as the figures read it: a row of the day's query, whichever engine answered. */
export interface CallFact {
  startedAt: Date;
  outcome: CallOutcome | null;
  route: CallRoute;
  durationSeconds: number | null;
  /** Value of the booking the agent made in this call (booked outcome only), minor units; 0 otherwise. */
  revenueMinor: number;
}

/** One local date's figures: what a `call_rollups` row stores and what the live part of today adds up to. */
export interface DayFigures {
  date: string;
  calls: number;
  endedCalls: number;
  wantedCalls: number;
  durationSeconds: number;
  durationCount: number;
  revenueMinor: number;
  missedRecovered: number;
  outcomes: Partial<Record<CallOutcome, number>>;
  /** 24 entries, calls per local hour. */
  perHour: number[];
}

const WANTED = new Set<CallOutcome>(WANTED_OUTCOMES);
/** Routes on which nobody would have answered without the agent. */
const MISSED_ROUTES = new Set<CallRoute>(['after_hours', 'holiday']);
/** What "recovered" means for such a call: the caller booked or left a message. */
const RECOVERED = new Set<CallOutcome>(['booked', 'message_taken']);

/** A day with no call. */
export function emptyDay(date: string): DayFigures {
  return { date, calls: 0, endedCalls: 0, wantedCalls: 0, durationSeconds: 0, durationCount: 0, revenueMinor: 0, missedRecovered: 0, outcomes: {}, perHour: new Array<number>(24).fill(0) };
}

/**
 * The instants a local date spans in `timeZone`: from its first instant to the next date's, so a day of a
 * DST change lasts 23 or 25 hours, and a date whose midnight does not exist (a change at midnight) starts
 * at the first instant it has.
 */
export function dayBounds(date: string, timeZone: string): { start: Date; end: Date } {
  const at = (d: string) => {
    const [year, month, day] = d.split('-').map(Number) as [number, number, number];
    return fromLocalParts({ year, month, day, hour: 0, minute: 0 }, timeZone);
  };
  return { start: at(date), end: at(addDays(date, 1)) };
}

/**
 * Adds up one local date's calls. Every figure comes from the calls themselves, so the same calls always
 * give the same figures (a recompute never counts anything twice). A call counts by its start: its local
 * hour on the wall clock of `timeZone` (in a fall-back night both 01:00 hours land in bucket 1).
 */
export function figuresOf(date: string, calls: Iterable<CallFact>, timeZone: string): DayFigures {
  const day = emptyDay(date);
  for (const call of calls) {
    day.calls++;
    day.perHour[toLocalParts(call.startedAt, timeZone).hour]!++;
    if (call.outcome === null) continue;
    day.endedCalls++;
    day.outcomes[call.outcome] = (day.outcomes[call.outcome] ?? 0) + 1;
    if (WANTED.has(call.outcome)) day.wantedCalls++;
    if (call.durationSeconds !== null) {
      day.durationSeconds += call.durationSeconds;
      day.durationCount++;
    }
    if (call.outcome === 'booked') day.revenueMinor += call.revenueMinor;
    if (MISSED_ROUTES.has(call.route) && RECOVERED.has(call.outcome)) day.missedRecovered++;
  }
  return day;
}
