import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { type FieldProblem, ValidationError } from '@tero/accounts';
import { Brand, Client, type Database, JambonzConnection, PhoneNumber, type PhoneNumberState, type PhoneNumberSyncState } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { isNumberProblem, parseE164 } from './e164';
import { type CsvRow, type RowProblem, parseNumbersCsv } from './number-csv';
import { type NumberSearch, compileSearch } from './number-search';
import { editNumbersToDelete } from '../provisioning/jambonz-deletions';
import { ImportRefusedError, clientNotFound, noneAvailable, numberNotFound, numberTaken, transitionRefused } from './numbers.errors';

/**
 * The moves a number may make. `available → assigned` skips the reservation (an admin assigning at once);
 * `quarantined → assigned` is the same client taking its number back during quarantine (see
 * {@link NumberPool.assign}); `reserved → available` is a reservation cancelled or expired.
 */
export const NUMBER_TRANSITIONS: Readonly<Record<PhoneNumberState, readonly PhoneNumberState[]>> = {
  available: ['reserved', 'assigned'],
  reserved: ['assigned', 'available'],
  assigned: ['released'],
  released: ['quarantined'],
  quarantined: ['available', 'assigned'],
};

export function canTransition(from: PhoneNumberState, to: PhoneNumberState): boolean {
  return NUMBER_TRANSITIONS[from].includes(to);
}

