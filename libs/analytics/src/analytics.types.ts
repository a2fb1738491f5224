import type { CallOutcome } from '@tero/db';

/**
 * The shapes the dashboard, the call log, the reports, the exports and the client API share. Dates in a
 * range are the client's local dates (its time zone), inclusive: what the owner picked in a page.
 */
export interface LocalDateRange {
  /** `YYYY-MM-DD`, local to the client. */
  from: string;
  /** `YYYY-MM-DD`, local to the client, inclusive. */
  to: string;
}

/** Outcomes that count as a success: the caller got what they called for. */
export const WANTED_OUTCOMES: readonly CallOutcome[] = ['booked', 'rescheduled', 'cancelled', 'message_taken', 'transferred', 'answered'];

/** One client's figures over a range (from the daily rollups, plus today's calls not rolled up yet). */
export interface ClientSummary {
  range: LocalDateRange;
  timezone: string;
  currency: string;
  calls: number;
  /** Calls whose outcome is one of {@link WANTED_OUTCOMES}, over calls that ended. 0..1; null with no ended call. */
  successRate: number | null;
  averageDurationSeconds: number | null;
  /** Value of the bookings the agent made (the booked services' prices), minor units of `currency`. */
  revenueMinor: number;
  /** After-hours and holiday calls that ended booked or with a message taken. */
  missedCallsRecovered: number;
  outcomes: Partial<Record<CallOutcome, number>>;
  /** Calls per local hour of the day, 24 entries. */
  perHour: number[];
  /** One entry per local date of the range, oldest first. */
  perDay: { date: string; calls: number; revenueMinor: number; successRate: number | null }[];
  /** Figures the post-call work provides, when it does (null otherwise). */
  sentiment: { positive: number; neutral: number; negative: number } | null;
}

/** Filters of the call log. Unknown filters are refused by the parser, not ignored. */
export interface CallLogQuery {
  range?: LocalDateRange;
  outcomes?: CallOutcome[];
  /** Digits of the caller's number, matched anywhere in it. */
  caller?: string;
  minDurationSeconds?: number;
  maxDurationSeconds?: number;
  /** Words searched in the transcripts (plain text: no operators, no patterns). */
  text?: string;
  sort?: 'newest' | 'oldest' | 'longest';
  /** Opaque cursor from a previous page. */
  cursor?: string;
  /** 1..100, 25 by default. */
  limit?: number;
}

export interface CallLogItem {
  id: string;
  startedAt: Date;
  fromNumber: string;
  callerName: string | null;
  route: string;
  outcome: CallOutcome | null;
  durationSeconds: number | null;
  turnCount: number;
  /** The first lines of the transcript match, for a text search. */
  snippet: string | null;
}

export interface CallLogPage {
  items: CallLogItem[];
  /** null on the last page. */
  nextCursor: string | null;
  /** The local dates searched: the query's range, else the default one (the last 30 days). */
  range?: LocalDateRange;
}
