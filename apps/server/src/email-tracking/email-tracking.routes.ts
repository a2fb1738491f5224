import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Brand } from '@tero/db';
import { EmailEvents } from '@tero/notifications';
import { EMAIL, TeroError, type EmailTransport } from '@tero/sdk';
import type { Kernel } from '../kernel';

/** The 1×1 transparent GIF the open pixel answers with. */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** Largest event webhook accepted: SendGrid batches up to a few hundred events, a few KiB each at most. */
export const EMAIL_HOOK_BODY_LIMIT = 2 * 1024 * 1024;

/** Provider path segments and the e-mail plugin each names. */
export const EMAIL_HOOK_PROVIDERS: Readonly<Record<string, string>> = { sendgrid: 'email-sendgrid' };

/** Tokens are wildcard segments: a click token holds its URL, longer than Fastify's limit on a named parameter. */
type TokenParams = { Params: { '*': string } };

/**
 * The links in our e-mails and the vendors' event webhooks:
 * - `GET /e/o/:token` the open pixel (a GIF, never cached), `GET /e/c/:token` a click, redirected only to the
 *   URL signed inside the token (no open redirect);
 * - `GET /e/u/:token` the unsubscribe confirm page, `POST /e/u/:token` unsubscribes (the page's button, and
 *   mail clients' one-click `List-Unsubscribe-Post`, which carries no session or CSRF token: the signed token is
 *   the proof);
 * - `POST /hooks/email/:provider/:brand` a vendor's events for one brand, verified by the plugin (401 and nothing
 *   stored when the signature fails), each applied once.
 * A token that does not verify, or names another tenant than the host, answers 404 and records nothing.
 */
export function emailTrackingRoutes(kernel: Kernel) {
  const ingest = new EmailEvents(kernel.db, kernel.emailTracking, (brandId, email, category, source) => kernel.emailSequences.unsubscribe(brandId, email, category, source));
  const now = () => new Date();

  /** The token's tenant must be the host's (a client's link works on that client's host only). */
  const fitsHost = (request: FastifyRequest, brandId: string, clientId: string | null): boolean => {
    const host = request.tero?.host;
    if (!host || host.kind === 'instance') return false;
    if (host.brand.id !== brandId) return false;
    return host.kind === 'brand' ? clientId === null : host.client.id === clientId;
  };
  const notFound = (reply: FastifyReply) => {
    throw new TeroError('email.tracking_invalid', 'this link is not valid', {}, { status: 404 });
  };

  const unsubscribePage = async (request: FastifyRequest<TokenParams>, reply: FastifyReply, done: boolean) => {
    const token = kernel.trackingTokens.verify(request.params['*'], 'unsubscribe');
    if (!fitsHost(request, token.brandId, token.clientId)) return notFound(reply);
    const brand = await kernel.db.forTenant({ brandId: token.brandId, clientId: null, locale: 'en' }).findOne(Brand, { id: token.brandId });
    if (!brand) return notFound(reply);
    if (done) {
      const oneClick = /List-Unsubscribe=One-Click/i.test(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
      await kernel.emailSequences.unsubscribe(brand.id, token.email, token.category, oneClick ? 'one-click' : 'link');
    }
    const html = kernel.emailTemplates.renderUnsubscribePage({
      themeId: brand.themeId,
      tokens: { ...(kernel.views.tokensOf(brand.themeId) ?? kernel.views.tokensOf('default') ?? {}), ...(brand.themeTokens ?? {}) },
      brand: { name: brand.name, logoUrl: brand.logoUrl },
      locale: request.tero.locale,
      email: token.email,
      category: token.category,
      action: `/e/u/${request.params['*']}`,
      done,
    });
    return reply.code(200).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').type('text/html; charset=utf-8').send(html);
  };

  return async function register(fastify: FastifyInstance): Promise<void> {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: EMAIL_HOOK_BODY_LIMIT }, (_request: FastifyRequest, body: Buffer | string, done: (error: Error | null, body?: Buffer) => void) => {
      done(null, typeof body === 'string' ? Buffer.from(body) : body);
    });
    fastify.setErrorHandler((error: FastifyError | TeroError, request: FastifyRequest, reply: FastifyReply) => {
      const status = error instanceof TeroError ? (error.options.status ?? 400) : error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
      if (status >= 500) kernel.logger.error({ err: error, url: request.url }, 'e-mail link or webhook failed');
      const code = error instanceof TeroError ? error.code : status === 500 ? 'internal' : 'email.bad_request';
      const message = status >= 500 ? 'internal error' : kernel.i18n.t(`errors:${code}`, { lng: request.tero?.locale ?? 'en', defaultValue: error.message });
      return reply.code(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send({ error: { code, message } });
    });

    fastify.get<TokenParams>('/e/o/*', async (request, reply) => {
      const token = kernel.trackingTokens.verify(request.params['*'].replace(/\.gif$/, ''), 'open');
      if (!fitsHost(request, token.brandId, token.clientId)) return notFound(reply);
      await kernel.emailTracking.record(token.brandId, token.clientId, { messageId: token.messageId, kind: 'open', at: now() });
      return reply.code(200).header('cache-control', 'no-store, max-age=0').type('image/gif').send(PIXEL_GIF);
    });

    fastify.get<TokenParams>('/e/c/*', async (request, reply) => {
      const token = kernel.trackingTokens.verify(request.params['*'], 'click');
      if (!fitsHost(request, token.brandId, token.clientId)) return notFound(reply);
      await kernel.emailTracking.record(token.brandId, token.clientId, { messageId: token.messageId, kind: 'click', url: token.url, at: now() });
      return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(token.url, 302);
    });

    fastify.get<TokenParams>('/e/u/*', (request, reply) => unsubscribePage(request, reply, false));
    fastify.post<TokenParams>('/e/u/*', (request, reply) => unsubscribePage(request, reply, true));

    fastify.post<{ Params: { provider: string; brand: string } }>('/hooks/email/:provider/:brand', { bodyLimit: EMAIL_HOOK_BODY_LIMIT }, async (request, reply) => {
      const pluginId = EMAIL_HOOK_PROVIDERS[request.params.provider];
      const brand = pluginId ? await kernel.db.forInstance('an e-mail vendor names its brand by slug').findOne(Brand, { slug: request.params.brand }) : null;
      const enabled = pluginId !== undefined && kernel.plugins.plugins.some((p) => p.manifest.id === pluginId);
      if (!pluginId || !brand || !enabled) throw new TeroError('email.webhook_unknown', 'no e-mail provider with events here', {}, { status: 404 });
      const ctx = { brandId: brand.id, clientId: null, locale: 'en' };
      const transport: EmailTransport = await kernel.registry.get(EMAIL, ctx, pluginId);
      if (!transport.parseEvents) throw new TeroError('email.webhook_unknown', `${pluginId} takes no events`, {}, { status: 404 });
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      const events = await transport.parseEvents(ctx, { headers, rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0) });
      const summary = await ingest.apply(brand.id, pluginId, events);
      return reply.code(200).type('application/json; charset=utf-8').send({ ok: true, ...summary });
    });
  };
}
