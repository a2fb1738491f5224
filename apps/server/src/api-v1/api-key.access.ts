import type { ApiKeyPrincipal, ApiRateWindow } from '@tero/analytics';
import type { ApiKeyScope } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TenantMismatchError } from '../api/api-auth.guard';
import { authenticateLimited } from '../http/spend-limits';
import type { Kernel } from '../kernel';

/** IETF RateLimit header fields, on every answer to a key (refusals included), so clients can pace themselves. */
function rateHeaders(reply: FastifyReply, window: ApiRateWindow): void {
  reply.header('ratelimit-limit', String(window.limit));
  reply.header('ratelimit-remaining', String(window.remaining));
  reply.header('ratelimit-reset', String(window.resetSeconds));
  reply.header('ratelimit-policy', `${window.limit};w=60`);
}

/**
 * A client API request's checks, in order: the caller's address under its limit of failed keys (429), the
 * bearer key (401 missing, invalid or revoked, counted against that limit), the host (a
 * key of one client is refused on another client's or brand's address: 403), the key's per-minute limit
 * (429 with Retry-After), then the route's scope (403 naming it). Returns the key's tenant context.
 */
export async function apiKeyAccess(kernel: Kernel, request: FastifyRequest, reply: FastifyReply, scope: ApiKeyScope): Promise<{ ctx: TenantContext; principal: ApiKeyPrincipal }> {
  reply.header('cache-control', 'no-store');
  const principal = await authenticateLimited(kernel, request, () => kernel.apiKeys.authenticate(request.headers.authorization));
  const host = request.tero.host;
  if ((host.kind === 'client' && host.client.id !== principal.clientId) || (host.kind === 'brand' && host.brand.id !== principal.brandId)) throw new TenantMismatchError();
  await kernel.apiKeys.admit(principal, (window) => rateHeaders(reply, window));
  kernel.apiKeys.requireScope(principal, scope);
  return { ctx: kernel.apiKeys.contextOf(principal, { locale: request.tero.locale, requestId: request.tero.requestId }), principal };
}