/** A number as pages and callers see it. */
export interface NumberView {
  id: string;
  number: string;
  state: PhoneNumberState;
  country: string | null;
  label: string | null;
  carrierSid: string | null;
  clientId: string | null;
  clientName: string | null;
  previousClientId: string | null;
  stateChangedAt: Date | null;
  reservedUntil: Date | null;
  quarantinedUntil: Date | null;
  syncState: PhoneNumberSyncState | null;
  syncError: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface ListFilter extends NumberSearch {
  state?: PhoneNumberState | null;
  clientId?: string | null;
  page?: number;
  pageSize?: number;
}

/** Which number: one by id, or the first free one that matches a search. */
export type NumberTarget = { numberId: string } | { search: NumberSearch };

/** One number to import. */
export interface NumberInput {
  number: string;
  country?: string | null;
  carrierSid?: string | null;
  label?: string | null;
}

/** A row that passed every check, ready to insert. */
export interface PreparedNumber {
  row: number;
  number: string;
  country: string;
  carrierSid: string | null;
  label: string | null;
}

export interface ImportReport {
  /** Rows read (blank rows aside). */
  total: number;
  imported: number;
  /** Rows left out (only with `skipInvalid`) or, when nothing was imported, every problem found. */
  problems: RowProblem[];
}

export interface SweepResult {
  reservationsExpired: number;
  quarantined: number;
  recycled: number;
}

/** Bounds of a brand's own quarantine (days). */
export const QUARANTINE_DAYS_BOUNDS = { min: 1, max: 365 } as const;

export interface NumberPoolOptions {
  /** Days a released number waits before anyone else may have it: the instance's, unless a brand sets its own. */
  quarantineDays: number;
  clock?: () => Date;
  /** Told after every change that routing may see (the kernel forgets the call directory's cache, on every replica). */
  onChange?: (ctx: TenantContext) => void;
}

export const MAX_PAGE_SIZE = 100;
export const MAX_RESERVATION_MINUTES = 7 * 24 * 60;
/** Candidates read at once when taking the next free number; each loser of a race tries another of them. */
const CANDIDATE_WINDOW = 25;
/** Rounds of candidates before giving up on a search that keeps losing races (a pool emptied meanwhile answers sooner). */
const MAX_ROUNDS = 40;
/** Rows per flush of an import (one transaction for the whole file). */
const INSERT_CHUNK = 500;
/** Numbers per `in (…)` query when looking for duplicates: well within PostgreSQL's parameter limit. */
const LOOKUP_CHUNK = 1000;
const CARRIER_SID = /^[A-Za-z0-9_-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const refId = (ref: unknown): string | null => (ref === null || ref === undefined ? null : typeof ref === 'string' ? ref : ((ref as { id?: string }).id ?? null));

function view(row: PhoneNumber): NumberView {
  const client = row.client as (Client & { name?: string }) | null | undefined;
  return {
    id: row.id,
    number: row.number,
    state: row.state,
    country: row.country ?? null,
    label: row.label ?? null,
    carrierSid: row.carrierSid ?? null,
    clientId: refId(client),
    clientName: client && typeof client.name === 'string' ? client.name : null,
    previousClientId: row.previousClientId ?? null,
    stateChangedAt: row.stateChangedAt ?? null,
    reservedUntil: row.reservedUntil ?? null,
    quarantinedUntil: row.quarantinedUntil ?? null,
    syncState: row.syncState ?? null,
    syncError: row.syncError ?? null,
  };
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The brand's number pool: import (one number, or a CSV file checked as a whole), the availability
 * search, and the moves available → reserved → assigned → released → quarantined → available.
 *
 * A number is never given to two clients: every move is one conditional `update … where id = ? and
 * <the state it moves from>`, and only the caller whose update changed the row has it; the database
 * serialises concurrent updates of a row (PostgreSQL re-checks the condition after the winner commits;
 * SQLite has one writer), so a loser changes nothing and is told who holds the number, or — when it
 * asked for "the next free number" — tries another candidate.
 *
 * A client may hold several numbers. Assigning a client the number it already holds is not an error
 * (the same answer again). During quarantine a released number may go back to the client that released
 * it (a client that left and came back keeps its number), and to no one else.
 *
 * Every change sets `stateChangedAt`, and `syncState = 'pending'` when the brand has a jambonz
 * connection (the reconciler mirrors it there and sets `synced` or `error`); without one, `syncState`
 * stays null.
 */
export class NumberPool {
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    private readonly options: NumberPoolOptions,
  ) {
    this.now = options.clock ?? (() => new Date());
  }

  /** The instance's quarantine (`NUMBER_QUARANTINE_DAYS`): a brand's own overrides it. */
  get quarantineDays(): number {
    return this.options.quarantineDays;
  }

  /** The quarantine in force for the brand: its own, else the instance's. */
  async quarantineDaysFor(brandId: string): Promise<number> {
    const brand = await this.db.forInstance('a brand\'s quarantine days').findOne(Brand, { id: brandId }, { fields: ['id', 'numberQuarantineDays'] });
    return brand?.numberQuarantineDays ?? this.options.quarantineDays;
  }

  /**
   * The brand admin sets the brand's quarantine (whole days within {@link QUARANTINE_DAYS_BOUNDS}); blank
   * or null goes back to the instance's. It applies to numbers released from now on (and those the sweep
   * finds released); a quarantine under way keeps its end. Bad input changes nothing.
   */
  async setQuarantineDays(ctx: TenantContext, value: unknown): Promise<number> {
    const { min, max } = QUARANTINE_DAYS_BOUNDS;
    const text = typeof value === 'string' ? value.trim() : value;
    let days: number | null = null;
    if (text !== '' && text !== null && text !== undefined) {
      days = typeof text === 'number' ? text : /^\d+$/.test(String(text)) ? Number(text) : NaN;
      if (!Number.isInteger(days) || days < min || days > max) throw new ValidationError([{ field: 'quarantineDays', reason: `must be a whole number of days from ${min} to ${max}` }]);
    }
    await this.db.forInstance('the brand admin sets the brand\'s quarantine').nativeUpdate(Brand, { id: ctx.brandId }, { numberQuarantineDays: days });
    return days ?? this.options.quarantineDays;
  }

  /**
   * Deletes a number from the pool: only one nobody holds (available or quarantined), never an assigned or
   * reserved one. The delete is conditional on that state, and in the same transaction the number is
   * queued for the reconciler, which deletes it in jambonz too (when the brand has a connection).
   */
  async deleteNumber(ctx: TenantContext, numberId: string): Promise<NumberView> {
    if (ctx.clientId) throw numberNotFound(String(numberId));
    if (typeof numberId !== 'string' || !UUID.test(numberId)) throw numberNotFound(String(numberId));
    const em = this.brandEm(ctx);
    const row = await em.findOne(PhoneNumber, { id: numberId }, { populate: ['client'] });
    if (!row) throw numberNotFound(numberId);
    const deletable: PhoneNumberState[] = ['available', 'quarantined'];
    if (!deletable.includes(row.state)) throw transitionRefused(row.number, row.state, 'deleted');
    const gone = view(row);
    await em.transactional(async (tx) => {
      const affected = await tx.nativeDelete(PhoneNumber, { id: numberId, state: { $in: deletable } });
      if (affected !== 1) throw transitionRefused(row.number, row.state, 'deleted');
      await editNumbersToDelete(tx, ctx.brandId, (numbers) => [...numbers, row.number]);
    });
    this.changed(ctx);
    return gone;
  }

  /** The brand's scope: pool work reads and moves numbers that belong to no client yet. */
  private brandEm(ctx: TenantContext): EntityManager {
    return this.db.forTenant({ ...ctx, clientId: null });
  }

  /** A client's own context may act only for that client; a brand context for any of its clients. */
  private async checkClient(ctx: TenantContext, em: EntityManager, clientId: string): Promise<void> {
    if (typeof clientId !== 'string' || !UUID.test(clientId)) throw new ValidationError([{ field: 'clientId', reason: 'must be a client id' }]);
    if (ctx.clientId && ctx.clientId !== clientId) throw clientNotFound(clientId);
    if (!(await em.count(Client, { id: clientId }))) throw clientNotFound(clientId);
  }

  private async syncStateFor(em: EntityManager, brandId: string): Promise<PhoneNumberSyncState | null> {
    return (await em.count(JambonzConnection, { brand: brandId })) > 0 ? 'pending' : null;
  }

  private changed(ctx: TenantContext): void {
    this.options.onChange?.({ ...ctx, clientId: null });
  }

  // ---- reading ---------------------------------------------------------------------------------

  /** One number of the brand (or, in a client's context, of that client). */
  async get(ctx: TenantContext, numberId: string): Promise<NumberView> {
    if (typeof numberId !== 'string' || !UUID.test(numberId)) throw numberNotFound(String(numberId));
    const row = await this.db.forTenant(ctx).findOne(PhoneNumber, { id: numberId }, { populate: ['client'] });
    if (!row) throw numberNotFound(numberId);
    return view(row);
  }

  /** The numbers a client holds (assigned, or reserved for it), by number. */
  async ofClient(ctx: TenantContext, clientId: string): Promise<NumberView[]> {
    if (ctx.clientId && ctx.clientId !== clientId) throw clientNotFound(clientId);
    const rows = await this.db.forTenant(ctx).find(PhoneNumber, { client: clientId, state: { $in: ['assigned', 'reserved'] } }, { orderBy: { number: 'asc' }, limit: 500 });
    return rows.map(view);
  }

  /** The brand's numbers, filtered and paginated (by number). */
  async list(ctx: TenantContext, filter: ListFilter = {}): Promise<Page<NumberView>> {
    const where = this.searchWhere(filter);
    if (filter.state) where.push({ state: filter.state });
    if (filter.clientId) where.push({ client: filter.clientId });
    return this.page(this.db.forTenant(ctx), where, filter);
  }

  /**
   * Every brand's numbers for the operator (read-only), filtered like a brand's list plus the brand, and
   * paginated; each with its brand. The caller is the operator: the scope is the instance, said so.
   */
  async listAcrossBrands(filter: ListFilter & { brandId?: string | null } = {}): Promise<Page<NumberView & { brandId: string; brandName: string }>> {
    const where = this.searchWhere(filter);
    if (filter.state) where.push({ state: filter.state });
    if (filter.brandId) {
      if (!UUID.test(filter.brandId)) throw new ValidationError([{ field: 'brand', reason: 'is not a brand of this instance' }]);
      where.push({ brand: filter.brandId });
    }
    const em = this.db.forInstance('the operator lists every brand\'s numbers');
    const { rows, ...rest } = await this.pageRows(em, where, filter, ['client', 'brand']);
    return { items: rows.map((row) => ({ ...view(row), brandId: row.brand.id, brandName: row.brand.name })), ...rest };
  }

  /** Available numbers of the brand matching the search, paginated. */
  async search(ctx: TenantContext, search: NumberSearch & { page?: number; pageSize?: number }): Promise<Page<NumberView>> {
    const where = this.searchWhere(search);
    where.push({ state: 'available' });
    return this.page(this.brandEm(ctx), where, search);
  }

  private searchWhere(search: NumberSearch): FilterQuery<PhoneNumber>[] {
    const compiled = compileSearch(search);
    if (Array.isArray(compiled)) throw new ValidationError(compiled);
    const where: FilterQuery<PhoneNumber>[] = [];
    if (compiled.country) where.push({ country: compiled.country });
    for (const like of compiled.likes) where.push({ number: { $like: like } });
    if (compiled.anyOf.length) where.push({ $or: compiled.anyOf.map((like) => ({ number: { $like: like } })) });
    return where;
  }

  private async page(em: EntityManager, where: FilterQuery<PhoneNumber>[], paging: { page?: number; pageSize?: number }): Promise<Page<NumberView>> {
    const { rows, ...rest } = await this.pageRows(em, where, paging, ['client']);
    return { items: rows.map(view), ...rest };
  }

  private async pageRows(
    em: EntityManager,
    where: FilterQuery<PhoneNumber>[],
    paging: { page?: number; pageSize?: number },
    populate: ('client' | 'brand')[],
  ): Promise<{ rows: PhoneNumber[]; total: number; page: number; pageSize: number }> {
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(Number(paging.pageSize) || 50)));
    const page = Math.max(1, Math.floor(Number(paging.page) || 1));
    const [rows, total] = await em.findAndCount(PhoneNumber, where.length ? { $and: where } : {}, {
      orderBy: { number: 'asc', id: 'asc' },
      limit: pageSize,
      offset: (page - 1) * pageSize,
      populate,
    });
    return { rows, total, page, pageSize };
  }

