import { addDays, formatLocal, localDate, parseLocal, toLocalParts } from '@tero/core';
import type { LlmMessage, LlmToolCall } from '@tero/sdk';
import type { LlmReceivedRequest, LlmScriptedReply } from '@tero/sdk/testing';
import type { AgentKnowledge } from '../../engine.port';
import { findIntroducedName, readNameAnswer } from '../../builtin/person-name.parser';
import { findPhoneNumber } from '../../builtin/phone-number.parser';
import { GOAL_THRESHOLD, PreparedKnowledge, type Goal, type Utterance } from '../../builtin/prepared-knowledge';
import { DAY_PARTS, parseTimeWish, type TimeWish } from '../../builtin/time-wish.parser';
import { fill, FAKE_MODEL_PHRASES, type FakeModelPhrases } from './fake-model.phrases';
import { readPrompt, type PromptFacts } from './prompt.reader';

/**
 * A scripted stand-in for a chat model, for the fake OpenAI-compatible server: a small, deterministic
 * receptionist policy that reads what a real model would read (the system prompt, the conversation and
 * the tool results, nothing else) and answers with the tool calls and replies a competent receptionist
 * would. It understands callers with simple rules (the built-in engine's parsers for names, numbers and
 * times, its lexicon for what people want) and works out where the call stands from the conversation
 * alone, each time, as a model does: it keeps no memory between requests.
 */

type Locale = 'en' | 'es' | 'fr';
type Task = 'book' | 'reschedule' | 'cancel' | 'message' | 'human';
const TASKS: readonly Goal[] = ['book', 'reschedule', 'cancel', 'message', 'human'];
/** Score of an FAQ entry from which the caller's words are taken as that question. */
const FAQ_MIN = 1;
/** Letters of a word compared when matching questions: a poor man's stemmer for three languages. */
const ROOT_LENGTH = 6;
const USAGE = { promptTokens: 900, completionTokens: 40, totalTokens: 940 };

/**
 * What a model understands beyond the built-in lexicon, in a few words per language: asking someone to
 * call back is a message. Each cue found adds a strong phrase's weight to its task.
 */
const CUES: Record<Locale, Partial<Record<Task, string[]>>> = {
  en: { message: ['call me', 'ask her to call', 'ask him to call', 'have her call', 'have him call'] },
  es: { message: ['que me llame', 'pedirle que me llame', 'dejarle un mensaje', 'dejar un recado'] },
  fr: { message: ['me rappeler', 'me rappelle', 'laisser un message', 'transmettre un message'] },
};
const CUE_WEIGHT = 2;

/** One caller message, understood. */
interface Heard {
  /** Position in the conversation. */
  at: number;
  text: string;
  u: Utterance;
  top: { goal: Goal; score: number } | undefined;
  service: string | null;
  wish: TimeWish | null;
  name: string | null;
  phone: string | null;
  yes: boolean;
  done: boolean;
  faq: { index: number; score: number } | null;
  /** What the agent said just before. */
  after: string;
}

/** A tool call of the model and what it returned. */
interface ToolEvent {
  at: number;
  call: LlmToolCall;
  result: Record<string, unknown>;
}

interface Slot {
  start: string;
  weekday: string;
}

type Decision = { say: string } | { calls: { name: string; args: Record<string, unknown> }[]; say?: string };

/** Everything one request is decided from. */
class CallView {
  readonly t: FakeModelPhrases;
  readonly heard: Heard[] = [];
  readonly events: ToolEvent[] = [];

  constructor(
    readonly facts: PromptFacts,
    readonly prepared: PreparedKnowledge,
    readonly messages: LlmMessage[],
  ) {
    this.t = FAKE_MODEL_PHRASES[facts.locale];
    const results = new Map<string, Record<string, unknown>>();
    for (const message of messages) if (message.role === 'tool') results.set(message.toolCallId, JSON.parse(message.content) as Record<string, unknown>);
    let said = '';
    messages.forEach((message, at) => {
      if (message.role === 'assistant') {
        if (message.content) said = message.content;
        for (const call of message.toolCalls ?? []) this.events.push({ at, call, result: results.get(call.id) ?? {} });
      } else if (message.role === 'user') {
        this.heard.push(this.understand(message.content, at, said));
      }
    });
  }

