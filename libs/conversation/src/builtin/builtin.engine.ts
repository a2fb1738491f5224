import type { i18n as I18n } from 'i18next';
import type { AgentKnowledge, AgentReply, AgentTools, CallerInput, CallFacts, ConversationEngine, EngineState } from '../engine.port';
import { initialState, readState, type BuiltinState, type Phase } from './engine-state';
import { answerHours, answerLocation, answerQuestion } from './flows/answers.flow';
import { answerBooking, startBooking } from './flows/booking.flow';
import { hear } from './flows/caller-details';
import { answerChange, startChange } from './flows/change.flow';
import { answerMessage, correctMessageNumber, startMessage } from './flows/message.flow';
import { Phrasebook } from './phrasebook';
import { GOAL_THRESHOLD, PreparedKnowledge, type Goal, type ScoredGoal, type Utterance } from './prepared-knowledge';
import { Turn } from './turn';

/** Turns after which the agent ends the call politely, whatever is going on: no call loops forever. */
export const MAX_TURNS = 40;
/** Misunderstood turns in a row after which the agent offers a way out. */
export const MISS_LIMIT = 3;

/** Phases in the middle of a task: a question answered on the way returns to them. */
const TASK_PHASES: readonly Phase[] = [
  'book.service',
  'book.when',
  'book.confirm',
  'book.name',
  'book.phone',
  'change.identify',
  'change.pick',
  'cancel.confirm',
  'reschedule.when',
  'reschedule.confirm',
  'message.contact',
];
/** Phases whose question is a yes/no one. */
const YES_NO_PHASES: readonly Phase[] = ['book.confirm', 'cancel.confirm', 'reschedule.confirm', 'offer-message'];

/** What the built-in engine needs from the server. */
export interface BuiltinEngineOptions {
  /** The server's i18next instance (`createI18n(localesDir)`): every sentence comes from its `calls` namespace. */
  i18n: I18n;
}

/**
 * The conversation engine that needs no LLM: intents from a generic lexicon per language plus the
 * client's profession pack, slots from its own parsers (chrono-node for dates), and an explicit state
 * machine per task. It acts only through {@link AgentTools}, and says "booked" only after the ledger
 * confirmed. Stateless itself: everything about a call travels in the returned `state`.
 */
export class BuiltinEngine implements ConversationEngine {
  readonly id = 'builtin';
  constructor(private readonly options: BuiltinEngineOptions) {}

  async start(call: CallFacts, knowledge: AgentKnowledge, tools: AgentTools): Promise<AgentReply> {
    const turn = this.turnOf(call, knowledge, tools, initialState());
    turn.sayVerbatim(knowledge.greeting);
    return turn.reply();
  }

  async turn(call: CallFacts, knowledge: AgentKnowledge, state: EngineState, input: CallerInput, tools: AgentTools): Promise<AgentReply> {
    const turn = this.turnOf(call, knowledge, tools, readState(state));
    const memory = turn.state;
    if (memory.phase === 'ended') {
      turn.goodbye();
      return turn.reply();
    }
    memory.turns++;
    if (memory.turns > MAX_TURNS) {
      turn.goodbye('agent.repair.tooLong');
      return turn.reply();
    }
    switch (input.kind) {
      case 'speech':
        if (input.text.trim()) await this.speech(turn, input.text);
        else this.silence(turn);
        break;
      case 'dtmf':
        await this.dtmf(turn, input.digits);
        break;
      case 'silence':
        this.silence(turn);
        break;
      case 'low-confidence':
        memory.silences = 0;
        // Even half-heard, an emergency is acted on: asking "could you repeat?" could cost the caller.
        if (input.text && turn.prepared.emergency(turn.prepared.utterance(input.text))) await this.emergency(turn, turn.prepared.utterance(input.text));
        else this.miss(turn, 'agent.repair.lowConfidence');
        break;
      case 'error':
        memory.silences = 0;
        this.miss(turn, 'agent.repair.lowConfidence');
        break;
    }
    return turn.reply();
  }

  private turnOf(call: CallFacts, knowledge: AgentKnowledge, tools: AgentTools, state: BuiltinState): Turn {
    return new Turn(call, knowledge, PreparedKnowledge.of(knowledge), tools, Phrasebook.of(this.options.i18n, knowledge.locale), state);
  }

