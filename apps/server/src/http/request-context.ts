import { randomUUID } from 'node:crypto';
import { type HostTenant, type Principal, principalFitsHost } from '@tero/accounts';
import { type Locale, negotiateLocale } from '@tero/core';
import type { TenantContext } from '@tero/sdk';
import { INSTANCE_CONTEXT_BRAND } from '@tero/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kernel } from '../kernel';

export const SESSION_COOKIE = 'tero_session';
export const CSRF_COOKIE = 'tero_csrf';
export const LANG_COOKIE = 'tero_lang';

/** What every request carries once the host and the caller are known. */
export interface RequestState {
  requestId: string;
  host: HostTenant;
  /** Signed-in user allowed on this host (a session of another host is ignored). */
  principal: Principal | null;
  locale: Locale;
  csrfSecret: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    tero: RequestState;
  }
}

/** The tenant context of a request: the host's client (or brand), with the reader's language. */
export function tenantContextOf(state: RequestState): TenantContext {
  const base = { locale: state.locale, requestId: state.requestId, userId: state.principal?.userId ?? null };
  if (state.host.kind === 'client') return { ...base, brandId: state.host.brand.id, clientId: state.host.client.id };
  if (state.host.kind === 'brand') return { ...base, brandId: state.host.brand.id, clientId: null };
  return { ...base, brandId: INSTANCE_CONTEXT_BRAND, clientId: null };
}

/**
 * Fastify `onRequest` hook: resolves the host to a tenant (unknown host → 404, nothing else runs), the
 * session cookie to a principal that fits this host, the language, and the browser's CSRF secret.
 */
export function requestContextHook(kernel: Kernel) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const requestId = (request.headers['x-request-id'] as string | undefined)?.slice(0, 64) || randomUUID();
    reply.header('x-request-id', requestId);
    if (request.url === '/healthz' || request.url === '/readyz') return;
    // Prometheus scrapes by address, from no tenant's host: /metrics checks its caller itself (monitoring/).
    if (request.url === '/metrics') return;
    // jambonz calls from no tenant's host; its hooks verify their own signature (see hooks/).
    if (request.url.startsWith('/hooks/jambonz/')) return;
    const host = await kernel.resolver.resolve(request.headers.host);
    if (!host) {
      const locale = negotiateLocale({ acceptLanguage: request.headers['accept-language'] });
      const message = kernel.i18n.t('errors:tenant.unknown_host', { lng: locale });
      return reply.code(404).type('application/json').send({ error: { code: 'tenant.unknown_host', message } });
    }
    let principal = await kernel.auth.principalFromSession(request.cookies[SESSION_COOKIE]);
    if (principal && !principalFitsHost(principal, host)) principal = null;

    let csrfSecret = request.cookies[CSRF_COOKIE];
    if (!csrfSecret || csrfSecret.length > 100) {
      csrfSecret = kernel.csrf.newSecret();
      reply.setCookie(CSRF_COOKIE, csrfSecret, { path: '/', httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https' });
    }
    const query = request.query as Record<string, unknown> | undefined;
    const locale = negotiateLocale({
      explicit: [query?.lang, request.cookies[LANG_COOKIE], principal?.locale],
      acceptLanguage: request.headers['accept-language'],
      client: host.kind === 'client' ? host.client.locale : null,
      brand: host.kind === 'instance' ? null : host.brand.defaultLocale,
    });
    request.tero = { requestId, host, principal, locale, csrfSecret };
    request.log = request.log.child({
      requestId,
      brandId: host.kind === 'instance' ? null : host.brand.id,
      clientId: host.kind === 'client' ? host.client.id : null,
    });
  };
}
