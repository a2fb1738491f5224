import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { ValidationError } from '@tero/accounts';
import { REPORT_KINDS, type ReportKind, parsePeriodKey } from '@tero/analytics';
import { Client } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { attachment } from '../exports/exports-pages.controller';
import { ForbiddenError } from '../http/page-errors';
import { tenantContextOf } from '../http/request-context';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { checkedForm, errorText, say, sendPage } from '../pages/page-kit';

type ClientContext = TenantContext & { clientId: string };

/**
 * The client's `/reports`: download a daily, weekly or monthly report of any period as a PDF (in the
 * reader's language), choose which reports are e-mailed (owners and the brand's admins; staff read), and
 * see the reports e-mailed lately.
 */
@Controller()
export class ReportsPagesController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  private access(request: FastifyRequest): { ctx: ClientContext; manage: boolean } | null {
    const { principal, host } = request.tero;
    if (!principal) return null;
    if (host.kind !== 'client' || !['client_owner', 'client_staff', 'brand_admin'].includes(principal.role)) throw new ForbiddenError();
    return { ctx: { ...tenantContextOf(request.tero), clientId: host.client.id }, manage: principal.role !== 'client_staff' };
  }

  private async page(request: FastifyRequest, reply: FastifyReply, extra: { error?: string; notice?: string; kind?: string; date?: string } = {}, status = 200) {
    const access = this.access(request);
    if (!access) return reply.redirect('/login', 303);
    const { ctx, manage } = access;
    const client = await this.kernel.db.forTenant(ctx).findOneOrFail(Client, { id: ctx.clientId });
    const choices = await this.kernel.reports.choices(ctx);
    const recent = await this.kernel.reports.recentDeliveries(ctx, 10);
    return sendPage(
      this.kernel,
      request,
      reply,
      'reports',
      {
        title: say(this.kernel, request, 'analytics:reports.pageTitle'),
        error: extra.error,
        notice: extra.notice,
        canManage: manage,
        kinds: REPORT_KINDS.map((kind) => ({ value: kind, label: say(this.kernel, request, `analytics:reports.title.${kind}`), selected: (extra.kind ?? 'weekly') === kind })),
        date: extra.date ?? '',
        today: await this.kernel.analytics.today(ctx),
        scheduleHint: say(this.kernel, request, 'analytics:reports.schedule.hint', { timezone: client.timezone }),
        choices: REPORT_KINDS.map((kind) => ({ value: kind, label: say(this.kernel, request, `analytics:reports.schedule.${kind}`), checked: choices[kind] })),
        recent: recent.map((delivery) => {
          const period = parsePeriodKey(delivery.kind as ReportKind, delivery.periodKey);
          return {
            text: say(this.kernel, request, 'analytics:reports.recent.item', { report: say(this.kernel, request, `analytics:reports.title.${delivery.kind}`), period: delivery.periodKey, count: delivery.recipients }),
            url: period ? `/reports/report.pdf?kind=${period.kind}&date=${period.range.from}` : null,
          };
        }),
      },
      status,
    );
  }

  @Get('/reports')
  async reportsPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const saved = (request.query as Record<string, unknown>).saved === '1';
    return this.page(request, reply, saved ? { notice: say(this.kernel, request, 'analytics:reports.schedule.saved') } : {});
  }

  /** `GET /reports/report.pdf?kind=weekly&date=2026-11-18`: the period holding that date (today's when none). */
  @Get('/reports/report.pdf')
  async reportPdf(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const access = this.access(request);
    if (!access) return reply.redirect('/login', 303);
    const query = (request.query ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(query).filter((key) => key !== 'kind' && key !== 'date');
    if (unknown.length) throw new ValidationError(unknown.map((field) => ({ field, reason: 'is not a choice of reports' })));
    const period = await this.kernel.reports.pickPeriod(access.ctx, { kind: query.kind, date: query.date });
    const { filename, content } = await this.kernel.reports.pdf(access.ctx, period, request.tero.locale);
    return reply.type('application/pdf').header('content-disposition', attachment(filename)).header('cache-control', 'private, no-store').send(content);
  }

  /** Saves which reports are e-mailed (owners and the brand's admins). */
  @Post('/reports/settings')
  async saveSettings(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const access = this.access(request);
    if (!access) return reply.redirect('/login', 303);
    if (!access.manage) throw new ForbiddenError();
    const body = checkedForm(this.kernel, request);
    try {
      await this.kernel.reports.saveChoices(access.ctx, body);
    } catch (error) {
      if (error instanceof ValidationError) return this.page(request, reply, { error: errorText(this.kernel, request, error) }, 400);
      throw error;
    }
    return reply.redirect('/reports?saved=1', 303);
  }
}
