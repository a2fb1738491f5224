import { addDays, localDate, minutesOfDay, parseLocal, wallTime } from '@tero/core';
import type { AgentTools, SlotOffer } from '../engine.port';
import { DAY_PARTS, type TimeWish } from './time-wish.parser';

/** Slots found for a caller's wish: `exact` when they fit what the caller asked, else the closest there are. */
export interface SlotSearch {
  offers: SlotOffer[];
  exact: boolean;
}

/** How far ahead the agent looks for a free time. */
export const SEARCH_DAYS = 14;

/**
 * Turns a caller's wish into free slots, asking the ledger once for the days concerned and choosing
 * among its answer: the exact time when one was named (else the closest times that day); the first
 * times inside the named day and part of the day; then the same part of the day on the following days;
 * then any time. Up to three offers, the best first.
 */
export async function searchSlots(tools: AgentTools, serviceId: string, wish: TimeWish, now: Date, timeZone: string): Promise<SlotSearch> {
  const today = localDate(now, timeZone);
  const firstDay = wish.date && wish.date > today ? wish.date : today;
  const all = await tools.checkAvailability({
    serviceId,
    from: new Date(Math.max(parseLocal(firstDay, timeZone).getTime(), now.getTime())),
    to: parseLocal(addDays(firstDay, SEARCH_DAYS + 1), timeZone),
    limit: 500,
  });
  if (all.length === 0) return { offers: [], exact: false };
  // One wall-clock reading per offer (there may be hundreds): its local day, as localDate says it, and minute.
  const dayNames = new Map<number, string>();
  const local = all.map((offer) => {
    const wall = wallTime(offer.start, timeZone);
    const days = Math.floor(wall / DAY_MS);
    let day = dayNames.get(days);
    if (day === undefined) {
      day = addDays('1970-01-01', days);
      dayNames.set(days, day);
    }
    return { offer, day, minute: Math.floor((wall - days * DAY_MS) / 60_000) };
  });
  const [from, to] = window(wish);
  const inWindow = (m: number) => m >= from && m < to;
  const onDay = (day: string | undefined) => (day ? local.filter((l) => l.day === day) : local);
  const pick = (list: typeof local, exact: boolean): SlotSearch => ({ offers: list.slice(0, 3).map((l) => l.offer), exact });

  if (wish.time) {
    const target = minutesOfDay(wish.time);
    const hit = onDay(wish.date).find((l) => l.minute === target);
    if (hit) return { offers: [hit.offer], exact: true };
    const sameDay = onDay(wish.date ?? local[0]!.day);
    if (sameDay.length > 0) return pick([...sameDay].sort((a, b) => Math.abs(a.minute - target) - Math.abs(b.minute - target)), false);
  }
  const day = onDay(wish.date);
  const fitting = day.filter((l) => inWindow(l.minute));
  if (fitting.length > 0 && !wish.time) return pick(fitting, true);
  if (day.length > 0 && wish.date) return pick(day, false);
  const later = local.filter((l) => inWindow(l.minute));
  return pick(later.length > 0 ? later : local, false);
}

const DAY_MS = 86_400_000;

/** Minutes of the day the wish allows, `[from, to)`. */
function window(wish: TimeWish): [number, number] {
  let [from, to] = wish.part ? DAY_PARTS[wish.part] : [0, 24 * 60];
  if (wish.after) from = Math.max(from, minutesOfDay(wish.after));
  if (wish.before) to = Math.min(to, minutesOfDay(wish.before));
  return from < to ? [from, to] : [0, 24 * 60];
}