  get locale(): Locale {
    return this.facts.locale;
  }

  get current(): Heard {
    return this.heard[this.heard.length - 1]!;
  }

  private understand(text: string, at: number, after: string): Heard {
    const { locale, callerNumber, now, timezone } = this.facts;
    const phone = findPhoneNumber(text, locale, callerNumber);
    const rest = phone ? `${text.slice(0, phone.start)} ${text.slice(phone.end)}` : text;
    const u = this.prepared.utterance(text);
    const goals = this.prepared.goals(u);
    for (const [task, cues] of Object.entries(CUES[locale]) as [Task, string[]][]) {
      const said = cues.some((cue) => ` ${u.tokens.join(' ')} `.includes(` ${this.prepared.utterance(cue).tokens.join(' ')} `));
      if (!said) continue;
      const goal = goals.find((g) => g.goal === task);
      if (goal) goal.score += CUE_WEIGHT;
      else goals.push({ goal: task, score: CUE_WEIGHT });
    }
    goals.sort((a, b) => b.score - a.score);
    const service = this.prepared.service(u, (s) => s.bookable);
    const askedName = after.endsWith(this.t.askName) || after.endsWith(this.t.askMessage);
    const yesNo = this.prepared.yesNo(u);
    return {
      at,
      text,
      u,
      top: goals[0],
      service: service && service.tied.length === 0 ? service.service.id : null,
      wish: parseTimeWish(rest, locale, now, timezone),
      name: findIntroducedName(text, locale) ?? (askedName ? readNameAnswer(rest, locale) : null),
      phone: phone?.e164 ?? (this.prepared.meansSameNumber(u) ? callerNumber : null),
      yes: yesNo === 'yes',
      done: this.prepared.saysDone(u),
      faq: this.faqOf(u),
      after,
    };
  }

  /**
   * The pack's question closest to what the caller asked, by shared meaningful words: a word of the
   * question counts fully, a word of the answer less, and words are compared by their first letters so
   * that "vaccination" meets "vacciné" and "intervenez" meets "intervention".
   */
  private faqOf(u: Utterance): { index: number; score: number } | null {
    const entries = this.facts.faq.map((entry) => ({ question: this.roots(entry.question), answer: this.roots(entry.answer) }));
    // Roots meet when one starts with the other ("visio" and "visioc…"), both being long enough to mean something.
    const meets = (words: Set<string>, root: string) => [...words].some((word) => word.startsWith(root) || root.startsWith(word));
    const spread = (root: string, side: 'question' | 'answer') => entries.filter((entry) => meets(entry[side], root)).length || 1;
    const said = this.roots(u.text);
    let best: { index: number; score: number } | null = null;
    entries.forEach((entry, index) => {
      let score = 0;
      for (const root of said) {
        if (meets(entry.question, root)) score += 1 / spread(root, 'question');
        else if (meets(entry.answer, root)) score += 0.4 / spread(root, 'answer');
      }
      if (score >= FAQ_MIN && (!best || score > best.score)) best = { index, score };
    });
    return best;
  }

  /** Meaningful words of a text (four letters or more), cut to their first {@link ROOT_LENGTH} letters. */
  private roots(text: string): Set<string> {
    return new Set([...this.prepared.utterance(text).content].filter((token) => token.length >= 4).map((token) => token.slice(0, ROOT_LENGTH)));
  }

  /** The task the call is on at the current message, and the message it started with; null when none is open. */
  task(): { kind: Task; start: number } | null {
    let task: { kind: Task; start: number } | null = null;
    for (const h of this.heard) {
      // A service and a time without words for a task mean booking ("a fan installed, Thursday at 1?").
      const goal = h.top && h.top.score >= GOAL_THRESHOLD && TASKS.includes(h.top.goal) ? (h.top.goal as Task) : h.service && h.wish ? 'book' : null;
      if (!goal) continue;
      // An open task keeps the call unless the caller clearly asks for something else ("book" words
      // while moving or cancelling an appointment are about the new time).
      const open = task && !this.finished(task, h.at);
      if (open && (goal === task!.kind || h.top!.score < 2 || (goal === 'book' && (task!.kind === 'reschedule' || task!.kind === 'cancel')))) continue;
      task = { kind: goal, start: h.at };
    }
    return task && !this.finished(task, this.current.at) ? task : null;
  }