  // ---- import ----------------------------------------------------------------------------------

  /** Adds one number to the brand's pool as `available`. */
  async importOne(ctx: TenantContext, input: NumberInput): Promise<NumberView> {
    const { prepared, problems } = await this.check(ctx, [{ row: 1, values: { number: input.number ?? '', country: input.country ?? undefined, carrier_sid: input.carrierSid ?? undefined, label: input.label ?? undefined } }]);
    if (problems.length) throw new ValidationError(problems.map((p) => ({ field: p.field === 'carrier_sid' ? 'carrierSid' : p.field, reason: p.reason })));
    await this.insert(ctx, prepared);
    const row = await this.brandEm(ctx).findOneOrFail(PhoneNumber, { number: prepared[0]!.number });
    return view(row);
  }

  /**
   * Reads and checks a CSV file without changing anything: the rows ready to insert, and every problem
   * (row, field, reason) — bad numbers, duplicates within the file and numbers already on the instance.
   */
  async checkCsv(ctx: TenantContext, csv: string | Buffer): Promise<{ total: number; prepared: PreparedNumber[]; problems: RowProblem[] }> {
    const parsed = parseNumbersCsv(csv);
    if (parsed.problems.length && !parsed.rows.length) return { total: 0, prepared: [], problems: parsed.problems };
    const checked = await this.check(ctx, parsed.rows);
    return { total: parsed.rows.length, prepared: checked.prepared, problems: [...parsed.problems, ...checked.problems].sort((a, b) => a.row - b.row) };
  }

