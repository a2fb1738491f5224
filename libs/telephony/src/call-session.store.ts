import type { EngineState } from '@tero/conversation';
import type { CallOutcome, CallRoute } from '@tero/db';
import type { Redis } from 'ioredis';
import type { JambonzVerb } from './jambonz-verbs';
import { flat } from './flat-string';
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

/**
 * Where sessions live between hooks. A finished call's session (`ended`) is kept only to recognise its
 * late hooks: its call, tenant and language (see {@link endedSession}); every other field comes back blank.
 */
export interface CallSessionStore {
  get(callSid: string): Promise<CallSession | null>;
  /** Keeps the session for `ttlSeconds` from now (default {@link SESSION_TTL_SECONDS}). */
  set(session: CallSession, ttlSeconds?: number): Promise<void>;
}

/** What is kept of a finished call, space-separated: its call row, brand, client and language (none holds a space). */
function endedParts(session: CallSession): string {
  // One flat string: the template's joins would otherwise be kept as six 32-byte pairs per finished call.
  return flat(`${session.callId} ${session.brandId} ${session.clientId} ${session.locale}`);
}

/**
 * A finished call's session as the stores give it back: enough for its late hooks (a repeated status, an
 * action hook after the end, the call hook again: all answered without a change) and for a late listen
 * stream to find its call; the conversation is gone.
 */
export function endedSession(callSid: string, parts: string): CallSession {
  const [callId = '', brandId = '', clientId = '', locale = 'en'] = parts.split(' ');
  return {
    callSid, callId, brandId, clientId, accountSid: null, route: 'open', mode: 'ai', locale, from: '', to: '', callerName: null, startedAt: '',
    engineId: '', engineState: {}, seq: 0, silences: 0, callerTurns: 0, outcome: null, bookingId: null, messageId: null, held: false,
    transferTo: null, lastAction: 'hangup', ended: true, opening: [],
  };
}

/** Seconds a session is kept after its last change: longer than any call, short enough to clean itself. */
export const SESSION_TTL_SECONDS = 4 * 3600;

/** Sessions the embedded store holds at most (a finished call's ~200 bytes): beyond, the oldest finished calls are forgotten first. */
export const MEMORY_SESSIONS_MAX = 250_000;

/** Seconds a finished call's session is kept, so that late hooks for it are recognised and change nothing. */
export const ENDED_SESSION_TTL_SECONDS = 15 * 60;

/** A call in progress as the embedded store holds it: a copy of the session, its engine state as JSON, and when it expires (ms). */
interface LiveEntry {
  session: CallSession;
  state: string;
  expiresAt: number;
}

/**
 * The embedded store: one process, a map with expiry (swept as it grows). Holds copies, as Redis would:
 * the session's own fields are copied, the engine's state goes through JSON (an engine may change the
 * state it was handed), and the opening verbs, which nothing changes once answered, are shared. A
 * finished call, kept a quarter of an hour only to recognise late hooks, is one short flat string —
 * when it expires (seconds, base 36), its call row, and the index of its brand, client and language in a
 * table of the few such triples there are: under call load the store holds tens of thousands of finished
 * calls, and the whole session with the request strings it points to took several times the memory (an
 * entry object, a boxed expiry and the three ids in text took ~280 bytes a call; this, ~140 with the key).
 */
export class MemoryCallSessionStore implements CallSessionStore {
  /** A call in progress, or a finished call as `<expires> <callId> <tenant>` (see the class). */
  private readonly sessions = new Map<string, LiveEntry | string>();
  /** `brandId clientId locale` of finished calls, each once; `tenantIndex` finds one's place. */
  private readonly tenants: string[] = [];
  private readonly tenantIndex = new Map<string, number>();
  private sweepAt = 1024;

  constructor(
    private readonly ttlSeconds = SESSION_TTL_SECONDS,
    private readonly now: () => number = Date.now,
    private readonly options: { maxEntries?: number; onEvict?: (count: number) => void } = {},
  ) {
    this.sweepAt = Math.min(this.sweepAt, options.maxEntries ?? MEMORY_SESSIONS_MAX);
  }