  /** Whether the task's closing tool succeeded before position `limit`. */
  private finished(task: { kind: Task; start: number }, limit: number): boolean {
    const closing: Record<Task, string> = { book: 'book', reschedule: 'reschedule', cancel: 'cancel', message: 'take_message', human: 'transfer' };
    return this.events.some((e) => e.at > task.start && e.at < limit && e.call.name === closing[task.kind] && e.result.ok === true);
  }

  eventsSince(at: number, name?: string): ToolEvent[] {
    return this.events.filter((e) => e.at > at && (!name || e.call.name === name));
  }

  /** The caller's words from `start` on. */
  heardSince(start: number): Heard[] {
    return this.heard.filter((h) => h.at >= start);
  }

  /** The caller's name, said anywhere in the call. */
  callerName(): string | null {
    return [...this.heard].reverse().find((h) => h.name)?.name ?? null;
  }

  /** `{day}` and `{time}` of a local start. */
  when(start: string): { day: string; time: string } {
    const instant = parseLocal(start, this.facts.timezone);
    const zone = this.facts.timezone;
    return {
      day: new Intl.DateTimeFormat(this.locale, { weekday: 'long', month: 'long', day: 'numeric', timeZone: zone }).format(instant),
      time: new Intl.DateTimeFormat(this.locale, { hour: 'numeric', minute: '2-digit', timeZone: zone }).format(instant),
    };
  }

  serviceName(id: string): string {
    return this.facts.services.find((s) => s.id === id)?.name ?? id;
  }
}

/** Merges time wishes said one after the other: what is said later wins, field by field. */
function mergeWishes(wishes: (TimeWish | null)[]): TimeWish | null {
  const merged = Object.assign({}, ...wishes.filter(Boolean)) as TimeWish;
  return Object.keys(merged).length ? merged : null;
}

const pad = (n: number) => String(n).padStart(2, '0');
const hhmm = (minutes: number) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** The availability windows a wish asks about: one day, or each of the next seven for a part of the day. */
function windowsFor(wish: TimeWish, facts: PromptFacts): { from: string; to: string }[] {
  const today = localDate(facts.now, facts.timezone);
  const nowLocal = toLocalParts(facts.now, facts.timezone);
  if (wish.asap && !wish.date) return [{ from: formatLocal(facts.now, facts.timezone), to: addDays(today, 14) }];
  let start = wish.part ? DAY_PARTS[wish.part][0] : 0;
  let end = wish.part ? DAY_PARTS[wish.part][1] : 24 * 60;
  if (wish.after) start = Math.max(start, minutesOf(wish.after));
  if (wish.before) end = Math.min(end, minutesOf(wish.before));
  // An exact time is what was asked; the part of the day ("5 in the afternoon") only said am or pm.
  if (wish.time) {
    start = minutesOf(wish.time);
    end = 24 * 60;
  }
  const day = (date: string) => ({ from: `${date}T${hhmm(start)}`, to: end >= 24 * 60 ? date : `${date}T${hhmm(end)}` });
  if (wish.date) return [day(wish.date)];
  if (wish.time) return [day(start > nowLocal.hour * 60 + nowLocal.minute ? today : addDays(today, 1))];
  return Array.from({ length: 7 }, (_, i) => day(addDays(today, i)));
}

/** The free starts found for `service` in `windows`, earliest first; undefined while a window is unsearched. */
function slotsFound(view: CallView, since: number, service: string, windows: { from: string; to: string }[]): Slot[] | undefined {
  const checks = view.eventsSince(since, 'check_availability');
  const slots: Slot[] = [];
  for (const window of windows) {
    const check = [...checks].reverse().find((e) => e.call.arguments?.service_id === service && e.call.arguments.from === window.from && e.call.arguments.to === window.to);
    if (!check) return undefined;
    slots.push(...((check.result.slots as Slot[] | undefined) ?? []));
  }
  return [...new Map(slots.map((slot) => [slot.start, slot])).values()].sort((a, b) => a.start.localeCompare(b.start));
}

