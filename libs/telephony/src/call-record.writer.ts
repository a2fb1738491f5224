import { randomUUID } from 'node:crypto';
import { ConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { Call, type CallRoute, CallEvent, CallTurn, type Database, type TurnSpeaker } from '@tero/db';
import type { Logger } from 'pino';

/** A new call, as the first hook knows it (and, when it ends before it is written, as it ended). */
export interface CallRow extends CallPatch {
  id: string;
  brandId: string;
  clientId: string;
  callSid: string;
  direction: string;
  fromNumber: string;
  toNumber: string;
  callerName: string | null;
  status: string;
  route: CallRoute;
  locale: string;
  startedAt: Date;
  aiDisclosed: boolean;
  recordingConsent: boolean | null;
}

/** One utterance to record. */
export interface TurnRow {
  callId: string;
  brandId: string;
  clientId: string;
  seq: number;
  speaker: TurnSpeaker;
  text: string;
  confidence?: number | null;
  intent?: string | null;
  at: Date;
  sttLatencyMs?: number | null;
  bargedIn?: boolean;
}

/** One step of a call's timeline; `key` is unique per call (`status:completed`). */
export interface EventRow {
  callId: string;
  brandId: string;
  clientId: string;
  key: string;
  at: Date;
  data?: Record<string, unknown>;
}

/** Fields of a Call row to change, applied after the rows queued before them. */
export type CallPatch = Partial<
  Pick<
    Call,
    | 'status'
    | 'outcome'
    | 'endedAt'
    | 'durationSeconds'
    | 'billableSeconds'
    | 'aiDisclosed'
    | 'recordingConsent'
    | 'transferTo'
    | 'bookingId'
    | 'messageId'
    | 'turnCount'
    | 'locale'
  >
>;

export interface CallRecordWriterOptions {
  /** How often queued rows are written. Default 250 ms. */
  flushEveryMs?: number;
  /** Rows kept while the database is unreachable; beyond this the oldest are dropped (and logged). */
  maxQueued?: number;
  /**
   * Flushes a row may wait for the row it depends on (a turn for its call, an update for its call)
   * before it is dropped: another replica may not have written the call yet. Default 40 (~10 s).
   */
  maxTries?: number;
}

interface Queued<T> {
  row: T;
  tries: number;
}

/**
 * Write-behind for the call record, so that no hook waits for the database: new calls, turns, timeline
 * events and call updates are queued in memory and written in one transaction every ~250 ms (soon after a
 * call ends, and at shutdown), in that order. Inserts are idempotent — a call by its sid, a turn by
 * (call, seq), an event by (call, key) — so a batch retried after a failure, or a hook delivered twice,
 * writes each row once. A row whose call is not there yet (written by another replica, not flushed yet)
 * is tried again for a few seconds; a row the database refuses for good is dropped and logged; nothing
 * is lost while the database is away, up to `maxQueued` rows.
 */
export class CallRecordWriter {
  private calls: Queued<CallRow>[] = [];
  private turns: Queued<TurnRow>[] = [];
  private events: Queued<EventRow>[] = [];
  private patches = new Map<string, Queued<CallPatch>>();
  private timer: NodeJS.Timeout | null = null;
  private soonTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly maxQueued: number;
  private readonly maxTries: number;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: CallRecordWriterOptions = {},
  ) {
    this.maxQueued = options.maxQueued ?? 50_000;
    this.maxTries = options.maxTries ?? 40;
  }

  /** Starts the periodic flush (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushEveryMs ?? 250);
    this.timer.unref();
  }

  call(row: CallRow): void {
    this.push(this.calls, row, 'calls');
  }

  turn(row: TurnRow): void {
    this.push(this.turns, row, 'turns');
  }

  event(row: EventRow): void {
    this.push(this.events, row, 'events');
  }

  /** Merges with the call's row or update not yet written (a short call is then written once, as it ended). */
  update(callId: string, patch: CallPatch): void {
    const unwritten = this.calls.find((queued) => queued.row.id === callId);
    if (unwritten) {
      Object.assign(unwritten.row, patch);
      return;
    }
    const queued = this.patches.get(callId);
    this.patches.set(callId, { row: { ...queued?.row, ...patch }, tries: queued?.tries ?? 0 });
  }

  /** Asks for a flush within a few milliseconds (a call ended); many asks in a burst make one flush. */
  flushSoon(): void {
    if (this.soonTimer) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      void this.flush();
    }, 20);
    this.soonTimer.unref();
  }

  /** How many rows and updates wait to be written. */
  get pending(): number {
    return this.calls.length + this.turns.length + this.events.length + this.patches.size;
  }

  /** Writes what is queued now; waits for a flush under way first, so that writes stay in order. Never throws. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.pending === 0) return;
    this.running = this.write().finally(() => {
      this.running = null;
    });
    await this.running;
  }

  /** Stops the timers and writes everything left. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.timer = null;
    this.soonTimer = null;
    await this.flush();
  }

  private push<T>(queue: Queued<T>[], row: T, what: string): void {
    queue.push({ row, tries: 0 });
    if (queue.length > this.maxQueued) {
      const dropped = queue.length - this.maxQueued;
      queue.splice(0, dropped);
      this.logger.error({ dropped }, `call record: ${what} queue full (database unreachable?); oldest rows dropped`);
    }
  }

  private async write(): Promise<void> {
    const calls = this.calls;
    const turns = this.turns;
    const events = this.events;
    const patches = [...this.patches];
    this.calls = [];
    this.turns = [];
    this.events = [];
    this.patches = new Map();
    const em = this.db.forInstance('write-behind of call records; each row carries the tenant of its verified call') as unknown as SqlEntityManager;
    const insertCalls = (sql: SqlEntityManager, rows: Queued<CallRow>[]) => sql.createQueryBuilder(Call).insert(rows.map(callRecord)).onConflict(['callSid']).ignore().execute();
    const insertTurns = (sql: SqlEntityManager, rows: Queued<TurnRow>[]) => sql.createQueryBuilder(CallTurn).insert(rows.map(turnRecord)).onConflict(['call', 'seq']).ignore().execute();
    const insertEvents = (sql: SqlEntityManager, rows: Queued<EventRow>[]) => sql.createQueryBuilder(CallEvent).insert(rows.map(eventRecord)).onConflict(['call', 'key']).ignore().execute();
    const applyPatch = async (sql: SqlEntityManager, callId: string, patch: CallPatch) => (await sql.nativeUpdate(Call, { id: callId }, { ...patch, updatedAt: new Date() })) > 0;

    // Usually everything goes in one transaction: one commit (one fsync on SQLite) per flush, however many calls.
    try {
      const unmatched = await em.transactional(async (tx) => {
        const sql = tx as unknown as SqlEntityManager;
        if (calls.length) await insertCalls(sql, calls);
        if (turns.length) await insertTurns(sql, turns);
        if (events.length) await insertEvents(sql, events);
        const waiting: typeof patches = [];
        for (const entry of patches) if (!(await applyPatch(sql, entry[0], entry[1].row))) waiting.push(entry);
        return waiting;
      });
      for (const [callId, queued] of unmatched) this.retryPatch(callId, queued);
      return;
    } catch {
      // A row was refused, or the database is away: go piece by piece, keeping what can wait.
    }
    const refused = (error: unknown) => isConstraintViolation(em.getDriver().convertException(error as Error));
    this.calls = (await this.insert(refused, 'calls', calls, (rows) => insertCalls(em, rows))).concat(this.calls);
    this.turns = (await this.insert(refused, 'turns', turns, (rows) => insertTurns(em, rows))).concat(this.turns);
    this.events = (await this.insert(refused, 'events', events, (rows) => insertEvents(em, rows))).concat(this.events);
    for (const [callId, queued] of patches) {
      try {
        if (!(await applyPatch(em, callId, queued.row))) this.retryPatch(callId, queued);
      } catch (error) {
        this.logger.error({ err: error, callId }, 'call record: updating the call failed; kept for the next flush');
        this.keepPatch(callId, queued);
      }
    }
  }

  /**
   * Inserts a batch; returns the rows to try again. When the batch fails on a constraint, rows go one by
   * one: a refused row waits for a later flush (its call may come from another replica) until it has
   * been tried `maxTries` times; any other failure (the database is away) keeps them all.
   */
  private async insert<T>(refused: (error: unknown) => boolean, what: string, rows: Queued<T>[], run: (rows: Queued<T>[]) => Promise<unknown>): Promise<Queued<T>[]> {
    if (rows.length === 0) return [];
    try {
      await run(rows);
      return [];
    } catch (error) {
      if (!refused(error)) {
        this.logger.error({ err: error, rows: rows.length }, `call record: writing ${what} failed; kept for the next flush`);
        return rows;
      }
    }
    const kept: Queued<T>[] = [];
    for (const queued of rows) {
      try {
        await run([queued]);
      } catch (error) {
        if (!refused(error)) kept.push(queued);
        else if (++queued.tries < this.maxTries) kept.push(queued);
        else this.logger.error({ err: error }, `call record: a row of ${what} was refused ${this.maxTries} times and dropped`);
      }
    }
    return kept;
  }

  /** An update whose call is not written yet waits, a few seconds at most. */
  private retryPatch(callId: string, queued: Queued<CallPatch>): void {
    if (++queued.tries >= this.maxTries) {
      this.logger.error({ callId }, `call record: no call ${callId} to update after ${this.maxTries} tries; update dropped`);
      return;
    }
    this.keepPatch(callId, queued);
  }

  /** Puts an update back, under any newer one queued meanwhile. */
  private keepPatch(callId: string, queued: Queued<CallPatch>): void {
    const newer = this.patches.get(callId);
    this.patches.set(callId, { row: { ...queued.row, ...newer?.row }, tries: queued.tries });
  }
}