  /**
   * Imports a CSV file (`number,country,carrier_sid,label`) as available numbers, all or nothing: any
   * problem refuses the whole file with every problem listed ({@link ImportRefusedError}), unless
   * `skipInvalid` asks to import the good rows and report the others. `onProgress` hears how many rows
   * are in after each chunk.
   */
  async importCsv(ctx: TenantContext, csv: string | Buffer, options: { skipInvalid?: boolean; onProgress?: (done: number, total: number) => Promise<void> | void } = {}): Promise<ImportReport> {
    const { total, prepared, problems } = await this.checkCsv(ctx, csv);
    const fileLevel = problems.some((p) => p.field === 'file' || p.field === 'header');
    if (problems.length && (!options.skipInvalid || fileLevel || !prepared.length)) throw new ImportRefusedError(problems);
    await this.insert(ctx, prepared, options.onProgress);
    return { total, imported: prepared.length, problems };
  }

  /** Checks rows against the numbering plans, each other and the instance's numbers. */
  private async check(ctx: TenantContext, rows: CsvRow[]): Promise<{ prepared: PreparedNumber[]; problems: RowProblem[] }> {
    const problems: RowProblem[] = [];
    const prepared: PreparedNumber[] = [];
    const firstRow = new Map<string, number>();
    for (const { row, values } of rows) {
      const before = problems.length;
      const parsed = parseE164(values.number ?? '', values.country);
      if (isNumberProblem(parsed)) problems.push({ row, field: values.country && parsed.reason.startsWith('country') ? 'country' : 'number', reason: parsed.reason });
      const carrierSid = values.carrier_sid ?? null;
      if (carrierSid && !CARRIER_SID.test(carrierSid)) problems.push({ row, field: 'carrier_sid', reason: 'must be a jambonz carrier sid (1-64 letters, digits, _ or -)' });
      const label = values.label ?? null;
      if (label && label.length > 120) problems.push({ row, field: 'label', reason: 'must be at most 120 characters' });
      if (problems.length > before || isNumberProblem(parsed)) continue;
      const seen = firstRow.get(parsed.e164);
      if (seen !== undefined) {
        problems.push({ row, field: 'number', reason: `${parsed.e164} is already on row ${seen} of this file` });
        continue;
      }
      firstRow.set(parsed.e164, row);
      prepared.push({ row, number: parsed.e164, country: parsed.country, carrierSid, label });
    }
    const existing = await this.existing(prepared.map((p) => p.number));
    const kept: PreparedNumber[] = [];
    for (const item of prepared) {
      const owner = existing.get(item.number);
      if (owner === undefined) kept.push(item);
      else problems.push({ row: item.row, field: 'number', reason: owner === ctx.brandId ? `${item.number} is already in this brand's pool` : `${item.number} is already managed on this instance` });
    }
    return { prepared: kept, problems: problems.sort((a, b) => a.row - b.row) };
  }

