import { localDate } from '@tero/core';
import type { KnownService } from '../../engine.port';
import { formatList } from '../../spoken-format';
import { readBareName, readNameAnswer } from '../person-name.parser';
import type { Utterance } from '../prepared-knowledge';
import { searchSlots } from '../slot-search';
import { mergeWish } from '../time-wish.parser';
import type { Turn } from '../turn';
import { absorbCallerDetails, heardWish } from './caller-details';

/**
 * Booking: service → when → the ledger's free slots → hold one → read back service, day and time →
 * the caller confirms → their name if unknown → book. "Booked" is said only once `tools.book` said ok.
 * A name refused ("no, that's all") is asked once more; refused again, the booking goes under the
 * caller id's name (or "unnamed caller") with the caller's number, as a message does without a name.
 */

/** Refusals of the name after which the booking is made without one. */
const NAME_REFUSALS = 2;

/** Starts a booking from the caller's request, using whatever it already said (service, time, name, number). */
export async function startBooking(turn: Turn, u: Utterance): Promise<void> {
  turn.intent = 'book';
  turn.state.book = { alternatives: [] };
  absorbCallerDetails(turn, u);
  const wish = heardWish(turn, u);
  if (wish) turn.state.book.wish = wish;
  if (!chooseService(turn, u)) return;
  await continueBooking(turn);
}

/** The answer to a booking question; false when the utterance did not answer it. */
export async function answerBooking(turn: Turn, u: Utterance): Promise<boolean> {
  const book = turn.state.book;
  if (!book) return false;
  turn.intent = 'book';
  const details = absorbCallerDetails(turn, u);
  const wish = heardWish(turn, u);
  switch (turn.state.phase) {
    case 'book.service': {
      if (wish) book.wish = mergeWish(book.wish, wish);
      if (pickChoice(turn, u) || (turn.prepared.service(u) && chooseService(turn, u))) {
        await continueBooking(turn);
        return true;
      }
      if (turn.state.phase !== 'book.service' || turn.prepared.service(u)) return true;
      if (details || wish) {
        turn.askAgain();
        return true;
      }
      return false;
    }
    case 'book.when': {
      if (wish) {
        book.wish = mergeWish(book.wish, wish);
        await offerSlot(turn);
        return true;
      }
      // A service named instead of a time: the one being booked said again ("a check-up" for the children's
      // check-up: any match keeps it), or a change of mind.
      const named = turn.prepared.service(u, (s) => s.bookable);
      if (named) {
        const same = turn.prepared.mentionsService(u, book.serviceId!);
        if (!same && !chooseService(turn, u)) return true;
        turn.ask('book.when', 'agent.book.askWhen', { service: service(turn).name });
        return true;
      }
      if (!details) return false;
      turn.askAgain();
      return true;
    }
    case 'book.confirm': {
      const yesNo = turn.prepared.yesNo(u);
      // A name said instead of a yes ("Maria Lopez"): kept, read back, and the question still asked.
      // All of it is a name, so what a time parser sees in it ("María" as "mar", Tuesday) is no time.
      const bare = !details && yesNo === null ? readBareName(u.text, turn.locale) : null;
      if (bare) {
        turn.state.caller.name = bare;
        readBack(turn, true);
        return true;
      }
      const otherService = turn.prepared.service(u, (s) => s.bookable && s.id !== book.serviceId);
      if (otherService && otherService.tied.length === 0 && yesNo !== 'yes' && !turn.prepared.service(u, (s) => s.id === book.serviceId)) {
        book.serviceId = otherService.service.id;
        if (wish) book.wish = mergeWish(book.wish, wish);
        await offerSlot(turn);
        return true;
      }
      if (wish && yesNo !== 'yes') {
        book.wish = mergeWish(book.hold ? { date: localDateOfHold(turn) } : book.wish, wish);
        await offerSlot(turn);
        return true;
      }
      if (yesNo === 'yes') {
        await confirmBooking(turn);
        return true;
      }
      if (yesNo === 'no') {
        await offerAlternative(turn);
        return true;
      }
      if (details) {
        readBack(turn, true);
        return true;
      }
      return false;
    }
    case 'book.name': {
      const name = turn.state.caller.name && details ? turn.state.caller.name : readNameAnswer(u.text, turn.locale);
      if (name) {
        turn.state.caller.name = name;
        await commitBooking(turn);
        return true;
      }
      if (turn.prepared.yesNo(u) !== 'no' && !turn.prepared.saysDone(u)) return false;
      book.nameRefusals = (book.nameRefusals ?? 0) + 1;
      if (book.nameRefusals < NAME_REFUSALS) turn.ask('book.name', 'agent.book.askNameAgain');
      else await commitBooking(turn);
      return true;
    }
    case 'book.phone': {
      if (!turn.state.caller.phone) return false;
      await commitBooking(turn);
      return true;
    }
    default:
      return false;
  }
}

