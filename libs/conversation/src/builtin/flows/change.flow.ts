import { localDate } from '@tero/core';
import type { BookingSummary } from '../../engine.port';
import { formatList } from '../../spoken-format';
import type { BookingRef } from '../engine-state';
import type { Utterance } from '../prepared-knowledge';
import { searchSlots } from '../slot-search';
import { mergeWish, type TimeWish } from '../time-wish.parser';
import type { Turn } from '../turn';
import { absorbCallerDetails, heardWish } from './caller-details';

/**
 * Rescheduling and cancelling: the caller's bookings by their number (and name) → read back → confirm
 * → `tools.reschedule` / `tools.cancel`. When nothing is found under the caller id, the agent asks for
 * the name and number it was booked under once, then offers a message.
 */

/** Starts a cancellation or a move: the caller's bookings, found by their number (and name). */
export async function startChange(turn: Turn, kind: 'cancel' | 'reschedule', u: Utterance): Promise<void> {
  turn.intent = kind;
  turn.state.change = { kind, retried: false, candidates: [], alternatives: [] };
  absorbCallerDetails(turn, u);
  await lookUp(turn, u);
}

/** The answer to a question of a change; false when the utterance did not answer it. */
export async function answerChange(turn: Turn, u: Utterance): Promise<boolean> {
  const change = turn.state.change;
  if (!change) return false;
  turn.intent = change.kind;
  switch (turn.state.phase) {
    case 'change.identify':
      if (!absorbCallerDetails(turn, u)) return false;
      await lookUp(turn, u);
      return true;
    case 'change.pick': {
      const picked = pick(turn, u, change.candidates);
      if (!picked) return false;
      await select(turn, picked, u);
      return true;
    }
    case 'cancel.confirm': {
      const answer = turn.prepared.yesNo(u) ?? (turn.prepared.goals(u)[0]?.goal === 'cancel' ? 'yes' : null);
      if (answer === 'yes') {
        const booking = change.booking!;
        const result = await turn.tools.cancel({ bookingId: booking.id });
        if (!result.ok) {
          failed(turn);
          return true;
        }
        turn.state.achieved = true;
        turn.say('agent.cancel.done', { service: booking.serviceName, when: turn.when(booking.start) });
        delete turn.state.change;
        turn.askAnythingElse();
        return true;
      }
      if (answer !== 'no') return false;
      kept(turn);
      return true;
    }
    case 'reschedule.when': {
      const wish = heardWish(turn, u);
      if (!wish) return false;
      await offerNewTime(turn, wish);
      return true;
    }
    case 'reschedule.confirm': {
      const wish = heardWish(turn, u);
      const answer = turn.prepared.yesNo(u);
      if (wish && answer !== 'yes') {
        await offerNewTime(turn, wish);
        return true;
      }
      if (answer === 'yes') {
        await moveBooking(turn);
        return true;
      }
      if (answer === 'no') {
        if (!nextAlternative(turn)) turn.ask('reschedule.when', 'agent.book.askWhenAgain');
        return true;
      }
      return false;
    }
    default:
      return false;
  }
}

async function lookUp(turn: Turn, u: Utterance | null): Promise<void> {
  const change = turn.state.change!;
  const phone = turn.state.caller.phone ?? (turn.call.callerNumber || null);
  const found = phone ? await turn.tools.findBookings({ callerPhone: phone, ...(turn.state.caller.name ? { callerName: turn.state.caller.name } : {}) }) : [];
  if (found.length === 0) {
    if (!change.retried) {
      change.retried = true;
      turn.ask('change.identify', 'agent.change.notFound');
    } else {
      turn.offerMessage('agent.change.notFoundAgain', { text: u?.text });
    }
    return;
  }
  change.candidates = found.map(toRef);
  const picked = change.candidates.length === 1 ? change.candidates[0]! : u ? pick(turn, u, change.candidates) : null;
  if (picked) {
    await select(turn, picked, u);
    return;
  }
  const list = change.candidates.slice(0, 3).map((b) => turn.text('agent.change.item', { service: b.serviceName, when: turn.when(b.start) }));
  turn.ask('change.pick', 'agent.change.pick', { list: formatList(list, turn.locale, 'disjunction') });
}