  /** Which of these numbers exist on the instance, and the brand of each. */
  private async existing(numbers: string[]): Promise<Map<string, string>> {
    const em = this.db.forInstance('numbers are unique across the instance: an import must know every brand has them');
    const found = new Map<string, string>();
    for (let i = 0; i < numbers.length; i += LOOKUP_CHUNK) {
      const rows = await em.find(PhoneNumber, { number: { $in: numbers.slice(i, i + LOOKUP_CHUNK) } }, { fields: ['number', 'brand'] });
      for (const row of rows) found.set(row.number, refId(row.brand)!);
    }
    return found;
  }

  /** Inserts checked rows in one transaction; a number added meanwhile by someone else refuses the whole lot. */
  private async insert(ctx: TenantContext, prepared: PreparedNumber[], onProgress?: (done: number, total: number) => Promise<void> | void): Promise<void> {
    const em = this.brandEm(ctx);
    const syncState = await this.syncStateFor(em, ctx.brandId);
    const now = this.now();
    try {
      await em.transactional(async (tx) => {
        for (let i = 0; i < prepared.length; i += INSERT_CHUNK) {
          // A fresh reference per chunk: the previous chunk's was detached by clear().
          const brand = tx.getReference(Brand, ctx.brandId);
          for (const item of prepared.slice(i, i + INSERT_CHUNK)) {
            tx.create(PhoneNumber, {
              brand,
              client: null,
              number: item.number,
              state: 'available',
              country: item.country,
              carrierSid: item.carrierSid,
              label: item.label,
              stateChangedAt: now,
              syncState,
            });
          }
          await tx.flush();
          tx.clear();
          await onProgress?.(Math.min(prepared.length, i + INSERT_CHUNK), prepared.length);
        }
      });
    } catch (error) {
      if (!this.db.isConstraintViolation(error)) throw error;
      const again = await this.check(ctx, prepared.map((p) => ({ row: p.row, values: { number: p.number, country: p.country } })));
      throw new ImportRefusedError(again.problems.length ? again.problems : [{ row: 0, field: 'file', reason: 'a number of this file was added meanwhile; try again' }]);
    }
    this.changed(ctx);
  }

