import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ValidationError, parseInput } from '@tero/accounts';
import type { FileStorage } from '@tero/core';
import { Brand, Client, type Database, PhoneNumber, type PortingDocument, PortingRequest, type PortingStatus } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { z } from 'zod';
import { DOCUMENT_TYPES, detectDocumentType, nameFitsType, safeFileName } from './document-type';
import { isNumberProblem, parseE164 } from './e164';
import type { NumberPool } from './number-pool.service';
import {
  clientNotFound,
  documentNotFound,
  documentTooLarge,
  documentType,
  portingAlreadyRequested,
  portingNotFound,
  portingNumberManaged,
  portingTransitionRefused,
  tooManyDocuments,
} from './numbers.errors';

export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
export const MAX_DOCUMENTS = 5;

/**
 * Who moves a request where: the brand admin takes it up, completes or rejects it; the client may cancel
 * it while nobody has taken it up yet.
 */
export const PORTING_TRANSITIONS: Readonly<Record<PortingStatus, readonly PortingStatus[]>> = {
  submitted: ['in_progress', 'rejected', 'cancelled'],
  in_progress: ['completed', 'rejected'],
  completed: [],
  rejected: [],
  cancelled: [],
};

/** A file the client uploaded with its request. */
export interface UploadedDocument {
  fileName: string;
  data: Buffer;
}

export interface PortingDocumentView {
  index: number;
  fileName: string;
  contentType: string;
  bytes: number;
  uploadedAt: string;
}

export interface PortingView {
  id: string;
  clientId: string;
  clientName: string | null;
  number: string;
  losingCarrier: string;
  accountNumber: string | null;
  authorizedName: string;
  status: PortingStatus;
  statusNote: string | null;
  documents: PortingDocumentView[];
  createdAt: Date;
  completedAt: Date | null;
}

const submitSchema = z
  .object({
    number: z.string({ error: 'is required' }).trim().min(1, 'is required').max(40),
    losingCarrier: z.string({ error: 'is required' }).trim().min(1, 'is required').max(120, 'must be at most 120 characters'),
    accountNumber: z.string().trim().max(60, 'must be at most 60 characters').optional().nullable(),
    authorizedName: z.string({ error: 'is required' }).trim().min(1, 'is required').max(120, 'must be at most 120 characters'),
  })
  .strip();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OPEN: PortingStatus[] = ['submitted', 'in_progress'];
const refId = (ref: unknown): string => (typeof ref === 'string' ? ref : (ref as { id: string }).id);

function view(row: PortingRequest): PortingView {
  const client = row.client as Client & { name?: string };
  return {
    id: row.id,
    clientId: refId(row.client),
    clientName: typeof client.name === 'string' ? client.name : null,
    number: row.number,
    losingCarrier: row.losingCarrier,
    accountNumber: row.accountNumber ?? null,
    authorizedName: row.authorizedName,
    status: row.status,
    statusNote: row.statusNote ?? null,
    documents: row.documents.map((d, index) => ({ index, fileName: d.fileName, contentType: d.contentType, bytes: d.bytes, uploadedAt: d.uploadedAt })),
    createdAt: row.createdAt,
    completedAt: row.completedAt ?? null,
  };
}

/**
 * Clients bringing their own number: the request (number, losing carrier, account, who authorises it),
 * its documents (PDF, PNG or JPEG, told by their bytes, at most 5 of 10 MB each, kept in the client's
 * own file storage), and its status as the brand admin works on it. A completed port puts the number in
 * the pool as the client's through {@link NumberPool.adoptPorted}, so it is never given to two clients.
 * A client sees only its own requests and documents; the brand admin sees its clients'.
 */
