import type { i18n as I18n } from 'i18next';
import { collectLlmStream, type LlmMessage, type LlmProvider, type LlmRequest, type LlmResult, type TenantContext } from '@tero/sdk';
import type { CallOutcome } from '@tero/db';
import type { AgentAction, AgentKnowledge, AgentReply, AgentTools, CallerInput, CallFacts, ConversationEngine, EngineState, TurnIntent } from '../engine.port';
import { answeredFaq } from './answered-faq';
import { agentFunctions, E164, runToolCall, toolDefinitions, type FunctionOutcome } from './agent-functions';
import { agentSystemPrompt } from './agent-instructions';
import { claimsBooking } from './booking-claim';
import { mentionedKeyword } from './emergency-keywords';
import { newAgentState, readAgentState, TOOL_RESULT_LIMIT, writeAgentState, type LlmAgentState } from './llm-agent.state';

/** Where the engine reports what went wrong (a pino logger fits). */
export interface LlmAgentLogger {
  warn(obj: object, msg?: string): void;
}

export interface LlmAgentEngineOptions {
  /** The LLM plugin's id (`llm-openai`), reported as the engine's id. */
  id: string;
  /** The tenant's provider, resolved by the telephony layer through the plugin registry. */
  provider: LlmProvider;
  /** The call's tenant, passed to every provider call. */
  ctx: TenantContext;
  /** Translations; the engine reads the `calls` namespace for what it says without the model. */
  i18n: I18n;
  /** Stream the model's answers (the default) or ask for whole ones. */
  streaming?: boolean;
  /** Model calls per caller turn; past it the turn ends with a safe reply. Default 5. */
  maxRounds?: number;
  /** Messages kept in the state between turns (about; see `capMessages`). Default 40. */
  historyLimit?: number;
  /** Time for all model calls of one turn, in milliseconds: jambonz waits about 10 s for an answer. Default 8000. */
  turnBudgetMs?: number;
  temperature?: number;
  maxTokens?: number;
  logger?: LlmAgentLogger;
}

/** Gathers in a row with nothing said before the agent says goodbye. */
const SILENCES_BEFORE_GOODBYE = 2;
/** Unusable transcripts in a row before the agent offers a way out. */
const UNCLEAR_BEFORE_WAY_OUT = 3;

/** The functions and their JSON Schemas per knowledge object: built once per client and locale, not per turn. */
const preparedFunctions = new WeakMap<AgentKnowledge, { functions: ReturnType<typeof agentFunctions>; definitions: ReturnType<typeof toolDefinitions> }>();

function functionsFor(knowledge: AgentKnowledge) {
  let prepared = preparedFunctions.get(knowledge);
  if (!prepared) {
    const functions = agentFunctions(knowledge);
    prepared = { functions, definitions: toolDefinitions(functions) };
    preparedFunctions.set(knowledge, prepared);
  }
  return prepared;
}

/** What one caller turn led to. */
interface TurnEnd {
  say: string;
  action: AgentAction;
  intent?: TurnIntent;
  outcome?: CallOutcome;
}

/**
 * The conversation engine that lets a chat model run the call, through tool calling over
 * {@link AgentTools} only. Rules that must not depend on the model stay in code: emergency keywords are
 * checked before the model hears the caller; a reply claiming a booking the ledger did not confirm is
 * never spoken; a failing model (timeout, 5xx) gets the caller an apology and a way out (a message or a
 * person), never an exception. The conversation lives in the call's state, capped.
 */
export class LlmAgentEngine implements ConversationEngine {
  readonly id: string;
  private readonly streaming: boolean;
  private readonly maxRounds: number;
  private readonly historyLimit: number;
  private readonly turnBudgetMs: number;

  constructor(private readonly options: LlmAgentEngineOptions) {
    this.id = options.id;
    this.streaming = options.streaming ?? true;
    this.maxRounds = options.maxRounds ?? 5;
    this.historyLimit = options.historyLimit ?? 40;
    this.turnBudgetMs = options.turnBudgetMs ?? 8_000;
  }

  /** The greeting needs no model: the first hook must answer fast and cannot fail. */
  async start(_call: CallFacts, knowledge: AgentKnowledge, _tools: AgentTools): Promise<AgentReply> {
    const state = newAgentState([{ role: 'assistant', content: knowledge.greeting }]);
    return { say: knowledge.greeting, action: { type: 'listen' }, intent: 'greeting', state: this.write(state) };
  }

