import type { EntityMetadata } from '@mikro-orm/core';
import { Call, type CallRoute, CallEvent, CallTurn, type Database, type RawStatements, type RawValue, type TurnSpeaker, timeOrderedId } from '@tero/db';
import type { Logger } from 'pino';
import type { SQLInputValue } from 'node:sqlite';
import { type SqliteBatch, SqliteWriteThread } from './sqlite-write-thread';

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
 * events and call updates are queued in memory and written every ~250 ms (soon after a call ends, and at
 * shutdown), in that order — in one transaction on PostgreSQL, in transactions of a few hundred rows on
 * SQLite — as plain SQL (prepared statements on SQLite, multi-row inserts on PostgreSQL): the ORM's unit
 * of work and query builder cost more than the writes themselves, and these rows carry their tenant
 * already. A SQLite file is written by a worker thread with its own connection ({@link SqliteWriteThread});
 * a database in memory, or a thread that failed, is written on the raw connection with the event loop free
 * between transactions, as is everything retried piece by piece after a failure. Inserts are idempotent — a call by its sid, a turn by
 * (call, seq), an event by (call, key) — so a batch retried after a failure, or a hook delivered twice,
 * writes each row once. A row whose call is not there yet (written by another replica, not flushed yet)
 * is tried again for a few seconds; a row the database refuses for good is dropped and logged; nothing
 * is lost while the database is away, up to `maxQueued` rows.
 */