  private async speech(turn: Turn, text: string): Promise<void> {
    const { prepared, state } = turn;
    const u = prepared.utterance(text);
    state.silences = 0;
    const collectingUrgent = state.message?.urgent && state.phase === 'message.contact';
    if (prepared.emergency(u) && !collectingUrgent) {
      await this.emergency(turn, u);
      return;
    }
    if (prepared.asksToRepeat(u) && state.phase !== 'message.text') {
      turn.intent = 'unknown';
      turn.askAgain();
      return;
    }
    if (prepared.onlyBackchannel(u)) {
      turn.intent = 'backchannel';
      this.miss(turn, YES_NO_PHASES.includes(state.phase) ? 'agent.repair.yesOrNo' : 'agent.repair.backchannel');
      return;
    }
    const wish = hear(turn, u).wish;
    const goals = prepared.goals(u, { timeMentioned: Boolean(wish && (wish.date || wish.time || wish.part)) });
    let top: ScoredGoal | undefined = goals[0] && goals[0].score >= GOAL_THRESHOLD ? goals[0] : undefined;
    // A bare day right after an hours answer ("and on Sunday?") asks for that day's hours, not a booking.
    if (state.topic === 'hours' && state.phase === 'anything-else' && top?.goal === 'book' && top.score <= 1 && wish?.date) top = { goal: 'hours', score: 1 };
    state.topic = undefined;
    // A caller who asks for a person, or says goodbye, is not answering the question: they leave it.
    if (top?.goal === 'human' && top.score >= 2 && state.phase !== 'rescue') {
      this.human(turn);
      return;
    }
    if (top?.goal === 'goodbye' && state.phase !== 'message.text') {
      turn.goodbye();
      return;
    }
    // A question in the middle of a task ("how much is it?", "what are your hours on Friday?") is answered, then the task's question asked again.
    const asksInfo = top !== undefined && (top.goal === 'hours' || top.goal === 'location' || top.goal === 'faq') && top.score >= 2;
    if (top && asksInfo && TASK_PHASES.includes(state.phase) && state.phase !== 'message.contact' && prepared.yesNo(u) === null) {
      state.misses = 0;
      await this.pursue(turn, top.goal, u);
      return;
    }
    if (await this.answer(turn, u, top)) {
      state.misses = 0;
      return;
    }
    if (top) {
      state.misses = 0;
      await this.pursue(turn, top.goal, u);
      return;
    }
    const yesNo = prepared.yesNo(u);
    if (state.phase === 'anything-else' && (yesNo === 'no' || prepared.saysDone(u))) {
      turn.goodbye();
      return;
    }
    if ((state.phase === 'anything-else' || state.phase === 'open') && yesNo === 'yes') {
      turn.intent = 'confirm';
      turn.ask('open', 'agent.open.again');
      return;
    }
    this.miss(turn, YES_NO_PHASES.includes(state.phase) ? 'agent.repair.yesOrNo' : undefined);
  }

  /** The utterance as an answer to the pending question; false when it is not one. */
  private async answer(turn: Turn, u: Utterance, top: ScoredGoal | undefined): Promise<boolean> {
    const { state, prepared } = turn;
    const phase = state.phase;
    if (phase.startsWith('book.')) return answerBooking(turn, u);
    if (phase.startsWith('change.') || phase.startsWith('cancel.') || phase.startsWith('reschedule.')) return answerChange(turn, u);
    if (phase.startsWith('message.')) return answerMessage(turn, u);
    if (phase === 'offer-message' || phase === 'rescue') {
      const yesNo = prepared.yesNo(u);
      if (phase === 'rescue' && top?.goal === 'human') {
        this.human(turn);
        return true;
      }
      if (yesNo === 'yes' || top?.goal === 'message') {
        const offer = state.offer ?? {};
        delete state.offer;
        await startMessage(turn, null, offer);
        return true;
      }
      if (yesNo === 'no' || prepared.saysDone(u)) {
        delete state.offer;
        if (phase === 'rescue') turn.goodbye();
        else {
          turn.intent = 'deny';
          turn.say('agent.declined');
          turn.askAnythingElse();
        }
        return true;
      }
      return false;
    }
    if (phase === 'anything-else' && !top) return correctMessageNumber(turn, u);
    return false;
  }