/** The start a receptionist offers: the one asked for when it is free, else the earliest after it. */
function pick(slots: Slot[], wish: TimeWish, refused: Set<string>): Slot | undefined {
  const open = slots.filter((slot) => !refused.has(slot.start));
  if (wish.time) return open.find((slot) => slot.start.slice(11) >= wish.time!) ?? open[0];
  return open[0];
}

function checkCalls(service: string, windows: { from: string; to: string }[], slotsKnown: (w: { from: string; to: string }) => boolean) {
  return windows.filter((w) => !slotsKnown(w)).map((w) => ({ name: 'check_availability', args: { service_id: service, from: w.from, to: w.to, limit: 3 } }));
}

function spokenPhone(e164: string): string {
  const national = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return national ? `${national[1]} ${national[2]} ${national[3]}` : e164;
}

function book(view: CallView, task: { start: number }): Decision {
  const { t, facts } = view;
  const said = view.heardSince(task.start);
  const service = [...said].reverse().find((h) => h.service)?.service ?? null;
  if (!service) {
    return { say: fill(t.askService, { services: facts.services.filter((s) => s.bookable).map((s) => s.name).join(', ') }) };
  }
  const wish = mergeWishes(said.map((h) => h.wish));
  const name = view.serviceName(service);
  if (!wish) return { say: fill(t.askWhen, { service: name }) };
  const windows = windowsFor(wish, facts);
  const slots = slotsFound(view, task.start, service, windows);
  if (!slots) {
    const checked = view.eventsSince(task.start, 'check_availability');
    return { calls: checkCalls(service, windows, (w) => checked.some((e) => e.call.arguments?.from === w.from && e.call.arguments?.to === w.to && e.call.arguments?.service_id === service)) };
  }
  const holds = view.eventsSince(task.start, 'hold_slot');
  const refused = new Set(holds.filter((e) => e.result.ok !== true).map((e) => String(e.call.arguments?.start)));
  const chosen = pick(slots, wish, refused);
  if (!chosen) return { say: fill(t.noSlots, { service: name }) };
  const when = view.when(chosen.start);
  const caller = view.callerName();
  if (!caller) return { say: `${fill(t.offer, { ...when, service: name })} ${t.askName}` };

  const hold = [...holds].reverse().find((e) => e.call.arguments?.start === chosen.start && e.call.arguments?.service_id === service && e.result.ok === true);
  if (!hold) return { calls: [{ name: 'hold_slot', args: { service_id: service, start: chosen.start } }] };
  const holdId = String(hold.result.hold_id);
  const booked = view.eventsSince(task.start, 'book').find((e) => e.call.arguments?.hold_id === holdId);
  const phone = [...said].reverse().find((h) => h.phone)?.phone ?? facts.callerNumber ?? '';
  if (!booked) {
    if (view.current.after.endsWith(t.confirmBooking) && view.current.yes) {
      return { calls: [{ name: 'book', args: { hold_id: holdId, caller_name: caller, caller_phone: phone } }] };
    }
    return { say: `${fill(t.readBack, { ...when, service: name, name: caller, phone: spokenPhone(phone) })} ${t.confirmBooking}` };
  }
  if (booked.result.ok !== true) return { say: t.slotGone };
  return { say: `${fill(t.booked, { ...when, service: name })} ${t.anythingElse}` };
}

/** The booking a change is about: the one whose service or day the caller named when asking, else the first. */
function targetBooking(view: CallView, task: { start: number }): Record<string, string> | 'searching' | null {
  const found = view.eventsSince(task.start, 'find_bookings').at(-1);
  if (!found) return 'searching';
  const bookings = (found.result.bookings as Record<string, string>[] | undefined) ?? [];
  const first = view.heardSince(task.start)[0]!;
  const day = first.wish?.date;
  return (
    bookings.find((b) => first.service !== null && b.service_id === first.service) ??
    bookings.find((b) => day !== undefined && b.start.slice(0, 10) === day) ??
    bookings[0] ??
    null
  );
}

