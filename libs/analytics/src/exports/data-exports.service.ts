import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { invoiceThemeOf } from '@tero/billing';
import { type FileStorage, type JobQueue, PeriodicSweep, localDate } from '@tero/core';
import { Brand, Client, type Database } from '@tero/db';
import type { i18n as I18nInstance } from 'i18next';
import type { Logger } from 'pino';
import { ExportExpiredError, ExportNotFoundError, ExportNotReadyError } from './export-errors';
import { exportCsvStream } from './export-csv';
import { exportPdfStream } from './export-pdf';
import { type ExportRequest, parseExportRequest } from './export-request';
import { type ClientContext, countExportRows, exportBatches } from './export-rows';

/** Exports up to this many rows stream at once; larger ones run as a job whose file is kept for a day. */
export const DIRECT_EXPORT_LIMIT = 10_000;
/** How long a job's file is kept for download. */
export const EXPORT_FILE_TTL_MS = 24 * 3_600_000;

const EXPORT_JOB = 'analytics.export';
/** Clients whose stored exports are checked per query of the expiry sweep. */
const SWEEP_PAGE = 200;

/** A file to send: its name, type and bytes as a stream. */
export interface ExportFile {
  filename: string;
  contentType: string;
  stream: Readable;
}

/** An export job as its page shows it. */
export interface ExportJobView {
  id: string;
  state: 'waiting' | 'running' | 'completed' | 'failed';
  /** Rows written so far, of `total` (counted when the job was started). */
  done: number;
  total: number;
  /** 0..100. */
  percent: number;
  request: ExportRequest;
  filename: string;
  /** When the file stops being served (completed jobs). */
  expiresAt: Date | null;
}

interface ExportJob {
  ctx: ClientContext;
  request: ExportRequest;
  locale: string;
  total: number;
  filename: string;
  key: string;
}

export interface DataExportsDeps {
  db: Database;
  jobs: JobQueue;
  storage: FileStorage;
  i18n: I18nInstance;
  /** The theme's tokens (`ThemeRenderer.tokensOf`), for a PDF in the brand's colours. */
  themeTokens: (themeId: string) => Record<string, string> | undefined;
  logger: Logger;
  clock?: () => Date;
  /** {@link DIRECT_EXPORT_LIMIT} unless given. */
  directLimit?: number;
}

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', pdf: 'application/pdf' } as const;

/**
 * Exports of a client's calls, bookings and messages as CSV or PDF. Small ones stream straight to the
 * reader; over {@link DIRECT_EXPORT_LIMIT} rows, a job writes the file into the client's storage with its
 * progress, and the file is served for a day: a download after that is refused, and an hourly sweep deletes
 * the files past their day. Every call takes the client's context; a job belongs to the client whose
 * context it carries, and anyone else asking for it is told it does not exist.
 */
export class DataExports {
  private readonly clock: () => Date;
  private readonly directLimit: number;
  private readonly sweeper: PeriodicSweep;

  constructor(private readonly deps: DataExportsDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.directLimit = deps.directLimit ?? DIRECT_EXPORT_LIMIT;
    this.sweeper = new PeriodicSweep(deps.jobs, { name: 'analytics.exports.sweep', run: () => this.deleteExpired(), logger: deps.logger, attempts: 1, now: () => this.clock().getTime() });
  }

  /** Registers the export job and the expiry sweep; call in every process before the queue starts. */
  register(): void {
    this.sweeper.register();
    this.deps.jobs.register<ExportJob>(EXPORT_JOB, async (job) => {
      const { ctx, request, locale, total, key } = job.data;
      await job.updateProgress({ done: 0, total });
      const file = await this.open(ctx, request, locale, (done) => job.updateProgress({ done, total }));
      const stat = await this.deps.storage.put(ctx, key, file.stream, { contentType: file.contentType });
      return { bytes: stat.size };
    }, { attempts: 2 });
  }

  /** Schedules the hourly expiry sweep where jobs run. */
  async start(options: { processJobs: boolean }): Promise<void> {
    if (options.processJobs) await this.sweeper.start();
  }

  stop(): void {
    this.sweeper.stop();
  }

  /** Deletes every client's export files past their day; returns how many. */
  async deleteExpired(): Promise<number> {
    const cutoff = this.clock().getTime() - EXPORT_FILE_TTL_MS;
    let deleted = 0;
    let after: string | null = null;
    for (;;) {
      const clients: Client[] = await this.deps.db.forInstance('exports sweep: every client’s stored exports').find(Client, after ? { id: { $gt: after } } : {}, { orderBy: { id: 'asc' }, limit: SWEEP_PAGE });
      for (const client of clients) {
        const ctx = { brandId: client.brand.id, clientId: client.id, locale: client.locale };
        for (const file of await this.deps.storage.list(ctx, 'exports/')) {
          if (file.modifiedAt.getTime() > cutoff) continue;
          await this.deps.storage.delete(ctx, file.key);
          deleted++;
        }
      }
      if (clients.length < SWEEP_PAGE) return deleted;
      after = clients[clients.length - 1]!.id;
    }
  }