  async turn(call: CallFacts, knowledge: AgentKnowledge, saved: EngineState, input: CallerInput, tools: AgentTools): Promise<AgentReply> {
    const state = readAgentState(saved);
    const t = this.options.i18n.getFixedT(knowledge.locale, 'calls');
    let end: TurnEnd;
    try {
      end = await this.respond(call, knowledge, state, input, tools, t);
    } catch (error) {
      // Nothing above should throw; if something does, the caller still gets an answer.
      this.options.logger?.warn({ err: error, callSid: call.callSid }, 'llm agent: turn failed');
      end = await this.modelUnavailable(call, knowledge, state, tools, t);
    }
    state.messages.push({ role: 'assistant', content: end.say });
    return { say: end.say, action: end.action, intent: end.intent, ...(end.outcome ? { outcome: end.outcome } : {}), state: this.write(state) };
  }

  private async respond(
    call: CallFacts,
    knowledge: AgentKnowledge,
    state: LlmAgentState,
    input: CallerInput,
    tools: AgentTools,
    t: I18n['t'],
  ): Promise<TurnEnd> {
    if (input.kind === 'silence') {
      state.silences += 1;
      if (state.silences >= SILENCES_BEFORE_GOODBYE) return { say: t('llm.silent_goodbye'), action: { type: 'hangup' }, intent: 'goodbye' };
      return { say: t('llm.still_there'), action: { type: 'listen' } };
    }
    state.silences = 0;
    if (input.kind === 'low-confidence' || input.kind === 'error') {
      state.unclear += 1;
      if (state.unclear >= UNCLEAR_BEFORE_WAY_OUT) return this.wayOut(tools, t);
      return { say: t('fallback'), action: { type: 'listen' } };
    }
    state.unclear = 0;

    const heard = input.kind === 'speech' ? input.text.trim() : `(the caller pressed the keys ${input.digits})`;
    state.callerWords.push(heard);
    state.messages.push({ role: 'user', content: heard });

    if (!state.emergencyHandled && input.kind === 'speech') {
      const keyword = mentionedKeyword(heard, knowledge.emergencyKeywords, knowledge.locale);
      if (keyword) {
        state.emergencyHandled = true;
        return this.emergency(call, knowledge, state, tools, heard, t);
      }
    }

    const end = await this.converse(call, knowledge, state, tools, t);
    if (end) {
      state.failures = 0;
      return end;
    }
    return this.modelUnavailable(call, knowledge, state, tools, t);
  }

  /**
   * The emergency rule, without the model: put the call through to the on-call number, or when the
   * policy says so (or there is none), leave an urgent message with the caller's number.
   */
  private async emergency(
    call: CallFacts,
    knowledge: AgentKnowledge,
    state: LlmAgentState,
    tools: AgentTools,
    heard: string,
    t: I18n['t'],
  ): Promise<TurnEnd> {
    const policy = knowledge.emergencyPolicy;
    const onCall = policy.action === 'transfer' ? tools.transferTarget('emergency') : null;
    if (onCall) return { say: policy.say, action: { type: 'transfer', to: onCall, reason: 'emergency' }, intent: 'emergency' };
    if (E164.test(call.callerNumber)) {
      try {
        await tools.takeMessage({ callerName: call.callerName ?? null, callbackNumber: call.callerNumber, text: heard, urgent: true });
        const say = policy.action === 'message' ? policy.say : t('llm.emergency_message_taken', { number: call.callerNumber });
        return { say, action: { type: 'listen' }, intent: 'emergency' };
      } catch (error) {
        this.options.logger?.warn({ err: error, callSid: call.callSid }, 'llm agent: urgent message failed');
      }
    }
    // No number to call back on: ask for one; the model takes the urgent message next turn (its rules say so).
    return { say: t('llm.emergency_need_number'), action: { type: 'listen' }, intent: 'emergency' };
  }

