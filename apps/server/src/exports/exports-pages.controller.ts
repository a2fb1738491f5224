import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ValidationError } from '@tero/accounts';
import { DIRECT_EXPORT_LIMIT, EXPORT_FORMATS, EXPORT_KINDS, type ExportJobView, type ExportRequest, MAX_EXPORT_DAYS, RangeTooLongError } from '@tero/analytics';
import { CALL_OUTCOMES } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../http/page-errors';
import { tenantContextOf } from '../http/request-context';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { checkedForm, errorText, localTime, say, sendPage } from '../pages/page-kit';
import { EXPORT_PROGRESS_PATH, EXPORT_PROGRESS_SCRIPT } from './export-progress.script';

type ClientContext = TenantContext & { clientId: string };

/** `attachment; filename="calls-….csv"` with only safe characters in the name. */
export function attachment(filename: string): string {
  return `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`;
}

/**
 * The client's `/exports`: a form for calls, bookings or messages as CSV or PDF with the call log's
 * filters; a small export downloads at once (streamed), a large one becomes a job whose progress the page
 * follows and whose file downloads for a day. Owners, staff and the brand's admins of the client's host.
 */
@Controller()
export class ExportsPagesController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  /** The client's context, or null when nobody is signed in; another host or role is refused. */
  private access(request: FastifyRequest): ClientContext | null {
    const { principal, host } = request.tero;
    if (!principal) return null;
    if (host.kind !== 'client' || !['client_owner', 'client_staff', 'brand_admin'].includes(principal.role)) throw new ForbiddenError();
    return { ...tenantContextOf(request.tero), clientId: host.client.id };
  }

  private async page(request: FastifyRequest, reply: FastifyReply, ctx: ClientContext, extra: { error?: string; values?: Record<string, unknown>; job?: ExportJobView } = {}, status = 200) {
    const values = extra.values ?? {};
    const picked = new Set((Array.isArray(values.outcome) ? values.outcome : [values.outcome]).map(String));
    const today = await this.kernel.analytics.today(ctx);
    const job = extra.job;
    return sendPage(
      this.kernel,
      request,
      reply,
      'exports',
      {
        title: say(this.kernel, request, 'analytics:exports.pageTitle'),
        error: extra.error,
        hint: say(this.kernel, request, 'analytics:exports.form.hint', { limit: new Intl.NumberFormat(request.tero.locale).format(DIRECT_EXPORT_LIMIT), maxDays: MAX_EXPORT_DAYS }),
        kinds: EXPORT_KINDS.map((kind) => ({ value: kind, label: say(this.kernel, request, `analytics:exports.kinds.${kind}`), selected: values.kind === kind })),
        formats: EXPORT_FORMATS.map((format) => ({ value: format, label: say(this.kernel, request, `analytics:exports.formats.${format}`), selected: values.format === format })),
        outcomes: CALL_OUTCOMES.map((outcome) => ({ value: outcome, label: say(this.kernel, request, `analytics:exports.outcomes.${outcome}`), checked: picked.has(outcome) })),
        from: typeof values.from === 'string' ? values.from : '',
        to: typeof values.to === 'string' ? values.to : '',
        caller: typeof values.caller === 'string' ? values.caller : '',
        minDuration: typeof values.minDuration === 'string' ? values.minDuration : '',
        maxDuration: typeof values.maxDuration === 'string' ? values.maxDuration : '',
        today,
        job: job && {
          id: job.id,
          state: job.state,
          done: job.done,
          total: job.total,
          percent: job.percent,
          words:
            job.state === 'completed'
              ? say(this.kernel, request, 'analytics:exports.job.completed', { total: job.total })
              : job.state === 'failed'
                ? say(this.kernel, request, 'analytics:exports.job.failed')
                : job.state === 'running'
                  ? say(this.kernel, request, 'analytics:exports.job.running', { done: job.done, total: job.total })
                  : say(this.kernel, request, 'analytics:exports.job.waiting'),
          runningWords: say(this.kernel, request, 'analytics:exports.job.running', { done: '{done}', total: '{total}' }),
          summary: this.describe(request, job.request),
          downloadUrl: `/exports/jobs/${job.id}/file`,
          downloadLabel: say(this.kernel, request, 'analytics:exports.job.download', { filename: job.filename }),
          expires: job.expiresAt ? say(this.kernel, request, 'analytics:exports.job.expires', { date: localTime(request, job.expiresAt) }) : null,
        },
        script: job && (job.state === 'waiting' || job.state === 'running') ? EXPORT_PROGRESS_PATH : null,
      },
      status,
    );
  }

  private describe(request: FastifyRequest, exportRequest: ExportRequest): string {
    return `${say(this.kernel, request, `analytics:exports.kinds.${exportRequest.kind}`)} · ${exportRequest.format.toUpperCase()} · ${exportRequest.range.from} – ${exportRequest.range.to}`;
  }

  @Get('/exports')
  async exportsPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const ctx = this.access(request);
    if (!ctx) return reply.redirect('/login', 303);
    const jobId = (request.query as Record<string, unknown>).job;
    const job = typeof jobId === 'string' ? await this.kernel.dataExports.status(ctx, jobId) : undefined;
    return this.page(request, reply, ctx, { job });
  }

  /** Streams a small export, or starts a job for a large one and shows its progress. */
  @Post('/exports')
  async exportNow(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const ctx = this.access(request);
    if (!ctx) return reply.redirect('/login', 303);
    const body = checkedForm(this.kernel, request);
    let exportRequest: ExportRequest;
    try {
      exportRequest = await this.kernel.dataExports.parse(ctx, body);
    } catch (error) {
      if (error instanceof ValidationError || error instanceof RangeTooLongError) return this.page(request, reply, ctx, { error: errorText(this.kernel, request, error), values: body }, 400);
      throw error;
    }
    const result = await this.kernel.dataExports.export(ctx, exportRequest, request.tero.locale);
    if ('jobId' in result) return reply.redirect(`/exports?job=${encodeURIComponent(result.jobId)}`, 303);
    return reply.code(200).type(result.file.contentType).header('content-disposition', attachment(result.file.filename)).header('cache-control', 'private, no-store').send(result.file.stream);
  }

  /** A job's progress as JSON (the page's script asks every second). */
  @Get('/exports/jobs/:id')
  async jobStatus(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const ctx = this.access(request);
    if (!ctx) return reply.code(401).send({ error: { code: 'auth.unauthenticated', message: say(this.kernel, request, 'errors:auth.unauthenticated') } });
    const job = await this.kernel.dataExports.status(ctx, id);
    return reply.header('cache-control', 'no-store').send({ id: job.id, state: job.state, done: job.done, total: job.total, percent: job.percent, filename: job.filename, expiresAt: job.expiresAt?.toISOString() ?? null, downloadUrl: job.state === 'completed' ? `/exports/jobs/${job.id}/file` : null });
  }

  /** A finished job's file, for a day. */
  @Get('/exports/jobs/:id/file')
  async jobFile(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const ctx = this.access(request);
    if (!ctx) return reply.redirect('/login', 303);
    const file = await this.kernel.dataExports.download(ctx, id);
    return reply.type(file.contentType).header('content-length', String(file.size)).header('content-disposition', attachment(file.filename)).header('cache-control', 'private, no-store').send(file.stream);
  }

  /** The page's progress script; its URL changes with its content. */
  @Get('/assets/exports/:hash/:file')
  progressScript(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    if (request.url.split('?')[0] !== EXPORT_PROGRESS_PATH) return reply.code(404).type('text/plain').send('not found');
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(EXPORT_PROGRESS_SCRIPT);
  }
}
