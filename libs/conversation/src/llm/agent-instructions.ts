import { addDays, localDate, toLocalParts, weekdayOf } from '@tero/core';
import type { AgentKnowledge, CallFacts } from '../engine.port';

/**
 * The LLM agent's system prompt: the pack's rendered prompt (the business, its services, hours and
 * answers, in the call's language), then fixed instructions the pack cannot change: the facts of this
 * call and the rules that keep the agent honest and brief on the phone. The rules are written for the
 * model, in English; the model answers in the call's language.
 */

const LANGUAGES: Record<string, string> = { en: 'English', es: 'Spanish', fr: 'French' };
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
/** Days listed with their weekday, so the model does not compute "next Tuesday" itself. */
const CALENDAR_DAYS = 14;

const pad = (n: number) => String(n).padStart(2, '0');

function money(amountMinor: number, currency: string, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amountMinor / 100);
  } catch {
    return `${(amountMinor / 100).toFixed(2)} ${currency}`;
  }
}

/** The fixed part: call facts, the calendar, what can be booked and the rules. */
export function callInstructions(call: CallFacts, knowledge: AgentKnowledge): string {
  const tz = knowledge.timezone;
  const now = toLocalParts(call.now, tz);
  const today = localDate(call.now, tz);
  const language = LANGUAGES[knowledge.locale] ?? knowledge.locale;
  const calendar = Array.from({ length: CALENDAR_DAYS }, (_, i) => {
    const date = addDays(today, i);
    return `${WEEKDAYS[weekdayOf(date)]} ${date}${i === 0 ? ' (today)' : i === 1 ? ' (tomorrow)' : ''}`;
  });
  const bookable = knowledge.services.filter((service) => service.bookable);
  const notBookable = knowledge.services.filter((service) => !service.bookable);
  const describe = (service: AgentKnowledge['services'][number]) =>
    `- ${service.id}: ${service.name}, ${service.durationMinutes} min, ${money(service.price.amountMinor, service.price.currency, knowledge.locale)}` +
    (service.keywords.length ? ` (callers say: ${service.keywords.join(', ')})` : '');

  const lines = [
    '# This call',
    `- Now: ${WEEKDAYS[now.weekday]} ${today} ${pad(now.hour)}:${pad(now.minute)}, time zone ${tz}. All times you say and send are local to it.`,
    `- Caller's number: ${call.callerNumber || 'unknown'}${call.callerName ? `; caller id name: ${call.callerName}` : ''}.`,
    `- Route: ${call.route}${call.route === 'after_hours' || call.route === 'holiday' ? ' (the business is closed now; nobody can pick up)' : ''}.`,
    `- Next days: ${calendar.join('; ')}.`,
    '',
    '# Services you can book (use these ids)',
    ...(bookable.length ? bookable.map(describe) : ['- none: take a message instead']),
    ...(notBookable.length ? ['', '# Services you describe but do not book (take a message)', ...notBookable.map(describe)] : []),
    '',
    '# Putting calls through',
    `- To a person (transfer reason "human"): ${knowledge.canTransferToHuman ? 'possible' : 'not possible; take a message'}.`,
    `- Emergencies (transfer reason "emergency"): ${knowledge.canTransferEmergency ? 'possible' : 'not possible; take an urgent message'}.`,
    '',
    '# Rules',
    `- Speak ${language} only. This is a phone call: one or two short sentences, no lists, no markdown, no links, no emoji.`,
    '- Never say an appointment is booked, moved or cancelled before the function for it returned "ok": true. If it failed, say so and offer another time or a message.',
    '- To book: check_availability for the service and the caller\'s wish, offer one or two times, hold_slot the time the caller picks, get their name and phone number, read back service, day, time, name and number, and call book only after the caller confirmed.',
    "- Use the caller's number above unless they give another. Send phone numbers in E.164 (+ and country code) and times as YYYY-MM-DDTHH:MM.",
    '- Answer questions only from the business information above; if you do not know, offer to take a message. Give no medical, legal or financial advice.',
    '- For an emergency, transfer with reason "emergency" at once, or take an urgent message when that is not possible.',
    '- When the caller wants a person, transfer with reason "human", or offer a message when that is not possible.',
    '- For a message: get the name, the callback number and what it is about, then take_message, and read the number back.',
    '- When the caller has nothing more, say goodbye with end_call.',
  ];
  return lines.join('\n');
}

/** The whole system prompt for one model request. */
export function agentSystemPrompt(call: CallFacts, knowledge: AgentKnowledge): string {
  return `${knowledge.systemPrompt.trim()}\n\n${callInstructions(call, knowledge)}`;
}
