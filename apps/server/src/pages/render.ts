import { Brand } from '@tero/db';
import type { FastifyRequest } from 'fastify';
import type { Kernel } from '../kernel';
import { tenantContextOf } from '../http/request-context';

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
      ...data,
    },
  });
}