  /** Starts what the caller asked for; a question answered mid-task goes back to the task's question. */
  private async pursue(turn: Turn, goal: Goal, u: Utterance): Promise<void> {
    const pending = { phase: turn.state.phase, prompt: turn.state.prompt };
    switch (goal) {
      case 'book':
        return startBooking(turn, u);
      case 'reschedule':
      case 'cancel':
        return startChange(turn, goal, u);
      case 'message':
        return startMessage(turn, u);
      case 'human':
        return this.human(turn);
      case 'emergency':
        return this.emergency(turn, u);
      case 'goodbye':
        return turn.goodbye();
      case 'hours':
        answerHours(turn, u);
        break;
      case 'location':
        answerLocation(turn);
        break;
      case 'faq':
        answerQuestion(turn, u);
        break;
    }
    if (turn.answered && (goal === 'hours' || goal === 'faq' || goal === 'location')) turn.state.topic = goal;
    if (turn.state.phase !== pending.phase) return;
    if (TASK_PHASES.includes(pending.phase)) {
      turn.state.prompt = pending.prompt;
      turn.askAgain();
    } else {
      turn.askAnythingElse();
    }
  }

  /** "A person, please" (or DTMF 0): put through, or a message when the client has no number for it. */
  private human(turn: Turn): void {
    turn.intent = 'human';
    const to = turn.tools.transferTarget('human');
    if (!to) {
      turn.offerMessage('agent.human.unavailable');
      return;
    }
    turn.state.achieved = true;
    turn.say('agent.human.transferring');
    turn.finish({ type: 'transfer', to, reason: 'human' });
  }

  /** An emergency keyword wins over everything: the pack's policy, a transfer to on-call, else an urgent message. */
  private async emergency(turn: Turn, u: Utterance): Promise<void> {
    turn.intent = 'emergency';
    const policy = turn.knowledge.emergencyPolicy;
    const to = policy.action === 'transfer' ? turn.tools.transferTarget('emergency') : null;
    if (to) {
      turn.state.achieved = true;
      if (policy.say) turn.sayVerbatim(policy.say);
      else turn.say('agent.emergency.transferring');
      turn.finish({ type: 'transfer', to, reason: 'emergency' });
      return;
    }
    if (policy.action === 'message' && policy.say) turn.sayVerbatim(policy.say);
    else turn.say('agent.emergency.message');
    delete turn.state.book;
    delete turn.state.change;
    await startMessage(turn, null, { text: u.text, urgent: true });
  }

  private async dtmf(turn: Turn, digits: string): Promise<void> {
    if (digits === '0') {
      this.human(turn);
      return;
    }
    if (['message.contact', 'book.phone', 'change.identify'].includes(turn.state.phase) && digits.length >= 7) {
      await this.speech(turn, digits);
      return;
    }
    this.miss(turn);
  }

  /** First silence: "are you still there?"; second: a way out (a message); third: goodbye. */
  private silence(turn: Turn): void {
    const state = turn.state;
    state.silences++;
    if (state.silences >= 3) {
      turn.goodbye('agent.silence.goodbye');
      return;
    }
    if (state.silences === 2) {
      turn.offerMessage('agent.silence.offerMessage', state.offer ?? {});
      return;
    }
    turn.say('agent.silence.stillThere', { prompt: turn.promptText() });
  }

  /** Not understood: a polite repair with the question again; after {@link MISS_LIMIT} in a row, a way out; then goodbye. */
  private miss(turn: Turn, key?: string): void {
    const state = turn.state;
    turn.intent ??= 'unknown';
    state.misses++;
    if (state.phase === 'rescue') {
      turn.goodbye('agent.repair.giveUp');
      return;
    }
    if (state.misses >= MISS_LIMIT) {
      state.offer = {};
      turn.ask('rescue', turn.tools.transferTarget('human') ? 'agent.repair.rescueWithTransfer' : 'agent.repair.rescue');
      return;
    }
    const fallback = state.misses === 1 ? 'agent.repair.notUnderstood' : 'agent.repair.notUnderstoodAgain';
    turn.say(key ?? fallback, { prompt: turn.promptText() });
  }
}
