import { readNameAnswer } from '../person-name.parser';
import type { Utterance } from '../prepared-knowledge';
import type { Turn } from '../turn';
import { absorbCallerDetails, hear } from './caller-details';

/**
 * Messages: what to pass on → the caller's name and callback number (the caller id offered by default)
 * → `tools.takeMessage` → the number read back digit by digit. A correction of the number after that
 * updates the same message.
 */

/** Content words, beyond those of asking for a message, that make something to pass on. */
const MIN_CONTENT_WORDS = 3;

/** Starts taking a message; `text` is what it should say when the caller already said it. */
export async function startMessage(turn: Turn, u: Utterance | null, options: { text?: string; urgent?: boolean } = {}): Promise<void> {
  turn.intent ??= options.urgent ? 'emergency' : 'message';
  const substance = u ? turn.prepared.substance(u, 'message') : 0;
  turn.state.message = { text: [], hasBody: Boolean(options.text) || substance >= MIN_CONTENT_WORDS, urgent: options.urgent ?? false, asks: 0, callerIdOk: false, taken: false };
  if (u) absorbCallerDetails(turn, u);
  // "Call me back about my shoulder" is kept even when the agent still asks what to pass on.
  const text = options.text ?? (u && substance > 0 ? u.text : undefined);
  if (text) turn.state.message.text.push(text);
  await continueMessage(turn);
}

/** The answer to a message question; false when the utterance did not answer it. */
export async function answerMessage(turn: Turn, u: Utterance): Promise<boolean> {
  const message = turn.state.message;
  if (!message) return false;
  turn.intent = message.urgent ? 'emergency' : 'message';
  if (turn.state.phase === 'message.text') {
    if (u.content.size === 0) return false;
    message.text.push(u.text);
    message.hasBody = true;
    absorbCallerDetails(turn, u);
    await continueMessage(turn);
    return true;
  }
  if (turn.state.phase !== 'message.contact') return false;
  const heard = hear(turn, u);
  const details = absorbCallerDetails(turn, u);
  const yesNo = turn.prepared.yesNo(u);
  const sameNumber = turn.prepared.meansSameNumber(u);
  let understood = details;
  if (!turn.state.caller.phone && turn.call.callerNumber && (sameNumber || yesNo === 'yes')) {
    message.callerIdOk = true;
    understood = true;
  }
  if (!turn.state.caller.name && !heard.phone && !sameNumber && yesNo === null && u.tokens.length <= 4) {
    const name = readNameAnswer(u.text, turn.locale);
    if (name) {
      turn.state.caller.name = name;
      understood = true;
    }
  }
  if (!understood) {
    // More of the message, said while the agent asked for a name or number: kept, and the question asked again.
    if (yesNo === null && !hasDigitRun(u) && turn.prepared.substance(u, 'message') >= MIN_CONTENT_WORDS) {
      message.text.push(u.text);
      turn.askAgain();
      return true;
    }
    if (yesNo === 'no' && !turn.state.caller.phone) {
      message.callerIdOk = false;
      turn.ask('message.contact', 'agent.message.askNumber');
      return true;
    }
    if (heard.phone === null && hasDigitRun(u)) {
      turn.ask('message.contact', 'agent.message.badNumber');
      return true;
    }
    return false;
  }
  // When to call back ("any time after 3", "mejor por la mañana") is worth passing on with the message.
  if (heard.wish) message.text.push(u.text);
  await continueMessage(turn);
  return true;
}

/** A corrected callback number after the message was taken: the same message, updated. */
export async function correctMessageNumber(turn: Turn, u: Utterance): Promise<boolean> {
  const message = turn.state.message;
  const phone = hear(turn, u).phone;
  if (!message?.taken || !phone) return false;
  turn.intent = 'message';
  turn.state.caller.phone = phone.e164;
  await turn.tools.takeMessage({ callerName: turn.state.caller.name ?? null, callbackNumber: phone.e164, text: message.text.join(' '), urgent: message.urgent });
  turn.say('agent.message.updated', { phone: turn.phone(phone.e164) });
  turn.askAnythingElse();
  return true;
}

async function continueMessage(turn: Turn): Promise<void> {
  const message = turn.state.message!;
  if (!message.hasBody) {
    turn.ask('message.text', 'agent.message.askText');
    return;
  }
  const caller = turn.state.caller;
  const phone = caller.phone ?? (message.callerIdOk ? turn.call.callerNumber : null);
  // Urgent callers are asked once; others twice at most, then the caller id stands in for the number.
  if ((!phone || !caller.name) && message.asks < (message.urgent ? 1 : 2)) {
    message.asks++;
    const last4 = turn.callerIdLast4();
    const withCallerId = last4 ? 'CallerId' : '';
    if (message.urgent) turn.ask('message.contact', `agent.emergency.askContact${withCallerId}`, last4 ? { last4 } : undefined);
    else if (!phone && !caller.name) turn.ask('message.contact', `agent.message.askNameNumber${withCallerId}`, last4 ? { last4 } : undefined);
    else if (!phone) turn.ask('message.contact', `agent.message.askNumber${withCallerId}`, last4 ? { last4 } : undefined);
    else turn.ask('message.contact', 'agent.message.askName');
    return;
  }
  const callbackNumber = phone ?? (turn.call.callerNumber || null);
  if (!callbackNumber) {
    turn.say('agent.message.noNumber');
    delete turn.state.message;
    turn.askAnythingElse();
    return;
  }
  await turn.tools.takeMessage({ callerName: caller.name ?? null, callbackNumber, text: message.text.join(' '), urgent: message.urgent });
  message.taken = true;
  caller.phone = callbackNumber;
  turn.state.achieved = true;
  const key = `agent.message.taken${message.urgent ? 'Urgent' : ''}${caller.name ? '' : 'NoName'}`;
  turn.say(key, { name: caller.name ?? '', phone: turn.phone(callbackNumber) });
  turn.askAnythingElse();
}

function hasDigitRun(u: Utterance): boolean {
  return u.tokens.some((t) => DIGITS.test(t) && t.length >= 3);
}

const DIGITS = /^\d+$/;
