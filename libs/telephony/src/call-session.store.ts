import type { EngineState } from '@tero/conversation';
import type { CallOutcome, CallRoute } from '@tero/db';
import type { Redis } from 'ioredis';
import type { JambonzVerb } from './jambonz-verbs';
import { RedisBatch } from './redis-batch';
import type { CallTransfer } from './transfers/transfer-state';

/**
 * A call in progress: everything the next hook needs, whichever replica receives it. JSON only, since it
 * lives in Redis when Redis is configured.
 */
export interface CallSession {
  callSid: string;
  /** Id of the Call row. */
  callId: string;
  brandId: string;
  clientId: string;
  /** The jambonz account the call came through (its brand must own the call's number). */
  accountSid: string | null;
  route: CallRoute;
  /** What routing chose: the AI agent, voicemail, a forward, or a message; `dequeue` for a staff phone taking a caller from the queue. */
  mode: 'ai' | 'voicemail' | 'forward' | 'message' | 'dequeue';
  locale: string;
  /** The caller, E.164 when jambonz gave one. */
  from: string;
  to: string;
  callerName: string | null;
  /** ISO instant of the first hook. */
  startedAt: string;
  /** `builtin` or an LLM plugin id. */
  engineId: string;
  engineState: EngineState;
  /** Next turn row's sequence number. */
  seq: number;
  /** Caller turns that were silence, in a row. */
  silences: number;
  /** Caller turns so far. */
  callerTurns: number;
  /** The best outcome reached so far (see `betterOutcome`). */
  outcome: CallOutcome | null;
  bookingId: string | null;
  messageId: string | null;
  /** Whether the call ever held a slot: only then are holds released when it ends. */
  held: boolean;
  transferTo: string | null;
  /** The last action the agent asked for: `listen`, `transfer`, `voicemail`, `hangup`. */
  lastAction: string;
  /** Set once the status hook reported the end: later action hooks change nothing. */
  ended: boolean;
  /** The answer to the first hook, given again if jambonz repeats it. */
  opening: JambonzVerb[];
  /** A "talk to your agent" call (see `TestCallMarker`): recorded like any call, billed nothing. */
  test?: boolean;
  /** The call's transfer to a human, once one started: its step, its result, the queue, the follow-up (see `transfers/`). */
  transfer?: CallTransfer | null;
  /** The caller's last few utterances, kept only for clients with warm transfer: the whisper's summary quotes them. */
  recent?: string[] | null;
  /**
   * The last answer that ended in a gather: when it left (ms, the hooks' clock), what its prompt says and
   * what played before it (a disclosure); null after an answer without one. The turn hook's barge-in reads it.
   */
  prompt?: { at: number; text: string; leadIn: string } | null;
}

/** Where sessions live between hooks. */
export interface CallSessionStore {
  get(callSid: string): Promise<CallSession | null>;
  /** Keeps the session for `ttlSeconds` from now (default {@link SESSION_TTL_SECONDS}). */
  set(session: CallSession, ttlSeconds?: number): Promise<void>;
}

/** Seconds a session is kept after its last change: longer than any call, short enough to clean itself. */
export const SESSION_TTL_SECONDS = 4 * 3600;

/** Seconds a finished call's session is kept, so that late hooks for it are recognised and change nothing. */
export const ENDED_SESSION_TTL_SECONDS = 15 * 60;

/**
 * The embedded store: one process, a map with expiry (swept as it grows). Holds copies, as Redis would:
 * the session's own fields are copied, the engine's state goes through JSON (an engine may change the
 * state it was handed), and the opening verbs, which nothing changes once answered, are shared. A
 * finished call's session, kept a quarter of an hour only to recognise late hooks, is held as the JSON
 * array of its values in a fixed field order: a quarter of the memory of the object and the request
 * strings it points to (under load the store holds tens of thousands of them).
 */
export class MemoryCallSessionStore implements CallSessionStore {
  /** `session` null: `state` is the (finished) session's values, see {@link packSession}. */
  private readonly sessions = new Map<string, { session: CallSession | null; state: string; expiresAt: number }>();
  private sweepAt = 1024;

  constructor(
    private readonly ttlSeconds = SESSION_TTL_SECONDS,
    private readonly now: () => number = Date.now,
  ) {}

