import { Brand } from '@tero/db';
import type { FastifyRequest } from 'fastify';
import type { Kernel } from '../kernel';
import { tenantContextOf } from '../http/request-context';
import { originOf } from './origin';

/** Brand look for a request: the host's brand (cached per request), or the instance's own look. */
async function brandLook(kernel: Kernel, request: FastifyRequest) {
  const host = request.tero.host;
  if (host.kind === 'instance') return { themeId: 'default', tokens: {}, brand: { name: 'Tero Voice', logoUrl: null, supportEmail: null } };
  const brand = await kernel.db.forTenant(tenantContextOf(request.tero)).findOne(Brand, { id: host.brand.id });
  return {
    themeId: brand?.themeId ?? 'default',
    tokens: brand?.themeTokens ?? {},
    brand: { name: brand?.name ?? host.brand.name, logoUrl: brand?.logoUrl ?? null, supportEmail: brand?.supportEmail ?? null },
  };
}

const looks = new WeakMap<FastifyRequest, Awaited<ReturnType<typeof brandLook>>>();

/** Loads the brand's look once per request, so that rendering (even of an error) needs no await. */
export async function prepareLook(kernel: Kernel, request: FastifyRequest): Promise<void> {
  if (!looks.has(request)) looks.set(request, await brandLook(kernel, request));
}

/**
 * A brand admin who drilled down into a client's dashboard (signed in on the client's host): the header
 * shows the client's navigation and a banner naming the client, with the way back to the brand's overview.
 */
function drillDown(kernel: Kernel, request: FastifyRequest): { client: string; overviewUrl: string } | null {
  const host = request.tero?.host;
  if (host?.kind !== 'client' || request.tero.principal?.role !== 'brand_admin') return null;
  return { client: host.client.name, overviewUrl: `${originOf(kernel, request, kernel.resolver.brandHost(host.brand))}/admin/overview` };
}

/** Renders a page through the brand's theme, in the reader's language, with the CSRF token for forms. */
export function renderPage(kernel: Kernel, request: FastifyRequest, page: string, data: Record<string, unknown> = {}): string {
  const look = looks.get(request) ?? { themeId: 'default', tokens: {}, brand: { name: 'Tero Voice', logoUrl: null, supportEmail: null } };
  return kernel.views.render(look.themeId, page, {
    locale: request.tero?.locale ?? 'en',
    tokens: look.tokens,
    title: typeof data.title === 'string' ? data.title : undefined,
    data: {
      brand: look.brand,
      user: request.tero?.principal ?? null,
      csrf: request.tero ? kernel.csrf.tokenFor(request.tero.csrfSecret) : '',
      viewing: drillDown(kernel, request),
      ...data,
    },
  });
}