  // ---- moves -----------------------------------------------------------------------------------

  /**
   * Holds a number for a client for `ttlMinutes` (1 minute to 7 days): no one else may take it
   * meanwhile; the hourly sweep makes it available again when the time is up unless it was assigned.
   * Reserving again for the same client extends the hold.
   */
  async reserve(ctx: TenantContext, target: NumberTarget, clientId: string, ttlMinutes: number): Promise<NumberView> {
    if (!Number.isInteger(ttlMinutes) || ttlMinutes < 1 || ttlMinutes > MAX_RESERVATION_MINUTES) {
      throw new ValidationError([{ field: 'ttlMinutes', reason: `must be a whole number of minutes from 1 to ${MAX_RESERVATION_MINUTES}` }]);
    }
    return this.take(ctx, target, clientId, 'reserved', ttlMinutes);
  }

  /**
   * Gives a client a number: the one named (available, reserved for this client or with its reservation
   * expired, or in quarantine after this client released it), or the first free one matching a search
   * (numbers reserved for the client first). Exactly one of any number of concurrent callers gets a
   * given number; the others get `numbers.taken`, or another number when they asked by search.
   */
  async assign(ctx: TenantContext, clientId: string, target: NumberTarget): Promise<NumberView> {
    return this.take(ctx, target, clientId, 'assigned', 0);
  }

