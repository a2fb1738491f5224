import type { HeardPhoneNumber } from '../phone-number.parser';
import { findPhoneNumber } from '../phone-number.parser';
import { findIntroducedName } from '../person-name.parser';
import type { Utterance } from '../prepared-knowledge';
import { parseTimeWish, type TimeWish } from '../time-wish.parser';
import type { Turn } from '../turn';

/**
 * What a caller says about themselves and about when, read once per utterance: callers give their
 * name, number and preferred time whenever it suits them ("It's for me, Maria Lopez, 555 014 2233,
 * Tuesday morning"), so every flow takes them from any answer.
 */

interface Heard {
  name: string | null;
  phone: HeardPhoneNumber | null;
  wish: TimeWish | null;
}

/**
 * The last utterance read and what it said: every flow of a turn asks about the same utterance, and
 * the next turn brings a new one (one entry is cheaper to keep than a WeakMap entry per utterance).
 */
let last: { u: Utterance; heard: Heard } | null = null;

/** The name, number and wish in an utterance (a phone number's digits and a name are not read as a time). */
export function hear(turn: Turn, u: Utterance): Heard {
  let heard = last?.u === u ? last.heard : undefined;
  if (!heard) {
    const phone = findPhoneNumber(u.text, turn.locale, turn.call.callerNumber);
    const name = findIntroducedName(u.text, turn.locale);
    let rest = phone ? `${u.text.slice(0, phone.start)} ${u.text.slice(phone.end)}` : u.text;
    // A name is no time either ("soy María López": "mar" is no Tuesday).
    const at = name ? rest.indexOf(name) : -1;
    if (at >= 0) rest = `${rest.slice(0, at)} ${rest.slice(at + name!.length)}`;
    heard = { name, phone, wish: parseTimeWish(rest, turn.locale, turn.call.now, turn.knowledge.timezone) };
    last = { u, heard };
  }
  return heard;
}

/** Keeps the caller's name and number if the utterance gives them; true when it gave either. */
export function absorbCallerDetails(turn: Turn, u: Utterance): boolean {
  const heard = hear(turn, u);
  if (heard.name) turn.state.caller.name = heard.name;
  if (heard.phone) turn.state.caller.phone = heard.phone.e164;
  return Boolean(heard.name || heard.phone);
}

/** When the caller would like to come, if they said. */
export function heardWish(turn: Turn, u: Utterance): TimeWish | null {
  return hear(turn, u).wish;
}
