import { randomUUID } from 'node:crypto';
import { ConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { Call, CallEvent, CallTurn, type Database, type TurnSpeaker } from '@tero/db';
import type { Logger } from 'pino';

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

/** Fields of a Call row to change, applied after the turns and events queued before them. */
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
  /** Rows kept while the database refuses them; beyond this the oldest are dropped (and logged). */
  maxQueued?: number;
}

/**
 * Write-behind for the call record, so a turn never waits for the database: turns, timeline events and
 * call updates are queued in memory and written in batches every ~250 ms, when a call ends, and at
 * shutdown. Inserts are idempotent — a turn by (call, seq), an event by (call, key) — so a batch retried
 * after a failure, or a hook delivered twice, writes each row once.
 */
export class CallRecordWriter {
  private turns: TurnRow[] = [];
  private events: EventRow[] = [];
  private patches = new Map<string, CallPatch>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly maxQueued: number;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: CallRecordWriterOptions = {},
  ) {
    this.maxQueued = options.maxQueued ?? 50_000;
  }

  /** Starts the periodic flush (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushEveryMs ?? 250);
    this.timer.unref();
  }

  turn(row: TurnRow): void {
    this.turns.push(row);
    if (this.turns.length > this.maxQueued) this.drop('turns', this.turns);
  }

  event(row: EventRow): void {
    this.events.push(row);
    if (this.events.length > this.maxQueued) this.drop('events', this.events);
  }

  /** Merges with an update of the same call not yet written. */
  update(callId: string, patch: CallPatch): void {
    this.patches.set(callId, { ...this.patches.get(callId), ...patch });
  }

  /** How many rows and updates wait to be written. */
  get pending(): number {
    return this.turns.length + this.events.length + this.patches.size;
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

  /** Stops the timer and writes everything left. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async write(): Promise<void> {
    const turns = this.turns;
    const events = this.events;
    const patches = this.patches;
    this.turns = [];
    this.events = [];
    this.patches = new Map();
    const em = this.db.forInstance('write-behind of call records; each row carries the tenant of its verified call') as unknown as SqlEntityManager;
    const refused = (error: unknown) => isConstraintViolation(em.getDriver().convertException(error as Error));
    const keptTurns = await this.insert(refused, 'turns', turns, (rows) => em.createQueryBuilder(CallTurn).insert(rows.map(turnRecord)).onConflict(['call', 'seq']).ignore().execute());
    const keptEvents = await this.insert(refused, 'events', events, (rows) => em.createQueryBuilder(CallEvent).insert(rows.map(eventRecord)).onConflict(['call', 'key']).ignore().execute());
    this.turns = keptTurns.concat(this.turns);
    this.events = keptEvents.concat(this.events);
    for (const [callId, patch] of patches) {
      try {
        await em.nativeUpdate(Call, { id: callId }, { ...patch, updatedAt: new Date() });
      } catch (error) {
        this.logger.error({ err: error, callId }, 'call record: updating the call failed; kept for the next flush');
        this.patches.set(callId, { ...patch, ...this.patches.get(callId) });
      }
    }
  }

  /**
   * Inserts a batch; returns the rows to try again. When the batch fails on a constraint (its call was
   * deleted meanwhile), rows go one by one and only those the database refuses are dropped, so one bad
   * row never blocks the others; any other failure (the database is down) keeps them all.
   */
  private async insert<T>(refused: (error: unknown) => boolean, what: string, rows: T[], run: (rows: T[]) => Promise<unknown>): Promise<T[]> {
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
    const kept: T[] = [];
    for (const row of rows) {
      try {
        await run([row]);
      } catch (error) {
        if (refused(error)) this.logger.error({ err: error }, `call record: a row of ${what} was refused and dropped`);
        else kept.push(row);
      }
    }
    return kept;
  }

  private drop(what: string, queue: unknown[]): void {
    const dropped = queue.length - this.maxQueued;
    queue.splice(0, dropped);
    this.logger.error({ dropped }, `call record: ${what} queue full (database unreachable?); oldest rows dropped`);
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

function turnRecord(t: TurnRow) {
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

function eventRecord(e: EventRow) {
  const now = new Date();
  return { id: randomUUID(), createdAt: now, updatedAt: now, brand: e.brandId, client: e.clientId, call: e.callId, key: e.key, at: e.at, data: e.data ?? {} };
}
