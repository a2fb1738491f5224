import { type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AuthError, type Principal, principalFitsHost } from '@tero/accounts';
import { TeroError, type TenantContext, INSTANCE_CONTEXT_BRAND } from '@tero/sdk';
import type { FastifyRequest } from 'fastify';

/** 403: the token belongs to a tenant this host is not. */
export class TenantMismatchError extends TeroError {
  constructor() {
    super('tenant.mismatch', 'this token belongs to another brand or client than this address', {}, { status: 403 });
  }
}

/** API requests need a valid bearer token whose tenant fits the host (an instance host accepts any). */
@Injectable()
export class ApiAuthGuard extends AuthGuard('jwt') {
  override handleRequest<T>(error: unknown, user: T, info: unknown): T {
    if (error instanceof TeroError) throw error;
    if (error || !user) throw new AuthError('auth.token_invalid', `missing or invalid bearer token${info instanceof Error ? `: ${info.message}` : ''}`);
    return user;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const request = context.switchToHttp().getRequest<FastifyRequest & { user: Principal }>();
    const host = request.tero.host;
    if (host.kind !== 'instance' && !principalFitsHost(request.user, host)) throw new TenantMismatchError();
    return true;
  }
}

/** The tenant an API call acts for: the token's, narrowed to the host's client for a brand admin. */
export function apiContext(request: FastifyRequest & { user: Principal }): TenantContext {
  const p = request.user;
  const base = { locale: request.tero.locale, requestId: request.tero.requestId, userId: p.userId };
  if (p.role === 'operator' || !p.brandId) return { ...base, brandId: INSTANCE_CONTEXT_BRAND, clientId: null };
  const host = request.tero.host;
  const clientId = p.clientId ?? (host.kind === 'client' ? host.client.id : null);
  return { ...base, brandId: p.brandId, clientId };
}