export class PortingService {
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    private readonly storage: FileStorage,
    private readonly pool: NumberPool,
    options: { clock?: () => Date } = {},
  ) {
    this.now = options.clock ?? (() => new Date());
  }

  /** A client (or its brand admin, for it) asks to port a number in. Nothing is kept when anything is wrong. */
  async submit(ctx: TenantContext, clientId: string, input: unknown, documents: UploadedDocument[]): Promise<PortingView> {
    const data = parseInput(submitSchema, input);
    const parsed = parseE164(data.number);
    if (isNumberProblem(parsed)) throw new ValidationError([{ field: 'number', reason: parsed.reason }]);
    if (!UUID.test(clientId) || (ctx.clientId && ctx.clientId !== clientId)) throw clientNotFound(clientId);
    const em = this.db.forTenant({ ...ctx, clientId: null });
    if (!(await em.count(Client, { id: clientId }))) throw clientNotFound(clientId);

    if (!documents.length) throw new ValidationError([{ field: 'documents', reason: 'at least one document is required (a recent bill or a letter of authorization)' }]);
    if (documents.length > MAX_DOCUMENTS) throw tooManyDocuments(MAX_DOCUMENTS);
    const checked = documents.map((doc) => {
      const name = safeFileName(doc.fileName);
      if (doc.data.length > MAX_DOCUMENT_BYTES) throw documentTooLarge(name, MAX_DOCUMENT_BYTES / 1024 / 1024);
      if (doc.data.length === 0) throw new ValidationError([{ field: 'documents', reason: `${name} is empty` }]);
      const type = detectDocumentType(doc.data);
      if (!type || !nameFitsType(name, type)) throw documentType(name);
      return { name, type, data: doc.data };
    });

    const instance = this.db.forInstance('a number is unique across the instance: a port of a managed number must be refused whoever manages it');
    if (await instance.count(PhoneNumber, { number: parsed.e164 })) throw portingNumberManaged(parsed.e164);
    if (await instance.count(PortingRequest, { number: parsed.e164, status: { $in: OPEN } })) throw portingAlreadyRequested(parsed.e164);

    const id = randomUUID();
    const clientCtx: TenantContext = { ...ctx, clientId };
    const stored: PortingDocument[] = [];
    try {
      for (const [index, doc] of checked.entries()) {
        const key = `porting/${id}/${index}-${doc.name}`;
        await this.storage.put(clientCtx, key, doc.data, { contentType: doc.type });
        stored.push({ storageKey: key, fileName: doc.name, contentType: doc.type, bytes: doc.data.length, uploadedAt: this.now().toISOString() });
      }
      const row = em.create(PortingRequest, {
        id,
        brand: em.getReference(Brand, ctx.brandId),
        client: em.getReference(Client, clientId),
        number: parsed.e164,
        losingCarrier: data.losingCarrier,
        accountNumber: data.accountNumber || null,
        authorizedName: data.authorizedName,
        documents: stored,
        status: 'submitted',
      });
      await em.flush();
      return view(row);
    } catch (error) {
      for (const doc of stored) await this.storage.delete(clientCtx, doc.storageKey).catch(() => undefined);
      throw error;
    }
  }

  /** Requests the context sees (a client its own; a brand all its clients'), newest first. */
  async list(ctx: TenantContext, filter: { status?: PortingStatus | null } = {}): Promise<PortingView[]> {
    const rows = await this.db.forTenant(ctx).find(PortingRequest, filter.status ? { status: filter.status } : {}, { orderBy: { createdAt: 'desc' }, limit: 500, populate: ['client'] });
    return rows.map(view);
  }

  async get(ctx: TenantContext, id: string): Promise<PortingView> {
    return view(await this.load(ctx, id));
  }

  private async load(ctx: TenantContext, id: string): Promise<PortingRequest> {
    if (typeof id !== 'string' || !UUID.test(id)) throw portingNotFound();
    const row = await this.db.forTenant(ctx).findOne(PortingRequest, { id }, { populate: ['client'] });
    if (!row) throw portingNotFound();
    return row;
  }

  /** The client withdraws its request; only while nobody has taken it up. */
  async cancel(ctx: TenantContext, id: string): Promise<PortingView> {
    return this.move(ctx, id, 'cancelled', null);
  }

  /**
   * The brand admin moves a request: `in_progress`, `completed` (the number joins the pool as the
   * client's) or `rejected` (a note saying why is required). A note may go with any move.
   */
  async advance(ctx: TenantContext, id: string, to: 'in_progress' | 'completed' | 'rejected', note?: string | null): Promise<PortingView> {
    if (ctx.clientId) throw portingNotFound();
    if (!['in_progress', 'completed', 'rejected'].includes(to)) throw new ValidationError([{ field: 'status', reason: 'must be in_progress, completed or rejected' }]);
    const text = typeof note === 'string' ? note.trim() : '';
    if (text.length > 1000) throw new ValidationError([{ field: 'note', reason: 'must be at most 1000 characters' }]);
    if (to === 'rejected' && !text) throw new ValidationError([{ field: 'note', reason: 'is required when rejecting: tell the client why' }]);
    return this.move(ctx, id, to, text || null);
  }

  private async move(ctx: TenantContext, id: string, to: PortingStatus, note: string | null): Promise<PortingView> {
    const row = await this.load(ctx, id);
    const from: PortingStatus = row.status;
    // The same move again (a double click, a retried form) is the same answer.
    if (from === to) return view(row);
    if (!PORTING_TRANSITIONS[from].includes(to)) throw portingTransitionRefused(from, to);
    const clientId = refId(row.client);
    if (to === 'completed') await this.pool.adoptPorted({ ...ctx, clientId: null }, clientId, { number: row.number });
    const now = this.now();
    const affected = await this.db.forTenant(ctx).nativeUpdate(
      PortingRequest,
      { id, status: from },
      { status: to, updatedAt: now, ...(note !== null ? { statusNote: note } : {}), ...(to === 'completed' ? { completedAt: now } : {}) },
    );
    const after = await this.load(ctx, id);
    // Moved by someone else meanwhile: fine when it reached the same place (a double click), refused otherwise.
    if (affected !== 1 && after.status !== to) throw portingTransitionRefused(after.status, to);
    return view(after);
  }

  /** A document's bytes, for the client that uploaded it or its brand admin. */
  async document(ctx: TenantContext, id: string, index: number): Promise<{ stream: Readable; fileName: string; contentType: string; bytes: number }> {
    const row = await this.load(ctx, id);
    const doc = Number.isInteger(index) ? row.documents[index] : undefined;
    if (!doc || !(doc.contentType in DOCUMENT_TYPES)) throw documentNotFound();
    const stream = await this.storage.get({ ...ctx, clientId: refId(row.client) }, doc.storageKey);
    return { stream, fileName: doc.fileName, contentType: doc.contentType, bytes: doc.bytes };
  }
}