export class CallRecordWriter {
  private calls: Queued<CallRow>[] = [];
  /** The queued calls by id, for {@link update} (a long queue is searched at every ended call). */
  private unwrittenCalls = new Map<string, Queued<CallRow>>();
  private turns: Queued<TurnRow>[] = [];
  private events: Queued<EventRow>[] = [];
  private patches = new Map<string, Queued<CallPatch>>();
  private timer: NodeJS.Timeout | null = null;
  private soonTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** When the last write started (`performance.now()`); see {@link flushSoon}. */
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private readonly everyMs: number;
  private readonly maxQueued: number;
  /** Rows dropped from full queues since the last report, and when that was (see `push`). */
  private droppedUnreported = 0;
  private droppedReportedAt = Number.NEGATIVE_INFINITY;
  private readonly maxTries: number;
  private tableSpecs: CallRecordTables | null = null;
  /** SQLite: the thread that writes (see {@link SqliteWriteThread}); null on the loop (PostgreSQL, a database in memory, a failed thread). */
  private thread: SqliteWriteThread | null | undefined;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: CallRecordWriterOptions = {},
  ) {
    this.maxQueued = options.maxQueued ?? 50_000;
    this.maxTries = options.maxTries ?? 40;
    this.everyMs = options.flushEveryMs ?? 250;
  }

  /** Starts the periodic flush (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.everyMs);
    this.timer.unref();
  }

  call(row: CallRow): void {
    const queued = this.push(this.calls, row, 'calls');
    // The first row queued for a call is the one written (a repeat is ignored by its unique key).
    if (!this.unwrittenCalls.has(row.id)) this.unwrittenCalls.set(row.id, queued);
    if (this.unwrittenCalls.size > this.calls.length) {
      // Rows were dropped from a full queue.
      this.unwrittenCalls = new Map();
      for (const q of this.calls) if (!this.unwrittenCalls.has(q.row.id)) this.unwrittenCalls.set(q.row.id, q);
    }
  }

  turn(row: TurnRow): void {
    this.push(this.turns, row, 'turns');
  }

  event(row: EventRow): void {
    this.push(this.events, row, 'events');
  }

  /** Merges with the call's row or update not yet written (a short call is then written once, as it ended). */
  update(callId: string, patch: CallPatch): void {
    const unwritten = this.unwrittenCalls.get(callId);
    if (unwritten) {
      Object.assign(unwritten.row, patch);
      return;
    }
    const queued = this.patches.get(callId);
    this.patches.set(callId, { row: { ...queued?.row, ...patch }, tries: queued?.tries ?? 0 });
  }

  /**
   * Asks for a flush within a few milliseconds (a call ended), unless rows were written within the last
   * period: then the periodic flush comes soon enough, and under load an early flush per ended call would
   * only make more, smaller transactions (each commit costs more than the rows it writes). Many asks in a
   * burst make one flush.
   */
  flushSoon(): void {
    if (this.soonTimer || performance.now() - this.lastWriteAt < this.everyMs) return;
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
    await this.thread?.stop();
    this.thread = null;
  }

  private push<T>(queue: Queued<T>[], row: T, what: string): Queued<T> {
    const queued = { row, tries: 0 };
    queue.push(queued);
    if (queue.length > this.maxQueued) {
      const dropped = queue.length - this.maxQueued;
      queue.splice(0, dropped);
      // Said once per interval with the count: a full queue drops a row per hook, and a line per row would flood the log.
      this.droppedUnreported += dropped;
      const now = performance.now();
      if (now - this.droppedReportedAt >= DROP_REPORT_INTERVAL_MS) {
        this.logger.error({ dropped: this.droppedUnreported, table: what }, `call record: ${what} queue full (database unreachable?); oldest rows dropped`);
        this.droppedUnreported = 0;
        this.droppedReportedAt = now;
      }
    }
    return queued;
  }

  private async write(): Promise<void> {
    this.lastWriteAt = performance.now();
    const calls = this.calls;
    const turns = this.turns;
    const events = this.events;
    const patches = [...this.patches];
    this.calls = [];
    this.unwrittenCalls = new Map();
    this.turns = [];
    this.events = [];
    this.patches = new Map();
    const tables = this.tables();
    const db = this.db;

    // Usually all goes in order in few transactions: one per flush on PostgreSQL; on SQLite one per
    // ROWS_PER_SQLITE_TRANSACTION rows, on the write thread (or on the event loop, with the loop free in
    // between, so that a big flush delays no request by its whole length), so that no write transaction
    // holds the database for long (other writers wait meanwhile, and the checkpointer cannot empty the WAL).
    try {
      const unmatched: [string, Queued<CallPatch>][] = [];
      if (db.kind === 'sqlite') {
        // Each transaction's statements are made just before it runs: the rows of a whole flush, made at
        // once, would hold the loop for milliseconds.
        const now = new Date();
        // Calls, then their turns and events, packed into as few transactions as the row budget allows: a
        // call whose end was merged into its queued insert must not be seen ended before its events (the
        // test-call marker among them) are, so a usual flush commits all three together.
        const plans: (() => SqlitePlan)[] = packedInsertPlans(
          [
            (part: Queued<unknown>[]) => sqliteInsertPlan(tables.calls, part as typeof calls, now),
            (part: Queued<unknown>[]) => sqliteInsertPlan(tables.turns, part as typeof turns, now),
            (part: Queued<unknown>[]) => sqliteInsertPlan(tables.events, part as typeof events, now),
          ],
          [calls, turns, events],
          ROWS_PER_SQLITE_TRANSACTION,
        );
        for (const part of chunks(patches, ROWS_PER_SQLITE_TRANSACTION)) {
          plans.push(() => {
            const plan = sqlitePatchPlan(tables.calls, part, now);
            return { batches: plan.batches, after: (changes) => unmatched.push(...plan.unmatched(changes)) };
          });
        }
        const thread = this.sqliteThread();
        if (thread) await this.onThread(thread, plans);
        else {
          for (let i = 0; i < plans.length; i++) {
            if (i > 0) await breathe();
            const plan = plans[i]!();
            await db.rawTransaction(async (sql) => plan.after?.(await runSqliteBatches(sql, plan.batches)));
          }
        }
      } else {
        await db.rawTransaction(async (sql) => {
          await insertRows(sql, tables.calls, calls);
          await insertRows(sql, tables.turns, turns);
          await insertRows(sql, tables.events, events);
          unmatched.push(...(await applyPatches(sql, tables.calls, patches)));
        });
      }
      for (const [callId, queued] of unmatched) this.retryPatch(callId, queued);
      return;
    } catch {
      // A row was refused, or the database is away: go piece by piece, keeping what can wait. Rows of
      // transactions already committed are written again harmlessly (idempotent inserts and updates).
    }
    const refused = (error: unknown) => db.isConstraintViolation(error);
    const inserting =
      <T>(table: TableSpec<T>) =>
      (rows: Queued<T>[]) =>
        db.rawTransaction((sql) => insertRows(sql, table, rows));
    const keptCalls = await this.insert(refused, 'calls', calls, inserting(tables.calls));
    for (const queued of keptCalls) this.unwrittenCalls.set(queued.row.id, queued);
    this.calls = keptCalls.concat(this.calls);
    this.turns = (await this.insert(refused, 'turns', turns, inserting(tables.turns))).concat(this.turns);
    this.events = (await this.insert(refused, 'events', events, inserting(tables.events))).concat(this.events);
    for (const [callId, queued] of patches) {
      try {
        const unmatched = await db.rawTransaction((sql) => applyPatches(sql, tables.calls, [[callId, queued]]));
        if (unmatched.length) this.retryPatch(callId, queued);
      } catch (error) {
        this.logger.error({ err: error, callId }, 'call record: updating the call failed; kept for the next flush');
        this.keepPatch(callId, queued);
      }
    }
  }

  /**
   * A flush's SQLite transactions on the write thread, all handed over at once (the thread runs them in
   * order) rather than one reply at a time: a reply waits for a turn of a busy event loop, and at that pace
   * the thread wrote fewer rows than the calls made. Rejects, after every transaction settled, when one
   * failed; a thread that failed is given up for the loop's connection.
   */
  private async onThread(thread: SqliteWriteThread, plans: (() => SqlitePlan)[]): Promise<void> {
    const sent: Promise<void>[] = [];
    let sliceStart = performance.now();
    for (let i = 0; i < plans.length; i++) {
      // The loop gets a turn between slices of a few milliseconds, not after every plan: under load a turn
      // of the loop takes longer than a plan, and one plan a turn made the queue outgrow what the thread wrote.
      if (i > 0 && performance.now() - sliceStart >= PLAN_SLICE_MS) {
        await breathe();
        sliceStart = performance.now();
      }
      const plan = plans[i]!();
      sent.push(thread.transaction(plan.batches).then((changes) => plan.after?.(changes)));
    }
    const failure = (await Promise.allSettled(sent)).find((result) => result.status === 'rejected');
    if (!failure) return;
    if (thread.failed && this.thread === thread) {
      this.logger.error({ reason: thread.failed }, 'call record: the SQLite write thread failed; writing on the event loop from now on');
      this.thread = null;
    }
    throw failure.reason;
  }

  /** The write thread, started at the first flush of a database in a file. */
  private sqliteThread(): SqliteWriteThread | null {
    if (this.thread !== undefined) return this.thread;
    this.thread = null;
    const dialect = sqliteDialectOf(this.db);
    const connection = dialect?.database;
    if (!dialect || !connection || !isFile(dialect.file)) return null;
    try {
      // The thread's connection behaves as the application's: the same waits, durability, foreign keys and automatic checkpoints.
      const setting = (name: string) => Number(Object.values(connection.prepare(`pragma ${name}`).get() ?? {})[0]);
      const pragmas = [
        `pragma busy_timeout = ${setting('busy_timeout') || 5000}`,
        `pragma synchronous = ${setting('synchronous')}`,
        `pragma foreign_keys = ${setting('foreign_keys') ? 'on' : 'off'}`,
        `pragma wal_autocheckpoint = ${setting('wal_autocheckpoint')}`,
      ];
      this.thread = SqliteWriteThread.start(dialect.file, pragmas);
    } catch (error) {
      this.logger.error({ err: error }, 'call record: the SQLite write thread did not start; writing on the event loop');
    }
    return this.thread;
  }

  /** The three tables' columns, named from the ORM's metadata (so a naming change cannot leave this behind). */
  private tables(): CallRecordTables {
    if (!this.tableSpecs) {
      const metadata = this.db.orm.getMetadata();
      this.tableSpecs = {
        calls: tableSpec(metadata.get(Call), CALL_COLUMNS),
        turns: tableSpec(metadata.get(CallTurn), TURN_COLUMNS),
        events: tableSpec(metadata.get(CallEvent), EVENT_COLUMNS),
      };
    }
    return this.tableSpecs;
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

/** A column of a raw insert: the entity's property, and its value for a queued row. */
type Column<T> = readonly [property: string, value: (row: T, now: Date) => RawValue];

/** Where one kind of row goes: the table, its columns, and their values. */
interface TableSpec<T> {
  table: string;
  /** Quoted column names, in the order of `values`. */
  columns: string[];
  /** PostgreSQL's type of each column, in the same order. */
  types: string[];
  /** Column name by property, for updates. */
  fieldOf: Map<string, string>;
  /** Column type by property (PostgreSQL's, for `jsonb_to_recordset`). */
  typeOf: Map<string, string>;
  values: ((row: T, now: Date) => RawValue)[];
}

interface CallRecordTables {
  calls: TableSpec<CallRow>;
  turns: TableSpec<TurnRow>;
  events: TableSpec<EventRow>;
}

const CALL_COLUMNS: Column<CallRow>[] = [
  ['id', (c) => c.id],
  ['createdAt', (_, now) => now],
  ['updatedAt', (_, now) => now],
  ['brand', (c) => c.brandId],
  ['client', (c) => c.clientId],
  ['callSid', (c) => c.callSid],
  ['direction', (c) => c.direction],
  ['fromNumber', (c) => c.fromNumber],
  ['toNumber', (c) => c.toNumber],
  ['callerName', (c) => c.callerName],
  ['status', (c) => c.status],
  ['route', (c) => c.route],
  ['outcome', (c) => c.outcome ?? null],
  ['locale', (c) => c.locale],
  ['startedAt', (c) => c.startedAt],
  ['endedAt', (c) => c.endedAt ?? null],
  ['durationSeconds', (c) => c.durationSeconds ?? null],
  ['billableSeconds', (c) => c.billableSeconds ?? 0],
  ['aiDisclosed', (c) => c.aiDisclosed],
  ['recordingConsent', (c) => c.recordingConsent],
  ['transferTo', (c) => c.transferTo ?? null],
  ['bookingId', (c) => c.bookingId ?? null],
  ['messageId', (c) => c.messageId ?? null],
  ['turnCount', (c) => c.turnCount ?? 0],
];

const TURN_COLUMNS: Column<TurnRow>[] = [
  ['id', () => timeOrderedId()],
  ['createdAt', (_, now) => now],
  ['updatedAt', (_, now) => now],
  ['brand', (t) => t.brandId],
  ['client', (t) => t.clientId],
  ['call', (t) => t.callId],
  ['seq', (t) => t.seq],
  ['speaker', (t) => t.speaker],
  ['text', (t) => t.text],
  ['confidence', (t) => t.confidence ?? null],
  ['intent', (t) => t.intent ?? null],
  ['at', (t) => t.at],
  ['sttLatencyMs', (t) => t.sttLatencyMs ?? null],
  ['bargedIn', (t) => t.bargedIn ?? false],
];

const EVENT_COLUMNS: Column<EventRow>[] = [
  ['id', () => timeOrderedId()],
  ['createdAt', (_, now) => now],
  ['updatedAt', (_, now) => now],
  ['brand', (e) => e.brandId],
  ['client', (e) => e.clientId],
  ['call', (e) => e.callId],
  ['key', (e) => e.key],
  ['at', (e) => e.at],
  ['data', (e) => e.data ?? {}],
];

function tableSpec<T>(meta: EntityMetadata, columns: Column<T>[]): TableSpec<T> {
  const fieldOf = new Map<string, string>();
  const typeOf = new Map<string, string>();
  for (const [property, prop] of Object.entries(meta.properties)) {
    if (!prop.fieldNames?.[0]) continue;
    fieldOf.set(property, quote(prop.fieldNames[0]));
    if (prop.columnTypes?.[0]) typeOf.set(property, prop.columnTypes[0]);
  }
  for (const [property] of columns) if (!fieldOf.has(property)) throw new Error(`call record: ${meta.className} has no column for ${property}`);
  return {
    table: quote(meta.tableName),
    columns: columns.map(([property]) => fieldOf.get(property)!),
    types: columns.map(([property]) => typeOf.get(property) ?? 'text'),
    fieldOf,
    typeOf,
    values: columns.map(([, value]) => value),
  };
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/**
 * Rows per JSON parameter of an INSERT on PostgreSQL. Small enough that the JSON text stays under V8's
 * large-object size (128 KB): large objects are only freed by a full collection, and a flush's worth
 * of them piled up as ~25 MB of resident memory between collections.
 */
const ROWS_PER_INSERT = 200;

/** JSON chunks (of {@link ROWS_PER_INSERT} rows) sent with one PostgreSQL statement. */
const CHUNKS_PER_STATEMENT = 25;

/** Rows per SQLite transaction of a flush (~3–5 ms of the event loop each); see `write`. */
const ROWS_PER_SQLITE_TRANSACTION = 400;

/** Rows dropped from a full queue are reported at most this often. */
const DROP_REPORT_INTERVAL_MS = 5_000;

/** How long the loop is held building a flush's transactions for the write thread before it gets a turn. */
const PLAN_SLICE_MS = 4;

function breathe(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * SQLite insert plans for several tables' rows, in table order, each transaction filled up to `budget`
 * rows across tables (a table's rows may be split over two transactions, never reordered).
 */
function packedInsertPlans(plan: ((rows: Queued<unknown>[]) => SqlitePlan)[], tables: Queued<unknown>[][], budget: number): (() => SqlitePlan)[] {
  const transactions: [number, Queued<unknown>[]][][] = [];
  let current: [number, Queued<unknown>[]][] = [];
  let room = budget;
  tables.forEach((rows, table) => {
    for (let from = 0; from < rows.length; ) {
      const take = Math.min(room, rows.length - from);
      current.push([table, rows.slice(from, from + take)]);
      from += take;
      room -= take;
      if (room === 0) {
        transactions.push(current);
        current = [];
        room = budget;
      }
    }
  });
  if (current.length) transactions.push(current);
  return transactions.map((parts) => () => ({ batches: parts.flatMap(([table, rows]) => plan[table]!(rows).batches) }));
}

function chunks<T>(items: T[], size: number): T[][] {
  if (items.length === 0) return [];
  if (items.length <= size) return [items];
  const parts: T[][] = [];
  for (let from = 0; from < items.length; from += size) parts.push(items.slice(from, from + size));
  return parts;
}

/**
 * Inserts rows, skipping any whose unique key is already there (a call by its sid, a turn by call and
 * seq, an event by call and key). SQLite runs one prepared statement per row (no parsing per batch, no
 * round trip); PostgreSQL gets one `insert … select … from jsonb_array_elements($1)` per
 * {@link ROWS_PER_INSERT} rows.
 */
async function insertRows<T>(sql: RawStatements, table: TableSpec<T>, rows: Queued<T>[]): Promise<void> {
  if (rows.length === 0) return;
  const now = new Date();
  const width = table.values.length;
  if (sql.kind === 'sqlite') {
    await runSqliteBatches(sql, sqliteInsertPlan(table, rows, now).batches);
    return;
  }
  // The rows as one JSON parameter (an array of arrays, dates as ISO text), read back with their column
  // types: one short statement and one native JSON.stringify instead of thousands of placeholders, or of
  // pg's per-value array and date formatting (3,500 turns: client CPU ~80 -> ~20 ms, the database's ~the same).
  const fields = table.types.map((type, i) => (type === 'jsonb' || type === 'json' ? `(e->${i})` : `(e->>${i})::${castTypeOf(type)}`)).join(', ');
  // Dates go in as ISO text made here (the batch's own time once): JSON.stringify calls a Date's toJSON
  // through a slow path, which made the rows' JSON cost ~3.5 times as much.
  const nowIso = now.toISOString();
  const chunks: string[] = [];
  for (let from = 0; from < rows.length; from += ROWS_PER_INSERT) {
    const chunk = from === 0 && rows.length <= ROWS_PER_INSERT ? rows : rows.slice(from, from + ROWS_PER_INSERT);
    const values: RawValue[][] = new Array(chunk.length);
    for (let r = 0; r < chunk.length; r++) {
      const row = chunk[r]!.row;
      const tuple: RawValue[] = new Array(width);
      for (let c = 0; c < width; c++) {
        const value = table.values[c]!(row, now);
        tuple[c] = value === now ? nowIso : value instanceof Date ? value.toISOString() : value;
      }
      values[r] = tuple;
    }
    chunks.push(JSON.stringify(values));
  }
  // The chunks travel as parameters of one statement (concatenated by the database), not one statement
  // each: under load every round trip waits for a turn of the busy event loop, and at one statement per
  // 200 rows the flushes fell behind the calls.
  for (let from = 0; from < chunks.length; from += CHUNKS_PER_STATEMENT) {
    const part = chunks.slice(from, from + CHUNKS_PER_STATEMENT);
    const elements = part.map((_, i) => `${sql.param(i + 1)}::jsonb`).join(' || ');
    await sql.run(`insert into ${table.table} (${table.columns.join(', ')}) select ${fields} from jsonb_array_elements(${elements}) as e on conflict do nothing`, part);
  }
}

/** The type to read a JSON value as: `varchar(n)` as text, so that a value too long is refused by the column as a parameter would be, not cut short by the cast. */
function castTypeOf(type: string): string {
  return /^(varchar|character varying)\b/i.test(type) ? 'text' : type;
}

/**
 * Applies updates to their calls; returns those whose call is not written yet. SQLite runs one prepared
 * statement per call. PostgreSQL gets one statement per set of fields (a call's end always sets the same
 * ones), its rows as one JSON parameter: a round trip per call would cost more than the flush's inserts.
 */
async function applyPatches(sql: RawStatements, calls: TableSpec<CallRow>, patches: [string, Queued<CallPatch>][]): Promise<[string, Queued<CallPatch>][]> {
  if (patches.length === 0) return [];
  const updatedAt = new Date();
  if (sql.kind === 'sqlite') {
    const plan = sqlitePatchPlan(calls, patches, updatedAt);
    return plan.unmatched(await runSqliteBatches(sql, plan.batches));
  }
  const unmatched: [string, Queued<CallPatch>][] = [];
  const groups = new Map<string, { properties: string[]; entries: [string, Queued<CallPatch>][] }>();
  for (const entry of patches) {
    const properties = fieldsOf(entry[1].row, updatedAt).map(([property]) => property);
    const key = properties.join(',');
    const group = groups.get(key);
    if (group) group.entries.push(entry);
    else groups.set(key, { properties, entries: [entry] });
  }
  const id = calls.fieldOf.get('id')!;
  for (const { properties, entries } of groups.values()) {
    const records = entries.map(([callId, { row }]) => Object.fromEntries([['id', callId], ...fieldsOf(row, updatedAt).map(([property, value]) => [property, value instanceof Date ? value.toISOString() : value])]));
    const shape = ['id', ...properties].map((property) => `${jsonKey(property)} ${calls.typeOf.get(property)}`).join(', ');
    const sets = properties.map((property) => `${calls.fieldOf.get(property)} = v.${jsonKey(property)}`).join(', ');
    const updated = await sql.rows(`update ${calls.table} as c set ${sets} from jsonb_to_recordset(${sql.param(1)}::jsonb) as v(${shape}) where c.${id} = v."id" returning c.${id} as id`, [JSON.stringify(records)]);
    const found = new Set(updated.map((row) => row.id));
    for (const entry of entries) if (!found.has(entry[0])) unmatched.push(entry);
  }
  return unmatched;
}

/** A patch's fields to set, and `updatedAt`, in a stable order. */
function fieldsOf(patch: CallPatch, updatedAt: Date): [string, RawValue][] {
  const fields: [string, RawValue][] = [];
  for (const [property, value] of Object.entries(patch)) if (value !== undefined) fields.push([property, value as RawValue]);
  fields.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  fields.push(['updatedAt', updatedAt]);
  return fields;
}

/** A property as a `jsonb_to_recordset` column: its JSON key, quoted. */
function jsonKey(property: string): string {
  return `"${property}"`;
}

/** One SQLite transaction: its batches, and what to do with the rows each run changed once it committed. */
interface SqlitePlan {
  batches: SqliteBatch[];
  after?: (changes: number[][]) => void;
}

/** The parts of the SQLite dialect (`TeroSqliteDialect` of @tero/db) the writer uses. */
interface SqliteDialectParts {
  readonly file: string;
  readonly database: import('node:sqlite').DatabaseSync | null;
}

function sqliteDialectOf(db: Database): SqliteDialectParts | null {
  if (db.kind !== 'sqlite') return null;
  const dialect = db.orm.config.get('driverOptions') as Partial<SqliteDialectParts> | undefined;
  return dialect && typeof dialect.file === 'string' && 'database' in dialect ? (dialect as SqliteDialectParts) : null;
}

/** A database in a file (not in memory), which another connection can open. */
function isFile(file: string): boolean {
  return file !== '' && file !== ':memory:' && !file.startsWith('file::memory:') && !/[?&]mode=memory\b/.test(file);
}

/**
 * A value as SQLite stores it, as MikroORM writes it (and `Database.rawTransaction` converts): dates as
 * epoch milliseconds, booleans as 0/1, JSON as text. Done here, since rows cross to the write thread as plain values.
 */
function sqliteParam(value: RawValue): SQLInputValue {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** Inserts as one prepared statement run per row, skipping any whose unique key is already there. */
function sqliteInsertPlan<T>(table: TableSpec<T>, rows: Queued<T>[], now: Date): SqlitePlan {
  const width = table.values.length;
  const statement = `insert into ${table.table} (${table.columns.join(', ')}) values (${table.columns.map(() => '?').join(', ')}) on conflict do nothing`;
  const runs: SQLInputValue[][] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!.row;
    const params: SQLInputValue[] = new Array(width);
    for (let c = 0; c < width; c++) params[c] = sqliteParam(table.values[c]!(row, now));
    runs[r] = params;
  }
  return { batches: [[statement, runs]] };
}

/** Updates as one statement per set of fields (a call's end always sets the same ones); `unmatched` names the calls not written yet. */
function sqlitePatchPlan(calls: TableSpec<CallRow>, patches: [string, Queued<CallPatch>][], updatedAt: Date) {
  const groups = new Map<string, { runs: SQLInputValue[][]; entries: [string, Queued<CallPatch>][] }>();
  for (const entry of patches) {
    const fields = fieldsOf(entry[1].row, updatedAt);
    const statement = `update ${calls.table} set ${fields.map(([property]) => `${calls.fieldOf.get(property)} = ?`).join(', ')} where ${calls.fieldOf.get('id')} = ?`;
    let group = groups.get(statement);
    if (!group) groups.set(statement, (group = { runs: [], entries: [] }));
    group.runs.push([...fields.map(([, value]) => sqliteParam(value)), entry[0]]);
    group.entries.push(entry);
  }
  const list = [...groups];
  return {
    batches: list.map(([statement, group]): SqliteBatch => [statement, group.runs]),
    unmatched(changes: number[][]): [string, Queued<CallPatch>][] {
      const left: [string, Queued<CallPatch>][] = [];
      list.forEach(([, group], g) => group.entries.forEach((entry, i) => changes[g]![i] === 0 && left.push(entry)));
      return left;
    },
  };
}

/** Runs batches on the loop's connection (inside `Database.rawTransaction`); resolves to the rows each run changed. */
async function runSqliteBatches(sql: RawStatements, batches: SqliteBatch[]): Promise<number[][]> {
  const changes: number[][] = [];
  for (const [statement, runs] of batches) {
    const counts: number[] = new Array(runs.length);
    for (let i = 0; i < runs.length; i++) counts[i] = await sql.run(statement, runs[i] as RawValue[]);
    changes.push(counts);
  }
  return changes;
}
