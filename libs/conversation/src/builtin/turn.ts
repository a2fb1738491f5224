import type { AgentAction, AgentKnowledge, AgentReply, AgentTools, CallFacts, EngineState, TurnIntent } from '../engine.port';
import { formatDay, formatTime, spellPhone } from '../spoken-format';
import type { BuiltinState, Phase, Prompt } from './engine-state';
import type { Phrasebook } from './phrasebook';
import type { PreparedKnowledge } from './prepared-knowledge';

const NON_DIGITS = /\D/g;

/**
 * One turn of the built-in engine: what it knows, the state it may change, and the reply it builds
 * sentence by sentence. Every sentence comes from the `calls` namespace (keys under `agent.`), except
 * the business's own data (FAQ answers, names, the pack's emergency words).
 */
export class Turn {
  private readonly parts: string[] = [];
  private action: AgentAction = { type: 'listen' };
  /** What the engine understood this turn, reported on the reply. */
  intent?: TurnIntent;
  /** The agent answered a question this turn (hours, FAQ, location, prices). */
  answered = false;

  constructor(
    readonly call: CallFacts,
    readonly knowledge: AgentKnowledge,
    readonly prepared: PreparedKnowledge,
    readonly tools: AgentTools,
    private readonly phrasebook: Phrasebook,
    readonly state: BuiltinState,
  ) {}

  get locale(): string {
    return this.knowledge.locale;
  }

  /** A sentence of the `calls` namespace. */
  text(key: string, params?: Record<string, string>): string {
    return this.phrasebook.text(key, params);
  }

  /** Something said from the business's knowledge that only changes with it (the week's hours), made once per knowledge and locale. */
  remember<T>(key: string, make: () => T): T {
    return this.phrasebook.remember(this.knowledge, key, make);
  }

  /** Adds a sentence of the `calls` namespace to the reply. */
  say(key: string, params?: Record<string, string>): void {
    this.parts.push(this.text(key, params));
  }

  /** Adds the business's own words (an FAQ answer, the pack's emergency sentence). */
  sayVerbatim(text: string): void {
    if (text.trim()) this.parts.push(text.trim());
  }

  /** Asks a question and waits for its answer in `phase`. */
  ask(phase: Phase, key: string, params?: Record<string, string>): void {
    this.state.phase = phase;
    this.state.prompt = { key, params };
    this.say(key, params);
  }

  /** Asks the pending question again, in the same words. */
  askAgain(): void {
    this.say(this.state.prompt.key, this.state.prompt.params);
  }

  /** The pending question, for a repair ("Sorry, I didn't catch that. <question>"). */
  promptText(prompt: Prompt = this.state.prompt): string {
    return this.text(prompt.key, prompt.params);
  }

  /** A task is done: "Anything else?". */
  askAnythingElse(): void {
    this.ask('anything-else', 'agent.anythingElse');
  }

  /** "Would you like to leave a message?", remembering what the message would say. */
  offerMessage(key: string, offer: { text?: string; urgent?: boolean } = {}, params?: Record<string, string>): void {
    this.state.offer = offer;
    this.ask('offer-message', key, params);
  }

  /** Ends the agent's part of the call with `action` (a transfer or a hang-up). */
  finish(action: AgentAction): void {
    this.state.phase = 'ended';
    this.action = action;
  }

  /** Goodbye and hang up. */
  goodbye(key = 'agent.goodbye'): void {
    this.intent ??= 'goodbye';
    this.say(key, { business: this.knowledge.business.name });
    this.finish({ type: 'hangup' });
  }

  /** A start as the agent says it: `Tuesday, March 10 at 8:00 AM`. */
  when(start: Date | string): string {
    const instant = typeof start === 'string' ? new Date(start) : start;
    return this.text('agent.when', {
      date: formatDay(instant, this.locale, this.knowledge.timezone),
      time: formatTime(instant, this.locale, this.knowledge.timezone),
    });
  }

  /** A phone number read back digit by digit. */
  phone(e164: string): string {
    return spellPhone(e164);
  }

  /** The caller id's last four digits, or null when there is no usable caller id. */
  callerIdLast4(): string | null {
    const digits = this.call.callerNumber.replace(NON_DIGITS, '');
    return digits.length >= 7 ? digits.slice(-4).split('').join(' ') : null;
  }

  reply(): AgentReply {
    const say = this.parts.join(' ') || this.promptText();
    const { action, intent } = this;
    const state = this.state as unknown as EngineState;
    // Written out rather than spread: a reply is built every turn, and its keys keep this order.
    const answered = this.answered && !this.state.achieved;
    if (intent) return answered ? { say, action, intent, outcome: 'answered', state } : { say, action, intent, state };
    return answered ? { say, action, outcome: 'answered', state } : { say, action, state };
  }
}