  async get(callSid: string): Promise<CallSession | null> {
    const entry = this.sessions.get(callSid);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.sessions.delete(callSid);
      return null;
    }
    if (entry.session === null) return unpackSession(entry.state);
    return { ...copyParts(entry.session), engineState: JSON.parse(entry.state) as CallSession['engineState'] };
  }

  async set(session: CallSession, ttlSeconds = this.ttlSeconds): Promise<void> {
    const now = this.now();
    const entry = session.ended
      ? { session: null, state: packSession(session), expiresAt: now + ttlSeconds * 1000 }
      : { session: copyParts(session), state: JSON.stringify(session.engineState), expiresAt: now + ttlSeconds * 1000 };
    this.sessions.set(session.callSid, entry);
    if (this.sessions.size >= this.sweepAt) {
      for (const [sid, entry] of this.sessions) if (entry.expiresAt <= now) this.sessions.delete(sid);
      this.sweepAt = Math.max(1024, this.sessions.size * 2);
    }
  }
}

/** A copy of the session with its own transfer and recent words (both flat), which hooks change in place. */
function copyParts(session: CallSession): CallSession {
  const copy = { ...session };
  if (session.transfer) copy.transfer = { ...session.transfer };
  if (session.recent) copy.recent = [...session.recent];
  return copy;
}

/** Every field of a session in a fixed order (the type check keeps the list complete). */
const SESSION_FIELDS = Object.keys({
  callSid: 0, callId: 0, brandId: 0, clientId: 0, accountSid: 0, route: 0, mode: 0, locale: 0, from: 0, to: 0, callerName: 0, startedAt: 0,
  engineId: 0, engineState: 0, seq: 0, silences: 0, callerTurns: 0, outcome: 0, bookingId: 0, messageId: 0, held: 0, transferTo: 0,
  lastAction: 0, ended: 0, opening: 0, test: 0, transfer: 0, recent: 0, prompt: 0,
} satisfies Record<keyof CallSession, 0>) as (keyof CallSession)[];

/** Optional fields: a `null` in the packed array is an absent field. */
const OPTIONAL_FIELDS = new Set<keyof CallSession>(['test', 'transfer', 'recent', 'prompt']);

/** A session as the JSON array of its values (no field names); an absent optional field is `null`. */
function packSession(session: CallSession): string {
  return JSON.stringify(SESSION_FIELDS.map((field) => session[field] ?? null));
}

function unpackSession(packed: string): CallSession {
  const values = JSON.parse(packed) as unknown[];
  const session: Record<string, unknown> = {};
  SESSION_FIELDS.forEach((field, i) => {
    if (values[i] !== null && values[i] !== undefined) session[field] = values[i];
    else if (!OPTIONAL_FIELDS.has(field)) session[field] = null;
  });
  return session as unknown as CallSession;
}

/** Shared by every replica: `<prefix>:jz:call:<sid>` with a TTL. Reads and writes go through the connection's {@link RedisBatch}. */
export class RedisCallSessionStore implements CallSessionStore {
  private readonly batch: RedisBatch;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = SESSION_TTL_SECONDS,
  ) {
    this.batch = RedisBatch.of(redis);
  }

  async get(callSid: string): Promise<CallSession | null> {
    const json = (await this.batch.send('get', this.key(callSid))) as string | null;
    return json ? (JSON.parse(json) as CallSession) : null;
  }

  async set(session: CallSession, ttlSeconds = this.ttlSeconds): Promise<void> {
    await this.batch.send('set', this.key(session.callSid), JSON.stringify(session), 'EX', ttlSeconds);
  }

  private key(callSid: string): string {
    return `${this.prefix}:jz:call:${callSid}`;
  }
}

/** Outcomes from the most to the least telling: a call that booked and also asked a question was a booking. */
const OUTCOME_RANK: CallOutcome[] = ['booked', 'rescheduled', 'cancelled', 'transferred', 'message_taken', 'voicemail', 'transfer_failed', 'answered', 'spam', 'abandoned', 'failed'];

/** The more telling of two outcomes. */
export function betterOutcome(current: CallOutcome | null, next: CallOutcome | null | undefined): CallOutcome | null {
  if (!next) return current;
  if (!current) return next;
  return OUTCOME_RANK.indexOf(next) < OUTCOME_RANK.indexOf(current) ? next : current;
}