  /** Model rounds until it answers in words or ends the call; `undefined` when the model failed. */
  private async converse(call: CallFacts, knowledge: AgentKnowledge, state: LlmAgentState, tools: AgentTools, t: I18n['t']): Promise<TurnEnd | undefined> {
    const { functions, definitions } = functionsFor(knowledge);
    const system: LlmMessage = { role: 'system', content: agentSystemPrompt(call, knowledge) };
    const deadline = Date.now() + this.turnBudgetMs;
    let intent: TurnIntent | undefined;
    let corrected = false;

    for (let round = 0; round < this.maxRounds; round++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      const request: LlmRequest = {
        messages: [system, ...state.messages],
        tools: definitions,
        toolChoice: 'auto',
        timeoutMs: remaining,
        ...(this.options.temperature !== undefined ? { temperature: this.options.temperature } : {}),
        ...(this.options.maxTokens !== undefined ? { maxTokens: this.options.maxTokens } : {}),
      };
      if (corrected) {
        request.messages = [
          ...request.messages,
          { role: 'system', content: 'Your last reply said an appointment is booked, but no book call succeeded in this call. Do not say that; say what is true.' },
        ];
      }
      let result: LlmResult;
      try {
        result = this.streaming
          ? await collectLlmStream(this.options.provider.stream(this.options.ctx, request))
          : await this.options.provider.complete(this.options.ctx, request);
      } catch (error) {
        this.options.logger?.warn({ err: error, callSid: call.callSid, round }, 'llm agent: model call failed');
        return undefined;
      }

      if (result.toolCalls.length === 0) {
        const text = result.text.trim();
        if (text && claimsBooking(text, knowledge.locale) && state.confirmedBookings.length === 0) {
          // Said "booked" with nothing booked: ask once more, then fall back to words that are true.
          if (!corrected) {
            corrected = true;
            continue;
          }
          return { say: t('llm.not_booked_yet'), action: { type: 'listen' }, intent };
        }
        if (!text) return { say: t('fallback'), action: { type: 'listen' }, intent };
        // A reply that gives one of the business's answers is the `answered` outcome; tools record the others.
        if (!intent && answeredFaq(text, knowledge.faq, knowledge.locale)) return { say: text, action: { type: 'listen' }, intent: 'faq', outcome: 'answered' };
        return { say: text, action: { type: 'listen' }, intent };
      }

      state.messages.push({ role: 'assistant', content: result.text, toolCalls: result.toolCalls });
      let ending: FunctionOutcome | undefined;
      for (const toolCall of result.toolCalls) {
        const outcome = await runToolCall(toolCall, functions, { call, knowledge, tools });
        if (outcome.failure) this.options.logger?.warn({ err: outcome.failure, callSid: call.callSid, tool: toolCall.name }, 'llm agent: tool failed');
        if (outcome.confirmedBooking) state.confirmedBookings.push(outcome.confirmedBooking);
        intent = outcome.intent ?? intent;
        if (outcome.action && !ending) ending = outcome;
        const content = JSON.stringify(outcome.result);
        state.messages.push({ role: 'tool', toolCallId: toolCall.id, content: content.slice(0, TOOL_RESULT_LIMIT) });
      }
      if (ending?.action) {
        const words = ending.say ?? result.text.trim();
        const fallback = ending.action.type === 'transfer' ? t('llm.transferring') : t('goodbye');
        // The model's words are checked like any reply: a farewell may not claim a booking either.
        const safe = words && !(claimsBooking(words, knowledge.locale) && state.confirmedBookings.length === 0) ? words : fallback;
        return { say: safe, action: ending.action, intent: ending.intent ?? intent };
      }
    }
    return undefined;
  }

  /**
   * The model failed (timeout, vendor down, too many rounds). The first time, apologise and offer a
   * message or a person; the next time in a row, act without it: put the caller through, or leave
   * their words as a message and say goodbye.
   */
  private async modelUnavailable(call: CallFacts, knowledge: AgentKnowledge, state: LlmAgentState, tools: AgentTools, t: I18n['t']): Promise<TurnEnd> {
    state.failures += 1;
    const person = tools.transferTarget('human');
    if (state.failures < 2) {
      return { say: t(person ? 'llm.unavailable_offer_transfer' : 'llm.unavailable_offer_message'), action: { type: 'listen' } };
    }
    if (person) return { say: t('llm.transferring'), action: { type: 'transfer', to: person, reason: 'human' }, intent: 'human' };
    if (E164.test(call.callerNumber) && state.callerWords.length > 0) {
      try {
        await tools.takeMessage({ callerName: call.callerName ?? null, callbackNumber: call.callerNumber, text: state.callerWords.join('\n') });
        return { say: t('llm.message_left_goodbye', { number: call.callerNumber }), action: { type: 'hangup' }, intent: 'message' };
      } catch (error) {
        this.options.logger?.warn({ err: error, callSid: call.callSid }, 'llm agent: fallback message failed');
      }
    }
    return { say: t('llm.call_back_goodbye', { business: knowledge.business.name }), action: { type: 'hangup' }, intent: 'goodbye' };
  }

  /** After several transcripts nobody could use: a person if there is one, else a polite goodbye. */
  private wayOut(tools: AgentTools, t: I18n['t']): TurnEnd {
    const person = tools.transferTarget('human');
    if (person) return { say: t('llm.transferring'), action: { type: 'transfer', to: person, reason: 'human' }, intent: 'human' };
    return { say: t('llm.unclear_goodbye'), action: { type: 'hangup' }, intent: 'goodbye' };
  }

  private write(state: LlmAgentState): EngineState {
    return writeAgentState(state, this.historyLimit);
  }
}