  async get(callSid: string): Promise<CallSession | null> {
    const entry = this.sessions.get(callSid);
    if (entry === undefined) return null;
    if (expiresAt(entry) <= this.now()) {
      this.sessions.delete(callSid);
      return null;
    }
    if (typeof entry === 'string') {
      const [, callId = '', tenant = '0'] = entry.split(' ');
      return endedSession(callSid, `${callId} ${this.tenants[Number(tenant)] ?? ''}`);
    }
    return { ...copyParts(entry.session), engineState: JSON.parse(entry.state) as CallSession['engineState'] };
  }

  async set(session: CallSession, ttlSeconds = this.ttlSeconds): Promise<void> {
    const now = this.now();
    const until = now + ttlSeconds * 1000;
    const entry = session.ended
      ? flat(`${Math.ceil(until / 1000).toString(36)} ${session.callId} ${this.tenantOf(session)}`)
      : { session: copyParts(session), state: JSON.stringify(session.engineState), expiresAt: until };
    this.sessions.set(session.callSid, entry);
    if (this.sessions.size >= this.sweepAt) this.sweep(now);
  }

  /** Sessions held now (live or not yet swept). */
  get size(): number {
    return this.sessions.size;
  }

  /** The place of the call's brand, client and language in {@link tenants}, added the first time. */
  private tenantOf(session: CallSession): number {
    const key = `${session.brandId} ${session.clientId} ${session.locale}`;
    let index = this.tenantIndex.get(key);
    if (index === undefined) {
      index = this.tenants.push(flat(key)) - 1;
      this.tenantIndex.set(this.tenants[index]!, index);
    }
    return index;
  }

  /**
   * Drops expired sessions; then, at {@link MEMORY_SESSIONS_MAX} entries, the oldest finished calls down to
   * nine tenths (a call in progress is never dropped): a flood of short calls must not grow the process
   * without bound. A late hook of a forgotten call is answered as one of an unknown call (a hang-up).
   */
  private sweep(now: number): void {
    for (const [sid, entry] of this.sessions) if (expiresAt(entry) <= now) this.sessions.delete(sid);
    const max = this.options.maxEntries ?? MEMORY_SESSIONS_MAX;
    if (this.sessions.size >= max) {
      let evict = this.sessions.size - Math.floor(max * 0.9);
      const count = evict;
      for (const [sid, entry] of this.sessions) {
        if (evict <= 0) break;
        if (typeof entry !== 'string') continue;
        this.sessions.delete(sid);
        evict--;
      }
      this.options.onEvict?.(count - evict);
    }
    this.sweepAt = Math.min(max, Math.max(1024, this.sessions.size * 2));
  }
}

/** When an entry of the embedded store expires (ms): a finished call's string starts with its second, in base 36. */
function expiresAt(entry: LiveEntry | string): number {
  return typeof entry === 'string' ? Number.parseInt(entry.slice(0, entry.indexOf(' ')), 36) * 1000 : entry.expiresAt;
}

/** A copy of the session with its own transfer and recent words (both flat), which hooks change in place. */
function copyParts(session: CallSession): CallSession {
  const copy = { ...session };
  if (session.transfer) copy.transfer = { ...session.transfer };
  if (session.recent) copy.recent = [...session.recent];
  return copy;
}

/** How a finished call's value starts in Redis (JSON never does). */
const ENDED_MARK = '~';

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
    const stored = (await this.batch.send('get', this.key(callSid))) as string | null;
    if (!stored) return null;
    // A finished call is kept as its parts (`~` then the parts), a call in progress as JSON.
    return stored.startsWith(ENDED_MARK) ? endedSession(callSid, stored.slice(ENDED_MARK.length)) : (JSON.parse(stored) as CallSession);
  }

  async set(session: CallSession, ttlSeconds = this.ttlSeconds): Promise<void> {
    const value = session.ended ? ENDED_MARK + endedParts(session) : JSON.stringify(session);
    await this.batch.send('set', this.key(session.callSid), value, 'EX', ttlSeconds);
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
