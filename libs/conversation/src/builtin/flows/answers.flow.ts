import { addDays, localDate, weekdayOf } from '@tero/core';
import { WEEKDAYS } from '@tero/sdk';
import { formatClock, formatList, formatLocalDate, formatMoney, weekdayName } from '../../spoken-format';
import type { KnownService } from '../../engine.port';
import type { Utterance } from '../prepared-knowledge';
import type { Turn } from '../turn';
import { heardWish } from './caller-details';

/**
 * Questions the agent answers from what it knows: opening hours (a named day or date, or the week),
 * the address, prices and the pack's FAQ. Each sets `answered`, the call's outcome unless something
 * stronger happens. Whether to ask "anything else?" or go back to a pending question is the caller's
 * choice (see the engine).
 */

/** Opening hours: of a date (exceptions included), of a weekday, or of the whole week. */
export function answerHours(turn: Turn, u: Utterance): void {
  turn.intent = 'hours';
  turn.answered = true;
  const { hours, exceptions } = turn.knowledge;
  const named = heardWish(turn, u)?.date;
  const weekday = turn.prepared.weekday(u);
  // "On Fridays" asks about the week; a date ("tomorrow", "March 13") or a day that is an exception asks about that day.
  const date = named ?? (weekday !== null ? nextDateOn(turn, weekday) : undefined);
  const exception = date ? exceptions.find((e) => e.date === date) : undefined;
  if (date && (exception || weekday === null)) {
    const intervals = exception ? exception.hours : (hours[WEEKDAYS[weekdayOf(date)]!] ?? []);
    const spoken = formatLocalDate(date, turn.locale);
    if (intervals.length > 0) turn.say('agent.hours.onDate', { date: spoken, ranges: ranges(turn, intervals) });
    else if (exception?.name) turn.say('agent.hours.onDateClosedFor', { date: spoken, name: exception.name });
    else turn.say('agent.hours.onDateClosed', { date: spoken });
    return;
  }
  if (weekday !== null) {
    const intervals = hours[WEEKDAYS[weekday]!] ?? [];
    const day = weekdayName(weekday, turn.locale);
    if (intervals.length > 0) turn.say('agent.hours.onDay', { day, ranges: ranges(turn, intervals) });
    else turn.say('agent.hours.onDayClosed', { day });
    return;
  }
  turn.say('agent.hours.week', { summary: weekSummary(turn) });
}

/** The business's address, or a message offer when the client has not entered one. */
export function answerLocation(turn: Turn): void {
  turn.intent = 'location';
  const address = turn.knowledge.business.address.trim();
  if (!address) {
    turn.offerMessage('agent.location.unknown');
    return;
  }
  turn.answered = true;
  turn.say('agent.location.address', { address });
}

/**
 * A question: a service's price when the caller asks one, else the best FAQ answer, else a few
 * prices, else a description of the service named. Nothing fits: a message for the team.
 */
export function answerQuestion(turn: Turn, u: Utterance): void {
  turn.intent = 'faq';
  const asksPrice = turn.prepared.asksPrice(u);
  // "How much is it?" in the middle of a booking or a change is about that booking's service.
  const current = turn.knowledge.services.find((s) => s.id === (turn.state.book?.serviceId ?? turn.state.change?.booking?.serviceId));
  const named = turn.prepared.service(u) ?? (asksPrice && current ? { service: current, score: 1, tied: [] } : null);
  const faq = turn.prepared.faq(u);
  const price = (s: KnownService) => turn.remember(`price|${s.id}`, () => formatMoney(s.price, turn.locale));
  if (asksPrice && named && (!faq || faq.score < 3)) {
    const service = named.service;
    turn.answered = true;
    turn.say(service.price.amountMinor === 0 ? 'agent.prices.free' : 'agent.prices.service', { service: service.name, price: price(service) });
    return;
  }
  if (faq) {
    turn.answered = true;
    turn.sayVerbatim(faq.entry.answer);
    return;
  }
  if (asksPrice) {
    const examples = turn.knowledge.services.filter((s) => s.price.amountMinor > 0).slice(0, 3);
    if (examples.length > 0) {
      turn.answered = true;
      const list = examples.map((s) => turn.text('agent.prices.example', { service: s.name, price: price(s) }));
      turn.say('agent.prices.examples', { examples: formatList(list, turn.locale) });
      return;
    }
  }
  if (named) {
    turn.answered = true;
    const s = named.service;
    turn.say('agent.prices.describe', { service: s.name, minutes: String(s.durationMinutes), price: price(s) });
    return;
  }
  turn.offerMessage('agent.faq.unknown', { text: u.text });
}

/** The next date (today included) that falls on `weekday`, in the business's zone. */
function nextDateOn(turn: Turn, weekday: number): string {
  const today = localDate(turn.call.now, turn.knowledge.timezone);
  return addDays(today, (weekday - weekdayOf(today) + 7) % 7);
}

/** Opening intervals as said ("8:00 AM to noon and 1:00 PM to 5:00 PM"), made once per business and set of intervals. */
function ranges(turn: Turn, intervals: [string, string][]): string {
  let key = 'ranges';
  for (const [from, to] of intervals) key += `|${from}-${to}`;
  return turn.remember(key, () =>
    formatList(
      intervals.map(([from, to]) => turn.text('agent.hours.range', { from: formatClock(from, turn.locale), to: formatClock(to, turn.locale) })),
      turn.locale,
    ),
  );
}

/** The week in a few words: days with the same hours together, Monday first, closed days last. Made once per business. */
function weekSummary(turn: Turn): string {
  return turn.remember('week', () => describeWeek(turn));
}

function describeWeek(turn: Turn): string {
  const groups = new Map<string, number[]>();
  const closed: number[] = [];
  WEEKDAYS.forEach((key, index) => {
    const intervals = turn.knowledge.hours[key] ?? [];
    if (intervals.length === 0) closed.push(index);
    else {
      const signature = JSON.stringify(intervals);
      groups.set(signature, [...(groups.get(signature) ?? []), index]);
    }
  });
  const days = (list: number[]) => formatList(list.map((d) => weekdayName(d, turn.locale)), turn.locale);
  const parts = [...groups.entries()].map(([signature, list]) =>
    turn.text('agent.hours.group', { days: days(list), ranges: ranges(turn, JSON.parse(signature) as [string, string][]) }),
  );
  if (closed.length > 0) parts.push(turn.text('agent.hours.closedDays', { days: days(closed) }));
  return parts.join('; ');
}
