import type { LlmMessage } from '@tero/sdk';
import type { EngineState } from '../engine.port';

/**
 * What the LLM agent remembers between turns, kept in the call's {@link EngineState} (JSON). The
 * conversation is capped: the system prompt is rebuilt each turn, and only the last messages are kept,
 * cut where a caller's turn starts so that no tool result loses the call it answers.
 */
export interface LlmAgentState {
  engine: 'llm';
  version: 1;
  /** The conversation without the system prompt, oldest first. */
  messages: LlmMessage[];
  /** Model failures in a row: the second one takes the call out of the model's hands. */
  failures: number;
  /** Silent gathers in a row. */
  silences: number;
  /** Unusable transcripts (low confidence, errors) in a row. */
  unclear: number;
  /** Bookings the ledger confirmed in this call (made or moved). */
  confirmedBookings: string[];
  /** Whether the emergency rule already acted in this call. */
  emergencyHandled: boolean;
  /** What the caller said in this call, newest last, capped: the message left when the model is down. */
  callerWords: string[];
}

/** Longest tool result kept in the conversation; longer ones are cut (a long booking list, say). */
export const TOOL_RESULT_LIMIT = 2_000;
const CALLER_WORDS_KEPT = 12;

/** A fresh state. */
export function newAgentState(messages: LlmMessage[] = []): LlmAgentState {
  return {
    engine: 'llm',
    version: 1,
    messages,
    failures: 0,
    silences: 0,
    unclear: 0,
    confirmedBookings: [],
    emergencyHandled: false,
    callerWords: [],
  };
}

function isMessage(value: unknown): value is LlmMessage {
  if (!value || typeof value !== 'object') return false;
  const message = value as Record<string, unknown>;
  switch (message.role) {
    case 'user':
    case 'system':
      return typeof message.content === 'string';
    case 'assistant':
      return typeof message.content === 'string' && (message.toolCalls === undefined || Array.isArray(message.toolCalls));
    case 'tool':
      return typeof message.content === 'string' && typeof message.toolCallId === 'string';
    default:
      return false;
  }
}

const count = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0);
const strings = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

/** Reads a state this engine wrote; anything else (another engine's, a corrupted one) starts afresh. */
export function readAgentState(state: EngineState): LlmAgentState {
  if (state.engine !== 'llm' || state.version !== 1 || !Array.isArray(state.messages) || !state.messages.every(isMessage)) {
    return newAgentState();
  }
  return {
    engine: 'llm',
    version: 1,
    messages: state.messages as LlmMessage[],
    failures: count(state.failures),
    silences: count(state.silences),
    unclear: count(state.unclear),
    confirmedBookings: strings(state.confirmedBookings),
    emergencyHandled: state.emergencyHandled === true,
    callerWords: strings(state.callerWords),
  };
}

/** Whether a kept conversation may open with this message: not a tool result, nor tool calls whose results follow. */
function opensConversation(message: LlmMessage): boolean {
  return message.role === 'user' || (message.role === 'assistant' && !message.toolCalls?.length);
}

/**
 * Keeps about the last `limit` messages: the cut moves back to the nearest message a conversation may
 * open with, so that no tool result is kept without the call it answers (vendors refuse that).
 */
export function capMessages(messages: LlmMessage[], limit: number): LlmMessage[] {
  if (messages.length <= limit) return messages;
  let start = messages.length - limit;
  while (start > 0 && !opensConversation(messages[start])) start--;
  return messages.slice(start);
}

/** The state as JSON to hand back, with the conversation capped to `historyLimit` messages. */
export function writeAgentState(state: LlmAgentState, historyLimit: number): EngineState {
  return {
    ...state,
    messages: capMessages(state.messages, historyLimit),
    callerWords: state.callerWords.slice(-CALLER_WORDS_KEPT),
  } satisfies LlmAgentState as unknown as EngineState;
}