function findCall(view: CallView): Decision {
  const name = view.callerName();
  return { calls: [{ name: 'find_bookings', args: name ? { caller_name: name } : {} }] };
}

function change(view: CallView, task: { kind: 'reschedule' | 'cancel'; start: number }): Decision {
  const { t } = view;
  const target = targetBooking(view, task);
  if (target === 'searching') return findCall(view);
  if (!target) return { say: t.noBooking };
  const service = view.serviceName(target.service_id!);
  const found = fill(t.found, { ...view.when(target.start!), service });

  if (task.kind === 'cancel') {
    const done = view.eventsSince(task.start, 'cancel').at(-1);
    if (done) return { say: done.result.ok === true ? `${t.cancelled} ${t.anythingElse}` : t.changeFailed };
    if (view.current.after.endsWith(t.confirmCancel) && view.current.yes) return { calls: [{ name: 'cancel', args: { booking_id: target.booking_id } }] };
    return { say: `${found} ${t.confirmCancel}` };
  }

  const wish = mergeWishes(view.heardSince(task.start).slice(1).map((h) => h.wish));
  if (!wish) return { say: `${found} ${t.askNewTime}` };
  const windows = windowsFor(wish, view.facts);
  const slots = slotsFound(view, task.start, target.service_id!, windows);
  if (!slots) {
    const checked = view.eventsSince(task.start, 'check_availability');
    return { calls: checkCalls(target.service_id!, windows, (w) => checked.some((e) => e.call.arguments?.from === w.from && e.call.arguments?.to === w.to)) };
  }
  const moves = view.eventsSince(task.start, 'reschedule');
  const chosen = pick(slots, wish, new Set(moves.filter((e) => e.result.ok !== true).map((e) => String(e.call.arguments?.start))));
  if (!chosen) return { say: fill(t.noSlots, { service }) };
  const moved = moves.find((e) => e.call.arguments?.start === chosen.start && e.result.ok === true);
  if (moved) return { say: `${fill(t.moved, { ...view.when(chosen.start), service })} ${t.anythingElse}` };
  if (view.current.after.endsWith(t.confirmMove) && view.current.yes) {
    return { calls: [{ name: 'reschedule', args: { booking_id: target.booking_id, start: chosen.start } }] };
  }
  return { say: `${fill(t.offerMove, view.when(chosen.start))} ${t.confirmMove}` };
}

function message(view: CallView, task: { kind: Task; start: number }): Decision {
  const { t } = view;
  const said = view.heardSince(task.start);
  const taken = view.eventsSince(task.start, 'take_message').at(-1);
  const name = view.callerName();
  const phone = [...said].reverse().find((h) => h.phone)?.phone ?? null;
  if (taken?.result.ok === true) {
    return { say: `${fill(t.messageTaken, { first: (name ?? '').split(' ')[0]!, phone: spokenPhone(String(taken.call.arguments?.callback_number)) })} ${t.anythingElse}` };
  }
  const intro = task.kind === 'human' ? `${t.noTransfer} ` : '';
  if (!name && !phone) return { say: `${intro}${t.askMessage}` };
  if (!phone) return { say: t.askNumber };
  if (!name) return { say: t.askName };
  const reason = said[0]!.text;
  return { calls: [{ name: 'take_message', args: { caller_name: name, callback_number: phone, text: reason, urgent: false } }] };
}

function hours(view: CallView): string {
  const day = view.prepared.weekday(view.current.u);
  const lines = day !== null && view.facts.hours.has(day) ? [view.facts.hours.get(day)!] : [...view.facts.hours.values()];
  return `${fill(view.t.hoursOf, { hours: lines.join('; ') })} ${view.t.anythingElse}`;
}