  private async take(ctx: TenantContext, target: NumberTarget, clientId: string, to: 'assigned' | 'reserved', ttlMinutes: number): Promise<NumberView> {
    const em = this.brandEm(ctx);
    await this.checkClient(ctx, em, clientId);
    const syncState = await this.syncStateFor(em, ctx.brandId);
    if ('numberId' in target) {
      if (typeof target.numberId !== 'string' || !UUID.test(target.numberId)) throw numberNotFound(String(target.numberId));
      const won = await this.tryTake(ctx, target.numberId, clientId, to, ttlMinutes, syncState);
      const row = await this.brandEm(ctx).findOne(PhoneNumber, { id: target.numberId }, { populate: ['client'] });
      if (!row) throw numberNotFound(target.numberId);
      // Not won, but already the client's in the state asked for: the same request again.
      if (!won && !(row.state === to && refId(row.client) === clientId && to === 'assigned')) {
        if (row.state === 'assigned' || row.state === 'reserved') throw numberTaken(row.number, row.state);
        throw transitionRefused(row.number, row.state, to);
      }
      if (won) this.changed(ctx);
      return view(row);
    }
    const where = this.searchWhere(target.search);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = this.now();
      const mine = await em.find(
        PhoneNumber,
        { $and: [...where, { state: 'reserved', client: clientId, reservedUntil: { $gte: now } }] },
        { fields: ['id'], orderBy: { number: 'asc' }, limit: CANDIDATE_WINDOW },
      );
      const free = mine.length
        ? []
        : await em.find(PhoneNumber, { $and: [...where, { state: 'available' }] }, { fields: ['id'], orderBy: { number: 'asc' }, limit: CANDIDATE_WINDOW });
      const candidates = mine.length ? mine : shuffled(free);
      if (!candidates.length) throw noneAvailable();
      for (const candidate of candidates) {
        if (await this.tryTake(ctx, candidate.id, clientId, to, ttlMinutes, syncState)) {
          this.changed(ctx);
          return view(await this.brandEm(ctx).findOneOrFail(PhoneNumber, { id: candidate.id }, { populate: ['client'] }));
        }
      }
      em.clear();
    }
    throw noneAvailable();
  }

  /** The conditional update: true when this call moved the number (and no one else did). */
  private async tryTake(ctx: TenantContext, numberId: string, clientId: string, to: 'assigned' | 'reserved', ttlMinutes: number, syncState: PhoneNumberSyncState | null): Promise<boolean> {
    const now = this.now();
    const from: FilterQuery<PhoneNumber>[] = [
      { state: 'available' },
      { state: 'reserved', client: clientId },
      { state: 'reserved', reservedUntil: { $lt: now } },
    ];
    if (to === 'assigned') from.push({ state: 'quarantined', previousClientId: clientId });
    const affected = await this.brandEm(ctx).nativeUpdate(
      PhoneNumber,
      { id: numberId, $or: from },
      {
        state: to,
        client: clientId,
        reservedUntil: to === 'reserved' ? new Date(now.getTime() + ttlMinutes * 60_000) : null,
        quarantinedUntil: null,
        previousClientId: null,
        stateChangedAt: now,
        updatedAt: now,
        syncState,
        syncError: null,
      },
    );
    return affected === 1;
  }

  /**
   * A client lets a number go: an assigned number is released and put in quarantine at once (it stops
   * routing now; no one else may have it for the quarantine days); a reserved one is simply available
   * again. Releasing a number already released or in quarantine changes nothing.
   */
  async release(ctx: TenantContext, numberId: string): Promise<NumberView> {
    const em = this.db.forTenant(ctx);
    if (typeof numberId !== 'string' || !UUID.test(numberId)) throw numberNotFound(String(numberId));
    const row = await em.findOne(PhoneNumber, { id: numberId });
    if (!row) throw numberNotFound(numberId);
    const syncState = await this.syncStateFor(this.brandEm(ctx), ctx.brandId);
    const now = this.now();
    const holder = refId(row.client);
    if (row.state === 'reserved') {
      const affected = await this.brandEm(ctx).nativeUpdate(
        PhoneNumber,
        { id: numberId, state: 'reserved', client: holder },
        { state: 'available', client: null, reservedUntil: null, stateChangedAt: now, updatedAt: now, syncState, syncError: null },
      );
      if (affected !== 1) throw transitionRefused(row.number, 'reserved', 'available');
    } else if (row.state === 'assigned') {
      const affected = await this.brandEm(ctx).nativeUpdate(
        PhoneNumber,
        { id: numberId, state: 'assigned', client: holder },
        { state: 'released', client: null, previousClientId: holder, stateChangedAt: now, updatedAt: now, syncState, syncError: null },
      );
      if (affected !== 1) throw transitionRefused(row.number, 'assigned', 'released');
      await this.quarantine(ctx, numberId, now, syncState);
    } else if (row.state === 'available') {
      throw transitionRefused(row.number, row.state, 'released');
    } else if (row.state === 'released') {
      await this.quarantine(ctx, numberId, now, syncState);
    }
    this.changed(ctx);
    return view(await this.brandEm(ctx).findOneOrFail(PhoneNumber, { id: numberId }, { populate: ['client'] }));
  }

  /** released → quarantined until now + the quarantine days. */
  private async quarantine(ctx: TenantContext, numberId: string, now: Date, syncState: PhoneNumberSyncState | null): Promise<number> {
    const days = await this.quarantineDaysFor(ctx.brandId);
    return this.brandEm(ctx).nativeUpdate(
      PhoneNumber,
      { id: numberId, state: 'released' },
      { state: 'quarantined', quarantinedUntil: new Date(now.getTime() + days * 86_400_000), stateChangedAt: now, updatedAt: now, syncState },
    );
  }

  /** Releases every number a client holds (it left, or its subscription was canceled). Returns how many. */
  async releaseAllOf(ctx: TenantContext, clientId: string): Promise<number> {
    const rows = await this.brandEm(ctx).find(PhoneNumber, { client: clientId, state: { $in: ['assigned', 'reserved'] } }, { fields: ['id'] });
    let released = 0;
    for (const row of rows) {
      try {
        await this.release(ctx, row.id);
        released++;
      } catch (error) {
        // Moved meanwhile (released by someone else): nothing left to do for it.
        if (!(error instanceof Error && 'code' in error && (error as { code: string }).code === 'numbers.transition_refused')) throw error;
      }
    }
    return released;
  }

  /**
   * The periodic sweep, over every brand: reservations whose time is up become available, a number left
   * `released` (a crash between the two steps of a release) goes into quarantine, and quarantined
   * numbers whose time is up become available. Each move is conditional, so running it twice, or on two
   * replicas at once, has the effect of once.
   */
  async sweep(): Promise<SweepResult> {
    const em = this.db.forInstance('the number sweep serves every brand');
    const now = this.now();
    const connected = new Set((await em.find(JambonzConnection, {}, { fields: ['brand'] })).map((c) => refId(c.brand)!));
    const result: SweepResult = { reservationsExpired: 0, quarantined: 0, recycled: 0 };
    const brands = new Set<string>();
    const due = await em.find(
      PhoneNumber,
      {
        $or: [
          { state: 'reserved', reservedUntil: { $lt: now } },
          { state: 'released' },
          { state: 'quarantined', quarantinedUntil: { $lte: now } },
        ],
      },
      { fields: ['state', 'brand'], limit: 5000 },
    );
    for (const row of due) {
      const brandId = refId(row.brand)!;
      const syncState = connected.has(brandId) ? 'pending' : null;
      const move = this.db.forInstance('the number sweep serves every brand');
      let affected = 0;
      if (row.state === 'reserved') {
        affected = await move.nativeUpdate(
          PhoneNumber,
          { id: row.id, state: 'reserved', reservedUntil: { $lt: now } },
          { state: 'available', client: null, reservedUntil: null, stateChangedAt: now, updatedAt: now, syncState, syncError: null },
        );
        result.reservationsExpired += affected;
      } else if (row.state === 'released') {
        affected = await move.nativeUpdate(
          PhoneNumber,
          { id: row.id, state: 'released' },
          { state: 'quarantined', quarantinedUntil: new Date(now.getTime() + (await this.quarantineDaysFor(brandId)) * 86_400_000), stateChangedAt: now, updatedAt: now, syncState },
        );
        result.quarantined += affected;
      } else {
        affected = await move.nativeUpdate(
          PhoneNumber,
          { id: row.id, state: 'quarantined', quarantinedUntil: { $lte: now } },
          { state: 'available', quarantinedUntil: null, previousClientId: null, stateChangedAt: now, updatedAt: now, syncState, syncError: null },
        );
        result.recycled += affected;
      }
      if (affected) brands.add(brandId);
    }
    for (const brandId of brands) this.changed({ brandId, clientId: null, locale: 'en' });
    return result;
  }

  /**
   * A number ported in for a client: added to the pool as that client's (or, when the brand already has
   * it available, assigned to the client), through the same conditional moves as any assignment.
   */
  async adoptPorted(ctx: TenantContext, clientId: string, input: { number: string; country?: string | null }): Promise<NumberView> {
    const em = this.brandEm(ctx);
    await this.checkClient(ctx, em, clientId);
    const parsed = parseE164(input.number, input.country);
    if (isNumberProblem(parsed)) throw new ValidationError([{ field: 'number', reason: parsed.reason }]);
    const existing = await this.existing([parsed.e164]);
    if (!existing.has(parsed.e164)) {
      try {
        const syncState = await this.syncStateFor(em, ctx.brandId);
        const now = this.now();
        em.create(PhoneNumber, {
          brand: em.getReference(Brand, ctx.brandId),
          client: em.getReference(Client, clientId),
          number: parsed.e164,
          state: 'assigned',
          country: parsed.country,
          label: null,
          stateChangedAt: now,
          syncState,
        });
        await em.flush();
        this.changed(ctx);
        return view(await this.brandEm(ctx).findOneOrFail(PhoneNumber, { number: parsed.e164 }, { populate: ['client'] }));
      } catch (error) {
        // Inserted meanwhile (by an import, or a second completion): decided by the moves below.
        if (!this.db.isConstraintViolation(error)) throw error;
      }
    }
    const row = await this.brandEm(ctx).findOne(PhoneNumber, { number: parsed.e164 });
    if (!row) throw numberTaken(parsed.e164, 'assigned');
    return this.assign(ctx, clientId, { numberId: row.id });
  }

  /** Problems of a single number's fields, for forms that check before they post. */
  static checkNumber(value: string, country?: string | null): FieldProblem | null {
    const parsed = parseE164(value, country);
    return isNumberProblem(parsed) ? { field: 'number', reason: parsed.reason } : null;
  }
}