  /** Reads a request from a form or query (see {@link parseExportRequest}), with today on the client's clock. */
  async parse(ctx: ClientContext, input: Record<string, unknown>): Promise<ExportRequest> {
    const client = await this.deps.db.forTenant(ctx).findOneOrFail(Client, { id: ctx.clientId });
    return parseExportRequest(input, localDate(this.clock(), client.timezone));
  }

  /** The export now (a stream) when it is small, else a job started for it. */
  async export(ctx: ClientContext, request: ExportRequest, locale: string): Promise<{ file: ExportFile } | { jobId: string; total: number }> {
    const client = await this.deps.db.forTenant(ctx).findOneOrFail(Client, { id: ctx.clientId });
    const total = await countExportRows(this.deps.db, ctx, request, client.timezone);
    if (total <= this.directLimit) return { file: await this.open(ctx, request, locale) };
    return { jobId: await this.startJob(ctx, request, locale, total), total };
  }

  /** Starts a job for the export; returns its id. */
  async startJob(ctx: ClientContext, request: ExportRequest, locale: string, total: number): Promise<string> {
    const id = `analytics-export-${randomUUID()}`;
    const data: ExportJob = { ctx: { brandId: ctx.brandId, clientId: ctx.clientId, locale: ctx.locale }, request, locale, total, filename: filenameOf(request), key: `exports/${id}.${request.format}` };
    return this.deps.jobs.enqueue(EXPORT_JOB, data, { jobId: id });
  }

  /** The stream of an export, whatever its size (the job writes it to storage; small exports go to the reader). */
  async open(ctx: ClientContext, request: ExportRequest, locale: string, onBatch?: (done: number) => Promise<void>): Promise<ExportFile> {
    const em = this.deps.db.forTenant(ctx);
    const client = await em.findOneOrFail(Client, { id: ctx.clientId });
    const batches = exportBatches(this.deps.db, ctx, request, client.timezone);
    const filename = filenameOf(request);
    if (request.format === 'csv') return { filename, contentType: CONTENT_TYPES.csv, stream: exportCsvStream(request.kind, batches, onBatch) };
    const brand = await em.findOneOrFail(Brand, { id: ctx.brandId });
    const theme = invoiceThemeOf(brand, this.deps.themeTokens(brand.themeId) ?? {});
    const stream = exportPdfStream(batches, { brand: { name: brand.name, supportEmail: brand.supportEmail }, client: { name: client.name, timezone: client.timezone }, request, i18n: this.deps.i18n, locale, theme }, onBatch);
    return { filename, contentType: CONTENT_TYPES.pdf, stream };
  }

  /** The job as its page shows it. Throws `analytics.exports.not_found` for another client's job or an unknown id. */
  async status(ctx: ClientContext, id: string): Promise<ExportJobView> {
    const job = await this.job(ctx, id);
    const progress = (typeof job.progress === 'object' ? job.progress : {}) as { done?: unknown };
    const done = job.state === 'completed' ? job.data.total : Math.min(Number(progress.done) || 0, job.data.total);
    return {
      id,
      state: job.state === 'active' ? 'running' : job.state === 'completed' ? 'completed' : job.state === 'failed' ? 'failed' : 'waiting',
      done,
      total: job.data.total,
      percent: job.data.total > 0 ? Math.floor((done * 100) / job.data.total) : job.state === 'completed' ? 100 : 0,
      request: job.data.request,
      filename: job.data.filename,
      expiresAt: job.finishedAt ? new Date(job.finishedAt + EXPORT_FILE_TTL_MS) : null,
    };
  }

  /** The finished job's file. Refuses a job not finished (409), unknown or another client's (404), or expired (410). */
  async download(ctx: ClientContext, id: string): Promise<ExportFile & { size: number }> {
    const job = await this.job(ctx, id);
    if (job.state !== 'completed') throw new ExportNotReadyError(job.state);
    const stat = await this.deps.storage.stat(ctx, job.data.key).catch(() => null);
    if (!stat || stat.modifiedAt.getTime() + EXPORT_FILE_TTL_MS <= this.clock().getTime()) {
      if (stat) await this.deps.storage.delete(ctx, job.data.key);
      throw new ExportExpiredError();
    }
    return { filename: job.data.filename, contentType: stat.contentType, size: stat.size, stream: await this.deps.storage.get(ctx, job.data.key) };
  }

  private async job(ctx: ClientContext, id: string) {
    if (!/^analytics-export-[0-9a-f-]{36}$/.test(id)) throw new ExportNotFoundError();
    const job = await this.deps.jobs.get<ExportJob>(EXPORT_JOB, id);
    if (!job || job.data?.ctx?.brandId !== ctx.brandId || job.data.ctx.clientId !== ctx.clientId) throw new ExportNotFoundError();
    return job;
  }
}

/** `calls-2026-11-01-2026-11-30.csv`. */
export function filenameOf(request: ExportRequest): string {
  return `${request.kind}-${request.range.from}-${request.range.to}.${request.format}`;
}
