import { join } from 'node:path';
import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { AuthError, NotFoundError, RateLimitedError, ValidationError, hostOf } from '@tero/accounts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DashboardPage } from '../dashboard/dashboard.page';
import { CsrfError, ForbiddenError } from '../http/page-errors';
import { KERNEL } from '../http/tokens';
import { SESSION_COOKIE, tenantContextOf } from '../http/request-context';
import type { Kernel } from '../kernel';
import { ProfessionNames } from './profession-names';
import { ThemeAssets } from './theme-assets';
import { checkedForm, sendPage } from './page-kit';

/**
 * Server-rendered pages: sign-in (password and magic link), the client dashboard at `/` (see
 * `DashboardPage`), the brand admin's client list, and the operator's plugins and outbox. Every form is
 * CSRF-checked.
 */
@Controller()
export class PagesController {
  private readonly professions: ProfessionNames;
  private readonly themeAssets: ThemeAssets;
  private readonly dashboardPage: DashboardPage;

  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {
    this.professions = new ProfessionNames(join(kernel.rootDir, 'profession-packs'));
    this.dashboardPage = new DashboardPage(kernel);
    this.themeAssets = new ThemeAssets(join(kernel.rootDir, 'themes'), (themeId) => kernel.views.has(themeId));
  }

  private async signIn(request: FastifyRequest, reply: FastifyReply, user: Parameters<Kernel['auth']['createSession']>[0]) {
    const target = await this.kernel.auth.homeUrl(user);
    const here = `${request.protocol}://${request.headers.host}`;
    if (new URL(target).hostname !== hostOf(request.headers.host)) {
      // Cookies are per host: hand the sign-in over to the user's own host with a one-minute link.
      return reply.redirect(await this.kernel.auth.issueMagicLink(user, 60), 303);
    }
    const session = await this.kernel.auth.createSession(user, request.headers['user-agent']);
    reply.setCookie(SESSION_COOKIE, session.token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: here.startsWith('https'),
      expires: session.expiresAt,
    });
    return reply.redirect('/', 303);
  }

  @Get('/')
  async home(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const { principal, host } = request.tero;
    if (!principal) return reply.redirect('/login', 303);
    if (host.kind === 'client') return this.dashboardPage.render(request, reply);
    if (host.kind === 'brand') return reply.redirect('/admin/clients', 303);
    return reply.redirect('/operator/plugins', 303);
  }

  @Get('/login')
  async loginPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    if (request.tero.principal) return reply.redirect('/', 303);
    return sendPage(this.kernel, request, reply, 'login', { title: this.kernel.i18n.t('ui:login.title', { lng: request.tero.locale }) });
  }

  @Post('/login')
  async login(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const t = (key: string, vars = {}) => this.kernel.i18n.t(key, { lng: request.tero.locale, ...vars });
    let body: Record<string, unknown> = {};
    try {
      body = checkedForm(this.kernel, request);
      const user = await this.kernel.auth.login(request.tero.host, body, request.ip);
      return await this.signIn(request, reply, user);
    } catch (error) {
      const email = typeof body.email === 'string' ? body.email.slice(0, 254) : '';
      if (error instanceof CsrfError) return sendPage(this.kernel, request, reply, 'login', { error: t('ui:login.csrf'), email }, 403);
      if (error instanceof RateLimitedError) {
        reply.header('retry-after', String(error.retryAfterSeconds));
        return sendPage(this.kernel, request, reply, 'login', { error: t('ui:login.rateLimited', { seconds: error.retryAfterSeconds }), email }, 429);
      }
      if (error instanceof AuthError || error instanceof ValidationError) return sendPage(this.kernel, request, reply, 'login', { error: t('ui:login.invalid'), email }, error instanceof AuthError ? 401 : 400);
      throw error;
    }
  }

  @Get('/magic-link')
  async magicLinkPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return sendPage(this.kernel, request, reply, 'magic-link');
  }

  @Post('/magic-link')
  async requestMagicLink(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const t = (key: string, vars = {}) => this.kernel.i18n.t(key, { lng: request.tero.locale, ...vars });
    try {
      const body = checkedForm(this.kernel, request);
      await this.kernel.auth.requestMagicLink(request.tero.host, body, request.ip);
      return sendPage(this.kernel, request, reply, 'magic-link-sent', { ttlMinutes: this.kernel.config.MAGIC_LINK_TTL_MINUTES });
    } catch (error) {
      if (error instanceof CsrfError) return sendPage(this.kernel, request, reply, 'magic-link', { error: t('ui:login.csrf') }, 403);
      if (error instanceof ValidationError) return sendPage(this.kernel, request, reply, 'magic-link', { error: error.problems.map((p) => `${p.field}: ${p.reason}`).join('; ') }, 400);
      if (error instanceof RateLimitedError) return sendPage(this.kernel, request, reply, 'magic-link', { error: t('ui:login.rateLimited', { seconds: error.retryAfterSeconds }) }, 429);
      throw error;
    }
  }

  @Get('/auth/magic')
  async consumeMagicLink(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    try {
      const user = await this.kernel.auth.consumeMagicLink(request.tero.host, (request.query as Record<string, unknown>).token);
      return await this.signIn(request, reply, user);
    } catch (error) {
      if (error instanceof AuthError) {
        return sendPage(this.kernel, request, reply, 'magic-link', { error: this.kernel.i18n.t('ui:magicLink.invalid', { lng: request.tero.locale }) }, 400);
      }
      throw error;
    }
  }

  @Post('/logout')
  async logout(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    checkedForm(this.kernel, request);
    await this.kernel.auth.revokeSession(request.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  }

  private requireRole(request: FastifyRequest, kinds: string[], roles: string[]) {
    const { principal, host } = request.tero;
    if (!principal) return false;
    if (!kinds.includes(host.kind) || !roles.includes(principal.role)) throw new ForbiddenError();
    return true;
  }

  @Get('/admin/clients')
  async brandClients(@Req() request: FastifyRequest, @Res() reply: FastifyReply, extra: { error?: string; notice?: string } = {}, status = 200) {
    if (!this.requireRole(request, ['brand'], ['brand_admin'])) return reply.redirect('/login', 303);
    const host = request.tero.host as Extract<typeof request.tero.host, { kind: 'brand' }>;
    const clients = await this.kernel.accounts.listClients(tenantContextOf(request.tero));
    const port = new URL(this.kernel.config.PUBLIC_URL).port;
    const rows = [];
    for (const c of clients) {
      const clientHost = this.kernel.resolver.clientHost(host.brand, c.slug);
      const professionName = await this.professions.nameOf(c.professionPack, request.tero.locale);
      rows.push({ id: c.id, name: c.name, slug: c.slug, status: c.status, professionName, host: clientHost, url: `${request.protocol}://${clientHost}${port ? `:${port}` : ''}/` });
    }
    return sendPage(this.kernel, request, reply, 'brand-clients', { clients: rows, ...extra }, status);
  }

  /**
   * Deletes a client and everything it owns, once the brand admin typed its slug (a slip of the mouse
   * deletes nothing). Logged as an audit line; the hooks registered on the accounts service (its cloned
   * voice…) run first.
   */
  @Post('/admin/clients/:id/delete')
  async deleteClient(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    if (!this.requireRole(request, ['brand'], ['brand_admin'])) return reply.redirect('/login', 303);
    const body = checkedForm(this.kernel, request);
    const ctx = tenantContextOf(request.tero);
    const client = await this.kernel.accounts.getClient(ctx, id);
    const t = (key: string, vars = {}) => this.kernel.i18n.t(key, { lng: request.tero.locale, ...vars });
    if (typeof body.confirmSlug !== 'string' || body.confirmSlug.trim() !== client.slug) {
      return this.brandClients(request, reply, { error: t('ui:brandClients.slugMismatch', { slug: client.slug }) }, 400);
    }
    await this.kernel.accounts.deleteClient(ctx, client.id);
    this.kernel.logger.info({ audit: 'client.deleted', brandId: ctx.brandId, clientId: client.id, slug: client.slug, userId: ctx.userId }, 'a brand admin deleted a client');
    return this.brandClients(request, reply, { notice: t('ui:brandClients.deleted', { name: client.name }) });
  }

  /** A theme's stylesheet (`themes/<id>/assets/<file>.css`), linked by the theme layouts. */
  @Get('/themes/:themeId/:file')
  async themeAsset(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('themeId') themeId: string, @Param('file') file: string) {
    const asset = await this.themeAssets.get(themeId, file);
    if (!asset) throw new NotFoundError('theme file');
    // Private: the response may carry the browser's CSRF cookie, which no shared cache may keep.
    reply.header('etag', asset.etag).header('cache-control', 'private, max-age=300');
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.contentType).send(asset.body);
  }

  @Get('/operator/plugins')
  async operatorPlugins(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    if (!this.requireRole(request, ['instance'], ['operator'])) return reply.redirect('/login', 303);
    const report = this.kernel.plugins.report;
    return sendPage(this.kernel, request, reply, 'operator-plugins', { discovered: report.discovered, rejected: report.rejected });
  }

  @Get('/operator/outbox')
  async operatorOutbox(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    if (!this.requireRole(request, ['instance'], ['operator'])) return reply.redirect('/login', 303);
    return sendPage(this.kernel, request, reply, 'operator-outbox', { messages: await this.outboxList(), selected: null });
  }

  @Get('/operator/outbox/:id')
  async operatorOutboxMessage(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    if (!this.requireRole(request, ['instance'], ['operator'])) return reply.redirect('/login', 303);
    const selected = await this.kernel.outbox.get(id);
    if (!selected) throw new NotFoundError('message');
    return sendPage(this.kernel, request, reply, 'operator-outbox', { messages: await this.outboxList(), selected: { ...selected, to: selected.to.join(', ') } });
  }

  private async outboxList() {
    const messages = await this.kernel.outbox.list({ limit: 100 });
    return messages.map((m) => ({ ...m, to: m.to.join(', ') }));
  }
}
