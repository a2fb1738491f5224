import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { type ApiKeyView } from '@tero/analytics';
import { ValidationError } from '@tero/accounts';
import { API_KEY_SCOPES } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../http/page-errors';
import { tenantContextOf } from '../http/request-context';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { checkedForm, errorWords, say, sendPage } from '../pages/page-kit';

type Form = Record<string, unknown>;
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** What the page shows beyond the list: the key just made (once), the form as posted, a notice or an error. */
interface PageExtra {
  newKey?: { key: string; name: string };
  error?: string;
  notice?: string;
  values?: { name: string; scopes: string[]; rateLimitPerMinute: string };
  fieldErrors?: Record<string, string>;
}

/**
 * `/settings/api-keys`, for the client's owner on the client's address: make a key (name, scopes, requests
 * per minute) and see it once, list the keys (prefix, scopes, last use), revoke one after ticking the
 * confirmation. Every form is CSRF-checked; bad input shows the page again with the reason and makes nothing.
 */
@Controller('/settings/api-keys')
export class ApiKeysPagesController {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {}

  private access(request: FastifyRequest): { ctx: TenantContext; by: { userId: string; name: string } } | null {
    const { principal, host } = request.tero;
    if (!principal) return null;
    if (host.kind !== 'client' || principal.role !== 'client_owner') throw new ForbiddenError();
    return { ctx: tenantContextOf(request.tero), by: { userId: principal.userId, name: principal.name } };
  }

  private row(request: FastifyRequest, key: ApiKeyView) {
    const when = (at: Date | null) => (at ? at.toISOString() : null);
    return {
      id: key.id,
      name: key.name,
      prefix: key.prefix,
      scopes: key.scopes.map((s) => ({ id: s, label: say(this.kernel, request, `analytics:api.scope.${s}`) })),
      rateLimitPerMinute: key.rateLimitPerMinute,
      createdAt: when(key.createdAt),
      createdByName: key.createdByName,
      lastUsedAt: when(key.lastUsedAt),
      revokedAt: when(key.revokedAt),
      active: !key.revokedAt,
    };
  }

  private async page(request: FastifyRequest, reply: FastifyReply, ctx: TenantContext, extra: PageExtra = {}, status = 200) {
    const keys = await this.kernel.apiKeys.list(ctx);
    const values = extra.values ?? { name: '', scopes: ['calls:read'], rateLimitPerMinute: '60' };
    // The page may hold a key shown once: no cache keeps it.
    return sendPage(this.kernel, request, reply, 'api-keys', {
      title: say(this.kernel, request, 'analytics:api.keys.title'),
      error: extra.error,
      notice: extra.notice,
      newKey: extra.newKey ?? null,
      values,
      fieldErrors: extra.fieldErrors ?? {},
      scopes: API_KEY_SCOPES.map((s) => ({ id: s, label: say(this.kernel, request, `analytics:api.scope.${s}`), checked: values.scopes.includes(s) })),
      keys: keys.map((k) => this.row(request, k)),
      hasKeys: keys.length > 0,
    }, status);
  }

  @Get()
  async show(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const who = this.access(request);
    if (!who) return reply.redirect('/login', 303);
    const done = str((request.query as Form | undefined)?.done);
    return this.page(request, reply, who.ctx, { notice: done === 'revoked' ? say(this.kernel, request, 'analytics:api.keys.revokedNotice') : undefined });
  }

  @Post()
  async create(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const who = this.access(request);
    if (!who) return reply.redirect('/login', 303);
    const form = checkedForm(this.kernel, request);
    const scopes = (Array.isArray(form.scopes) ? form.scopes : form.scopes === undefined ? [] : [form.scopes]).map(str);
    const values = { name: str(form.name), scopes, rateLimitPerMinute: str(form.rateLimitPerMinute) };
    try {
      const made = await this.kernel.apiKeys.create(who.ctx, who.by, { name: values.name, scopes, rateLimitPerMinute: values.rateLimitPerMinute || undefined });
      return this.page(request, reply, who.ctx, { newKey: { key: made.key, name: made.apiKey.name }, notice: say(this.kernel, request, 'analytics:api.keys.createdNotice') });
    } catch (error) {
      if (error instanceof ValidationError) {
        const fieldErrors = Object.fromEntries(error.problems.map((p) => [p.field.split('.')[0]!, p.reason]));
        return this.page(request, reply, who.ctx, { values, fieldErrors, error: say(this.kernel, request, 'analytics:api.keys.fixForm') }, 400);
      }
      if (error instanceof TeroError && (error.options.status ?? 400) < 500) return this.page(request, reply, who.ctx, { values, error: errorWords(this.kernel, request, error) }, error.options.status ?? 400);
      throw error;
    }
  }

  @Post('/:id/revoke')
  async revoke(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    const who = this.access(request);
    if (!who) return reply.redirect('/login', 303);
    const form = checkedForm(this.kernel, request);
    if (str(form.confirm) !== 'yes') return this.page(request, reply, who.ctx, { error: say(this.kernel, request, 'analytics:api.keys.confirmNeeded') }, 400);
    try {
      await this.kernel.apiKeys.revoke(who.ctx, id);
    } catch (error) {
      if (error instanceof TeroError && (error.options.status ?? 400) < 500) return this.page(request, reply, who.ctx, { error: errorWords(this.kernel, request, error) }, error.options.status ?? 400);
      throw error;
    }
    return reply.redirect('/settings/api-keys?done=revoked', 303);
  }
}
