import type { BookResult, BookingSummary, ChangeResult, HoldResult, SlotOffer } from '@tero/booking';
import type { CallOutcome, CallRoute, ProfileDayException, ProfileHours } from '@tero/db';
import type { Money, PackIntent } from '@tero/sdk';

/**
 * The conversation engine's port: what the telephony layer gives an engine on each turn, and what it
 * gets back. Two engines implement it: the built-in one (intents and slots from the profession pack,
 * no LLM) and the LLM agent (an `LlmProvider` plugin with tool calling). Both act on the world only
 * through {@link AgentTools}, so "booked" is said only after the ledger confirmed.
 */

/** Everything the agent knows about the business, in the call's locale. Built once per client and locale, then cached. */
export interface AgentKnowledge {
  brandId: string;
  clientId: string;
  /** The call's locale: `en`, `es`, `fr`. */
  locale: string;
  /** IANA zone of the business: hours, holidays and spoken times are in it. */
  timezone: string;
  /** ISO 4217, for prices. */
  currency: string;
  business: { name: string; phone: string; address: string };
  agentName: string;
  /** The rendered greeting (pack template + the client's facts). */
  greeting: string;
  /** The rendered system prompt (pack template + the client's facts); the LLM engine's instructions. */
  systemPrompt: string;
  services: KnownService[];
  faq: KnownFaq[];
  hours: ProfileHours;
  exceptions: ProfileDayException[];
  /** Lower-case words or phrases that mean an emergency (pack's + client's). */
  emergencyKeywords: string[];
  emergencyPolicy: { action: 'transfer' | 'message'; say: string };
  /** The pack's example phrasings for this locale. */
  intents: Partial<Record<PackIntent, string[]>>;
  /** Whether "a person, please" can be put through (the client has a transfer number). */
  canTransferToHuman: boolean;
  /** Whether emergencies can be put through (the client has an on-call number). */
  canTransferEmergency: boolean;
}

export interface KnownService {
  id: string;
  name: string;
  /** Lower-case words that point at it, its name's words included. */
  keywords: string[];
  durationMinutes: number;
  bufferMinutes: number;
  price: Money;
  bookable: boolean;
}

export interface KnownFaq {
  id: string;
  question: string;
  answer: string;
  keywords: string[];
}

/** The call as the engine sees it. */
export interface CallFacts {
  callSid: string;
  /** Caller id, E.164 when jambonz has one. */
  callerNumber: string;
  callerName?: string | null;
  /** The moment of this turn (tests and the simulator pin it). */
  now: Date;
  route: CallRoute;
}

/** What jambonz's gather produced for this turn. */
export type CallerInput =
  | { kind: 'speech'; text: string; confidence?: number }
  | { kind: 'dtmf'; digits: string }
  /** The gather timed out: the caller said nothing. */
  | { kind: 'silence' }
  /** Speech below the confidence threshold, or jambonz's `stt-low-confidence`. */
  | { kind: 'low-confidence'; text?: string; confidence?: number }
  | { kind: 'error' };

export type AgentAction =
  /** Say the reply, then listen for the caller (gather with barge-in). */
  | { type: 'listen' }
  /** Say the reply, then put the call through. `to` is E.164. */
  | { type: 'transfer'; to: string; reason: 'human' | 'emergency' }
  /** Say the reply, then record a voicemail. */
  | { type: 'voicemail' }
  /** Say the reply (a goodbye), then hang up. */
  | { type: 'hangup' };

/** What the engine understood the caller to want in a turn. */
export type TurnIntent = PackIntent | 'greeting' | 'confirm' | 'deny' | 'provide' | 'backchannel' | 'goodbye' | 'unknown';

export interface AgentReply {
  /** What the agent says, in the call's locale. Never empty. */
  say: string;
  action: AgentAction;
  intent?: TurnIntent;
  /**
   * An outcome the engine reached without a tool (`answered` when it answered a question). Outcomes
   * that change the world (booked, message_taken…) are recorded by the tools themselves.
   */
  outcome?: CallOutcome;
  /** The engine's memory of the call, JSON only: handed back on the next turn. */
  state: EngineState;
}

/** Opaque to everyone but the engine that wrote it; must survive `JSON.parse(JSON.stringify(…))`. */
export type EngineState = Record<string, unknown>;

export interface ConversationEngine {
  /** `builtin`, or the LLM plugin's id. */
  readonly id: string;
  /** The first words of the call, after routing chose the AI path. */
  start(call: CallFacts, knowledge: AgentKnowledge, tools: AgentTools): Promise<AgentReply>;
  turn(call: CallFacts, knowledge: AgentKnowledge, state: EngineState, input: CallerInput, tools: AgentTools): Promise<AgentReply>;
}

// ---------------------------------------------------------------------------------------------------
// Tools: the only way an engine acts. The telephony layer implements them over the booking ledger and
// the message store, scoped to the call's tenant, and records outcomes as they succeed.
// ---------------------------------------------------------------------------------------------------

// The ledger's answers are what the tools return: one definition, in libs/booking (type-only import).
export type { BookResult, BookingSummary, ChangeResult, HoldResult, SlotOffer } from '@tero/booking';

export interface AgentTools {
  /** Free starts for a service between `from` and `to` (business hours, holidays, capacity, buffers applied), earliest first. */
  checkAvailability(query: { serviceId: string; from: Date; to: Date; limit?: number }): Promise<SlotOffer[]>;
  /** Holds a slot for this call while the caller confirms (a few minutes). A new hold by the same call releases its previous one. */
  holdSlot(query: { serviceId: string; start: Date }): Promise<HoldResult>;
  /** Turns this call's hold into a booking. Idempotent per call and slot. */
  book(query: { holdId: string; callerName: string; callerPhone: string }): Promise<BookResult>;
  /** The caller's upcoming bookings, by phone number (and name when given). */
  findBookings(query: { callerPhone: string; callerName?: string }): Promise<BookingSummary[]>;
  reschedule(query: { bookingId: string; start: Date }): Promise<ChangeResult>;
  cancel(query: { bookingId: string }): Promise<ChangeResult>;
  /** Stores a message for the business (one per call: a second call updates it). */
  takeMessage(query: { callerName?: string | null; callbackNumber: string; text: string; urgent?: boolean }): Promise<{ messageId: string }>;
  /** Where a transfer goes, or null when the client has no such number. */
  transferTarget(reason: 'human' | 'emergency'): string | null;
  /** Sends the caller a confirmation of a booking when a messaging plugin is enabled; `sent: false` otherwise. */
  sendConfirmation(query: { bookingId: string }): Promise<{ sent: boolean }>;
}
