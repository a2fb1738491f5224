import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { DashboardPage } from './dashboard.page';

/**
 * The client dashboard (`GET /dashboard`; `GET /` of a client host renders the same page) and the two
 * small JSON documents its script reads: the figures (`/dashboard/summary.json`, `?from=&to=` for another
 * period of at most 400 days) and the calls in progress (`/dashboard/live.json`). Each answers only for
 * the client of the host, to its own users and its brand's admin.
 */
@Controller()
export class DashboardController {
  readonly page: DashboardPage;

  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {
    this.page = new DashboardPage(kernel);
  }

  @Get('/dashboard')
  async dashboard(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.page.render(request, reply);
  }

  @Get('/dashboard/summary.json')
  async summary(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const ctx = this.page.access(request);
    if (!ctx) return this.unauthenticated(request, reply);
    const query = request.query as Record<string, unknown>;
    const range = query.from !== undefined || query.to !== undefined ? { from: query.from, to: query.to } : undefined;
    return reply.header('cache-control', 'no-store').send(await this.page.summary(ctx, range));
  }

  @Get('/dashboard/live.json')
  async live(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const ctx = this.page.access(request);
    if (!ctx) return this.unauthenticated(request, reply);
    return reply.header('cache-control', 'no-store').send({ calls: await this.kernel.analytics.liveCalls(ctx) });
  }

  private unauthenticated(request: FastifyRequest, reply: FastifyReply) {
    return reply.code(401).send({ error: { code: 'auth.unauthenticated', message: this.kernel.i18n.t('errors:auth.unauthenticated', { lng: request.tero.locale }) } });
  }
}
