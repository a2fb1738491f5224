import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FileStorage, JobQueue } from '@tero/core';
import { TeroError, type TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import type { RowProblem } from './number-csv';
import type { ImportReport, NumberPool } from './number-pool.service';
import { ImportRefusedError, importNotFound } from './numbers.errors';

export const NUMBER_IMPORT_JOB = 'numbers.import';
/** Files with more numbers than this are imported by a job, with progress; smaller ones at once. */
export const SYNC_IMPORT_ROWS = 500;

interface ImportJobData {
  ctx: TenantContext;
  importId: string;
  skipInvalid: boolean;
}

/** What starting an import gave: the report at once, or the id of the job that runs it. */
export type ImportOutcome = { kind: 'done'; report: ImportReport } | { kind: 'queued'; importId: string; total: number };

/** Where a queued import stands, for the page that polls it. */
export interface ImportStatus {
  importId: string;
  state: 'waiting' | 'running' | 'done' | 'failed';
  done: number;
  total: number;
  /** Set once finished: what was imported, or every problem when nothing was. */
  report: (ImportReport & { refused: boolean }) | null;
  error: string | null;
}

const IMPORT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const csvKey = (id: string) => `numbers/imports/${id}.csv`;
const reportKey = (id: string) => `numbers/imports/${id}.report.json`;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/**
 * CSV imports of the pool, sized to their file: a file is checked at once (so a bad row is reported
 * before anything is queued); one of up to {@link SYNC_IMPORT_ROWS} numbers is imported in the request,
 * a bigger one is kept in the brand's file storage and imported by a job whose progress and final report
 * the page shows. Either way the file goes in whole or not at all (unless `skipInvalid`).
 */
export class NumberImports {
  constructor(
    private readonly pool: NumberPool,
    private readonly jobs: JobQueue,
    private readonly storage: FileStorage,
    private readonly logger: Logger,
  ) {}

  /** Registers the job's processor (every process that enqueues or runs it). */
  register(): void {
    this.jobs.register<ImportJobData>(NUMBER_IMPORT_JOB, async (job) => {
      const { ctx, importId, skipInvalid } = job.data;
      // Idempotent: a retried job whose first run finished does not import again.
      if (await this.readReport(ctx, importId)) return { importId, already: true };
      const csv = await readAll(await this.storage.get(ctx, csvKey(importId)));
      let report: ImportReport & { refused: boolean };
      try {
        const done = await this.pool.importCsv(ctx, csv, {
          skipInvalid,
          onProgress: (count, total) => job.updateProgress({ done: count, total }),
        });
        report = { ...done, refused: false };
      } catch (error) {
        if (!(error instanceof ImportRefusedError)) throw error;
        report = { total: 0, imported: 0, problems: error.problems, refused: true };
      }
      await this.storage.put(ctx, reportKey(importId), Buffer.from(JSON.stringify(report)), { contentType: 'application/json' });
      await this.storage.delete(ctx, csvKey(importId));
      this.logger.info({ brandId: ctx.brandId, importId, imported: report.imported, problems: report.problems.length }, 'number import finished');
      return { importId, imported: report.imported, problems: report.problems.length };
    });
  }

  /**
   * Checks the file and imports it now, or queues it when it is big. Throws {@link ImportRefusedError}
   * with every problem when the file cannot go in (nothing is queued then).
   */
  async start(ctx: TenantContext, csv: Buffer, options: { skipInvalid?: boolean } = {}): Promise<ImportOutcome> {
    const brandCtx: TenantContext = { brandId: ctx.brandId, clientId: null, locale: ctx.locale };
    if (ctx.clientId) throw importNotFound();
    const checked = await this.pool.checkCsv(brandCtx, csv);
    const fileLevel = checked.problems.some((p: RowProblem) => p.field === 'file' || p.field === 'header');
    if (checked.problems.length && (!options.skipInvalid || fileLevel || !checked.prepared.length)) throw new ImportRefusedError(checked.problems);
    if (checked.prepared.length <= SYNC_IMPORT_ROWS) {
      return { kind: 'done', report: await this.pool.importCsv(brandCtx, csv, { skipInvalid: options.skipInvalid }) };
    }
    const importId = randomUUID();
    await this.storage.put(brandCtx, csvKey(importId), csv, { contentType: 'text/csv' });
    await this.jobs.enqueue<ImportJobData>(NUMBER_IMPORT_JOB, { ctx: brandCtx, importId, skipInvalid: options.skipInvalid === true }, { jobId: `numbers-import-${importId}` });
    return { kind: 'queued', importId, total: checked.total };
  }

  /** A queued import of the brand: its progress, then its report. Another brand's id is not found. */
  async status(ctx: TenantContext, importId: string): Promise<ImportStatus> {
    if (ctx.clientId || !IMPORT_ID.test(importId)) throw importNotFound();
    const brandCtx: TenantContext = { brandId: ctx.brandId, clientId: null, locale: ctx.locale };
    const report = await this.readReport(brandCtx, importId);
    const job = await this.jobs.get<ImportJobData>(NUMBER_IMPORT_JOB, `numbers-import-${importId}`);
    if (job && job.data.ctx.brandId !== ctx.brandId) throw importNotFound();
    if (!job && !report) throw importNotFound();
    const progress = (job?.progress && typeof job.progress === 'object' ? job.progress : {}) as { done?: number; total?: number };
    if (report) return { importId, state: 'done', done: report.imported, total: report.total, report, error: null };
    const state = job!.state === 'failed' ? 'failed' : job!.state === 'active' ? 'running' : job!.state === 'completed' ? 'done' : 'waiting';
    return { importId, state, done: progress.done ?? 0, total: progress.total ?? 0, report: null, error: job!.failedReason };
  }

  private async readReport(ctx: TenantContext, importId: string): Promise<(ImportReport & { refused: boolean }) | null> {
    try {
      return JSON.parse((await readAll(await this.storage.get(ctx, reportKey(importId)))).toString('utf8')) as ImportReport & { refused: boolean };
    } catch (error) {
      if (error instanceof TeroError && error.code === 'storage.not_found') return null;
      throw error;
    }
  }
}
