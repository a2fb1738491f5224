import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Req, UseGuards } from '@nestjs/common';
import { NotFoundError, type Principal } from '@tero/accounts';
import type { Brand, Client, User } from '@tero/db';
import { TeroError } from '@tero/sdk';
import type { FastifyRequest } from 'fastify';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { ApiAuthGuard, apiContext } from './api-auth.guard';

type ApiRequest = FastifyRequest & { user: Principal };

class ForbiddenError extends TeroError {
  constructor(need: string) {
    super('auth.forbidden', `this needs the role ${need}`, { need }, { status: 403 });
  }
}

function requireRole(request: ApiRequest, ...roles: Principal['role'][]): void {
  if (!roles.includes(request.user.role)) throw new ForbiddenError(roles.join(' or '));
}

const brandView = (b: Brand) => ({ id: b.id, name: b.name, slug: b.slug, domains: b.domains, themeId: b.themeId, themeTokens: b.themeTokens, logoUrl: b.logoUrl ?? null, defaultLocale: b.defaultLocale, supportEmail: b.supportEmail, senderEmail: b.senderEmail, currency: b.currency });
const clientView = (c: Client) => ({ id: c.id, brandId: c.brand.id, name: c.name, slug: c.slug, professionPack: c.professionPack, timezone: c.timezone, locale: c.locale, status: c.status, createdAt: c.createdAt });
const userView = (u: User) => ({ id: u.id, email: u.email, name: u.name, role: u.role, brandId: u.brand?.id ?? null, clientId: u.client?.id ?? null, locale: u.locale ?? null });

/** Sign-in for API clients: a bearer token for the host's tenant. */
@Controller('/api/v1/auth')
export class ApiAuthController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  @Post('/token')
  @HttpCode(200)
  async token(@Req() request: FastifyRequest, @Body() body: unknown) {
    const user = await this.kernel.auth.login(request.tero.host, body, request.ip);
    return this.kernel.auth.issueAccessToken(user);
  }
}

/**
 * The tenant API. The tenant comes from the token (checked against the host by the guard); every read
 * and write goes through a tenant-scoped EntityManager, so another tenant's id answers 404.
 */
@Controller('/api/v1')
@UseGuards(ApiAuthGuard)
export class ApiController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  @Get('/me')
  me(@Req() request: ApiRequest) {
    const ctx = apiContext(request);
    return { user: request.user, tenant: { brandId: ctx.brandId, clientId: ctx.clientId }, locale: ctx.locale };
  }

  @Get('/brand')
  async brand(@Req() request: ApiRequest) {
    requireRole(request, 'brand_admin', 'client_owner', 'client_staff');
    return brandView(await this.kernel.accounts.getBrand(apiContext(request)));
  }

  @Patch('/brand')
  async updateBrand(@Req() request: ApiRequest, @Body() body: unknown) {
    requireRole(request, 'brand_admin');
    const input = (body ?? {}) as { themeId?: unknown };
    if (typeof input.themeId === 'string' && !this.kernel.views.has(input.themeId)) {
      throw new TeroError('validation.failed', `themeId: no theme "${input.themeId}" is installed`, {}, { status: 400 });
    }
    return brandView(await this.kernel.accounts.updateBrand(apiContext(request), body));
  }

  @Get('/clients')
  async clients(@Req() request: ApiRequest) {
    requireRole(request, 'brand_admin', 'client_owner', 'client_staff');
    return { items: (await this.kernel.accounts.listClients(apiContext(request))).map(clientView) };
  }

  @Post('/clients')
  async createClient(@Req() request: ApiRequest, @Body() body: unknown) {
    requireRole(request, 'brand_admin');
    return clientView(await this.kernel.accounts.createClient({ ...apiContext(request), clientId: null }, body as never));
  }

  @Get('/clients/:id')
  async client(@Req() request: ApiRequest, @Param('id') id: string) {
    requireRole(request, 'brand_admin', 'client_owner', 'client_staff');
    return clientView(await this.kernel.accounts.getClient(apiContext(request), id));
  }

  @Patch('/clients/:id')
  async updateClient(@Req() request: ApiRequest, @Param('id') id: string, @Body() body: unknown) {
    requireRole(request, 'brand_admin', 'client_owner');
    return clientView(await this.kernel.accounts.updateClient(apiContext(request), id, body));
  }

  @Get('/users')
  async users(@Req() request: ApiRequest) {
    requireRole(request, 'brand_admin', 'client_owner');
    return { items: (await this.kernel.accounts.listUsers(apiContext(request))).map(userView) };
  }

  @Get('/users/:id')
  async user(@Req() request: ApiRequest, @Param('id') id: string) {
    requireRole(request, 'brand_admin', 'client_owner');
    const user = (await this.kernel.accounts.listUsers(apiContext(request))).find((u) => u.id === id);
    if (!user) throw new NotFoundError('user');
    return userView(user);
  }

  @Post('/users')
  async createUser(@Req() request: ApiRequest, @Body() body: unknown) {
    requireRole(request, 'brand_admin', 'client_owner');
    return userView(await this.kernel.accounts.createUser(apiContext(request), body as never));
  }
}
