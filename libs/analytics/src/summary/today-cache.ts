import type { EventBus } from '@tero/core';
import { CALL_EVENTS } from '@tero/telephony';
import type { DayFigures } from '../rollups/day-figures';
import { SUMMARY_CHANGED } from '../rollups/rollup-jobs';

/** How long today's figures are served from memory when no event says they changed. */
export const TODAY_CACHE_TTL_MS = 10_000;
/** At most this many clients' today are kept; the oldest entry goes first. */
const MAX_ENTRIES = 10_000;

/** The events after which a client's today is read again from its calls (a call counted, ended, rolled up). */
export const TODAY_CHANGING_EVENTS = [CALL_EVENTS.started, CALL_EVENTS.ended, SUMMARY_CHANGED] as const;

interface Entry {
  date: string;
  timezone: string;
  figures: DayFigures;
  storedAt: number;
}

/**
 * Today's figures per client, kept for a few seconds so that a dashboard or an API client asking again
 * does not add up the day's calls each time (thousands for a busy client). A client's entry is dropped
 * the moment a call of its starts or ends or its rollup changes — events the bus brings to every replica —
 * so an ended call is never hidden behind the cache; the time limit bounds what no event announces. A
 * figure read before such an event is not stored after it (each client's generation moves on with every
 * drop). Serves nothing while not listening: without the events it could not know when to drop.
 */
export class TodayCache {
  private readonly entries = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();
  private listening = 0;

  constructor(
    private readonly ttlMs = TODAY_CACHE_TTL_MS,
    /** Monotonic milliseconds (the business clock may stand still in tests). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Drops a client's entry on every event that changes its today; returns the unsubscribe. */
  listen(events: EventBus): () => void {
    const offs = TODAY_CHANGING_EVENTS.map((type) =>
      events.subscribe(type, (event) => {
        if (event.clientId) this.drop(event.clientId);
      }),
    );
    this.listening++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      offs.forEach((off) => off());
      this.listening--;
      if (!this.listening) this.entries.clear();
    };
  }

  /** The client's today as stored for `date` in `timezone`, if still fresh. */
  read(clientId: string, date: string, timezone: string): DayFigures | undefined {
    if (!this.listening) return undefined;
    const entry = this.entries.get(clientId);
    if (!entry) return undefined;
    if (entry.date !== date || entry.timezone !== timezone || this.now() - entry.storedAt >= this.ttlMs) {
      this.entries.delete(clientId);
      return undefined;
    }
    return entry.figures;
  }

  /** Taken before reading the calls: {@link store} keeps the figures only if no drop happened meanwhile. */
  ticket(clientId: string): number {
    return this.generations.get(clientId) ?? 0;
  }

  /** Keeps figures read under `ticket`, unless the client's today changed since. */
  store(clientId: string, ticket: number, figures: DayFigures, timezone: string): void {
    if (!this.listening || this.ticket(clientId) !== ticket) return;
    this.entries.delete(clientId);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(clientId, { date: figures.date, timezone, figures, storedAt: this.now() });
  }

  /** Forgets the client's today (and makes any read under way not be stored). */
  drop(clientId: string): void {
    this.entries.delete(clientId);
    this.generations.set(clientId, this.ticket(clientId) + 1);
  }
}