/**
 * Whether the database refused the row itself (a foreign key, a NOT NULL), as opposed to being
 * unreachable. By class name along the prototype chain: the driver and this module may hold different
 * copies of `@mikro-orm/core` (CommonJS and ESM), so `instanceof` cannot be trusted.
 */
function isConstraintViolation(error: unknown): boolean {
  for (let proto = error ? Object.getPrototypeOf(error) : null; proto; proto = Object.getPrototypeOf(proto)) {
    if (proto.constructor?.name === ConstraintViolationException.name) return true;
  }
  return false;
}

function callRecord({ row: c }: Queued<CallRow>) {
  const now = new Date();
  return {
    id: c.id,
    createdAt: now,
    updatedAt: now,
    brand: c.brandId,
    client: c.clientId,
    callSid: c.callSid,
    direction: c.direction,
    fromNumber: c.fromNumber,
    toNumber: c.toNumber,
    callerName: c.callerName,
    status: c.status,
    route: c.route,
    outcome: c.outcome ?? null,
    locale: c.locale,
    startedAt: c.startedAt,
    endedAt: c.endedAt ?? null,
    durationSeconds: c.durationSeconds ?? null,
    billableSeconds: c.billableSeconds ?? 0,
    aiDisclosed: c.aiDisclosed,
    recordingConsent: c.recordingConsent,
    transferTo: c.transferTo ?? null,
    bookingId: c.bookingId ?? null,
    messageId: c.messageId ?? null,
    turnCount: c.turnCount ?? 0,
  };
}

function turnRecord({ row: t }: Queued<TurnRow>) {
  const now = new Date();
  return {
    id: randomUUID(),
    createdAt: now,
    updatedAt: now,
    brand: t.brandId,
    client: t.clientId,
    call: t.callId,
    seq: t.seq,
    speaker: t.speaker,
    text: t.text,
    confidence: t.confidence ?? null,
    intent: t.intent ?? null,
    at: t.at,
    sttLatencyMs: t.sttLatencyMs ?? null,
    bargedIn: t.bargedIn ?? false,
  };
}

function eventRecord({ row: e }: Queued<EventRow>) {
  const now = new Date();
  return { id: randomUUID(), createdAt: now, updatedAt: now, brand: e.brandId, client: e.clientId, call: e.callId, key: e.key, at: e.at, data: e.data ?? {} };
}