/** The receptionist's next move. */
function decide(view: CallView): Decision {
  const { t, current } = view;
  const pendingYes = [t.confirmBooking, t.confirmCancel, t.confirmMove].some((q) => current.after.endsWith(q)) && current.yes;
  const top = current.top;
  if (!pendingYes && (current.done || top?.goal === 'goodbye') && !current.wish && !current.phone) {
    return { calls: [{ name: 'end_call', args: { farewell: t.farewell } }] };
  }

  const task = view.task();
  // With a task open, words that move it on (a time, a number, a name, a yes) are about it, not a question.
  const givesTaskInfo = task !== null && (pendingYes || current.wish !== null || current.phone !== null || (current.name !== null && !current.faq));
  const asksQuestion = current.faq !== null && (!top || !TASKS.includes(top.goal) || top.goal === 'book' || current.faq.score >= top.score);
  if (asksQuestion && !givesTaskInfo && !(current.service && current.wish)) return { say: `${view.facts.faq[current.faq!.index]!.answer} ${t.anythingElse}` };
  if (top?.goal === 'hours' && !givesTaskInfo) return { say: hours(view) };

  if (task) {
    switch (task.kind) {
      case 'book':
        return book(view, task);
      case 'reschedule':
      case 'cancel':
        return change(view, { kind: task.kind, start: task.start });
      case 'human':
        if (view.facts.canTransferHuman) return { calls: [{ name: 'transfer', args: { reason: 'human', announcement: t.transferring } }] };
        return message(view, task);
      case 'message':
        return message(view, task);
    }
  }
  if (current.faq) return { say: `${view.facts.faq[current.faq.index]!.answer} ${t.anythingElse}` };
  return { say: t.unknown };
}

/** A pretend knowledge object built from the prompt only, for the built-in engine's scorers. */
function knowledgeFrom(facts: PromptFacts): AgentKnowledge {
  return {
    brandId: '',
    clientId: '',
    locale: facts.locale,
    timezone: facts.timezone,
    currency: 'USD',
    business: { name: '', phone: '', address: '' },
    agentName: '',
    greeting: '',
    systemPrompt: '',
    services: facts.services.map((s) => ({
      id: s.id,
      name: s.name,
      keywords: s.keywords.length ? s.keywords : [s.name.toLowerCase()],
      durationMinutes: s.durationMinutes,
      bufferMinutes: 0,
      price: { amountMinor: 0, currency: 'USD' },
      bookable: s.bookable,
    })),
    faq: facts.faq.map((entry, i) => ({ id: String(i), question: entry.question, answer: entry.answer, keywords: [] })),
    hours: {},
    exceptions: [],
    emergencyKeywords: [],
    emergencyPolicy: { action: 'transfer', say: '' },
    intents: {},
    canTransferToHuman: facts.canTransferHuman,
    canTransferEmergency: facts.canTransferEmergency,
  };
}

const prepared = new Map<string, PreparedKnowledge>();

/**
 * Answers one chat-completions request as the receptionist would: tool calls (several at once when it
 * searches several days) or a reply. Plug it into the fake server with `respondWith(receptionistModel)`.
 */
export function receptionistModel(request: LlmReceivedRequest): LlmScriptedReply {
  const system = request.messages.find((m) => m.role === 'system');
  if (!system) throw new Error('the receptionist model needs a system prompt');
  const facts = readPrompt(system.content);
  // The knowledge part of the prompt is the same all call long; the call facts line changes with the clock.
  const key = `${facts.locale}\n${JSON.stringify(facts.services)}\n${JSON.stringify(facts.faq)}`;
  let scorer = prepared.get(key);
  if (!scorer) {
    scorer = PreparedKnowledge.of(knowledgeFrom(facts));
    prepared.set(key, scorer);
  }
  // The engine's own reminders (a second system message) are read as instructions, not as the caller.
  const conversation = request.messages.filter((m) => m.role !== 'system');
  const view = new CallView(facts, scorer, conversation);
  if (view.heard.length === 0) return { type: 'answer', text: FAKE_MODEL_PHRASES[facts.locale].unknown, usage: USAGE };

  const decision = decide(view);
  if ('say' in decision && !('calls' in decision)) return { type: 'answer', text: decision.say, usage: USAGE };
  const earlier = view.events.length;
  const calls = (decision as { calls: { name: string; args: Record<string, unknown> }[]; say?: string }).calls;
  return {
    type: 'answer',
    text: decision.say ?? '',
    toolCalls: calls.map((call, i) => ({ id: `call_${earlier + i + 1}`, name: call.name, argumentsText: JSON.stringify(call.args) })),
    usage: USAGE,
  };
}