/** Sets the service from the utterance (or the only bookable one); false when the turn was used to ask or to refuse. */
function chooseService(turn: Turn, u: Utterance): boolean {
  const book = turn.state.book!;
  const bookable = turn.knowledge.services.filter((s) => s.bookable);
  const named = turn.prepared.service(u);
  if (named && !named.service.bookable && !turn.prepared.service(u, (s) => s.bookable)) {
    turn.offerMessage('agent.book.notBookable', { text: u.text }, { service: named.service.name });
    return false;
  }
  const match = turn.prepared.service(u, (s) => s.bookable);
  if (match && match.tied.length > 0) {
    book.choices = [match.service.id, ...match.tied.map((s) => s.id)];
    turn.ask('book.service', 'agent.book.whichService', { options: formatList([match.service, ...match.tied].map((s) => s.name), turn.locale, 'disjunction') });
    return false;
  }
  if (match) book.serviceId = match.service.id;
  else if (bookable.length === 1) book.serviceId = bookable[0]!.id;
  if (!book.serviceId) {
    if (bookable.length === 0) {
      turn.offerMessage('agent.offerMessage', { text: u.text });
      return false;
    }
    askService(turn);
    return false;
  }
  delete book.choices;
  return true;
}

/** Picks among the services offered ("the first one", or one of their names). */
function pickChoice(turn: Turn, u: Utterance): boolean {
  const choices = turn.state.book?.choices;
  if (!choices?.length) return false;
  const named = turn.prepared.service(u, (s) => choices.includes(s.id));
  const ordinal = turn.prepared.ordinal(u);
  const id = named && named.tied.length === 0 ? named.service.id : ordinal !== null ? choices[ordinal] : undefined;
  if (!id) return false;
  turn.state.book!.serviceId = id;
  delete turn.state.book!.choices;
  return true;
}

function askService(turn: Turn): void {
  const examples = turn.knowledge.services.filter((s) => s.bookable).slice(0, 3).map((s) => s.name);
  turn.ask('book.service', 'agent.book.askService', { examples: formatList(examples, turn.locale, 'disjunction') });
}

async function continueBooking(turn: Turn): Promise<void> {
  const book = turn.state.book!;
  if (!book.wish) {
    turn.ask('book.when', 'agent.book.askWhen', { service: service(turn).name });
    return;
  }
  await offerSlot(turn);
}

/** Finds slots for the wish, holds the best one and reads it back. */
async function offerSlot(turn: Turn, lost = false): Promise<void> {
  const book = turn.state.book!;
  const found = await searchSlots(turn.tools, book.serviceId!, book.wish ?? { asap: true }, turn.call.now, turn.knowledge.timezone);
  for (const [index, offer] of found.offers.entries()) {
    const hold = await turn.tools.holdSlot({ serviceId: offer.serviceId, start: offer.start });
    if (!hold.ok) continue;
    book.hold = { id: hold.holdId, start: hold.start.toISOString() };
    book.alternatives = found.offers.slice(index + 1).map((o) => o.start.toISOString());
    if (lost) turn.say('agent.book.lost');
    readBack(turn, false, found.exact || lost);
    return;
  }
  delete book.hold;
  book.alternatives = [];
  delete book.wish;
  if (lost) turn.say('agent.book.lost');
  turn.ask('book.when', 'agent.book.noAvailability', { service: service(turn).name });
}

