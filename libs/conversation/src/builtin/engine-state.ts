import type { EngineState } from '../engine.port';
import type { TimeWish } from './time-wish.parser';

/**
 * The built-in engine's memory of a call, kept by the telephony layer between turns as JSON. It is an
 * explicit state machine: `phase` says what answer the agent is waiting for, `prompt` how it asked
 * (so that a repair can ask again in the same words), and each task keeps its own slots.
 */

export const PHASES = [
  /** Waiting for the caller's request. */
  'open',
  /** A task is done; "anything else?". */
  'anything-else',
  'book.service',
  'book.when',
  /** A slot is held and read back; waiting for yes, no or another time. */
  'book.confirm',
  'book.name',
  'book.phone',
  /** No booking found under the caller id; waiting for a name or number. */
  'change.identify',
  'change.pick',
  'cancel.confirm',
  'reschedule.when',
  'reschedule.confirm',
  'message.text',
  'message.contact',
  /** "Would you like to leave a message?" */
  'offer-message',
  /** After repeated misunderstanding: a message, a person, or goodbye. */
  'rescue',
  'ended',
] as const;
/** What the agent is waiting for. */
export type Phase = (typeof PHASES)[number];

/** A question the agent asked: an i18n key of the `calls` namespace and its values. */
export interface Prompt {
  key: string;
  params?: Record<string, string>;
}

/** A booking found for a change, as the agent reads it back. */
export interface BookingRef {
  id: string;
  serviceId: string;
  serviceName: string;
  /** ISO instant. */
  start: string;
}

/** The built-in engine's {@link EngineState}: plain JSON, versioned by `v`. */
export interface BuiltinState {
  v: 1;
  phase: Phase;
  prompt: Prompt;
  /** Misunderstood turns in a row (low confidence, no answer to the question, lone backchannels). */
  misses: number;
  /** Silent turns in a row. */
  silences: number;
  turns: number;
  /** A booking, change, message or transfer happened: `answered` is no longer the call's outcome. */
  achieved: boolean;
  caller: { name?: string; phone?: string };
  book?: {
    serviceId?: string;
    /** Services the caller has to choose between. */
    choices?: string[];
    wish?: TimeWish;
    hold?: { id: string; start: string };
    /** Other starts found, ISO, offered on a "no". */
    alternatives: string[];
    /** How many times the caller refused to give a name for the booking. */
    nameRefusals?: number;
  };
  change?: {
    kind: 'cancel' | 'reschedule';
    retried: boolean;
    candidates: BookingRef[];
    booking?: BookingRef;
    /** When the caller would like the booking moved to, as said so far. */
    wish?: TimeWish;
    /** The new start being offered, ISO. */
    start?: string;
    alternatives: string[];
  };
  message?: {
    /** What the caller said for the message, in order. */
    text: string[];
    /** Whether that says something to pass on (not only "call me back"). */
    hasBody: boolean;
    urgent: boolean;
    /** How many times the agent asked for the contact details. */
    asks: number;
    /** The caller agreed to be called back on the caller id. */
    callerIdOk: boolean;
    taken: boolean;
  };
  /** The kind of question last answered: a bare "and on Sunday?" after an hours answer asks about hours. */
  topic?: 'hours' | 'faq' | 'location';
  /** What a message offered in `offer-message` or `rescue` would carry. */
  offer?: { text?: string; urgent?: boolean };
}

/** A new call's state, waiting for the caller's request. */
export function initialState(): BuiltinState {
  return { v: 1, phase: 'open', prompt: { key: 'agent.open.prompt' }, misses: 0, silences: 0, turns: 0, achieved: false, caller: {} };
}

/**
 * Reads the state handed back by the telephony layer; anything unknown starts over rather than failing
 * the call. The turn works on its own copy: the caller's object is never changed.
 */
export function readState(raw: EngineState | null | undefined): BuiltinState {
  if (!raw || raw.v !== 1 || typeof raw.phase !== 'string' || !(PHASES as readonly string[]).includes(raw.phase)) return initialState();
  return copy(raw) as unknown as BuiltinState;
}

/**
 * A deep copy of plain data (what JSON holds), several times cheaper than `structuredClone` for a
 * state of a few small objects; anything else in it (a Date, a Map) is copied by `structuredClone`.
 */
function copy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copy);
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copy((value as Record<string, unknown>)[key]);
    // JSON may carry a "__proto__" key: it stays a key, as structuredClone keeps it.
    if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    else out[key] = item;
  }
  return out;
}