/** The booking the caller means among several: "the first one", its service, or its day. */
function pick(turn: Turn, u: Utterance, candidates: BookingRef[]): BookingRef | null {
  const ordinal = turn.prepared.ordinal(u);
  if (ordinal !== null && candidates[ordinal]) return candidates[ordinal];
  const service = turn.prepared.service(u, (s) => candidates.some((c) => c.serviceId === s.id));
  const byService = service ? candidates.filter((c) => c.serviceId === service.service.id) : [];
  if (byService.length === 1) return byService[0]!;
  const date = heardWish(turn, u)?.date;
  const byDate = date ? candidates.filter((c) => localDate(new Date(c.start), turn.knowledge.timezone) === date) : [];
  return byDate.length === 1 ? byDate[0]! : null;
}

async function select(turn: Turn, booking: BookingRef, u: Utterance | null): Promise<void> {
  const change = turn.state.change!;
  change.booking = booking;
  const params = { service: booking.serviceName, when: turn.when(booking.start) };
  if (change.kind === 'cancel') {
    turn.ask('cancel.confirm', 'agent.cancel.confirm', params);
    return;
  }
  const wish = u ? heardWish(turn, u) : null;
  // A day that is the booking's own day names the booking, not the new time.
  if (wish && (wish.time || wish.part || wish.asap || wish.date !== localDate(new Date(booking.start), turn.knowledge.timezone))) {
    await offerNewTime(turn, wish);
    return;
  }
  turn.ask('reschedule.when', 'agent.reschedule.askWhen', params);
}

async function offerNewTime(turn: Turn, heard: TimeWish): Promise<void> {
  const change = turn.state.change!;
  const booking = change.booking!;
  // "The afternoon then" after Friday was offered is Friday afternoon.
  const wish = mergeWish(change.wish, heard);
  change.wish = wish;
  const found = await searchSlots(turn.tools, booking.serviceId, wish, turn.call.now, turn.knowledge.timezone);
  const offers = found.offers.filter((o) => o.start.toISOString() !== booking.start);
  if (offers.length === 0) {
    turn.ask('reschedule.when', 'agent.book.noAvailability', { service: booking.serviceName });
    return;
  }
  change.start = offers[0]!.start.toISOString();
  change.alternatives = offers.slice(1).map((o) => o.start.toISOString());
  const params = { service: booking.serviceName, when: turn.when(change.start) };
  turn.ask('reschedule.confirm', found.exact ? 'agent.reschedule.offer' : 'agent.reschedule.offerInstead', params);
}

function nextAlternative(turn: Turn): boolean {
  const change = turn.state.change!;
  const next = change.alternatives.shift();
  if (!next) return false;
  change.start = next;
  turn.ask('reschedule.confirm', 'agent.reschedule.offer', { service: change.booking!.serviceName, when: turn.when(next) });
  return true;
}

async function moveBooking(turn: Turn): Promise<void> {
  const change = turn.state.change!;
  const result = await turn.tools.reschedule({ bookingId: change.booking!.id, start: new Date(change.start!) });
  if (result.ok) {
    turn.state.achieved = true;
    turn.say('agent.reschedule.done', { service: result.booking.serviceName, when: turn.when(result.booking.start) });
    delete turn.state.change;
    turn.askAnythingElse();
    return;
  }
  if (result.reason === 'taken' && nextAlternative(turn)) return;
  failed(turn);
}

/** The ledger refused: a message lets the team sort it out (the caller says what to pass on). */
function failed(turn: Turn): void {
  delete turn.state.change;
  turn.offerMessage('agent.change.failed');
}

function kept(turn: Turn): void {
  delete turn.state.change;
  turn.say('agent.change.kept');
  turn.askAnythingElse();
}

function toRef(b: BookingSummary): BookingRef {
  return { id: b.bookingId, serviceId: b.serviceId, serviceName: b.serviceName, start: b.start.toISOString() };
}
