import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { AuthError, NotFoundError } from '@tero/accounts';
import { User } from '@tero/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { moneyText } from '../calls/calls-view';
import { ForbiddenError } from '../http/page-errors';
import { SESSION_COOKIE, tenantContextOf } from '../http/request-context';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { checkedForm, sendPage } from '../pages/page-kit';

/** How long the link that carries a drill-down from the brand's host to the client's lives. */
const ENTRY_LINK_SECONDS = 60;

/**
 * The brand admin's overview (`GET /admin/overview` on the brand's host): every client with its last 30
 * days' calls and revenue and what needs attention, and the way into a client's dashboard. Cookies are per
 * host, so the way in is a one-minute, one-time sign-in link for the admin to the client's host
 * (`GET /admin/enter` there), handed out only after the entry is written to `admin_access_log` and logged.
 */
@Controller()
export class BrandOverviewPagesController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  @Get('/admin/overview')
  async overview(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    if (!this.brandAdmin(request)) return reply.redirect('/login', 303);
    const ctx = tenantContextOf(request.tero);
    const locale = request.tero.locale;
    const t = this.kernel.i18n.getFixedT(locale);
    const [rows, recent] = await Promise.all([this.kernel.brandOverview.clients(ctx), this.kernel.brandOverview.recentAccess(ctx, 20)]);
    const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0, signDisplay: 'exceptZero' });
    const clients = rows.map((row) => {
      const flags = [
        row.health.callsTrendingDown ? { key: 'callsDown', label: t('analytics:brand.flags.callsDown') } : null,
        row.health.paymentFailed ? { key: 'paymentFailed', label: t('analytics:brand.flags.paymentFailed', { status: t(`analytics:brand.subscription.${row.subscriptionStatus}`, { defaultValue: row.subscriptionStatus ?? '' }) }) } : null,
        row.health.setupIncomplete ? { key: 'setupIncomplete', label: t('analytics:brand.flags.setupIncomplete') } : null,
      ].filter((f) => f !== null);
      return {
        ...row,
        change: row.callsChange === null ? '' : percent.format(row.callsChange),
        revenue: moneyText(row.revenueMinor, row.currency, locale),
        flags,
        healthy: flags.length === 0,
      };
    });
    return sendPage(this.kernel, request, reply, 'brand-overview', {
      title: t('analytics:brand.title'),
      clients,
      attention: clients.filter((c) => !c.healthy).length,
      recent: recent.map((r) => ({ ...r, at: r.at.toISOString().slice(0, 16).replace('T', ' ') })),
    });
  }

  /** Opens a client's dashboard for the admin: audited first (a row and a log line), then a one-time link to the client's host. */
  @Post('/admin/overview/clients/:id/open')
  async open(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    if (!this.brandAdmin(request)) return reply.redirect('/login', 303);
    checkedForm(this.kernel, request);
    const ctx = tenantContextOf(request.tero);
    const principal = request.tero.principal!;
    const user = await this.kernel.db.forTenant(ctx).findOne(User, { id: principal.userId });
    if (!user) throw new AuthError('auth.unauthenticated', 'sign in again');
    const { id: accessId, client } = await this.kernel.brandOverview.recordAccess(ctx, {
      clientId: id,
      userId: principal.userId,
      userEmail: principal.email,
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
    });
    this.kernel.logger.info({ audit: 'admin.client_opened', accessId, brandId: ctx.brandId, clientId: client.id, slug: client.slug, userId: principal.userId }, 'a brand admin opened a client’s dashboard');
    const host = request.tero.host as Extract<typeof request.tero.host, { kind: 'brand' }>;
    const token = new URL(await this.kernel.auth.issueMagicLink(user, ENTRY_LINK_SECONDS)).searchParams.get('token')!;
    const port = new URL(this.kernel.config.PUBLIC_URL).port;
    const origin = `${request.protocol}://${this.kernel.resolver.clientHost(host.brand, client.slug)}${port ? `:${port}` : ''}`;
    return reply.redirect(`${origin}/admin/enter?token=${encodeURIComponent(token)}`, 303);
  }

  /** On the client's host: takes the one-time link of a drill-down and signs the brand admin in here. */
  @Get('/admin/enter')
  async enter(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const { host } = request.tero;
    if (host.kind !== 'client') throw new NotFoundError('page');
    const user = await this.kernel.auth.consumeMagicLink(host, (request.query as Record<string, unknown>).token);
    // Only an admin's drill-down lands here; a client's own users sign in through /login.
    if (user.role !== 'brand_admin') throw new ForbiddenError();
    const session = await this.kernel.auth.createSession(user, request.headers['user-agent']);
    reply.setCookie(SESSION_COOKIE, session.token, { path: '/', httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', expires: session.expiresAt });
    this.kernel.logger.info({ audit: 'admin.client_entered', brandId: host.brand.id, clientId: host.client.id, userId: user.id }, 'a brand admin entered a client’s dashboard');
    return reply.redirect('/dashboard', 303);
  }

  private brandAdmin(request: FastifyRequest): boolean {
    const { principal, host } = request.tero;
    if (!principal) return false;
    if (host.kind !== 'brand' || principal.role !== 'brand_admin') throw new ForbiddenError();
    return true;
  }

}