/** Reads the held slot back and asks for a yes. */
function readBack(turn: Turn, withName: boolean, exact = true): void {
  const book = turn.state.book!;
  const params = { service: service(turn).name, when: turn.when(book.hold!.start) };
  const name = turn.state.caller.name;
  if (!exact) turn.ask('book.confirm', 'agent.book.offerInstead', params);
  else if (withName && name) turn.ask('book.confirm', 'agent.book.offerFor', { ...params, name });
  else turn.ask('book.confirm', 'agent.book.offer', params);
}

/** On a "no": the next slot found, or a new question about when. */
async function offerAlternative(turn: Turn): Promise<void> {
  const book = turn.state.book!;
  for (const start of book.alternatives.splice(0)) {
    const hold = await turn.tools.holdSlot({ serviceId: book.serviceId!, start: new Date(start) });
    if (!hold.ok) continue;
    book.hold = { id: hold.holdId, start: hold.start.toISOString() };
    turn.ask('book.confirm', 'agent.book.offerNext', { when: turn.when(hold.start) });
    turn.state.prompt = { key: 'agent.book.offer', params: { service: service(turn).name, when: turn.when(hold.start) } };
    return;
  }
  delete book.hold;
  delete book.wish;
  turn.ask('book.when', 'agent.book.askWhenAgain');
}

async function confirmBooking(turn: Turn): Promise<void> {
  if (!turn.state.caller.name) {
    turn.ask('book.name', 'agent.book.askName');
    return;
  }
  await commitBooking(turn);
}

/** Turns the hold into a booking; only an ok from the ledger is read back as booked. */
async function commitBooking(turn: Turn): Promise<void> {
  const book = turn.state.book!;
  const phone = turn.state.caller.phone ?? (turn.call.callerNumber || null);
  if (!phone) {
    turn.ask('book.phone', 'agent.book.askPhone');
    return;
  }
  const named = turn.state.caller.name;
  const name = named ?? (turn.call.callerName?.trim() || turn.text('agent.book.unnamedCaller'));
  let result = await turn.tools.book({ holdId: book.hold!.id, callerName: name, callerPhone: phone });
  if (!result.ok && result.reason === 'hold_expired') {
    // The caller took long enough for the hold to lapse: the same time, if still free, is what they agreed to.
    const again = await turn.tools.holdSlot({ serviceId: book.serviceId!, start: new Date(book.hold!.start) });
    if (again.ok) result = await turn.tools.book({ holdId: again.holdId, callerName: name, callerPhone: phone });
  }
  if (!result.ok) {
    book.wish ??= { date: localDateOfHold(turn) };
    await offerSlot(turn, true);
    return;
  }
  turn.state.achieved = true;
  const booked = { service: service(turn).name, when: turn.when(result.start) };
  if (named) turn.say('agent.book.booked', { name: named, ...booked });
  else turn.say('agent.book.bookedNoName', booked);
  if (turn.state.caller.phone && turn.state.caller.phone !== turn.call.callerNumber) turn.say('agent.book.bookedPhone', { phone: turn.phone(phone) });
  const confirmation = await turn.tools.sendConfirmation({ bookingId: result.bookingId });
  if (confirmation.sent) turn.say('agent.book.confirmationSent');
  delete turn.state.book;
  turn.askAnythingElse();
}

function service(turn: Turn): KnownService {
  const id = turn.state.book!.serviceId;
  return turn.knowledge.services.find((s) => s.id === id)!;
}

function localDateOfHold(turn: Turn): string {
  return localDate(new Date(turn.state.book!.hold!.start), turn.knowledge.timezone);
}
