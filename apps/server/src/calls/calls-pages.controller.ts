import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { CallLogQueryError, type CallLogQuery } from '@tero/analytics';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../http/page-errors';
import { tenantContextOf } from '../http/request-context';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { detailView, formValues, logRow, outcomeOptions, pageHref } from './calls-view';
import { sendPage } from '../pages/page-kit';

/** Query-string parameters the pages themselves use, not filters of the call log. */
const PAGE_PARAMS = new Set(['lang']);

/**
 * The client's call log on its host: `GET /calls` (filters, results, the next page by cursor) and
 * `GET /calls/:id` (timeline, transcript, recording player, what the call produced, the transfer). The
 * client's own users and its brand's admins; another client's call is 404, like a call that never was.
 */
@Controller('/calls')
export class CallsPagesController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  @Get()
  async list(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    if (!this.allowed(request)) return reply.redirect('/login', 303);
    const ctx = tenantContextOf(request.tero);
    const t = this.kernel.i18n.getFixedT(request.tero.locale);
    const input = Object.fromEntries(Object.entries((request.query ?? {}) as Record<string, unknown>).filter(([key]) => !PAGE_PARAMS.has(key)));
    let query: CallLogQuery;
    try {
      query = this.kernel.callLog.parseQuery(input);
    } catch (error) {
      if (!(error instanceof CallLogQueryError)) throw error;
      // The form comes back with what was typed and the reason; nothing was searched.
      const typed = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, 120) : '']));
      const range = await this.kernel.callLog.rangeOf(ctx, {});
      return sendPage(this.kernel, request, reply, 'calls', { title: t('analytics:calls.title'), error: t(error.messageKey, error.params), form: { ...formValues({}, range), ...typed }, outcomes: outcomeOptions(t, String(typed.outcome ?? '')), items: [], searched: false }, 400);
    }
    const page = await this.kernel.callLog.search(ctx, query);
    const timezone = await this.kernel.callLog.timezoneOf(ctx);
    const form = formValues(query, page.range ?? (await this.kernel.callLog.rangeOf(ctx, query)));
    return sendPage(this.kernel, request, reply, 'calls', {
      title: t('analytics:calls.title'),
      form,
      outcomes: outcomeOptions(t, form.outcome ?? ''),
      sorts: ['newest', 'oldest', 'longest'].map((s) => ({ value: s, label: t(`analytics:calls.sorts.${s}`), selected: form.sort === s })),
      items: page.items.map((item) => logRow(item, timezone, t)),
      searched: true,
      timezone,
      nextHref: page.nextCursor ? pageHref(form, page.nextCursor, query.limit) : null,
      firstHref: query.cursor ? pageHref(form, null, query.limit) : null,
    });
  }

  @Get('/:id')
  async detail(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    if (!this.allowed(request)) return reply.redirect('/login', 303);
    const detail = await this.kernel.callLog.detail(tenantContextOf(request.tero), id);
    const t = this.kernel.i18n.getFixedT(request.tero.locale);
    return sendPage(this.kernel, request, reply, 'call-detail', { title: t('analytics:calls.detailTitle', { from: detail.call.fromNumber }), ...detailView(detail, t, request.tero.locale) });
  }

  /** A signed-in user of this client (or its brand's admin); false when nobody is signed in. */
  private allowed(request: FastifyRequest): boolean {
    const { principal, host } = request.tero;
    if (!principal) return false;
    if (host.kind !== 'client' || !['client_owner', 'client_staff', 'brand_admin'].includes(principal.role)) throw new ForbiddenError();
    return true;
  }

}
